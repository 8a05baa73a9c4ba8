"""Accounts: register, log in (phone code or e-mail and password), passwords, profile, log out,
delete account. Every function returns public data (``UserPublic``), never a password hash.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from marque_app.domain.auth import (
    Conflict,
    InvalidInput,
    TokenClaims,
    Unauthorized,
    check_password_rules,
)
from marque_app.models import (
    Address,
    AnalyticsEvent,
    CartItem,
    CouponUsage,
    InventoryMovement,
    Order,
    ProductReview,
    User,
    UserRole,
    Wishlist,
)
from marque_app.models.types import utcnow
from marque_app.services import passwords
from marque_app.settings import Settings, get_settings

from . import otp, verification
from .keys import keyed_hash
from .lockout import Failure, FailureCounter, get_failure_counter
from .phones import normalize_phone
from .senders import EmailSender, SmsSender
from .tokens import TOKEN_TYPE, issue_token, revoke_token

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
BAD_CREDENTIALS = "Wrong e-mail or password"


class UserPublic(BaseModel):
    """What anyone holding the user's token may see of the account."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str | None = None
    phone: str | None = None
    first_name: str = ""
    last_name: str = ""
    date_of_birth: date | None = None
    role: UserRole = UserRole.customer
    email_verified: bool = False
    phone_verified: bool = False
    has_password: bool = False
    created_at: datetime | None = None

    @classmethod
    def of(cls, user: User | sa.Row) -> UserPublic:
        """The public view of an account: an entity, or the guard's row of its columns
        (``tokens.account_and_revocation``, which says ``has_password`` itself)."""
        data = {name: getattr(user, name) for name in cls.model_fields if name != "has_password"}
        has_password = bool(user.password_hash) if isinstance(user, User) else bool(user.has_password)
        return cls(**data, has_password=has_password)


@dataclass(frozen=True)
class AuthResult:
    """A successful log-in: the token to keep and the user it belongs to."""

    access_token: str
    expires_in: int
    user: UserPublic
    claims: TokenClaims
    created: bool = False  # a first phone log-in made a new account
    token_type: str = TOKEN_TYPE

    def to_response(self) -> dict[str, Any]:
        """``{access_token, token_type, expires_in, user}`` (JSON-ready)."""
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "user": self.user.model_dump(mode="json"),
        }


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified when no account matches, so a log-in takes as long either way."""
    return passwords.hash_password(secrets.token_urlsafe(16))


def normalize_email(raw: str) -> str:
    """``raw`` trimmed and lower-cased, or :class:`InvalidInput` when it is not an address."""
    email = (raw or "").strip().lower()
    if len(email) > 255 or not _EMAIL.match(email):
        raise InvalidInput("Enter a valid e-mail address", field="email")
    return email


def _log_in(user: User, *, session: Session, now: datetime, created: bool = False) -> AuthResult:
    user.last_login = now
    session.add(user)
    session.commit()
    token = issue_token(
        user_id=user.id,
        role=user.role,
        email=user.email,
        phone=user.phone,
        generation=user.token_generation or 0,
        now=now,
    )
    return AuthResult(token.access_token, token.expires_in, UserPublic.of(user), token.claims, created)


def _user(session: Session, user_id: Any) -> User:
    user = session.get(User, uuid.UUID(str(user_id)))
    if user is None or not user.is_active:
        raise Unauthorized("This account no longer exists; log in again")
    return user


def _end_sessions(user: User, *, session: Session, now: datetime) -> None:
    """Refuse every token issued so far: the account's token generation moves on by one.

    The increment is done by the database (``token_generation + 1``), so two changes at once
    both count, and a token issued while this transaction is open carries the old generation.
    """
    user.sessions_valid_after = now
    user.token_generation = User.token_generation + 1
    session.add(user)
    session.flush()
    session.refresh(user, ["token_generation"])


def _clean_name(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if len(value) > 100:
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} is at most 100 characters", field=field)
    return value


# --- phone -------------------------------------------------------------------------------------


def send_phone_code(
    *,
    session: Session,
    phone: str,
    sms: SmsSender,
    redis=None,
    now: datetime | None = None,
) -> otp.CodeSent:
    """Normalise ``phone`` and text it a new log-in code.

    Raises:
        InvalidInput: not a valid phone number.
        RateLimited: a code was sent less than a minute ago (``retry_after``).
    """
    e164 = normalize_phone(phone)
    return otp.send_code(phone=e164, session=session, sms=sms, redis=redis, now=now)


def log_in_with_phone_code(
    *,
    session: Session,
    phone: str,
    code: str,
    redis=None,
    now: datetime | None = None,
    client: str = "",
    failures: FailureCounter | None = None,
) -> AuthResult:
    """Check the code and log in; the first good code for a new number creates the customer.

    Wrong codes count against the number's failure budget (``failures``, see ``lockout``);
    ``client`` (the caller's address) goes into the activity log when it is exceeded.

    Raises:
        InvalidInput: bad number or not 6 digits.
        Unauthorized: no code, expired, void after 5 wrong tries, wrong code, disabled account.
        RateLimited: the number's code log-in is paused after too many failures.
    """
    now = now or utcnow()
    e164 = normalize_phone(phone)
    failures = failures or get_failure_counter()
    failures.check("code", e164)
    try:
        otp.verify_code(phone=e164, code=code, session=session, redis=redis, now=now)
    except Unauthorized:
        failed = failures.fail("code", e164)
        if failed.over_budget:
            account = session.exec(select(User).where(User.phone == e164)).first()
            _note_failures(session, account, failed, scope="code", client=client, now=now)
        raise
    failures.succeed("code", e164)
    user = session.exec(select(User).where(User.phone == e164)).first()
    created = False
    if user is None:
        user = User(phone=e164, phone_verified=True, role=UserRole.customer)
        session.add(user)
        try:
            session.flush()
        except IntegrityError:  # the same number logged in twice at once: use that account
            session.rollback()
            user = session.exec(select(User).where(User.phone == e164)).one()
        else:
            created = True
    if not user.is_active:
        raise Unauthorized("This account is disabled")
    user.phone_verified = True
    return _log_in(user, session=session, now=now, created=created)


# --- e-mail and password -----------------------------------------------------------------------


def register(
    *,
    session: Session,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    now: datetime | None = None,
    mailer: EmailSender | None = None,
) -> AuthResult:
    """Create a customer with an e-mail and password and log them in; with a ``mailer``, the
    address gets its verification link (``verification.send_after_change``).

    Raises:
        InvalidInput: bad e-mail, weak password (the message lists what is missing), long names.
        Conflict: the e-mail already has an account.
    """
    now = now or utcnow()
    email = normalize_email(email)
    check_password_rules(password)
    first, last = _clean_name(first_name, "first_name"), _clean_name(last_name, "last_name")
    # Hashed before the first statement: the transaction then lasts a read and a write, not the
    # hash's tenth of a second (on SQLite a commit by anyone meanwhile refuses the write).
    password_hash = passwords.hash_password(password)
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict("An account with this e-mail already exists; log in instead", field="email")
    user = User(email=email, password_hash=password_hash, first_name=first, last_name=last, role=UserRole.customer)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("An account with this e-mail already exists; log in instead", field="email") from None
    result = _log_in(user, session=session, now=now, created=True)
    verification.send_after_change(session=session, user_id=user.id, mailer=mailer, now=now)
    return result


def log_in_with_password(
    *,
    session: Session,
    email: str,
    password: str,
    now: datetime | None = None,
    client: str = "",
    failures: FailureCounter | None = None,
) -> AuthResult:
    """Log in with e-mail and password.

    The password is checked against a dummy hash when no account matches, so the answer takes
    the same time whether or not the e-mail is known, and the message is the same. Failures
    count against the e-mail's failure budget (``failures``, see ``lockout``), known or not;
    ``client`` (the caller's address) goes into the activity log when it is exceeded.

    Raises:
        Unauthorized: "Wrong e-mail or password" (also for a disabled account).
        RateLimited: the account's password log-in is paused after too many failures (a phone
            code or a reset link still work).
    """
    now = now or utcnow()
    try:
        email = normalize_email(email)
    except InvalidInput:
        email = ""
    failures = failures or get_failure_counter()
    failures.check("password", email)
    user = session.exec(select(User).where(User.email == email)).first() if email else None
    real = user is not None and bool(user.password_hash)
    ok = passwords.verify_password(user.password_hash if real else _dummy_hash(), password or "")
    if not (real and ok and user.is_active):
        failed = failures.fail("password", email)
        if failed.over_budget:
            _note_failures(session, user, failed, scope="password", client=client, now=now)
        raise Unauthorized(BAD_CREDENTIALS)
    failures.succeed("password", email)
    return _log_in(user, session=session, now=now)


def _note_failures(
    session: Session,
    user: User | None,
    failed: Failure,
    *,
    scope: str,
    client: str,
    now: datetime,
) -> None:
    """An ``auth.login_failures`` row in the admin's activity log (existing accounts only, so
    guessed addresses cannot fill the log)."""
    if user is None:
        return
    from marque_app.services.admin.activity import Actor, record

    what = "password log-ins" if scope == "password" else "phone-code log-ins"
    who = user.email if scope == "password" else user.phone
    record(
        session=session,
        actor=Actor(id=None, email="(log-in guard)"),
        action="auth.login_failures",
        entity_type="user",
        entity_id=user.id,
        summary=(
            f"{failed.count} failed {what} for {who} within the hour (last from "
            f"{client or 'an unknown address'}); paused {failed.pause} s"
        ),
        details={"scope": scope, "failures": failed.count, "pause_seconds": failed.pause, "client": client or None},
        now=now,
    )
    session.commit()


def _reset_hash(token: str) -> str:
    return keyed_hash("reset", token)


def reset_link(token: str, settings: Settings | None = None) -> str:
    """The page link in the reset e-mail: ``<MARQUE_PUBLIC_URL>/reset-password?token=...``."""
    return f"{(settings or get_settings()).public_url.rstrip('/')}/reset-password?token={token}"


def request_password_reset(
    *,
    session: Session,
    email: str,
    mailer: EmailSender,
    now: datetime | None = None,
) -> None:
    """E-mail a single-use reset link to ``email`` when it has an account; silent otherwise.

    Only the token's HMAC is stored (``users.password_reset_token``), valid
    ``MARQUE_PASSWORD_RESET_TTL_SECONDS``. A new request replaces the previous token.

    Raises:
        InvalidInput: not an e-mail address.
    """
    now = now or utcnow()
    email = normalize_email(email)
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None or not user.is_active:
        return
    token = secrets.token_urlsafe(32)
    ttl = get_settings().password_reset_ttl_seconds
    user.password_reset_token = _reset_hash(token)
    user.password_reset_expires = now + timedelta(seconds=ttl)
    session.add(user)
    session.commit()
    minutes = ttl // 60
    mailer.send(
        email,
        "Reset your Marque password",
        f"Someone asked to reset the password of your Marque account.\n\n"
        f"Open this link within {minutes} minutes to choose a new password:\n{reset_link(token)}\n\n"
        f"If it was not you, ignore this e-mail; your password stays the same.",
    )


def reset_password(
    *,
    session: Session,
    token: str,
    new_password: str,
    now: datetime | None = None,
    failures: FailureCounter | None = None,
) -> UserPublic:
    """Set a new password with a reset token; the token is used up. The account's count of
    failed password log-ins starts again (the owner is back in).

    Raises:
        InvalidInput: weak password.
        Unauthorized: unknown, used or expired token.
    """
    now = now or utcnow()
    check_password_rules(new_password)
    if not token or len(token) > 200:
        raise Unauthorized("This reset link is invalid or has been used; ask for a new one")
    user = session.exec(select(User).where(User.password_reset_token == _reset_hash(token))).first()
    if user is None or not user.is_active:
        raise Unauthorized("This reset link is invalid or has been used; ask for a new one")
    expired = user.password_reset_expires is None or user.password_reset_expires <= now
    user.password_reset_token = None
    user.password_reset_expires = None
    if expired:
        session.add(user)
        session.commit()
        raise Unauthorized("This reset link has expired; ask for a new one")
    user.password_hash = passwords.hash_password(new_password)
    user.email_verified = True  # the link reached the mailbox
    _end_sessions(user, session=session, now=now)  # every session of the account ends
    session.commit()
    if user.email:
        (failures or get_failure_counter()).succeed("password", user.email)
    return UserPublic.of(user)


def change_password(
    *,
    session: Session,
    user_id: Any,
    current_password: str | None,
    new_password: str,
    now: datetime | None = None,
) -> AuthResult:
    """Change the password (set a first one for a phone-only account).

    Every other session of the account ends (tokens issued before now are refused); the caller
    gets a fresh token in the result to carry on with.

    Raises:
        InvalidInput: weak new password.
        Unauthorized: the current password is wrong.
    """
    user = _user(session, user_id)
    if user.password_hash and not passwords.verify_password(user.password_hash, current_password or ""):
        raise Unauthorized("The current password is wrong")
    check_password_rules(new_password, field="new_password")
    now = now or utcnow()
    user.password_hash = passwords.hash_password(new_password)
    user.password_reset_token = None
    user.password_reset_expires = None
    _end_sessions(user, session=session, now=now)
    return _log_in(user, session=session, now=now)


# --- profile -----------------------------------------------------------------------------------


def get_profile(*, session: Session, user_id: Any) -> UserPublic:
    """The account of ``user_id``.

    Raises:
        Unauthorized: the account no longer exists or is disabled.
    """
    return UserPublic.of(_user(session, user_id))


_UNSET: Any = object()


def update_profile(
    *,
    session: Session,
    user_id: Any,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    date_of_birth: date | Any | None = _UNSET,
    mailer: EmailSender | None = None,
) -> UserPublic:
    """Change names, e-mail (unverified again) or birth date; ``None`` leaves a field as it is.

    A new e-mail address is unverified, the old address's link no longer works, and with a
    ``mailer`` the new address gets its verification link.

    Raises:
        InvalidInput: bad e-mail, names over 100 characters, a birth date in the future.
        Conflict: the e-mail belongs to another account.
    """
    user = _user(session, user_id)
    changed_email = False
    if first_name is not None:
        user.first_name = _clean_name(first_name, "first_name")
    if last_name is not None:
        user.last_name = _clean_name(last_name, "last_name")
    if date_of_birth is not _UNSET:
        if date_of_birth is not None and date_of_birth > utcnow().date():
            raise InvalidInput("The date of birth is in the future", field="date_of_birth")
        user.date_of_birth = date_of_birth
    if email is not None and email.strip():
        new_email = normalize_email(email)
        if new_email != user.email:
            taken = session.exec(select(User.id).where(User.email == new_email, User.id != user.id)).first()
            if taken is not None:
                raise Conflict("Another account uses this e-mail", field="email")
            user.email, user.email_verified = new_email, False
            user.email_verification_token = user.email_verification_expires = None
            user.email_verification_sent_at = None
            changed_email = True
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("Another account uses this e-mail", field="email") from None
    if changed_email:
        verification.send_after_change(session=session, user_id=user.id, mailer=mailer)
    return UserPublic.of(user)


# --- log out, delete ---------------------------------------------------------------------------


def log_out(*, session: Session, claims: TokenClaims, redis=None, now: datetime | None = None) -> None:
    """Revoke the token of ``claims``: every later request with it gets 401."""
    revoke_token(claims, session=session, redis=redis, now=now)


def delete_account(
    *,
    session: Session,
    user_id: Any,
    claims: TokenClaims | None = None,
    redis=None,
    now: datetime | None = None,
) -> None:
    """Remove the account and its personal data; keep its orders, anonymised.

    Removed: the user row (name, e-mail, phone, password), addresses, cart, wishlist. Orders
    stay for the books with ``user_id`` NULL, a placeholder e-mail, addresses cut to the country,
    and notes cleared. Reviews stay, no longer linked to anyone (product ratings keep adding up).
    The current token is revoked; any other token is refused because the user is gone.
    """
    now = now or utcnow()
    user = _user(session, user_id)
    uid = user.id
    orders = session.exec(select(Order).where(Order.user_id == uid)).all()
    for order in orders:
        order.user_id = None
        order.guest_email = f"deleted-{order.id.hex[:12]}@deleted.invalid"
        order.shipping_address = _anonymised_address(order.shipping_address)
        order.billing_address = _anonymised_address(order.billing_address)
        order.notes = None
        session.add(order)
    session.exec(sa.update(Order).where(Order.cancelled_by == uid).values(cancelled_by=None))
    session.exec(sa.update(CouponUsage).where(CouponUsage.user_id == uid).values(user_id=None))
    session.exec(sa.update(InventoryMovement).where(InventoryMovement.created_by == uid).values(created_by=None))
    session.exec(sa.update(ProductReview).where(ProductReview.user_id == uid).values(user_id=None))
    session.exec(
        sa.update(AnalyticsEvent)
        .where(AnalyticsEvent.user_id == uid)
        .values(user_id=None, ip_address=None, user_agent=None)
    )
    for table in (Address, CartItem, Wishlist):
        session.exec(sa.delete(table).where(table.user_id == uid))
    session.flush()
    session.delete(user)
    session.commit()
    if claims is not None:
        revoke_token(claims, session=session, redis=redis, now=now)


def _anonymised_address(address: dict | None) -> dict:
    country = (address or {}).get("country")
    return {"anonymised": True, **({"country": country} if country else {})}
