"""Analytics events (page views, add to cart, purchases)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import InetType, JSONType, created_at, pk


class AnalyticsEvent(SQLModel, table=True):
    __tablename__ = "analytics_events"
    __table_args__ = (
        sa.Index("idx_analytics_events_type", "event_type"),
        # the admin report's ranges per type, and the prune (migration 0012)
        sa.Index("idx_analytics_events_type_created", "event_type", "created_at"),
    )

    id: uuid.UUID = pk()
    session_id: str | None = Field(default=None, max_length=255)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    event_type: str = Field(max_length=50)
    event_data: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    ip_address: str | None = Field(default=None, sa_type=InetType)
    user_agent: str | None = Field(default=None, sa_type=sa.Text)
    referrer: str | None = Field(default=None, max_length=500)
    created_at: datetime = created_at()


sa.Index("idx_analytics_events_created", AnalyticsEvent.__table__.c.created_at.desc())
