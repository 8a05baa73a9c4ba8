"""auth: a token generation per account

Revision ID: 0010
Revises: 0009
Every access token carries the account's ``token_generation`` (claim ``gen``); changing or
resetting the password adds one, so every token issued before is refused, also one issued in
the same second as the change (``sessions_valid_after`` has whole seconds in the tokens' ``iat``).

Create Date: 2026-12-01 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("token_generation", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_generation")
