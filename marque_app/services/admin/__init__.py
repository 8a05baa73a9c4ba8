"""Admin use-cases: products, categories and brands, inventory, customers, coupons, activity log.

Every write takes ``actor=`` (:class:`Actor`, the admin: ``Actor.of(auth_user)``) and records
who/what/when in ``admin_activity`` in its own transaction. Refusals raise
``domain.admin.AdminError`` (``.status`` 422/404/409, ``.field`` the form field, ``.message``).
The role check is the caller's: ``AdminState.require_admin`` in Reflex, ``require_roles("admin")``
in the API.
"""

from . import activity, coupons, customers, inventory, products, taxonomy
from .activity import Actor

__all__ = ["Actor", "activity", "coupons", "customers", "inventory", "products", "taxonomy"]
