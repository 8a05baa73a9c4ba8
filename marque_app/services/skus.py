"""One loader of SKUs for the cart, checkout and the wishlist's "move to cart": a variant's and
its product's columns in one query (no full ORM rows: cheaper), and each product's first picture
in another. ``services.cart`` and ``services.checkout`` read their lines through these two.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.cart import MAX_LINE_QUANTITY, line_cap, variant_label
from marque_app.domain.stock import sellable_quantity
from marque_app.models import Product, ProductImage, ProductVariant
from marque_app.models.enums import ProductStatus


@dataclass(slots=True)
class Sku:
    """The columns of a variant and its product that a cart line or an order line needs."""

    id: uuid.UUID
    product_id: uuid.UUID
    sku: str
    variant_name: str
    variant_price: Decimal | None
    inventory_quantity: int
    attributes: dict[str, Any] | None
    product_name: str
    slug: str
    product_price: Decimal
    status: ProductStatus
    track_inventory: bool
    allow_backorder: bool

    @property
    def is_active(self) -> bool:
        return self.status == ProductStatus.active

    @property
    def price(self) -> Decimal:
        """The unit price: the variant's, else its product's."""
        return self.variant_price if self.variant_price is not None else self.product_price

    @property
    def stock(self) -> int:
        return self.inventory_quantity

    @property
    def sellable(self) -> int | None:
        """:func:`marque_app.domain.stock.sellable_quantity`: None when the stock does not bound the sale."""
        return sellable_quantity(
            self.inventory_quantity, track_inventory=self.track_inventory, allow_backorder=self.allow_backorder
        )

    @property
    def limited(self) -> bool:
        """Whether the stock bounds the sale (tracked, no backorder)."""
        return self.sellable is not None

    @property
    def line_cap(self) -> int:
        """How many one cart line may hold (:func:`marque_app.domain.cart.line_cap`; 0 when not active)."""
        return line_cap(self.sellable) if self.is_active else 0

    def available(self) -> int:
        """Units an order may take (99 when unlimited; 0 when the product is not active)."""
        if not self.is_active:
            return 0
        sellable = self.sellable
        return MAX_LINE_QUANTITY if sellable is None else sellable

    @property
    def label(self) -> str:
        """ "M / Navy" from the size and colour attributes, else the variant's name."""
        return variant_label(self.attributes, self.variant_name or "")


# In the order of :class:`Sku`'s fields: ``Sku(*row)`` of a select that ends with these.
SKU_COLUMNS = (
    ProductVariant.id,
    ProductVariant.product_id,
    ProductVariant.sku,
    ProductVariant.name,
    ProductVariant.price,
    ProductVariant.inventory_quantity,
    ProductVariant.attributes,
    Product.name,
    Product.slug,
    Product.price,
    Product.status,
    Product.track_inventory,
    Product.allow_backorder,
)


def load_skus(session: Session, sku_ids: Iterable[uuid.UUID], *, lock: bool = False) -> dict[uuid.UUID, Sku]:
    """The SKUs with their products' columns (one query; unknown ids are left out).

    ``lock`` takes their rows (FOR NO KEY UPDATE OF product_variants, in id order so that two
    orders never wait on each other in a cycle) until the transaction ends: the stock read is
    the stock an order takes.
    """
    keys = sorted(set(sku_ids))
    if not keys:
        return {}
    q = (
        sa.select(*SKU_COLUMNS)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(ProductVariant.id.in_(keys))
        .order_by(ProductVariant.id)
    )
    if lock:
        q = q.with_for_update(of=ProductVariant, key_share=True)
    return {row[0]: Sku(*row) for row in session.execute(q).all()}


def first_images(session: Session, product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each product's first picture (lowest sort order, then oldest), one query."""
    ids = list(set(product_ids))
    if not ids:
        return {}
    out: dict[uuid.UUID, str] = {}
    for product_id, url in session.execute(
        sa.select(ProductImage.product_id, ProductImage.url)
        .where(ProductImage.product_id.in_(ids))
        .order_by(ProductImage.product_id, ProductImage.sort_order, ProductImage.created_at)
    ):
        out.setdefault(product_id, url)
    return out
