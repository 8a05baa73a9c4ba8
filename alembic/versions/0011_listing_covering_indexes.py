"""listing: covering category and brand indexes for the filtered count

Revision ID: 0011
Revises: 0010
A listing filtered by a category (or department) and a brand, a price range and "in stock"
counts its matches before reading its page. With the plain ``(category_id | brand_id, price,
id)`` indexes of 0002 that count is a bitmap heap scan visiting one table page per candidate
(~4,000 pages for one brand in the bench's department), only to read the category or brand, the
rating and the three columns of the in-stock rule. On PostgreSQL both indexes now carry those
columns (INCLUDE), so the count is an index-only scan and only the in-stock EXISTS probes the
variants' partial index. SQLite has no INCLUDE: nothing changes there.

Create Date: 2026-12-01 19:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILTERS = "track_inventory, allow_backorder, inventory_quantity, rating_average"
INDEXES = {
    "idx_products_category_price": ("category_id, price, id", f"brand_id, {_FILTERS}"),
    "idx_products_brand_price": ("brand_id, price, id", f"category_id, {_FILTERS}"),
}


def _recreate(with_include: bool) -> None:
    # Drop and create in the one transaction: other sessions wait for the lock, never plan
    # without the index.
    for name, (columns, include) in INDEXES.items():
        op.execute(f"DROP INDEX IF EXISTS {name}")
        extra = f" INCLUDE ({include})" if with_include else ""
        op.execute(f"CREATE INDEX {name} ON products ({columns}){extra} WHERE status = 'active'")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _recreate(with_include=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _recreate(with_include=False)
