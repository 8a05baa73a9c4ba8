"""admin search: trigram indexes for "contains" searches of orders and customers

Revision ID: 0009
Revises: 0008
The admin finds an order by part of its number or of the customer's e-mail, and a customer by
part of the e-mail or name (``services.admin.orders.list_orders``, ``customers.search_customers``).
On PostgreSQL these ``lower(...) LIKE '%x%'`` searches use pg_trgm GIN indexes (the extension is
already there for did-you-mean, migration 0002); SQLite scans, which is fine at its sizes.

Create Date: 2026-11-21 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "idx_orders_number_trgm": "orders USING gin (lower(order_number) gin_trgm_ops)",
    "idx_orders_guest_email_trgm": "orders USING gin (lower(guest_email) gin_trgm_ops)",
    "idx_users_email_trgm": "users USING gin (lower(email) gin_trgm_ops)",
    "idx_users_name_trgm": "users USING gin (lower(first_name || ' ' || last_name) gin_trgm_ops)",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, target in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
