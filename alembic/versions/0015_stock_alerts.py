"""stock alerts: tell a shopper once when a sold-out SKU is back

Revision ID: 0015
Revises: 0014
One row per (SKU, contact): the channel (sms or email), when a restock made it due, when it
was sent, and the retries of a failed send (the table is its own outbox).

Create Date: 2026-12-02 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import marque_app.models.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "due_at IS NOT NULL AND sent_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "stock_alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_variant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("contact", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", marque_app.models.types.UTCDateTime(), server_default=sa.text("now()"), nullable=False),
        sa.Column("due_at", marque_app.models.types.UTCDateTime(), nullable=True),
        sa.Column("sent_at", marque_app.models.types.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", marque_app.models.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.CheckConstraint("channel IN ('sms', 'email')", name="stock_alert_channel_known"),
        sa.ForeignKeyConstraint(["product_variant_id"], ["product_variants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_variant_id", "contact", name="uq_stock_alert_variant_contact"),
    )
    op.create_index("idx_stock_alerts_user", "stock_alerts", ["user_id"])
    op.create_index(
        "idx_stock_alerts_due",
        "stock_alerts",
        ["due_at"],
        postgresql_where=sa.text(PENDING),
        sqlite_where=sa.text(PENDING),
    )


def downgrade() -> None:
    op.drop_index("idx_stock_alerts_due", table_name="stock_alerts")
    op.drop_index("idx_stock_alerts_user", table_name="stock_alerts")
    op.drop_table("stock_alerts")
