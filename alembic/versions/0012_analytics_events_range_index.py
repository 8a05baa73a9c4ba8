"""analytics: an (event_type, created_at) index for the admin report's ranges

Revision ID: 0012
Revises: 0011
The admin analytics report counts, per event type, the sessions of a range of days, and the
prune deletes by age: both read ``analytics_events`` by type and time. The 0001 indexes are on
one column each (type; time), so a range of one type read every event of that type.

Create Date: 2026-12-02 01:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("idx_analytics_events_type_created", "analytics_events", ["event_type", "created_at"])


def downgrade() -> None:
    op.drop_index("idx_analytics_events_type_created", table_name="analytics_events")
