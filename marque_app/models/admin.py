"""The admin's own tables: the activity log (who changed what, when) and notes on customers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import JSONType, created_at, pk


class AdminActivity(SQLModel, table=True):
    """One admin write, recorded in the same transaction as the change itself."""

    __tablename__ = "admin_activity"

    id: uuid.UUID = pk()
    # SET NULL: deleting a staff account keeps its history (the e-mail stays in actor_email).
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL", index=True)
    actor_email: str = Field(default="", max_length=255, sa_column_kwargs={"server_default": ""})
    action: str = Field(max_length=50)  # "product.create", "inventory.adjust", ...
    entity_type: str = Field(max_length=30)  # "product", "variant", "coupon", ...
    entity_id: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    summary: str = Field(max_length=500)
    details: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    at: datetime = created_at()


class CustomerNote(SQLModel, table=True):
    """A note an admin appended to a customer's record (never edited, only added)."""

    __tablename__ = "customer_notes"

    id: uuid.UUID = pk()
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    author_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    author_email: str = Field(default="", max_length=255, sa_column_kwargs={"server_default": ""})
    body: str = Field(sa_type=sa.Text)
    created_at: datetime = created_at()


_activity = AdminActivity.__table__.c
sa.Index("idx_admin_activity_at", _activity.at.desc())
sa.Index("idx_admin_activity_entity", _activity.entity_type, _activity.entity_id, _activity.at.desc())
_notes = CustomerNote.__table__.c
sa.Index("idx_customer_notes_user", _notes.user_id, _notes.created_at.desc())
