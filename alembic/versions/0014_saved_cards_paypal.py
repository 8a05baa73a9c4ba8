"""payments: the user's Stripe customer (saved cards); PayPal needs no schema

Revision ID: 0014
Revises: 0013
``users.stripe_customer_id`` (``cus_...``, unique): the Stripe customer a user's saved cards are
attached to, made when they first save one. The cards themselves (brand, last four digits,
expiry) are read from Stripe; no card data is stored here. PayPal payments reuse ``payments``
(the PayPal order id in ``payment_intent_id``) and ``payment_events`` (its webhook event ids).

Create Date: 2026-12-02 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("stripe_customer_id", sa.String(length=255), nullable=True))
        batch.create_unique_constraint("users_stripe_customer_id_key", ["stripe_customer_id"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("users_stripe_customer_id_key", type_="unique")
        batch.drop_column("stripe_customer_id")
