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

from marque_app.domain.cart import normalize_uuid, variant_label
from marque_app.domain.stock import SOLD_OUT, stock_status
from marque_app.models import Product, ProductVariant, Wishlist
from marque_app.models.enums import ProductStatus
from marque_app.services.cart_ops import as_uuid
from marque_app.services.catalog import product_cards


@dataclass(frozen=True)
class WishlistVariant:
    """A variant "move to cart" can add, as its chooser shows it."""

    sku_id: str = ""
    label: str = ""  # "M / Navy"
    stock_label: str = ""  # "In stock", "Only 2 left", "Sold out" (domain.stock.stock_status)
    is_sold_out: bool = False


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
    # every variant, in the product page's order; with more than one "move to cart" asks which
    # (domain.cart.move_needs_choice) instead of adding default_sku_id
    variants: list[WishlistVariant] = field(default_factory=list)


@dataclass(frozen=True)
class WishlistView:
    items: list[WishlistItem] = field(default_factory=list)
    total: int = 0


def product_variants(session: Session, products: Sequence[Product]) -> dict[uuid.UUID, list[WishlistVariant]]:
    """Each product's variants with their stock words, in the product page's order (one query)."""
    if not products:
        return {}
    by_id = {p.id: p for p in products}
    out: dict[uuid.UUID, list[WishlistVariant]] = {}
    for variant_id, product_id, quantity, attributes, name in session.exec(
        select(
            ProductVariant.id,
            ProductVariant.product_id,
            ProductVariant.inventory_quantity,
            ProductVariant.attributes,
            ProductVariant.name,
        )
        .where(ProductVariant.product_id.in_([p.id for p in products]))
        .order_by(ProductVariant.product_id, ProductVariant.sort_order, ProductVariant.created_at)
    ):
        p = by_id[product_id]
        status, label = stock_status(
            quantity,
            low_stock_threshold=p.low_stock_threshold,
            track_inventory=p.track_inventory,
            allow_backorder=p.allow_backorder,
        )
        out.setdefault(product_id, []).append(
            WishlistVariant(
                sku_id=str(variant_id),
                label=variant_label(attributes, name or ""),
                stock_label=label,
                is_sold_out=status == SOLD_OUT,
            )
        )
    return out


def default_skus(session: Session, products: Sequence[Product]) -> dict[uuid.UUID, str]:
    """The SKU "move to cart" adds for each product: its first in stock, else its first."""
    return _defaults(product_variants(session, products))


def _defaults(variants: dict[uuid.UUID, list[WishlistVariant]]) -> dict[uuid.UUID, str]:
    return {
        pid: next((v.sku_id for v in found if not v.is_sold_out), found[0].sku_id)
        for pid, found in variants.items()
        if found
    }


def _view(session: Session, products: Sequence[Product]) -> WishlistView:
    cards = product_cards(session, products)
    variants = product_variants(session, products)
    skus = _defaults(variants)
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
            variants=variants.get(p.id, []),
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
