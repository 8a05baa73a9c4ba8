"""Orders, their lines, payments, coupons, returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .enums import COUPON_TYPES, RETURN_STATUSES, OrderStatus, PaymentStatus, one_of, pg_enum
from .types import JSONType, created_at, money, pg_only, pk, timestamp, updated_at


def _order_status(default: OrderStatus = OrderStatus.pending):
    return Field(
        default=default,
        sa_type=pg_enum(OrderStatus, "order_status"),
        nullable=False,
        sa_column_kwargs={"server_default": default.value},
    )


def _payment_status():
    return Field(
        default=PaymentStatus.pending,
        sa_type=pg_enum(PaymentStatus, "payment_status"),
        nullable=False,
        sa_column_kwargs={"server_default": PaymentStatus.pending.value},
    )


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        sa.CheckConstraint("user_id IS NOT NULL OR guest_email IS NOT NULL", name="order_user_or_guest"),
        sa.CheckConstraint("total_amount >= 0", name="order_total_not_negative"),
        sa.Index("idx_orders_user", "user_id"),
        sa.Index("idx_orders_status", "status"),
        # the admin's "contains" searches (migration 0009), written as PostgreSQL prints them back
        pg_only(
            sa.Index(
                "idx_orders_number_trgm", sa.text("lower((order_number)::text) gin_trgm_ops"), postgresql_using="gin"
            )
        ),
        pg_only(
            sa.Index(
                "idx_orders_guest_email_trgm",
                sa.text("lower((guest_email)::text) gin_trgm_ops"),
                postgresql_using="gin",
            )
        ),
    )

    id: uuid.UUID = pk()
    order_number: str = Field(max_length=50, unique=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    guest_email: str | None = Field(default=None, max_length=255)

    status: OrderStatus = _order_status()
    payment_status: PaymentStatus = _payment_status()

    subtotal: Decimal = money()
    tax_rate: Decimal = Field(default=Decimal("0"), sa_type=sa.Numeric(5, 4), sa_column_kwargs={"server_default": "0"})
    tax_amount: Decimal = money(default=Decimal("0"), server_default="0")
    shipping_amount: Decimal = money(default=Decimal("0"), server_default="0")
    discount_amount: Decimal = money(default=Decimal("0"), server_default="0")
    total_amount: Decimal = money()
    currency: str = Field(default="USD", max_length=3, sa_column_kwargs={"server_default": "USD"})

    shipping_address: dict[str, Any] = Field(sa_type=JSONType, nullable=False)
    billing_address: dict[str, Any] = Field(sa_type=JSONType, nullable=False)

    shipping_method: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)
    shipped_at: datetime | None = timestamp()
    delivered_at: datetime | None = timestamp()

    notes: str | None = Field(default=None, sa_type=sa.Text)
    admin_notes: str | None = Field(default=None, sa_type=sa.Text)

    cancelled_at: datetime | None = timestamp()
    cancelled_reason: str | None = Field(default=None, sa_type=sa.Text)
    cancelled_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")

    # Checkout (migration 0005): the coupon's code as applied, and the client's idempotency key
    # scoped to its customer ("<user id>:<key>" or "guest:<e-mail>:<key>"), unique.
    coupon_code: str | None = Field(default=None, max_length=50)
    idempotency_key: str | None = Field(default=None, max_length=255)

    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class OrderStatusHistory(SQLModel, table=True):
    """One step of an order's timeline: the status it entered, when, by whom, why."""

    __tablename__ = "order_status_history"
    __table_args__ = (
        sa.CheckConstraint(one_of("to_status", tuple(s.value for s in OrderStatus)), name="order_history_status_known"),
        sa.Index("idx_order_status_history_order", "order_id", "created_at"),
    )

    id: uuid.UUID = pk()
    order_id: uuid.UUID = Field(foreign_key="orders.id", ondelete="CASCADE")
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    note: str | None = Field(default=None, sa_type=sa.Text)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = created_at()


class OrderItem(SQLModel, table=True):
    """An order line with a snapshot of the product as it was sold."""

    __tablename__ = "order_items"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="order_item_quantity_positive"),
        sa.Index("idx_order_items_order", "order_id"),
    )

    id: uuid.UUID = pk()
    order_id: uuid.UUID = Field(foreign_key="orders.id", ondelete="CASCADE")
    product_id: uuid.UUID | None = Field(default=None, foreign_key="products.id")
    product_variant_id: uuid.UUID | None = Field(default=None, foreign_key="product_variants.id")
    product_name: str = Field(max_length=255)
    product_sku: str = Field(max_length=100)
    product_snapshot: dict[str, Any] = Field(sa_type=JSONType, nullable=False)
    quantity: int
    unit_price: Decimal = money()
    total_price: Decimal = money()
    status: OrderStatus = _order_status()
    created_at: datetime = created_at()


class Payment(SQLModel, table=True):
    __tablename__ = "payments"

    id: uuid.UUID = pk()
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True)
    payment_method: str = Field(max_length=50)
    payment_intent_id: str | None = Field(default=None, max_length=255, index=True)
    amount: Decimal = money()
    currency: str = Field(default="USD", max_length=3, sa_column_kwargs={"server_default": "USD"})
    status: PaymentStatus = _payment_status()
    gateway_response: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    processed_at: datetime | None = timestamp()
    created_at: datetime = created_at()


class Coupon(SQLModel, table=True):
    __tablename__ = "coupons"
    __table_args__ = (
        sa.CheckConstraint(one_of("type", COUPON_TYPES), name="coupon_type_known"),
        sa.CheckConstraint("value >= 0", name="coupon_value_not_negative"),
    )

    id: uuid.UUID = pk()
    code: str = Field(max_length=50, unique=True)
    name: str = Field(max_length=100)
    description: str | None = Field(default=None, sa_type=sa.Text)
    type: str = Field(max_length=20)
    value: Decimal = money()
    minimum_order_amount: Decimal | None = money(nullable=True)
    maximum_discount_amount: Decimal | None = money(nullable=True)
    usage_limit: int | None = None
    usage_limit_per_customer: int | None = Field(default=1, sa_column_kwargs={"server_default": "1"})
    used_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    starts_at: datetime = created_at()
    expires_at: datetime | None = timestamp()
    is_active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    created_at: datetime = created_at()


class CouponUsage(SQLModel, table=True):
    __tablename__ = "coupon_usage"

    id: uuid.UUID = pk()
    coupon_id: uuid.UUID = Field(foreign_key="coupons.id", index=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True)
    discount_amount: Decimal = money()
    used_at: datetime = created_at()


class Return(SQLModel, table=True):
    __tablename__ = "returns"
    __table_args__ = (sa.CheckConstraint(one_of("status", RETURN_STATUSES), name="return_status_known"),)

    id: uuid.UUID = pk()
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True)
    return_number: str = Field(max_length=50, unique=True)
    status: str = Field(default="requested", max_length=20, sa_column_kwargs={"server_default": "requested"})
    reason: str = Field(max_length=100)
    comments: str | None = Field(default=None, sa_type=sa.Text)
    refund_amount: Decimal | None = money(nullable=True)
    return_shipping_cost: Decimal = money(default=Decimal("0"), server_default="0")
    requested_at: datetime = created_at()
    processed_at: datetime | None = timestamp()
    created_at: datetime = created_at()


class ReturnItem(SQLModel, table=True):
    __tablename__ = "return_items"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="return_item_quantity_positive"),)

    id: uuid.UUID = pk()
    return_id: uuid.UUID = Field(foreign_key="returns.id", ondelete="CASCADE", index=True)
    order_item_id: uuid.UUID = Field(foreign_key="order_items.id")
    quantity: int
    reason: str = Field(max_length=100)
    condition: str | None = Field(default=None, max_length=50)
    created_at: datetime = created_at()


_orders = Order.__table__.c
sa.Index("idx_orders_created", _orders.created_at.desc())
sa.Index("idx_orders_user_status_date", _orders.user_id, _orders.status, _orders.created_at.desc())
sa.Index("uq_orders_idempotency_key", _orders.idempotency_key, unique=True)


class PaymentEvent(SQLModel, table=True):
    """Something a payment provider did or told us, once per provider event id.

    Webhook events (``evt_...``) are stored here before they take effect, so a replayed event
    finds its id taken and changes nothing. Refunds are stored too (``kind='refund'`` with the
    refund's id and ``amount``): the sum of a payment's refund rows is what was refunded.
    """

    __tablename__ = "payment_events"
    __table_args__ = (sa.UniqueConstraint("provider", "event_id", name="uq_payment_event_provider_event"),)

    id: uuid.UUID = pk()
    payment_id: uuid.UUID | None = Field(default=None, foreign_key="payments.id", index=True)
    provider: str = Field(max_length=20)
    event_id: str = Field(max_length=255)
    kind: str = Field(max_length=60)
    amount: Decimal | None = money(nullable=True)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    data: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    created_at: datetime = created_at()
