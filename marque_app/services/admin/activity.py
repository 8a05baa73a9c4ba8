"""The activity log: every admin write records who did what, when, in the write's own transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.domain.admin import Page, Paging
from marque_app.models import AdminActivity, utcnow


@dataclass(frozen=True)
class Actor:
    """The admin making a change."""

    id: uuid.UUID | None
    email: str = ""

    @classmethod
    def of(cls, auth_user: Any) -> Actor:
        """From a ``services.auth.AuthUser`` (the guard's answer)."""
        return cls(id=auth_user.id, email=auth_user.user.email or auth_user.user.phone or "")


@dataclass(frozen=True)
class ActivityView:
    id: str
    actor: str
    action: str
    entity_type: str
    entity_id: str
    summary: str
    at: str  # ISO 8601, UTC
    at_text: str  # "2026-11-21 15:40 UTC"


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: object = "",
    summary: str,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Add the log row to ``session``; it is committed (or rolled back) with the change."""
    session.add(
        AdminActivity(
            actor_id=actor.id,
            actor_email=actor.email[:255],
            action=action[:50],
            entity_type=entity_type[:30],
            entity_id=str(entity_id or "")[:64],
            summary=summary[:500],
            details=details,
            at=now or utcnow(),
        )
    )


def _view(row: AdminActivity) -> ActivityView:
    return ActivityView(
        id=str(row.id),
        actor=row.actor_email or "(deleted account)",
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        summary=row.summary,
        at=row.at.isoformat(),
        at_text=row.at.strftime("%Y-%m-%d %H:%M UTC"),
    )


def list_activity(
    *,
    session: Session,
    paging: Paging = Paging(),
    entity_type: str = "",
    entity_id: str = "",
    actor: str = "",
    q: str = "",
) -> Page:
    """The log, newest first, filtered by entity, actor e-mail or words of the summary."""
    stmt = select(AdminActivity)
    if entity_type:
        stmt = stmt.where(AdminActivity.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AdminActivity.entity_id == entity_id)
    if actor:
        stmt = stmt.where(sa.func.lower(AdminActivity.actor_email).contains(actor.lower(), autoescape=True))
    if q:
        stmt = stmt.where(sa.func.lower(AdminActivity.summary).contains(q.lower(), autoescape=True))
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(AdminActivity.at.desc(), AdminActivity.id).offset(paging.offset).limit(paging.per_page)
    ).all()
    return Page([_view(r) for r in rows], total, paging.page, paging.per_page)
