"""E-mail verification: a single-use, expiring link e-mailed on registration, on an e-mail
change and on request (rate-limited).

Only the token's HMAC is stored (``users.email_verification_token``) with its expiry
(``MARQUE_EMAIL_VERIFICATION_TTL_SECONDS``, 24 hours) and when it was sent; a new link replaces
the previous one, and another may be asked for once per ``MARQUE_EMAIL_VERIFICATION_RESEND_SECONDS``
(the API and the account page also count ``MARQUE_RATE_LIMIT_VERIFY_EMAIL`` per account). An
e-mail change makes the account unverified and voids the old link (it no longer matches).
The rules are ``marque_app.domain.email_verification``. API::

    from marque_app.services.auth import verification

    verification.send_verification(session=, user_id=, mailer=, now=None, resend=True)
        -> VerificationSent(email, expires_in, resend_in)
    verification.resend_verification(session=, user_id=, mailer=, limiter=)   # + the hourly limit
    verification.verify_email(session=, token=, now=None) -> VerifiedEmail(user_id, email)
    verification.verify_link(token) -> "<MARQUE_PUBLIC_URL>/verify-email?token=..."
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from marque_app.domain.auth import Conflict, InvalidInput, RateLimited, Unauthorized
from marque_app.domain.email_verification import link_expired, resend_wait
from marque_app.models import User
from marque_app.models.types import utcnow
from marque_app.settings import Settings, get_settings

from .keys import keyed_hash
from .ratelimit import check_login
from .senders import DeliveryError, EmailSender

log = logging.getLogger("marque.auth.verification")

INVALID = "This verification link is invalid or has been used; ask for a new one from your account page"
EXPIRED = "This verification link has expired; ask for a new one from your account page"
MAX_TOKEN = 200


@dataclass(frozen=True)
class VerificationSent:
    email: str
    expires_in: int  # seconds the link stays valid
    resend_in: int  # seconds until another may be asked for


@dataclass(frozen=True)
class VerifiedEmail:
    user_id: str
    email: str


def _hash(token: str) -> str:
    return keyed_hash("verify-email", token)


def verify_link(token: str, settings: Settings | None = None) -> str:
    """The link in the e-mail: ``<MARQUE_PUBLIC_URL>/verify-email?token=...``."""
    return f"{(settings or get_settings()).public_url.rstrip('/')}/verify-email?token={token}"


def send_verification(
    *,
    session: Session,
    user_id: Any,
    mailer: EmailSender,
    now: datetime | None = None,
    resend: bool = True,
    settings: Settings | None = None,
) -> VerificationSent:
    """E-mail a new verification link to the account's address (it replaces any earlier one).

    ``resend=False`` (registration, an e-mail change) skips the resend interval: the address is
    new and nothing was sent to it yet.

    Raises:
        Unauthorized: the account is gone or disabled.
        InvalidInput: the account has no e-mail address.
        Conflict: the address is verified already.
        RateLimited: a link was sent less than the resend interval ago (``retry_after``).
        DeliveryError: the e-mail could not be sent (the new link is not kept).
    """
    s = settings or get_settings()
    now = now or utcnow()
    user = session.get(User, uuid.UUID(str(user_id)))
    if user is None or not user.is_active:
        raise Unauthorized("This account no longer exists; log in again")
    if not user.email:
        raise InvalidInput("Add an e-mail address to your account first", field="email")
    if user.email_verified:
        raise Conflict("Your e-mail address is verified already", field="email")
    interval = s.email_verification_resend_seconds
    wait = resend_wait(user.email_verification_sent_at, now=now, interval_seconds=interval) if resend else 0
    if wait:
        raise RateLimited(f"A verification e-mail was sent moments ago; ask again in {wait} seconds", retry_after=wait)
    token = secrets.token_urlsafe(32)
    ttl = s.email_verification_ttl_seconds
    previous = user.email_verification_sent_at
    user.email_verification_token = _hash(token)
    user.email_verification_expires = now + timedelta(seconds=ttl)
    user.email_verification_sent_at = now
    session.add(user)
    # Committed before the e-mail goes: no write lock is held while the mail server answers.
    session.commit()
    email = user.email
    hours = max(1, ttl // 3600)
    try:
        mailer.send(
            email,
            "Verify your Marque e-mail address",
            f"Please confirm that {email} is your e-mail address for Marque.\n\n"
            f"Open this link within {hours} hour{'s' if hours != 1 else ''}:\n{verify_link(token, s)}\n\n"
            "If you did not create a Marque account or change its e-mail address, ignore this e-mail.",
        )
    except DeliveryError:
        # Not sent: the owner may ask again at once (the unsent link stays unknown to anyone).
        user.email_verification_sent_at = previous
        session.add(user)
        session.commit()
        raise
    return VerificationSent(email=email, expires_in=ttl, resend_in=interval)


def resend_verification(
    *, session: Session, user_id: Any, mailer: EmailSender, limiter: Any, now: datetime | None = None
) -> VerificationSent:
    """The account page's and the API's "send me a new link": counted against
    ``MARQUE_RATE_LIMIT_VERIFY_EMAIL`` for the account (``limiter``: a ``RateLimiter``), then
    :func:`send_verification` with its resend interval.

    Raises:
        RateLimited: the account's hourly limit or the resend interval.
        and what :func:`send_verification` raises.
    """
    limiter.check(
        "verify_email",
        [f"user:{user_id}"],
        get_settings().rate_limit_verify_email,
        message="Too many verification e-mails asked for",
    )
    return send_verification(session=session, user_id=user_id, mailer=mailer, now=now)


def send_after_change(
    *, session: Session, user_id: Any, mailer: EmailSender | None, now: datetime | None = None
) -> bool:
    """The link sent on registration or an e-mail change; a delivery failure is logged, not
    raised (the account is saved; the owner can ask again from the account page). True when sent."""
    if mailer is None:
        return False
    try:
        send_verification(session=session, user_id=user_id, mailer=mailer, now=now, resend=False)
    except DeliveryError as err:
        log.error("could not send the verification e-mail: %s", err)
        return False
    except (Conflict, InvalidInput):
        return False
    return True


def verify_email(
    *, session: Session, token: str, now: datetime | None = None, limiter: Any = None, client: str = ""
) -> VerifiedEmail:
    """Mark the address verified with the e-mailed token; the token is used up.

    ``limiter`` (the API and the verify page pass theirs) counts the try against the log-in
    limit of ``client``'s address, as a password reset is, so tokens cannot be guessed in bulk.

    Raises:
        Unauthorized: unknown, used, replaced or expired token (an expired one is cleared).
        RateLimited: too many tries from this address.
    """
    now = now or utcnow()
    if limiter is not None:
        check_login(limiter, scope="verify", identifier="", client=client)
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN:
        raise Unauthorized(INVALID)
    user = session.exec(select(User).where(User.email_verification_token == _hash(token))).first()
    if user is None or not user.is_active or not user.email:
        raise Unauthorized(INVALID)
    expired = link_expired(user.email_verification_expires, now=now)
    user.email_verification_token = None
    user.email_verification_expires = None
    if not expired:
        user.email_verified = True
    session.add(user)
    session.commit()
    if expired:
        raise Unauthorized(EXPIRED)
    return VerifiedEmail(user_id=str(user.id), email=user.email)
