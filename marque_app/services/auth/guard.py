"""The one guard: who is calling (a bearer token) and may their role do this.

The API's dependencies (``marque_app/api/deps.py``) and the Reflex state both call these, so a
page, an event handler and an endpoint refuse the same tokens for the same reasons.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from marque_app.domain.auth import TokenClaims, Unauthorized, check_permission, check_role
from marque_app.models import User, UserRole

from .accounts import UserPublic
from .tokens import decode_token, is_revoked


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
    effect at once.

    Raises:
        Unauthorized: no token; a malformed, unsigned (``alg: none``), wrongly signed, expired
            or logged-out token; a deleted or disabled account.
    """
    if not token:
        raise Unauthorized("Not logged in")
    claims = decode_token(token, now=now)
    if is_revoked(claims.jti, session=session, redis=redis):
        raise Unauthorized("This session was logged out; log in again")
    user = session.get(User, uuid.UUID(claims.sub))
    if user is None or not user.is_active:
        raise Unauthorized("This account no longer exists; log in again")
    # iat has whole seconds: a token of the same second as the change (the caller's new one) passes.
    if user.sessions_valid_after and claims.iat < int(user.sessions_valid_after.timestamp()):
        raise Unauthorized("Your password was changed; log in again")
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
