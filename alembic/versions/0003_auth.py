"""auth

Revision ID: 0003
Revises: 0002
Log-in bookkeeping for databases without Redis: pending phone codes (hashed) and revoked token ids;
users.sessions_valid_after (tokens issued before it are refused: a password change ends other sessions).

Create Date: 2026-11-21 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import marque_app.models.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("sessions_valid_after", marque_app.models.types.UTCDateTime(), nullable=True))
    op.create_table(
        "phone_verifications",
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", marque_app.models.types.UTCDateTime(), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", marque_app.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("attempts >= 0", name="phone_verification_attempts"),
        sa.PrimaryKeyConstraint("phone"),
    )
    op.create_index(op.f("ix_phone_verifications_expires_at"), "phone_verifications", ["expires_at"], unique=False)
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", marque_app.models.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", marque_app.models.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("jti"),
    )
    op.create_index(op.f("ix_revoked_tokens_expires_at"), "revoked_tokens", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_revoked_tokens_expires_at"), table_name="revoked_tokens")
    op.drop_table("revoked_tokens")
    op.drop_index(op.f("ix_phone_verifications_expires_at"), table_name="phone_verifications")
    op.drop_table("phone_verifications")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("sessions_valid_after")
