"""auth: e-mail verification links expire, and are sent again at most once a minute

Revision ID: 0013
Revises: 0012
``users.email_verified`` and ``users.email_verification_token`` (the HMAC of the link's token,
never the token) come from the initial schema; this adds when the link expires and when the
last one was sent (the resend interval is counted from it, in the database, so every worker
of a fleet sees the same).

Create Date: 2026-12-02 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marque_app.models.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_verification_expires", marque_app.models.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("email_verification_sent_at", marque_app.models.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_verification_sent_at")
        batch.drop_column("email_verification_expires")
