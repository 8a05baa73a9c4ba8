"""admin (owner: admin engineer)

Revision ID: 0007
Revises: 0006
The admin activity log (who changed what, when, with details) and notes on customers.

Create Date: 2026-11-21 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import marque_app.models.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_email", sqlmodel.sql.sqltypes.AutoString(length=255), server_default="", nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("entity_type", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=64), server_default="", nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("details", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True),
        sa.Column("at", marque_app.models.types.UTCDateTime(), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_admin_activity_actor_id"), "admin_activity", ["actor_id"], unique=False)
    op.create_index("idx_admin_activity_at", "admin_activity", [sa.text("at DESC")], unique=False)
    op.create_index(
        "idx_admin_activity_entity", "admin_activity", ["entity_type", "entity_id", sa.text("at DESC")], unique=False
    )
    op.create_table(
        "customer_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_email", sqlmodel.sql.sqltypes.AutoString(length=255), server_default="", nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", marque_app.models.types.UTCDateTime(), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_customer_notes_user", "customer_notes", ["user_id", sa.text("created_at DESC")], unique=False)


def downgrade() -> None:
    op.drop_index("idx_customer_notes_user", table_name="customer_notes")
    op.drop_table("customer_notes")
    op.drop_index("idx_admin_activity_entity", table_name="admin_activity")
    op.drop_index("idx_admin_activity_at", table_name="admin_activity")
    op.drop_index(op.f("ix_admin_activity_actor_id"), table_name="admin_activity")
    op.drop_table("admin_activity")
