"""Stock movements: every change of a variant's stock, with why and by whom."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .enums import MOVEMENT_TYPES, one_of
from .types import created_at, pk


class InventoryMovement(SQLModel, table=True):
    __tablename__ = "inventory_movements"
    __table_args__ = (sa.CheckConstraint(one_of("movement_type", MOVEMENT_TYPES), name="movement_type_known"),)

    id: uuid.UUID = pk()
    product_id: uuid.UUID = Field(foreign_key="products.id", index=True)
    product_variant_id: uuid.UUID | None = Field(default=None, foreign_key="product_variants.id")
    movement_type: str = Field(max_length=20)
    quantity_change: int
    quantity_after: int
    reference_type: str | None = Field(default=None, max_length=20)
    reference_id: uuid.UUID | None = None
    notes: str | None = Field(default=None, sa_type=sa.Text)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = created_at()


_moves = InventoryMovement.__table__.c
sa.Index("idx_inventory_movements_variant", _moves.product_variant_id, _moves.created_at.desc())
