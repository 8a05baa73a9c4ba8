"""Cart lines (a user's or a guest session's) and wishlist rows."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import JSONType, created_at, money, pk, updated_at


class CartItem(SQLModel, table=True):
    """One SKU in a cart, owned by a user or by a guest session."""

    __tablename__ = "cart_items"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="cart_quantity_positive"),
        sa.CheckConstraint("user_id IS NOT NULL OR session_id IS NOT NULL", name="cart_user_or_session"),
        sa.UniqueConstraint("user_id", "product_variant_id", name="uq_cart_user_variant"),
        sa.UniqueConstraint("session_id", "product_variant_id", name="uq_cart_session_variant"),
        sa.Index("idx_cart_user", "user_id"),
        sa.Index("idx_cart_session", "session_id"),
    )

    id: uuid.UUID = pk()
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    session_id: str | None = Field(default=None, max_length=255)
    product_id: uuid.UUID = Field(foreign_key="products.id")
    product_variant_id: uuid.UUID = Field(foreign_key="product_variants.id")
    quantity: int
    unit_price: Decimal | None = money(nullable=True)  # the price the shopper saw when adding
    added_at: datetime = created_at()
    updated_at: datetime = updated_at()


class Wishlist(SQLModel, table=True):
    """A product a user keeps for later (one row per user and product)."""

    __tablename__ = "wishlists"
    __table_args__ = (sa.UniqueConstraint("user_id", "product_id", name="uq_wishlist_user_product"),)

    id: uuid.UUID = pk()
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    product_id: uuid.UUID = Field(foreign_key="products.id", ondelete="CASCADE", index=True)
    added_at: datetime = created_at()


class CartOperation(SQLModel, table=True):
    """A client-made operation id applied for a user: applied once, whatever the retries.

    ``op_id`` is a merge id (``merge:...``), an offline-queue change id or an API
    ``Idempotency-Key`` (``key:...``). The row is inserted first in the operation's own
    transaction, so a concurrent repeat waits on the unique key and then finds it applied.
    ``response`` keeps what a repeat must answer (a merge's outcome, an API response).
    """

    __tablename__ = "cart_operations"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "op_id", name="uq_cart_operation_user_op"),
        sa.Index("idx_cart_operations_created", "created_at"),  # pruning (services.cart_ops)
    )

    id: uuid.UUID = pk()
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    op_id: str = Field(max_length=200)
    kind: str = Field(max_length=30)
    request_hash: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    status_code: int | None = None
    response: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    created_at: datetime = created_at()
