"""Restocks and back-in-stock alerts: the one call every path that puts stock back makes.

An admin adjustment, a saved product form, a received return, a cancelled or refunded order and
an order's items changed down all call :func:`mark_due` in their own transaction: the waiting
alerts of each SKU that can be bought again (``domain.stock.sellable_quantity``) become due, and
``services.stock_alerts.flush`` sends them outside any request. This module needs nothing but the
models, so the services that restock import it without importing the senders.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.stock import sellable_quantity
from marque_app.domain.stock_alerts import is_back
from marque_app.models import Product, ProductVariant, StockAlert
from marque_app.models.types import utcnow

_A, _V, _P = StockAlert.__table__.c, ProductVariant.__table__.c, Product.__table__.c


def _ids(values: Iterable[object]) -> list[uuid.UUID]:
    return sorted({v if isinstance(v, uuid.UUID) else uuid.UUID(str(v)) for v in values})


def mark_due(*, session: Session, variant_ids: Iterable[object], now: datetime | None = None) -> int:
    """In the caller's transaction (no commit): the waiting alerts of each of ``variant_ids`` that
    can be bought again (``sellable_quantity`` above 0, or unlimited) become due. Two statements;
    returns how many alerts became due."""
    ids = _ids(variant_ids)
    if not ids:
        return 0
    rows = session.execute(
        sa.select(_V.id, _V.inventory_quantity, _P.track_inventory, _P.allow_backorder)
        .join(Product.__table__, _P.id == _V.product_id)
        .where(_V.id.in_(ids))
    ).all()
    back = [
        vid
        for vid, on_hand, track, backorder in rows
        if is_back(sellable_quantity(on_hand, track_inventory=track, allow_backorder=backorder))
    ]
    if not back:
        return 0
    result = session.execute(
        sa.update(StockAlert.__table__)
        .where(_A.product_variant_id.in_(back), _A.due_at.is_(None), _A.sent_at.is_(None))
        .values(due_at=now or utcnow())
    )
    return int(result.rowcount or 0)


def mark_product_due(*, session: Session, product_id: object, now: datetime | None = None) -> int:
    """:func:`mark_due` for every SKU of a product (a saved product form: stock, tracking or
    back-orders may have changed)."""
    pid = _ids([product_id])[0]
    ids = session.execute(sa.select(_V.id).where(_V.product_id == pid)).scalars().all()
    return mark_due(session=session, variant_ids=ids, now=now)


def subscriber_counts(*, session: Session, variant_ids: Iterable[object]) -> dict[str, int]:
    """How many alerts wait (not sent yet) for each of ``variant_ids`` (absent: none)."""
    ids = _ids(variant_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(_A.product_variant_id, sa.func.count())
        .where(_A.product_variant_id.in_(ids), _A.sent_at.is_(None))
        .group_by(_A.product_variant_id)
    )
    return {str(vid): int(n) for vid, n in rows}
