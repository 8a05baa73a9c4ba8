"""The admin REST API: product writes (``/api/v1/products``, the seed's admin-only routes) and
``/api/v1/admin/...`` (customers, inventory, coupons, categories, brands, activity log).

Every route needs an admin's bearer token: 401 without a valid one, 403 for any other role
(``require_roles("admin")`` on the routers, so a route added here cannot forget it). Bodies are
JSON objects with the admin forms' fields (``api/admin_bodies.py``: an unknown field is a 422
naming it), read by the same rules as the forms (``domain.admin``); a refusal is
``{"detail": "...", "field": "..."}`` with 422 (invalid field), 404 (unknown id) or 409 (slug or
SKU taken, a stock that would go below zero, a forbidden status move). Money is decimal strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from marque_app.domain.admin import AdminError, paging
from marque_app.services.admin import Actor, activity, coupons, customers, inventory, products, taxonomy
from marque_app.services.auth.guard import AuthUser

from .admin_bodies import (
    AdjustmentIn,
    BrandIn,
    CategoryIn,
    CouponIn,
    NewVariantIn,
    NoteIn,
    ProductIn,
    fields,
)
from .deps import SessionDep, require_roles
from .errors import http_status

ADMIN = require_roles("admin")
AdminUser = Annotated[AuthUser, Depends(ADMIN)]


class AdminRoute(APIRoute):
    """Answers a refused admin change (:class:`AdminError`) as ``{detail, field}`` with its status."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def run(request: Request):
            try:
                return await handler(request)
            except AdminError as err:
                return JSONResponse({"detail": err.message, "field": err.field or None}, status_code=http_status(err))

        return run


ADMIN_ERRORS = {
    401: {"description": "No or an invalid bearer token"},
    403: {"description": "Not an admin"},
    404: {"description": "Unknown id"},
    409: {"description": "Slug/SKU/code taken, stock would go below zero, or a forbidden status move"},
    422: {"description": "A field is invalid: `{detail, field}`"},
}

products_router = APIRouter(
    prefix="/api/v1/products",
    tags=["admin: products"],
    route_class=AdminRoute,
    dependencies=[Depends(ADMIN)],
    responses=ADMIN_ERRORS,
)
router = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin"],
    route_class=AdminRoute,
    dependencies=[Depends(ADMIN)],
    responses=ADMIN_ERRORS,
)


def page_body(page) -> dict:
    return {
        "items": [asdict(i) for i in page.items],
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
    }


ProductId = Annotated[str, Path(description="The product's id (UUID)")]
PageQ = Annotated[str | None, Query(description="Page number, from 1")]
PerPageQ = Annotated[str | None, Query(description="Rows per page, 1 to 100 (default 20)")]


# --- products (the seed's admin-only routes) ----------------------------------------------------


@products_router.post("", status_code=201, summary="Create a product with its variants and pictures")
def create_product(user: AdminUser, session: SessionDep, body: ProductIn) -> dict:
    """Fields: name, slug (default from the name), sku, description, short_description, meta_title,
    meta_description, category_id, brand_id, price, compare_price, status (draft/active/archived),
    featured, low_stock_threshold, ``variants`` [{sku, name, attributes, price, stock}], ``images``
    [{url, alt_text}] (URLs of pictures uploaded to this site)."""
    data = fields(body)
    form = products.save_product(
        session=session,
        actor=Actor.of(user),
        data=_product(data),
        variants=data.get("variants") or [],
        images=data.get("images") or [],
    )
    return asdict(form)


def _product(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("variants", "images")}


# ``{ref}``, the name GET /api/v1/products/{ref} gives the same URLs: one path in the OpenAPI document.
@products_router.put("/{ref}", summary="Update a product (the variants and images lists are whole)")
def update_product(ref: ProductId, user: AdminUser, session: SessionDep, body: ProductIn) -> dict:
    """As POST. ``variants``/``images`` rows with an ``id`` are kept, rows without are added, rows left
    out are removed; when ``variants`` is missing the variants stay as they are. An existing
    variant's stock changes only through ``POST /api/v1/admin/inventory/adjust``."""
    product_id = ref
    current = products.get_product(session=session, product_id=product_id)
    data = fields(body)
    variants = data.get("variants")
    if variants is None:
        variants = [v.as_row() for v in current.variants]
    images = data.get("images")
    if images is None:
        images = [i.as_row() for i in current.images]
    form = products.save_product(
        session=session,
        actor=Actor.of(user),
        product_id=product_id,
        data=_product(data),
        variants=variants,
        images=images,
    )
    return asdict(form)


@products_router.delete("/{ref}", summary="Delete a product, or archive it when it was ordered")
def delete_product(ref: ProductId, user: AdminUser, session: SessionDep) -> dict:
    outcome = products.delete_product(session=session, actor=Actor.of(user), product_id=ref)
    message = "Product deleted" if outcome == "deleted" else "Product archived (it has orders or stock history)"
    return {"outcome": outcome, "message": message}


@products_router.post("/{product_id}/variants", status_code=201, summary="Add a variant to a product")
def create_variant(product_id: str, user: AdminUser, session: SessionDep, body: NewVariantIn) -> dict:
    """Fields: sku (unique), name, attributes ({"size": "M"}), price (empty: the product's), stock."""
    return asdict(products.add_variant(session=session, actor=Actor.of(user), product_id=product_id, data=fields(body)))


# --- /admin/products: the admin's list (any status) --------------------------------------------


@router.get("/products", summary="All products (any status) with search, filters, sort, pages")
def admin_products(
    session: SessionDep,
    q: str = "",
    status: str = "",
    category_id: str = "",
    brand_id: str = "",
    sort: str = "updated",
    order: str = "desc",
    page: PageQ = None,
    per_page: PerPageQ = None,
) -> dict:
    return page_body(
        products.list_products(
            session=session,
            paging=paging(page, per_page),
            q=q,
            status=status,
            category_id=category_id,
            brand_id=brand_id,
            sort=sort,
            order=order,
        )
    )


@router.get("/products/{product_id}", summary="One product as the admin form shows it")
def admin_product(product_id: str, session: SessionDep) -> dict:
    return asdict(products.get_product(session=session, product_id=product_id))


# --- customers ------------------------------------------------------------------------------------


@router.get("/customers", summary="Search customers by name, e-mail or phone")
def list_customers(session: SessionDep, q: str = "", page: PageQ = None, per_page: PerPageQ = None) -> dict:
    return page_body(customers.search_customers(session=session, paging=paging(page, per_page), q=q))


@router.get("/customers/{user_id}", summary="A customer with orders, cart, wishlist, addresses, notes")
def get_customer(user_id: str, session: SessionDep) -> dict:
    return asdict(customers.get_customer(session=session, user_id=user_id))


@router.put("/customers/{user_id}/notes", summary="Append a note to a customer's record")
def add_customer_note(user_id: str, user: AdminUser, session: SessionDep, body: NoteIn) -> dict:
    """Body: ``{"note": "..."}`` (1 to 2000 characters); kept with its author and time."""
    return asdict(customers.add_note(session=session, actor=Actor.of(user), user_id=user_id, data=fields(body)))


# --- inventory ------------------------------------------------------------------------------------


@router.get("/inventory/low-stock", summary="Variants at or below their product's low-stock threshold")
def low_stock(session: SessionDep, q: str = "", page: PageQ = None, per_page: PerPageQ = None) -> dict:
    return page_body(inventory.low_stock(session=session, paging=paging(page, per_page), q=q))


@router.post("/inventory/adjust", summary="Add or remove stock of a variant, with a reason")
def adjust(user: AdminUser, session: SessionDep, body: AdjustmentIn) -> dict:
    """Body: variant_id (or sku), quantity_change (non-zero whole number), reason, movement_type
    ("adjustment" or "restock"). 409 when a removal would take the stock below zero."""
    data = fields(body)
    variant_id = data.get("variant_id")
    if not variant_id and isinstance(data.get("sku"), str):
        variant_id = inventory.find_variant_id(session=session, sku=data["sku"])
    if not variant_id:
        raise AdminError("invalid", "variant_id or sku is required", field="variant_id")
    return asdict(inventory.adjust_stock(session=session, actor=Actor.of(user), variant_id=variant_id, data=data))


@router.get("/inventory/movements", summary="Stock history of a product or variant, newest first")
def stock_movements(
    session: SessionDep,
    product_id: str = "",
    variant_id: str = "",
    page: PageQ = None,
    per_page: PerPageQ = None,
) -> dict:
    return page_body(
        inventory.movements(
            session=session, paging=paging(page, per_page), product_id=product_id or None, variant_id=variant_id or None
        )
    )


# --- coupons --------------------------------------------------------------------------------------


@router.get("/coupons", summary="Coupons, searched by code or name; active=1/0 filters")
def list_coupons(
    session: SessionDep, q: str = "", active: str = "", page: PageQ = None, per_page: PerPageQ = None
) -> dict:
    return page_body(coupons.list_coupons(session=session, paging=paging(page, per_page), q=q, active=active))


@router.post("/coupons", status_code=201, summary="Create a coupon")
def create_coupon(user: AdminUser, session: SessionDep, body: CouponIn) -> dict:
    """Fields: code (unique, stored uppercase), name, description, type (percentage, fixed_amount,
    free_shipping), value (>= 0; a percentage at most 100), minimum_order_amount,
    maximum_discount_amount, usage_limit and usage_limit_per_customer (>= 1 or empty), starts_at,
    expires_at (ISO 8601, UTC when no zone; after starts_at), is_active."""
    return asdict(coupons.save_coupon(session=session, actor=Actor.of(user), data=fields(body)))


@router.get("/coupons/{coupon_id}", summary="One coupon")
def get_coupon(coupon_id: str, session: SessionDep) -> dict:
    return asdict(coupons.get_coupon(session=session, coupon_id=coupon_id))


@router.put("/coupons/{coupon_id}", summary="Edit a coupon (the whole coupon, as POST)")
def update_coupon(coupon_id: str, user: AdminUser, session: SessionDep, body: CouponIn) -> dict:
    return asdict(coupons.save_coupon(session=session, actor=Actor.of(user), coupon_id=coupon_id, data=fields(body)))


@router.delete("/coupons/{coupon_id}", summary="Deactivate a coupon (it is kept for past orders)")
def deactivate_coupon(coupon_id: str, user: AdminUser, session: SessionDep) -> dict:
    return asdict(coupons.deactivate_coupon(session=session, actor=Actor.of(user), coupon_id=coupon_id))


# --- categories and brands ------------------------------------------------------------------------


@router.get("/categories", summary="Every category (hidden ones too)")
def list_categories(session: SessionDep, q: str = "") -> dict:
    return {"items": [asdict(c) for c in taxonomy.list_categories(session=session, q=q)]}


@router.post("/categories", status_code=201, summary="Create a category")
def create_category(user: AdminUser, session: SessionDep, body: CategoryIn) -> dict:
    """Fields: name, slug (default from the name), description, parent_id, sort_order, is_active."""
    return asdict(taxonomy.save_category(session=session, actor=Actor.of(user), data=fields(body)))


@router.put("/categories/{category_id}", summary="Edit a category")
def update_category(category_id: str, user: AdminUser, session: SessionDep, body: CategoryIn) -> dict:
    return asdict(
        taxonomy.save_category(session=session, actor=Actor.of(user), category_id=category_id, data=fields(body))
    )


@router.get("/brands", summary="Every brand (hidden ones too)")
def list_brands(session: SessionDep, q: str = "") -> dict:
    return {"items": [asdict(b) for b in taxonomy.list_brands(session=session, q=q)]}


@router.post("/brands", status_code=201, summary="Create a brand")
def create_brand(user: AdminUser, session: SessionDep, body: BrandIn) -> dict:
    """Fields: name (unique), slug (default from the name), description, website, is_active."""
    return asdict(taxonomy.save_brand(session=session, actor=Actor.of(user), data=fields(body)))


@router.put("/brands/{brand_id}", summary="Edit a brand")
def update_brand(brand_id: str, user: AdminUser, session: SessionDep, body: BrandIn) -> dict:
    return asdict(taxonomy.save_brand(session=session, actor=Actor.of(user), brand_id=brand_id, data=fields(body)))


# --- activity log ---------------------------------------------------------------------------------


@router.get("/activity", summary="The admin activity log, newest first")
def list_activity(
    session: SessionDep,
    entity_type: str = "",
    entity_id: str = "",
    actor: str = "",
    q: str = "",
    page: PageQ = None,
    per_page: PerPageQ = None,
) -> dict:
    return page_body(
        activity.list_activity(
            session=session,
            paging=paging(page, per_page),
            entity_type=entity_type,
            entity_id=entity_id,
            actor=actor,
            q=q,
        )
    )
