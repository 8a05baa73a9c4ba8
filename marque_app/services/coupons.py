"""Coupons: look one up and say whether it applies, and why not.

CONTRACT READY

    from marque_app.services import coupons
    coupons.validate_coupon(session=, code="SAVE10", subtotal=Decimal, shipping=Decimal,
                            user_id=None, guest_email=None, now=None, currency="USD")
        -> CouponCheck(code, type, name, discount, free_shipping, message)
        # raises CouponInvalid (422, field="coupon_code") with .reason: unknown | inactive |
        # not_started | expired | used_up | customer_limit | below_minimum ("Spend $X more ...")

The maths and the rules are in ``marque_app.domain.checkout`` (``coupon_effect``,
``coupon_problem``); usage is counted by ``checkout.place_order`` with an atomic conditional
``UPDATE coupons SET used_count = used_count + 1 WHERE used_count < usage_limit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from marque_app.domain.checkout import CouponInvalid


@dataclass(frozen=True)
class CouponCheck:
    code: str
    type: str
    name: str
    discount: Decimal
    free_shipping: bool
    message: str


def validate_coupon(*, session, code: str, subtotal: Decimal, shipping: Decimal = Decimal("0"), user_id=None,
                    guest_email: str | None = None, now: datetime | None = None,
                    currency: str = "USD") -> CouponCheck:
    """The coupon's effect on this order. Raises CouponInvalid."""
    raise NotImplementedError


_ = CouponInvalid
