"""cart operations: an index for pruning old op ids

Revision ID: 0008
Revises: 0007
services.cart_ops.prune_operations deletes by created_at every few hours.

Create Date: 2026-11-21 16:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("idx_cart_operations_created", "cart_operations", ["created_at"])


def downgrade() -> None:
    op.drop_index("idx_cart_operations_created", table_name="cart_operations")
