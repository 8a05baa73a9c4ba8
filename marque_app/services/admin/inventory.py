"""Stock for the admin: the low-stock report, adjustments with a reason, movement history.

An adjustment is one conditional UPDATE (``stock + change >= 0``), so two admins (or an admin
and a checkout) can never take a variant's stock below zero between them; the movement row
(``inventory_movements``: who, why, the stock after) and the activity-log row are written in the
same transaction. The threshold of "low" is the product's ``low_stock_threshold``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.domain.admin import AdminError, Page, Paging, check_adjustment
from marque_app.domain.labels import MOVEMENT_TYPE, label
from marque_app.models import InventoryMovement, Product, ProductStatus, ProductVariant, User, utcnow
from marque_app.services import cache, restocks

from .activity import Actor, record
from .products import as_uuid


@dataclass(frozen=True)
class LowStockRow:
    variant_id: str
    product_id: str
    product: str
    product_status: str
    sku: str
    variant: str
    stock: int
    threshold: int
    alerts: int = 0  # back-in-stock alerts waiting for this SKU


@dataclass(frozen=True)
class MovementView:
    id: str
    product_id: str
    variant_id: str
    product: str
    sku: str
    movement_type: str
    quantity_change: int
    quantity_after: int
    reason: str
    by: str
    at: str
    movement_label: str = ""  # "Restock" (domain.labels)


@dataclass(frozen=True)
class AdjustmentResult:
    variant_id: str
    sku: str
    stock: int
    movement: MovementView


def low_stock(*, session: Session, paging: Paging = Paging(), q: str = "", include_archived: bool = False) -> Page:
    """Variants at or below their product's threshold, emptiest first, with the back-in-stock
    alerts waiting for each (one more statement for the page)."""
    stmt = (
        select(ProductVariant, Product)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(ProductVariant.inventory_quantity <= Product.low_stock_threshold)
        .where(Product.track_inventory)
    )
    if not include_archived:
        stmt = stmt.where(Product.status != ProductStatus.archived)
    if q:
        needle = q.strip().lower()
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Product.name).contains(needle, autoescape=True),
                sa.func.lower(ProductVariant.sku).contains(needle, autoescape=True),
            )
        )
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(ProductVariant.inventory_quantity, Product.name, ProductVariant.sku)
        .offset(paging.offset)
        .limit(paging.per_page)
    ).all()
    alerts = restocks.subscriber_counts(session=session, variant_ids=[v.id for v, _p in rows])
    items = [
        LowStockRow(
            variant_id=str(v.id),
            product_id=str(p.id),
            product=p.name,
            product_status=p.status.value if isinstance(p.status, ProductStatus) else str(p.status),
            sku=v.sku,
            variant=v.name,
            stock=v.inventory_quantity,
            threshold=p.low_stock_threshold,
            alerts=alerts.get(str(v.id), 0),
        )
        for v, p in rows
    ]
    return Page(items, total, paging.page, paging.per_page)


def adjust_stock(
    *,
    session: Session,
    actor: Actor,
    variant_id: object,
    data: Mapping[str, Any],
    now: datetime | None = None,
) -> AdjustmentResult:
    """Add or remove stock of one variant, with a reason.

    Raises:
        AdminError: invalid quantity or missing reason (422), unknown variant (404), a removal
            of more than is in stock (409; nothing is changed).
    """
    now = now or utcnow()
    change = check_adjustment(data)
    vid = as_uuid(variant_id, what="Variant")
    variant = session.get(ProductVariant, vid)
    if variant is None:
        raise AdminError("not_found", "Variant not found")
    table = ProductVariant.__table__
    result = session.execute(
        sa.update(table)
        .where(table.c.id == vid, table.c.inventory_quantity + change.quantity_change >= 0)
        .values(inventory_quantity=table.c.inventory_quantity + change.quantity_change)
    )
    if result.rowcount != 1:
        session.rollback()
        current = session.get(ProductVariant, vid)
        raise AdminError(
            "conflict",
            f"Only {current.inventory_quantity if current else 0} in stock: cannot remove {-change.quantity_change}",
            field="quantity_change",
        )
    after = session.execute(sa.select(table.c.inventory_quantity).where(table.c.id == vid)).scalar_one()
    products = Product.__table__
    session.execute(
        sa.update(products)
        .where(products.c.id == variant.product_id)
        .values(
            inventory_quantity=sa.func.greatest(products.c.inventory_quantity + change.quantity_change, 0)
            if session.get_bind().dialect.name == "postgresql"
            else sa.func.max(products.c.inventory_quantity + change.quantity_change, 0),
            updated_at=now,
        )
    )
    movement = InventoryMovement(
        product_id=variant.product_id,
        product_variant_id=vid,
        movement_type=change.movement_type,
        quantity_change=change.quantity_change,
        quantity_after=after,
        reference_type="manual",
        notes=change.reason,
        created_by=actor.id,
        created_at=now,
    )
    session.add(movement)
    if change.quantity_change > 0:  # back in stock: its alerts are due (sent by the flush)
        restocks.mark_due(session=session, variant_ids=[vid], now=now)
    product = session.get(Product, variant.product_id)
    record(
        session=session,
        actor=actor,
        action=f"inventory.{change.movement_type}",
        entity_type="variant",
        entity_id=vid,
        summary=f"{change.quantity_change:+d} {variant.sku} ({product.name if product else ''}): {change.reason}"[:500],
        details={"quantity_change": change.quantity_change, "quantity_after": after, "reason": change.reason},
        now=now,
    )
    session.commit()
    session.expire_all()
    cache.invalidate_products()
    return AdjustmentResult(
        variant_id=str(vid),
        sku=variant.sku,
        stock=after,
        movement=MovementView(
            id=str(movement.id),
            product_id=str(variant.product_id),
            variant_id=str(vid),
            product=product.name if product else "",
            sku=variant.sku,
            movement_type=change.movement_type,
            quantity_change=change.quantity_change,
            quantity_after=after,
            reason=change.reason,
            by=actor.email,
            at=now.strftime("%Y-%m-%d %H:%M UTC"),
            movement_label=label(MOVEMENT_TYPE, change.movement_type),
        ),
    )


def movements(
    *,
    session: Session,
    paging: Paging = Paging(),
    product_id: object = None,
    variant_id: object = None,
) -> Page:
    """The stock history of a product or one variant (or of everything), newest first."""
    stmt = (
        select(InventoryMovement, ProductVariant.sku, Product.name, User.email)
        .join(Product, Product.id == InventoryMovement.product_id)
        .outerjoin(ProductVariant, ProductVariant.id == InventoryMovement.product_variant_id)
        .outerjoin(User, User.id == InventoryMovement.created_by)
    )
    if product_id:
        stmt = stmt.where(InventoryMovement.product_id == as_uuid(product_id))
    if variant_id:
        stmt = stmt.where(InventoryMovement.product_variant_id == as_uuid(variant_id, what="Variant"))
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(InventoryMovement.created_at.desc(), InventoryMovement.id)
        .offset(paging.offset)
        .limit(paging.per_page)
    ).all()
    items = [
        MovementView(
            id=str(m.id),
            product_id=str(m.product_id),
            variant_id=str(m.product_variant_id or ""),
            product=name,
            sku=sku or "",
            movement_type=m.movement_type,
            quantity_change=m.quantity_change,
            quantity_after=m.quantity_after,
            reason=m.notes or "",
            by=email or "",
            at=m.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            movement_label=label(MOVEMENT_TYPE, m.movement_type),
        )
        for m, sku, name, email in rows
    ]
    return Page(items, total, paging.page, paging.per_page)


def find_variant_id(*, session: Session, sku: str) -> str:
    """The id of the variant with ``sku`` (case-insensitive), or ""."""
    row = session.exec(
        select(ProductVariant.id).where(sa.func.lower(ProductVariant.sku) == sku.strip().lower())
    ).first()
    return str(row) if row else ""
