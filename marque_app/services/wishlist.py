"""The wishlist: a user's saved products, a guest's priced from the database, move to cart.

Only active products are shown. Every read runs a fixed number of queries (the product cards of
``services.catalog.product_cards`` plus one for the default SKUs).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.domain.cart import PRODUCT_NOT_FOUND, CartError, normalize_uuid
from marque_app.domain.stock import sellable_quantity
from marque_app.models import Product, ProductVariant, Wishlist
from marque_app.models.enums import ProductStatus
from marque_app.models.types import utcnow
from marque_app.services.cart_ops import as_uuid, check_op_id, claim_operation, dialect_insert, lock_user
from marque_app.services.catalog import product_cards


@dataclass(frozen=True)
class WishlistItem:
    product_id: str = ""
    slug: str = ""
    name: str = ""
    brand: str = ""
    image_url: str = ""
    price: str = ""  # "24.00"
    is_sold_out: bool = False
    default_sku_id: str = ""  # the SKU "move to cart" adds: the first in stock, else the first


@dataclass(frozen=True)
class WishlistView:
    items: list[WishlistItem] = field(default_factory=list)
    total: int = 0


def _default_skus(session: Session, products: Sequence[Product]) -> dict[uuid.UUID, str]:
    if not products:
        return {}
    by_id = {p.id: p for p in products}
    first: dict[uuid.UUID, str] = {}
    in_stock: dict[uuid.UUID, str] = {}
    for variant_id, product_id, quantity in session.exec(
        select(ProductVariant.id, ProductVariant.product_id, ProductVariant.inventory_quantity)
        .where(ProductVariant.product_id.in_([p.id for p in products]))
        .order_by(ProductVariant.product_id, ProductVariant.sort_order, ProductVariant.created_at)
    ):
        first.setdefault(product_id, str(variant_id))
        p = by_id[product_id]
        if sellable_quantity(quantity, track_inventory=p.track_inventory, allow_backorder=p.allow_backorder) != 0:
            in_stock.setdefault(product_id, str(variant_id))
    return {pid: in_stock.get(pid, sku) for pid, sku in first.items()}


def _view(session: Session, products: Sequence[Product]) -> WishlistView:
    cards = product_cards(session, products)
    skus = _default_skus(session, products)
    items = [
        WishlistItem(
            product_id=card.id, slug=card.slug, name=card.name, brand=card.brand, image_url=card.image_url,
            price=card.price_amount, is_sold_out=card.is_sold_out, default_sku_id=skus.get(p.id, ""),
        )
        for p, card in zip(products, cards, strict=True)
    ]
    return WishlistView(items=items, total=len(items))


def get_wishlist(*, session: Session, user_id) -> WishlistView:
    """The user's wishlist, newest first (active products only)."""
    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")
    products = session.exec(
        select(Product)
        .join(Wishlist, Wishlist.product_id == Product.id)
        .where(Wishlist.user_id == uid, Product.status == ProductStatus.active)
        .order_by(Wishlist.added_at.desc(), Wishlist.id)
    ).all()
    return _view(session, products)


def price_guest_wishlist(*, session: Session, product_ids: Sequence[str]) -> tuple[WishlistView, list[str]]:
    """A guest wishlist from the catalog, in its order; unknown or inactive products dropped.

    Returns:
        ``(view, messages)``.
    """
    ids = list(dict.fromkeys(normalize_uuid(p) for p in product_ids))
    valid = [uuid.UUID(i) for i in ids if i]
    found = {
        p.id: p
        for p in session.exec(
            select(Product).where(Product.id.in_(valid), Product.status == ProductStatus.active)
        ).all()
    } if valid else {}
    products = [found[i] for i in valid if i in found]
    dropped = len(product_ids) - len(products)
    messages = []
    if dropped:
        messages.append(
            f"{dropped} product{'s' if dropped != 1 else ''} in your wishlist {'are' if dropped != 1 else 'is'} "
            "no longer available and removed"
        )
    return _view(session, products), messages


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


def move_to_cart(
    *, session: Session, user_id, product_id, sku_id: str | None = None, op_id: str | None = None,
    request_hash: str = "",
):
    """Put one of a wishlist product in the cart, then take it off the wishlist (one transaction).

    ``sku_id`` picks the variant (it must belong to the product); by default the first one in
    stock. The wishlist keeps the product when the cart refuses it (sold out, line full).

    Returns:
        ``(CartView, WishlistView)``.

    Raises:
        CartError: ``not_found`` (unknown product, or a SKU of another product),
            ``insufficient_stock`` ("This item is sold out", "Only 2 left in stock").
    """
    from marque_app.services import cart as cart_service

    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")

    def run() -> None:
        product = _active_product(session, product_id)
        if sku_id:
            sku = as_uuid(sku_id, message=PRODUCT_NOT_FOUND, field="sku_id")
            variant = session.get(ProductVariant, sku)
            if variant is None or variant.product_id != product.id:
                raise CartError("not_found", PRODUCT_NOT_FOUND, field="sku_id")
        else:
            chosen = _default_skus(session, [product]).get(product.id)
            if not chosen:
                raise CartError("not_found", PRODUCT_NOT_FOUND, field="sku_id")
            sku = uuid.UUID(chosen)
        cart_service._add(session, uid, sku, 1)
        session.execute(sa.delete(Wishlist).where(Wishlist.user_id == uid, Wishlist.product_id == product.id))

    if _begin(session, uid, op_id, "move_to_cart", request_hash):
        _run(session, run)
    return cart_service.get_cart(session=session, user_id=uid), get_wishlist(session=session, user_id=uid)
