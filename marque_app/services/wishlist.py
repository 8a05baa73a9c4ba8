"""The wishlist's writes: add, remove, clear, move to cart (the reads are in ``wishlist_views``).

Only active products are shown.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.cart import PRODUCT_NOT_FOUND, CartError, move_sku
from marque_app.models import Product, Wishlist
from marque_app.models.enums import ProductStatus
from marque_app.models.types import utcnow
from marque_app.services import cart as cart_service
from marque_app.services.cart_ops import (
    as_uuid,
    check_op_id,
    claim_operation,
    dialect_insert,
    lock_user,
)
from marque_app.services.wishlist_views import (
    WishlistItem,
    WishlistView,
    get_wishlist,
    price_guest_wishlist,
    product_variants,
)

__all__ = [
    "WishlistItem",
    "WishlistView",
    "add_to_wishlist",
    "clear_wishlist",
    "get_wishlist",
    "move_to_cart",
    "price_guest_wishlist",
    "remove_from_wishlist",
]


def _active_product(session: Session, product_id) -> Product:
    pid = as_uuid(product_id, message=PRODUCT_NOT_FOUND, field="product_id")
    product = session.get(Product, pid)
    if product is None or product.status != ProductStatus.active:
        raise CartError("not_found", PRODUCT_NOT_FOUND, field="product_id")
    return product


def _begin(session: Session, uid: uuid.UUID, op_id: str | None, kind: str, request_hash: str) -> bool:
    op_id = check_op_id(op_id)
    if op_id is not None and not claim_operation(
        session, user_id=uid, op_id=op_id, kind=kind, request_hash=request_hash
    ):
        session.rollback()
        return False
    lock_user(session, uid)
    return True


def _run(session: Session, fn) -> None:
    try:
        fn()
        session.commit()
    except BaseException:
        session.rollback()
        raise


def add_to_wishlist(
    *, session: Session, user_id, product_id, op_id: str | None = None, request_hash: str = ""
) -> WishlistView:
    """Keep a product (already kept: nothing changes). ``CartError("not_found")`` for unknown/inactive."""
    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")

    def run() -> None:
        product = _active_product(session, product_id)
        table = Wishlist.__table__
        session.execute(
            dialect_insert(session, table)
            .values(id=uuid.uuid4(), user_id=uid, product_id=product.id, added_at=utcnow())
            .on_conflict_do_nothing(index_elements=["user_id", "product_id"])
        )

    if _begin(session, uid, op_id, "wishlist_add", request_hash):
        _run(session, run)
    return get_wishlist(session=session, user_id=uid)


def remove_from_wishlist(
    *, session: Session, user_id, product_id, op_id: str | None = None, request_hash: str = ""
) -> WishlistView:
    """Forget a product. ``CartError("not_found")`` when it is not in the wishlist."""
    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")

    def run() -> None:
        pid = as_uuid(product_id, message="Product not in your wishlist", field="product_id")
        result = session.execute(sa.delete(Wishlist).where(Wishlist.user_id == uid, Wishlist.product_id == pid))
        if not result.rowcount:
            raise CartError("not_found", "Product not in your wishlist", field="product_id")

    if _begin(session, uid, op_id, "wishlist_remove", request_hash):
        _run(session, run)
    return get_wishlist(session=session, user_id=uid)


def clear_wishlist(*, session: Session, user_id, op_id: str | None = None, request_hash: str = "") -> WishlistView:
    """Forget every product of the wishlist."""
    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")

    def run() -> None:
        session.execute(sa.delete(Wishlist).where(Wishlist.user_id == uid))

    if _begin(session, uid, op_id, "wishlist_clear", request_hash):
        _run(session, run)
    return get_wishlist(session=session, user_id=uid)


def _canonical(sku_id: str | None) -> str:
    """A SKU id as the variants' ids are written (lower-case UUID text); other text unchanged,
    so that it matches none of them."""
    text = str(sku_id or "").strip()
    try:
        return str(uuid.UUID(text)) if text else ""
    except ValueError:
        return text


def move_to_cart(
    *,
    session: Session,
    user_id,
    product_id,
    sku_id: str | None = None,
    op_id: str | None = None,
    request_hash: str = "",
):
    """Put one of a wishlist product in the cart, then take it off the wishlist (one transaction).

    ``sku_id`` picks the variant (it must belong to the product); only a product of one variant
    may leave it out (``domain.cart.move_sku``, the rule of the page's variant chooser). The
    wishlist keeps the product when the cart refuses it (sold out, line full).

    Returns:
        ``(CartView, WishlistView)``.

    Raises:
        CartError: ``not_found`` (unknown product), ``invalid`` with ``field="sku_id"`` (no
            variant chosen for a product of several, or a SKU that is not one of its variants),
            ``insufficient_stock`` ("This item is sold out", "Only 2 left in stock").
    """
    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")

    def run() -> None:
        product = _active_product(session, product_id)
        variants = product_variants(session, [product]).get(product.id, [])
        sku = uuid.UUID(move_sku([v.sku_id for v in variants], _canonical(sku_id)))
        cart_service.add_line(session, uid, sku, 1)
        session.execute(sa.delete(Wishlist).where(Wishlist.user_id == uid, Wishlist.product_id == product.id))

    if _begin(session, uid, op_id, "move_to_cart", request_hash):
        _run(session, run)
    return cart_service.get_cart(session=session, user_id=uid), get_wishlist(session=session, user_id=uid)
