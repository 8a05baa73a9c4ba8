"""The seed's enums, stored by value (``'customer'``, not ``'CUSTOMER'``)."""

from __future__ import annotations

import enum

import sqlalchemy as sa


class UserRole(str, enum.Enum):
    customer = "customer"
    admin = "admin"
    vendor = "vendor"
    support = "support"


class OrderStatus(str, enum.Enum):
    pending = "pending"
    processing = "processing"
    shipped = "shipped"
    delivered = "delivered"
    cancelled = "cancelled"
    refunded = "refunded"


class PaymentStatus(str, enum.Enum):
    pending = "pending"
    paid = "paid"
    failed = "failed"
    refunded = "refunded"
    partially_refunded = "partially_refunded"


class ProductStatus(str, enum.Enum):
    active = "active"
    draft = "draft"
    archived = "archived"


# The seed keeps these as VARCHAR with the allowed values in a comment; we check them.
ADDRESS_TYPES = ("shipping", "billing")
REVIEW_STATUSES = ("pending", "approved", "rejected")
COUPON_TYPES = ("percentage", "fixed_amount", "free_shipping")
MOVEMENT_TYPES = ("sale", "return", "adjustment", "restock")
RETURN_STATUSES = ("requested", "approved", "received", "refunded", "rejected")


def pg_enum(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A native enum on PostgreSQL, a checked VARCHAR elsewhere, holding the member values."""
    return sa.Enum(
        enum_cls,
        name=name,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        create_constraint=True,
    )


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK that ``column`` holds one of ``values``."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"
