"""The one guard: who is calling (a bearer token) and may their role do this.

The API's dependencies (``marque_app/api/deps.py``) and the Reflex state both call these, so a
page, an event handler and an endpoint refuse the same tokens for the same reasons.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from marque_app.domain.auth import TokenClaims, Unauthorized, check_permission, check_role, check_session
from marque_app.models import UserRole

from .accounts import UserPublic
from .tokens import account_and_revocation, decode_token


@dataclass(frozen=True)
class AuthUser:
    """The caller: the account as it is now, and the claims of the token it came with."""

    user: UserPublic
    claims: TokenClaims

    @property
    def id(self) -> uuid.UUID:
        return self.user.id

    @property
    def role(self) -> str:
        return self.user.role.value


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header ("" when there is none)."""
    if not authorization:
        return ""
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def authenticate(*, session: Session, token: str | None, redis=None, now: datetime | None = None) -> AuthUser:
    """The user a token belongs to.

    The role is read from the account, not trusted from the token, so a role change takes
    effect at once. The account and the token's revocation come from the database in one
    statement (the table is the truth; a restarted Redis forgets nothing), so checking costs
    what it did before log-outs were durable. ``redis`` is accepted for the callers' sake.

    Raises:
        Unauthorized: no token; a malformed, unsigned (``alg: none``), wrongly signed, expired
            or logged-out token; a deleted or disabled account.
    """
    if not token:
        raise Unauthorized("Not logged in")
    claims = decode_token(token, now=now)
    user, revoked = account_and_revocation(session, user_id=uuid.UUID(claims.sub), jti=claims.jti)
    if revoked:
        raise Unauthorized("This session was logged out; log in again")
    if user is None or not user.is_active:
        raise Unauthorized("This account no longer exists; log in again")
    valid_after = user.sessions_valid_after.timestamp() if user.sessions_valid_after else None
    check_session(claims, account_generation=user.token_generation or 0, sessions_valid_after=valid_after)
    return AuthUser(user=UserPublic.of(user), claims=claims)


def require_role(user: AuthUser, *roles: UserRole | str) -> AuthUser:
    """``user`` when their role is one of ``roles``.

    Raises:
        Forbidden: "This needs the admin role".
    """
    check_role(user.role, tuple(roles))
    return user


def require_permission(user: AuthUser, permission: str) -> AuthUser:
    """``user`` when their role holds ``permission`` (see ``domain.auth.PERMISSIONS``).

    Raises:
        Forbidden: the role may not.
    """
    check_permission(user.role, permission)
    return user
