"""Users (log-in by phone code or by e-mail and password) and their addresses."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .enums import ADDRESS_TYPES, UserRole, one_of, pg_enum
from .types import created_at, pg_only, pk, timestamp, updated_at


class User(SQLModel, table=True):
    """A shopper or staff member. Phone-only users have no e-mail and no password."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="user_email_or_phone"),
        sa.Index("idx_users_email", "email"),
        # the admin's customer search (migration 0009), written as PostgreSQL prints them back
        pg_only(sa.Index("idx_users_email_trgm", sa.text("lower((email)::text) gin_trgm_ops"), postgresql_using="gin")),
        pg_only(
            sa.Index(
                "idx_users_name_trgm",
                sa.text("lower((((first_name)::text || ' '::text) || (last_name)::text)) gin_trgm_ops"),
                postgresql_using="gin",
            )
        ),
    )

    id: uuid.UUID = pk()
    email: str | None = Field(default=None, max_length=255, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    first_name: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    last_name: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    phone: str | None = Field(default=None, max_length=20, unique=True)
    date_of_birth: date | None = None
    role: UserRole = Field(
        default=UserRole.customer,
        sa_type=pg_enum(UserRole, "user_role"),
        nullable=False,
        sa_column_kwargs={"server_default": UserRole.customer.value},
    )
    is_active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    email_verified: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    phone_verified: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # The HMAC of the e-mailed verification link's token (services/auth/verification.py),
    # when it expires and when it was sent (migration 0012).
    email_verification_token: str | None = Field(default=None, max_length=255)
    email_verification_expires: datetime | None = timestamp()
    email_verification_sent_at: datetime | None = timestamp()
    password_reset_token: str | None = Field(default=None, max_length=255)
    password_reset_expires: datetime | None = timestamp()
    last_login: datetime | None = timestamp()
    # Tokens issued before this moment are refused: set when the password changes or is reset,
    # so every other session of the account ends.
    sessions_valid_after: datetime | None = timestamp()
    # Every token carries the generation it was issued in; a password change or reset adds one,
    # so every older token is refused, even one issued in the same second (migration 0010).
    token_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The user's Stripe customer (``cus_...``), made when they first save a card (migration 0014);
    # their saved cards live at Stripe, attached to it, never here.
    stripe_customer_id: str | None = Field(default=None, max_length=255, unique=True)
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class Address(SQLModel, table=True):
    """A saved shipping or billing address of a user."""

    __tablename__ = "addresses"
    __table_args__ = (sa.CheckConstraint(one_of("type", ADDRESS_TYPES), name="address_type_known"),)

    id: uuid.UUID = pk()
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    type: str = Field(default="shipping", max_length=20, sa_column_kwargs={"server_default": "shipping"})
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    company: str | None = Field(default=None, max_length=100)
    address_line_1: str = Field(max_length=255)
    address_line_2: str | None = Field(default=None, max_length=255)
    city: str = Field(max_length=100)
    state: str = Field(max_length=100)
    postal_code: str = Field(max_length=20)
    country: str = Field(default="US", max_length=2, sa_column_kwargs={"server_default": "US"})
    phone: str | None = Field(default=None, max_length=20)
    is_default: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = created_at()
