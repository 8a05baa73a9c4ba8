"""Access tokens: HS256 JWTs signed with a key derived from ``MARQUE_SECRET_KEY``, and revocation.

Claims: ``sub`` (user id), ``role``, ``iat``, ``exp``, ``jti``, ``gen`` (the account's token
generation) and ``email`` or ``phone``. The algorithm is pinned on decode, so ``alg: none`` and
algorithm-confusion tokens are refused.

A logged-out token's ``jti`` is kept until the token's own expiry in the ``revoked_tokens``
table, always: that is the truth, so a Redis restart without persistence (the usual cache set-up)
brings no logged-out token back. Redis, when configured, gets a copy (a key with the token's
remaining life). The guard reads the revocation in the same statement as the account it loads
(:func:`account_and_revocation`), so durability costs no extra query per request or event.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.auth import TokenClaims, Unauthorized, build_claims, validate_claims
from marque_app.models import User
from marque_app.models.auth import RevokedToken
from marque_app.models.types import utcnow
from marque_app.settings import Settings, get_settings

from .keys import derived_key, redis_key

log = logging.getLogger("marque.auth")

ALGORITHM = "HS256"
TOKEN_TYPE = "bearer"


@dataclass(frozen=True)
class IssuedToken:
    """A freshly signed token: what the API returns (``access_token``, ``expires_in``)."""

    access_token: str
    expires_in: int
    claims: TokenClaims
    token_type: str = TOKEN_TYPE


def _signing_key(settings: Settings) -> bytes:
    settings.check_secret()  # a placeholder secret never signs a token in production
    return derived_key("jwt", settings=settings)


def issue_token(
    *,
    user_id: Any,
    role: Any,
    email: str | None = None,
    phone: str | None = None,
    generation: int = 0,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> IssuedToken:
    """Sign an access token for a user.

    Args:
        user_id: the user's id (``sub``).
        role: the user's role (``UserRole`` or its value).
        email: included as a claim when set.
        phone: included as a claim when set.
        generation: the account's ``token_generation`` (claim ``gen``).
        now: the issue time (tests pass a fixed clock).
        settings: defaults to ``get_settings()`` (``MARQUE_JWT_TTL_SECONDS``).
    """
    settings = settings or get_settings()
    now = now or utcnow()
    claims = build_claims(
        user_id=str(user_id),
        role=role,
        now=now,
        ttl_seconds=settings.jwt_ttl_seconds,
        jti=secrets.token_urlsafe(16),
        email=email,
        phone=phone,
        generation=generation,
    )
    token = jwt.encode(claims.to_payload(), _signing_key(settings), algorithm=ALGORITHM)
    return IssuedToken(access_token=token, expires_in=claims.exp - claims.iat, claims=claims)


def decode_token(token: str, *, now: datetime | None = None, settings: Settings | None = None) -> TokenClaims:
    """Verify a token's signature (HS256 only) and claims at ``now``; not revocation.

    Raises:
        Unauthorized: missing, malformed, unsigned, wrongly signed, expired or incomplete.
    """
    settings = settings or get_settings()
    if not token or not isinstance(token, str):
        raise Unauthorized("Not logged in")
    try:
        payload = jwt.decode(
            token,
            _signing_key(settings),
            algorithms=[ALGORITHM],
            # Expiry is checked by the domain rules against the injected clock.
            options={"require": ["exp", "iat", "sub", "jti"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError as err:
        raise Unauthorized(f"Invalid token: {_reason(err)}") from None
    return validate_claims(payload, now=now or utcnow())


def _reason(err: jwt.InvalidTokenError) -> str:
    if isinstance(err, jwt.InvalidSignatureError):
        return "bad signature"
    if isinstance(err, jwt.MissingRequiredClaimError):
        return f"missing {err.claim}"
    if isinstance(err, jwt.InvalidAlgorithmError):
        return "algorithm not allowed"
    if isinstance(err, jwt.DecodeError):
        return "malformed"
    return "rejected"


def revoke_token(claims: TokenClaims, *, session: Session, redis=None, now: datetime | None = None) -> None:
    """Refuse this token from now on (logout). Kept only until the token would expire anyway.

    The database row is written (and committed) first, whether or not Redis is configured; the
    Redis key is a cache of it.
    """
    now = now or utcnow()
    expires_at = datetime.fromtimestamp(claims.exp, tz=UTC)
    if session.get(RevokedToken, claims.jti) is None:
        session.add(RevokedToken(jti=claims.jti, expires_at=expires_at, revoked_at=now))
    # Expired entries are no longer needed: the token is refused for its expiry alone.
    session.exec(sa.delete(RevokedToken).where(RevokedToken.expires_at < now))
    session.commit()
    if redis is not None:
        ttl = max(1, claims.exp - int(now.timestamp()))
        try:
            redis.set(redis_key("revoked", claims.jti), "1", ex=ttl)
        except Exception:  # the database already refuses the token
            log.warning("could not cache the revocation of a token in Redis", exc_info=True)


def is_revoked(jti: str, *, session: Session, redis=None) -> bool:
    """Whether the token with this ``jti`` was logged out (Redis's copy first, then the table)."""
    if redis is not None:
        try:
            if redis.exists(redis_key("revoked", jti)):
                return True
        except Exception:  # the table answers
            log.warning("Redis did not answer a revocation check; asking the database", exc_info=True)
    return session.get(RevokedToken, jti) is not None


#: The account's columns the guard reads (:func:`account_and_revocation`): what
#: ``UserPublic`` shows, and what decides whether a token still counts.
CHECK_COLUMNS = (
    "id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "date_of_birth",
    "role",
    "email_verified",
    "phone_verified",
    "created_at",
    "is_active",
    "sessions_valid_after",
    "token_generation",
)
#: Built once: the statement's construction cost more than its run (it is compiled once either
#: way). Its row reads as the account: ``row.email``, ``row.is_active``, ``row.has_password``
#: (whether a password is set; the hash itself is not read) and ``row.revoked``.
_CHECK = sa.select(
    *(getattr(User, name) for name in CHECK_COLUMNS),
    (sa.func.coalesce(sa.func.length(User.password_hash), 0) > 0).label("has_password"),
    sa.exists().where(RevokedToken.jti == sa.bindparam("jti")).label("revoked"),
).where(User.id == sa.bindparam("user_id"))


def account_and_revocation(session: Session, *, user_id: uuid.UUID, jti: str) -> tuple[sa.Row | None, bool]:
    """The account (its :data:`CHECK_COLUMNS` and ``has_password``) and whether the token
    ``jti`` was logged out, in one statement.

    Columns through the session's connection, not the ORM entity: every logged-in page load
    and cart change runs this, and an entity costs SQLAlchemy its ORM execution, identity map
    and instance state on top of the row.
    """
    row = session.connection().execute(_CHECK, {"user_id": user_id, "jti": jti}).first()
    if row is None:
        return None, session.get(RevokedToken, jti) is not None
    return row, bool(row.revoked)
