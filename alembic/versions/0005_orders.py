"""checkout and orders

Revision ID: 0005
Revises: 0004
The order timeline (order_status_history), the coupon code as applied on an order, and the
client's idempotency key on orders (scoped to its customer, unique), so that a double click or a
retry of a checkout returns the first order.

Create Date: 2026-11-21 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import marque_app.models.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("coupon_code", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True))
    op.add_column(
        "orders", sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
    )
    op.create_index("uq_orders_idempotency_key", "orders", ["idempotency_key"], unique=True)
    op.create_table(
        "order_status_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", marque_app.models.types.UTCDateTime(), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "to_status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded')",
            name="order_history_status_known",
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_order_status_history_order", "order_status_history", ["order_id", "created_at"])


def downgrade() -> None:
    op.drop_index("idx_order_status_history_order", table_name="order_status_history")
    op.drop_table("order_status_history")
    op.drop_index("uq_orders_idempotency_key", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("idempotency_key")
        batch.drop_column("coupon_code")
