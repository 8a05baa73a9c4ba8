"""Back-in-stock alerts: one row per (SKU, contact), its own outbox.

A restock marks the SKU's waiting rows ``due_at`` in its own transaction; a flush
(``services.stock_alerts.flush``, outside any request) sends each due row once and sets
``sent_at``; a failed send counts ``attempts`` and waits until ``next_attempt_at``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .enums import one_of
from .types import created_at, pk, timestamp

ALERT_CHANNELS = ("sms", "email")


class StockAlert(SQLModel, table=True):
    __tablename__ = "stock_alerts"
    __table_args__ = (
        sa.UniqueConstraint("product_variant_id", "contact", name="uq_stock_alert_variant_contact"),
        sa.CheckConstraint(one_of("channel", ALERT_CHANNELS), name="stock_alert_channel_known"),
        sa.Index("idx_stock_alerts_user", "user_id"),
        sa.Index(
            "idx_stock_alerts_due",
            "due_at",
            postgresql_where=sa.text("due_at IS NOT NULL AND sent_at IS NULL"),
            sqlite_where=sa.text("due_at IS NOT NULL AND sent_at IS NULL"),
        ),
    )

    id: uuid.UUID = pk()
    product_variant_id: uuid.UUID = Field(foreign_key="product_variants.id", ondelete="CASCADE")
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    channel: str = Field(max_length=10)
    contact: str = Field(max_length=255)  # E.164 phone (sms) or lower-cased e-mail address
    created_at: datetime = created_at()
    due_at: datetime | None = timestamp()  # restocked: waiting to be sent
    sent_at: datetime | None = timestamp()
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: datetime | None = timestamp()
    last_error: str | None = Field(default=None, max_length=500)
