"""The wishlist's read side: a user's saved products and a guest's, priced from the database.

Below both ``services.cart`` (whose view carries the wishlist) and ``services.wishlist`` (the
writes and "move to cart", which call the cart), so neither imports the other in a circle. Every
read runs a fixed number of queries (the product cards of ``services.catalog.product_cards`` plus
one for the default SKUs).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, select

from marque_app.domain.cart import normalize_uuid
from marque_app.domain.stock import sellable_quantity
from marque_app.models import Product, ProductVariant, Wishlist
from marque_app.models.enums import ProductStatus
from marque_app.services.cart_ops import as_uuid
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


def default_skus(session: Session, products: Sequence[Product]) -> dict[uuid.UUID, str]:
    """The SKU "move to cart" adds for each product: its first in stock, else its first."""
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
    skus = default_skus(session, products)
    items = [
        WishlistItem(
            product_id=card.id,
            slug=card.slug,
            name=card.name,
            brand=card.brand,
            image_url=card.image_url,
            price=card.price_amount,
            is_sold_out=card.is_sold_out,
            default_sku_id=skus.get(p.id, ""),
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
    found = (
        {
            p.id: p
            for p in session.exec(
                select(Product).where(Product.id.in_(valid), Product.status == ProductStatus.active)
            ).all()
        }
        if valid
        else {}
    )
    products = [found[i] for i in valid if i in found]
    dropped = len(product_ids) - len(products)
    messages = []
    if dropped:
        messages.append(
            f"{dropped} product{'s' if dropped != 1 else ''} in your wishlist {'are' if dropped != 1 else 'is'} "
            "no longer available and removed"
        )
    return _view(session, products), messages
