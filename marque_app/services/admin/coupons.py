"""Coupons for the admin: list, create, edit, deactivate (codes are unique and uppercase).

Used coupons are never deleted, only deactivated, so past orders keep their discount's story.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.domain.admin import AdminError, Page, Paging, check_coupon
from marque_app.domain.labels import COUPON_TYPE, coupon_value_text, label
from marque_app.models import Coupon, utcnow
from marque_app.settings import get_settings

from .activity import Actor, record
from .products import as_uuid, commit_or_conflict


@dataclass(frozen=True)
class CouponView:
    id: str = ""
    code: str = ""
    name: str = ""
    description: str = ""
    type: str = "percentage"
    value: str = ""
    minimum_order_amount: str = ""
    maximum_discount_amount: str = ""
    usage_limit: str = ""
    usage_limit_per_customer: str = ""
    used_count: int = 0
    starts_at: str = ""  # "2026-12-01T10:00" (UTC), as a datetime-local input holds it
    expires_at: str = ""
    is_active: bool = True
    type_label: str = ""  # "Free shipping" (domain.labels)
    value_text: str = ""  # "10%", "$5.00"


def _money(value) -> str:
    return "" if value is None else f"{value:.2f}"


def _local(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M") if moment else ""


def coupon_view(c: Coupon) -> CouponView:
    return CouponView(
        id=str(c.id),
        code=c.code,
        name=c.name,
        description=c.description or "",
        type=c.type,
        value=_money(c.value),
        minimum_order_amount=_money(c.minimum_order_amount),
        maximum_discount_amount=_money(c.maximum_discount_amount),
        usage_limit="" if c.usage_limit is None else str(c.usage_limit),
        usage_limit_per_customer="" if c.usage_limit_per_customer is None else str(c.usage_limit_per_customer),
        used_count=c.used_count,
        starts_at=_local(c.starts_at),
        expires_at=_local(c.expires_at),
        is_active=c.is_active,
        type_label=label(COUPON_TYPE, c.type),
        value_text=coupon_value_text(c.type, c.value, get_settings().currency),
    )


def list_coupons(*, session: Session, paging: Paging = Paging(), q: str = "", active: str = "") -> Page:
    stmt = select(Coupon)
    if q:
        needle = q.strip().lower()
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Coupon.code).contains(needle, autoescape=True),
                sa.func.lower(Coupon.name).contains(needle, autoescape=True),
            )
        )
    if active in ("1", "true", "yes"):
        stmt = stmt.where(Coupon.is_active)
    elif active in ("0", "false", "no"):
        stmt = stmt.where(~Coupon.is_active)
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(Coupon.created_at.desc(), Coupon.code).offset(paging.offset).limit(paging.per_page)
    ).all()
    return Page([coupon_view(c) for c in rows], total, paging.page, paging.per_page)


def get_coupon(*, session: Session, coupon_id: object) -> CouponView:
    coupon = session.get(Coupon, as_uuid(coupon_id, what="Coupon"))
    if coupon is None:
        raise AdminError("not_found", "Coupon not found")
    return coupon_view(coupon)


def save_coupon(
    *,
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    coupon_id: object = None,
    now: datetime | None = None,
) -> CouponView:
    """Create or edit a coupon.

    Raises:
        AdminError: invalid field (422), the code is taken (409), unknown coupon (404).
    """
    now = now or utcnow()
    fields = check_coupon(data)
    coupon = None
    if coupon_id:
        coupon = session.get(Coupon, as_uuid(coupon_id, what="Coupon"))
        if coupon is None:
            raise AdminError("not_found", "Coupon not found")
    stmt = select(Coupon.id).where(sa.func.upper(Coupon.code) == fields.code)
    if coupon is not None:
        stmt = stmt.where(Coupon.id != coupon.id)
    if session.exec(stmt.limit(1)).first() is not None:
        raise AdminError("conflict", f"Another coupon already has the code {fields.code}", field="code")
    starts = fields.starts_at or (coupon.starts_at if coupon else now)
    if fields.expires_at and fields.expires_at <= starts:
        raise AdminError("invalid", "The end must come after the start", field="expires_at")
    created = coupon is None
    coupon = coupon or Coupon(code=fields.code, name=fields.name, type=fields.type, value=fields.value, created_at=now)
    coupon.code, coupon.name, coupon.type, coupon.value = fields.code, fields.name, fields.type, fields.value
    coupon.description = fields.description or None
    coupon.minimum_order_amount = fields.minimum_order_amount
    coupon.maximum_discount_amount = fields.maximum_discount_amount
    coupon.usage_limit = fields.usage_limit
    coupon.usage_limit_per_customer = fields.usage_limit_per_customer
    coupon.starts_at, coupon.expires_at = starts, fields.expires_at
    coupon.is_active = fields.is_active
    session.add(coupon)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="coupon.create" if created else "coupon.update",
        entity_type="coupon",
        entity_id=coupon.id,
        summary=f"{'Created' if created else 'Updated'} coupon {fields.code} ({fields.type} {fields.value})"
        + ("" if fields.is_active else ", inactive"),
        now=now,
    )
    commit_or_conflict(session)
    return coupon_view(coupon)


def deactivate_coupon(*, session: Session, actor: Actor, coupon_id: object, now: datetime | None = None) -> CouponView:
    coupon = session.get(Coupon, as_uuid(coupon_id, what="Coupon"))
    if coupon is None:
        raise AdminError("not_found", "Coupon not found")
    coupon.is_active = False
    session.add(coupon)
    record(
        session=session,
        actor=actor,
        action="coupon.deactivate",
        entity_type="coupon",
        entity_id=coupon.id,
        summary=f"Deactivated coupon {coupon.code}",
        now=now,
    )
    session.commit()
    return coupon_view(coupon)
