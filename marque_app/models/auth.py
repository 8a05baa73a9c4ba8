"""Log-in bookkeeping kept in the database when Redis is not configured.

Pending phone codes and revoked token ids must be shared by every worker, so they never live in
process memory: Redis holds them when ``REFLEX_REDIS_URL`` is set, these tables otherwise.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, created_at, timestamp


class PhoneVerification(SQLModel, table=True):
    """The code last sent to a phone number: only its HMAC, its life and the tries used."""

    __tablename__ = "phone_verifications"
    __table_args__ = (sa.CheckConstraint("attempts >= 0", name="phone_verification_attempts"),)

    phone: str = Field(primary_key=True, max_length=20)
    code_hash: str = Field(max_length=64)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = created_at()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


class RevokedToken(SQLModel, table=True):
    """A logged-out access token, kept until it would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    revoked_at: datetime | None = timestamp()
