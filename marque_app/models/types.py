"""Column types shared by every table: UTC timestamps, money, JSON, UUID keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A ``TIMESTAMP WITH TIME ZONE`` that always hands back aware UTC datetimes.

    SQLite has no time zones and returns naive values; they were written as UTC, so UTC is
    attached on the way out. A naive value on the way in is refused rather than guessed at.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware UTC values only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def __repr__(self) -> str:
        return "UTCDateTime()"


#: JSON everywhere, JSONB on PostgreSQL (GIN-indexable).
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

#: An IP address: INET on PostgreSQL, text elsewhere.
InetType = sa.String(45).with_variant(postgresql.INET(), "postgresql")


def money(*, nullable: bool = False, default: Decimal | None = None, server_default: str | None = None):
    """A NUMERIC(10,2) amount, read and written as ``Decimal``."""
    kwargs = {}
    if server_default is not None:
        kwargs["server_default"] = sa.text(server_default)
    return Field(
        default=default,
        sa_type=sa.Numeric(10, 2, asdecimal=True),
        nullable=nullable,
        sa_column_kwargs=kwargs,
    )


def pk() -> uuid.UUID:
    """A UUID primary key made by the application (works the same on SQLite and PostgreSQL)."""
    return Field(default_factory=uuid.uuid4, primary_key=True)


def created_at():
    """A creation timestamp, set by the app and by the database when the app did not."""
    return Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"server_default": sa.func.now()},
    )


def updated_at():
    """A last-change timestamp, refreshed on every ORM update."""
    return Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"server_default": sa.func.now(), "onupdate": utcnow},
    )


def timestamp(*, nullable: bool = True):
    """An optional point in time (shipped_at, expires_at, ...)."""
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


def pg_only(index: sa.Index) -> sa.Index:
    """Mark an index that exists only on PostgreSQL (GIN, full text, JSONB)."""
    index.info["pg_only"] = True
    return index.ddl_if(dialect="postgresql")
