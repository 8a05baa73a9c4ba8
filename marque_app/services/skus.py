"""One loader of SKUs for the cart, checkout and the wishlist's "move to cart": a variant's and
its product's columns in one query (no full ORM rows: cheaper), and each product's first picture
in another. ``services.cart`` and ``services.checkout`` read their lines through these two.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.cart import MAX_LINE_QUANTITY, line_cap, variant_label
from marque_app.domain.stock import sellable_quantity
from marque_app.models import Product, ProductImage, ProductVariant
from marque_app.models.enums import ProductStatus
from marque_app.services import restocks


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


def _sku_select(*, lock: bool) -> sa.Select:
    q = (
        sa.select(*SKU_COLUMNS)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(ProductVariant.id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(ProductVariant.id)
    )
    return q.with_for_update(of=ProductVariant, key_share=True) if lock else q


#: Built once (building the select cost more than running it; it is compiled once either way).
_SKUS = {False: _sku_select(lock=False), True: _sku_select(lock=True)}


def load_skus(session: Session, sku_ids: Iterable[uuid.UUID], *, lock: bool = False) -> dict[uuid.UUID, Sku]:
    """The SKUs with their products' columns (one query; unknown ids are left out).

    ``lock`` takes their rows (FOR NO KEY UPDATE OF product_variants, in id order so that two
    orders never wait on each other in a cycle) until the transaction ends: the stock read is
    the stock an order takes. Columns through the session's connection: no ORM execution.
    """
    keys = sorted(set(sku_ids))
    if not keys:
        return {}
    rows = session.connection().execute(_SKUS[lock], {"ids": keys})
    return {row[0]: Sku(*row) for row in rows}


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


def take_units(session: Session, takes: Iterable[tuple[Sku, int]], *, now: datetime | None = None) -> bool:
    """Take ``n`` units of each tracked SKU (``n < 0`` puts them back): the variants' counts and
    their products' totals, two statements whatever the number of SKUs (two more when units are
    put back: the back-in-stock alerts of the SKUs sellable again become due, ``restocks.mark_due``).

    The one stock write of checkout and of an order's change. The rows should be locked already
    (:func:`load_skus` with ``lock=True``); the conditional ``inventory_quantity >= n`` of a SKU
    whose stock bounds the sale is the guard that holds even without the lock, so stock never
    goes below zero by a take. Returns False (nothing written to the products) when that guard
    refused a row; the caller then rolls back and says which SKU ran out.
    """
    tracked = sorted(((sku, n) for sku, n in takes if sku.track_inventory and n), key=lambda t: t[0].id)
    if not tracked:
        return True
    v = ProductVariant.__table__
    floor = -(10**9)  # units put back, or a SKU sold beyond its count (backorder): no guard
    params = [{"b_id": sku.id, "b_qty": n, "b_floor": n if n > 0 and sku.limited else floor} for sku, n in tracked]
    result = session.execute(
        sa.update(v)
        .where(v.c.id == sa.bindparam("b_id"), v.c.inventory_quantity >= sa.bindparam("b_floor"))
        .values(inventory_quantity=v.c.inventory_quantity - sa.bindparam("b_qty")),
        params,
    )
    if session.get_bind().dialect.supports_sane_multi_rowcount and result.rowcount != len(params):
        return False
    per_product: dict[uuid.UUID, int] = {}
    for sku, n in tracked:
        per_product[sku.product_id] = per_product.get(sku.product_id, 0) + n
    p = Product.__table__
    left = p.c.inventory_quantity - sa.bindparam("b_qty")
    session.execute(
        sa.update(p)
        .where(p.c.id == sa.bindparam("b_id"))
        .values(inventory_quantity=sa.case((left < 0, 0), else_=left)),
        [{"b_id": pid, "b_qty": qty} for pid, qty in sorted(per_product.items())],
    )
    restocks.mark_due(session=session, variant_ids=[sku.id for sku, n in tracked if n < 0], now=now)
    return True
