"""Request bodies of the admin REST API (``api/admin.py``, ``api/admin_orders.py``).

The fields are the admin forms' fields; their values are checked by the same rules as the
forms (``domain.admin``), which say what is wrong in words, so they are typed loosely here
(``Any``). What the models add is the set of field names: a field no form has (``stock_quantity``
for ``stock``) is a 422 naming it, never dropped. :func:`fields` hands the service only what was
sent, so a field left out keeps its meaning ("unchanged", or the form's default).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model

from marque_app.views.admin_products import ImageFields, ProductFields, VariantFields, field_names

from .schemas import RequestModel

_text = "Text"
_money = 'A decimal string such as "24.00"'
_whole = "A whole number"
_flag = "true/false (or 1/0)"


def fields(body: RequestModel | None, *, exclude: set[str] | None = None) -> dict[str, Any]:
    """The fields that were sent, as the services' ``data`` mapping."""
    if body is None:
        return {}
    return body.model_dump(exclude_unset=True, exclude=exclude)


# The descriptions of the admin product form's fields; the field names themselves are the form's
# schema (``views.admin_products``), so a field added there is a field here (a KeyError at import
# until it is described) and the form, the API and the service never disagree on a name.
PRODUCT_HELP = {
    "name": "Required",
    "slug": "Default: made from the name",
    "sku": "Default: from the slug",
    "description": _text,
    "short_description": _text,
    "meta_title": _text,
    "meta_description": _text,
    "category_id": "A category's id, or empty",
    "brand_id": "A brand's id, or empty",
    "price": f"Required; {_money}",
    "compare_price": f"{_money}, above the price, or empty",
    "status": "draft (default), active or archived",
    "featured": _flag,
    "low_stock_threshold": f"{_whole} (default 5)",
}
VARIANT_HELP = {
    "sku": "Unique; letters, digits, dots, dashes, underscores",
    "name": _text,
    "attributes": '{"size": "M"} or the text "size=M, color=Navy"',
    "price": f"{_money}; empty: the product's price",
}
IMAGE_HELP = {
    "url": "A picture uploaded to this site (a path from /)",
    "alt_text": _text,
}


def _loose(names: tuple[str, ...], help: dict[str, str]) -> dict[str, Any]:
    """pydantic field definitions: each of ``names`` any value (the domain's rules check it), described."""
    return {name: (Any, Field(None, description=help[name])) for name in names}


NewVariantIn = create_model(
    "NewVariantIn",
    __base__=RequestModel,
    **_loose(field_names(VariantFields), VARIANT_HELP),
    stock=(Any, Field(None, description=f"{_whole} >= 0; the initial stock")),
    inventory_quantity=(Any, Field(None, description="The same as `stock` (the column's name)")),
)
VariantRowIn = create_model(
    "VariantRowIn",
    __base__=NewVariantIn,
    id=(Any, Field(None, description="An existing variant's id (kept); none: a new variant")),
)
ImageIn = create_model(
    "ImageIn",
    __base__=RequestModel,
    id=(Any, Field(None, description="An existing picture's id (kept); none: a new one")),
    **_loose(field_names(ImageFields), IMAGE_HELP),
)
ProductIn = create_model(
    "ProductIn",
    __base__=RequestModel,
    **_loose(field_names(ProductFields), PRODUCT_HELP),
    variants=(list[VariantRowIn] | None, Field(None, description="The whole list; omitted: unchanged (PUT)")),  # type: ignore[valid-type]
    images=(list[ImageIn] | None, Field(None, description="The whole list; omitted: unchanged (PUT)")),  # type: ignore[valid-type]
)


class NoteIn(RequestModel):
    note: Any = Field(None, description="1 to 2000 characters")


class AdjustmentIn(RequestModel):
    variant_id: Any = Field(None, description="The variant's id (or `sku`)")
    sku: Any = Field(None, description="The variant's SKU, when no `variant_id`")
    quantity_change: Any = Field(None, description="A non-zero whole number")
    quantity: Any = Field(None, description="The same as `quantity_change`")
    reason: Any = Field(None, description="Required")
    movement_type: Any = Field(None, description="adjustment or restock (adds only)")


class CouponIn(RequestModel):
    code: Any = Field(None, description="Unique; stored uppercase")
    name: Any = Field(None, description="Required")
    description: Any = Field(None, description=_text)
    type: Any = Field(None, description="percentage, fixed_amount or free_shipping")
    value: Any = Field(None, description=f"{_money} >= 0; a percentage at most 100")
    minimum_order_amount: Any = Field(None, description=f"{_money} or empty")
    maximum_discount_amount: Any = Field(None, description=f"{_money} or empty")
    usage_limit: Any = Field(None, description=f"{_whole} >= 1 or empty")
    usage_limit_per_customer: Any = Field(None, description=f"{_whole} >= 1 or empty")
    starts_at: Any = Field(None, description="ISO 8601 (UTC when no zone)")
    expires_at: Any = Field(None, description="ISO 8601, after starts_at")
    is_active: Any = Field(None, description=f"{_flag} (default true)")


class CategoryIn(RequestModel):
    name: Any = Field(None, description="Required")
    slug: Any = Field(None, description="Default: made from the name")
    description: Any = Field(None, description=_text)
    parent_id: Any = Field(None, description="The parent category's id, or empty")
    sort_order: Any = Field(None, description=_whole)
    is_active: Any = Field(None, description=f"{_flag} (default true)")


class BrandIn(RequestModel):
    name: Any = Field(None, description="Required, unique")
    slug: Any = Field(None, description="Default: made from the name")
    description: Any = Field(None, description=_text)
    website: Any = Field(None, description="An address such as https://example.com")
    is_active: Any = Field(None, description=f"{_flag} (default true)")


class StatusChangeIn(RequestModel):
    status: Any = Field(None, description="The order status to move to")
    note: Any = Field(None, description="Kept in the timeline")
    tracking_number: Any = Field(None, description="Only with shipped (required then, unless set)")


class TrackingIn(RequestModel):
    tracking_number: Any = Field(None, description="Required")


class AmountIn(RequestModel):
    amount: Any = Field(None, description=f"{_money}; omitted: all that is left (a return: its lines' price)")
