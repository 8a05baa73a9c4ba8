"""Log-in rules: password rules, the one-time code policy, roles, token claims and auth errors.

Pure Python (standard library only): every decision is a function of a record and ``now``, so the
rules are unit-tested with a fixed clock, without a database, Redis or a JWT library.
"""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from marque_app.domain.errors import DomainError

# --- errors -------------------------------------------------------------------------------------


class AuthError(DomainError):
    """A log-in or account problem with a message fit to show to the user.

    Attributes:
        kind: ``invalid``, ``conflict``, ``unauthorized``, ``forbidden`` or ``rate_limited``.
        field: the input field at fault, when there is one.
    """

    kind = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(AuthError):
    """The input breaks a rule (a weak password, a bad phone number, ...): 422."""


class Conflict(AuthError):
    """The input clashes with an existing account (the e-mail is taken): 409."""

    kind = "conflict"


class Unauthorized(AuthError):
    """Not logged in: no token, a bad or expired token, wrong credentials or code: 401."""

    kind = "unauthorized"


class Forbidden(AuthError):
    """Logged in, but the role may not do this: 403."""

    kind = "forbidden"


class RateLimited(AuthError):
    """Too many attempts; try again after ``retry_after`` seconds: 429."""

    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = max(1, int(retry_after))


# --- passwords ----------------------------------------------------------------------------------

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128  # argon2 would take more; a cap keeps hashing cost bounded
SPECIAL_CHARACTERS = frozenset(string.punctuation + " ")


def password_problems(password: str) -> list[str]:
    """What ``password`` lacks, in words ("at least 8 characters", "a number", ...); [] if none.

    The seed's rules: 8 or more characters, at least one number and one special character.
    """
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(f"at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        problems.append(f"at most {PASSWORD_MAX_LENGTH} characters")
    if not any(ch.isdigit() for ch in password):
        problems.append("a number")
    if not any(ch in SPECIAL_CHARACTERS for ch in password):
        problems.append("a special character (such as ! # $ %)")
    return problems


def check_password_rules(password: str, *, field: str = "password") -> None:
    """Raise :class:`InvalidInput` naming everything ``password`` lacks.

    Raises:
        InvalidInput: e.g. "Password needs at least 8 characters and a number".
    """
    problems = password_problems(password)
    if problems:
        listed = problems[0] if len(problems) == 1 else ", ".join(problems[:-1]) + " and " + problems[-1]
        raise InvalidInput(f"Password needs {listed}", field=field)


# --- one-time codes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OtpPolicy:
    """How one-time log-in codes behave (the issue's numbers are the defaults)."""

    length: int = 6
    ttl_seconds: int = 300
    max_attempts: int = 5
    resend_seconds: int = 60


@dataclass(frozen=True)
class OtpRecord:
    """A code that was sent: only its hash is kept, with when it was made and the tries used."""

    code_hash: str
    created_at: datetime
    expires_at: datetime
    attempts: int = 0


def new_otp_record(code_hash: str, *, now: datetime, policy: OtpPolicy) -> OtpRecord:
    """The record for a code made at ``now``."""
    return OtpRecord(code_hash, now, now + timedelta(seconds=policy.ttl_seconds), 0)


def otp_resend_wait(record: OtpRecord | None, *, now: datetime, policy: OtpPolicy) -> int:
    """Seconds to wait before another code may be sent to the same number (0: send now)."""
    if record is None:
        return 0
    ready_at = record.created_at + timedelta(seconds=policy.resend_seconds)
    if now >= ready_at:
        return 0
    return max(1, int((ready_at - now).total_seconds() + 0.999))


def check_otp_send(record: OtpRecord | None, *, now: datetime, policy: OtpPolicy) -> None:
    """Refuse a new code while the last one is younger than the resend gap.

    Raises:
        RateLimited: with the seconds left until a new code may be sent.
    """
    wait = otp_resend_wait(record, now=now, policy=policy)
    if wait:
        raise RateLimited(
            f"A code was just sent; you can ask for a new one in {wait} seconds",
            retry_after=wait,
            field="phone",
        )


def otp_problem(record: OtpRecord | None, *, now: datetime, policy: OtpPolicy) -> str | None:
    """Why no code can be accepted now: ``missing``, ``expired``, ``void``; None if one can.

    ``record.attempts`` counts every try already made (the service counts a try before it
    compares, so two parallel guesses cannot both slip under the limit).
    """
    if record is None:
        return "missing"
    if now >= record.expires_at:
        return "expired"
    if record.attempts > policy.max_attempts:
        return "void"
    return None


OTP_MESSAGES = {
    "missing": "No code is waiting for this number; ask for a new code",
    "expired": "This code has expired; ask for a new code",
    "void": "This code is void after too many wrong tries; ask for a new code",
}


def otp_failure(problem: str) -> Unauthorized:
    """The error for an :func:`otp_problem`."""
    return Unauthorized(OTP_MESSAGES[problem], field="code")


def wrong_code(attempts: int, *, policy: OtpPolicy) -> Unauthorized:
    """The error for a wrong code after ``attempts`` tries (the message says how many are left)."""
    left = policy.max_attempts - attempts
    if left <= 0:
        return Unauthorized(
            f"Wrong code; after {policy.max_attempts} wrong tries this code is void, ask for a new code",
            field="code",
        )
    return Unauthorized(f"Wrong code; {left} {'try' if left == 1 else 'tries'} left", field="code")


def check_code_format(code: str, *, policy: OtpPolicy) -> str:
    """The code with spaces and dashes removed (pasted codes), or :class:`InvalidInput`."""
    cleaned = "".join(ch for ch in code if ch not in " -\t")
    if len(cleaned) != policy.length or not cleaned.isascii() or not cleaned.isdigit():
        raise InvalidInput(f"The code is {policy.length} digits", field="code")
    return cleaned


# --- roles --------------------------------------------------------------------------------------

CUSTOMER, ADMIN, VENDOR, SUPPORT = "customer", "admin", "vendor", "support"
ROLES = (CUSTOMER, ADMIN, VENDOR, SUPPORT)

#: What each role may do. Admin may do everything; the others only what is listed.
PERMISSIONS: dict[str, frozenset[str]] = {
    CUSTOMER: frozenset({"account:manage", "orders:own"}),
    VENDOR: frozenset({"account:manage", "products:manage", "inventory:manage", "orders:read"}),
    SUPPORT: frozenset({"account:manage", "orders:read", "orders:manage", "customers:read", "returns:manage"}),
    ADMIN: frozenset({"*"}),
}


def can(role: str, permission: str) -> bool:
    """Whether ``role`` holds ``permission`` (unknown roles hold nothing)."""
    granted = PERMISSIONS.get(str(getattr(role, "value", role)), frozenset())
    return "*" in granted or permission in granted


def check_role(role: str, allowed: tuple[str, ...]) -> None:
    """Refuse ``role`` unless it is one of ``allowed`` (admin is never implied: list it).

    Raises:
        Forbidden: "This needs the admin role".
    """
    role = str(getattr(role, "value", role))
    allowed_values = tuple(str(getattr(r, "value", r)) for r in allowed)
    if role not in allowed_values:
        raise Forbidden(f"This needs the {' or '.join(allowed_values)} role")


def check_permission(role: str, permission: str) -> None:
    """Refuse ``role`` unless it holds ``permission``.

    Raises:
        Forbidden: "Your role may not do this (<permission>)".
    """
    if not can(role, permission):
        raise Forbidden(f"Your role may not do this ({permission})")


# --- failed log-ins per account ----------------------------------------------------------------


@dataclass(frozen=True)
class FailureBudget:
    """How many failed log-ins an account takes before each further one pauses its log-in.

    OWASP's advice against both guessing and lock-out: the per address limits stay strict
    (5 per 15 minutes), while the account itself, which anyone can name, gets a larger budget
    of failures from all addresses together; past it, the pause doubles with every further
    failure up to ``max_delay_seconds``, and a correct log-in, a phone code or a reset link
    (another path, counted apart) lets the owner back in.
    """

    budget: int = 20
    window_seconds: int = 3600
    base_delay_seconds: int = 30
    max_delay_seconds: int = 900


def failure_pause(failures: int, *, policy: FailureBudget) -> int:
    """Seconds the account's log-in pauses after its ``failures``-th failure in the window.

    0 within the budget; then ``base``, ``2 * base``, ``4 * base``, ... up to the maximum.
    """
    over = failures - policy.budget
    if over <= 0:
        return 0
    return min(policy.max_delay_seconds, policy.base_delay_seconds * int(2 ** min(over - 1, 30)))


PAUSED_HINTS = {
    "password": "log in with a phone code or reset your password",
    "code": "log in with your e-mail and password",
}


def paused(scope: str, retry_after: int) -> RateLimited:
    """The refusal of a log-in while the account's failures pause it."""
    wait = f"{retry_after} seconds" if retry_after < 90 else f"{-(-retry_after // 60)} minutes"
    hint = PAUSED_HINTS.get(scope, "wait")
    return RateLimited(
        f"Too many failed log-ins for this account; try again in {wait}, or {hint}",
        retry_after=max(1, retry_after),
    )


# --- token claims -------------------------------------------------------------------------------

REQUIRED_CLAIMS = ("sub", "role", "iat", "exp", "jti")
CLOCK_SKEW_SECONDS = 30  # a token issued by a worker whose clock runs slightly ahead


@dataclass(frozen=True)
class TokenClaims:
    """The claims of a valid access token."""

    sub: str
    role: str
    iat: int
    exp: int
    jti: str
    email: str | None = None
    phone: str | None = None
    # The account's token generation when the token was issued (0 for tokens from before it
    # existed): a password change or reset moves the account on, refusing every older token.
    gen: int = 0

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "sub": self.sub,
            "role": self.role,
            "iat": self.iat,
            "exp": self.exp,
            "jti": self.jti,
            "gen": self.gen,
        }
        if self.email:
            payload["email"] = self.email
        if self.phone:
            payload["phone"] = self.phone
        return payload


def build_claims(
    *,
    user_id: str,
    role: str,
    now: datetime,
    ttl_seconds: int,
    jti: str,
    email: str | None = None,
    phone: str | None = None,
    generation: int = 0,
) -> TokenClaims:
    """The claims of a token issued at ``now`` that lives ``ttl_seconds``, for the account's
    current token ``generation``."""
    iat = int(now.timestamp())
    return TokenClaims(
        sub=str(user_id),
        role=str(getattr(role, "value", role)),
        iat=iat,
        exp=iat + ttl_seconds,
        jti=jti,
        email=email or None,
        phone=phone or None,
        gen=int(generation),
    )


def validate_claims(payload: dict[str, Any], *, now: datetime) -> TokenClaims:
    """Check a decoded (signature-verified) payload against the token rules at ``now``.

    Raises:
        Unauthorized: a claim is missing or malformed, the role is unknown, the token has
            expired or was issued in the future.
    """
    missing = [c for c in REQUIRED_CLAIMS if payload.get(c) in (None, "")]
    if missing:
        raise Unauthorized(f"Invalid token: missing {', '.join(missing)}")
    iat, exp = payload["iat"], payload["exp"]
    gen = payload.get("gen", 0)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (iat, exp, gen)):
        raise Unauthorized("Invalid token: iat, exp and gen must be integers")
    try:
        uuid.UUID(str(payload["sub"]))
    except ValueError:
        raise Unauthorized("Invalid token: bad subject") from None
    if payload["role"] not in ROLES:
        raise Unauthorized("Invalid token: unknown role")
    stamp = now.timestamp()
    if stamp >= exp:
        raise Unauthorized("Your session has expired; log in again")
    if iat > stamp + CLOCK_SKEW_SECONDS:
        raise Unauthorized("Invalid token: issued in the future")
    return TokenClaims(
        sub=str(payload["sub"]),
        role=payload["role"],
        iat=iat,
        exp=exp,
        jti=str(payload["jti"]),
        email=payload.get("email") or None,
        phone=payload.get("phone") or None,
        gen=gen,
    )


def check_session(
    claims: TokenClaims,
    *,
    account_generation: int,
    sessions_valid_after: float | None = None,
) -> None:
    """Refuse a token issued before the account's last password change or reset.

    The account's token generation moves on with every change, so a token issued before it is
    refused whatever the clock says (even in the same second); the new token of the caller
    carries the new generation. ``sessions_valid_after`` (a timestamp) still ends tokens of a
    change made before generations existed.

    Raises:
        Unauthorized: "Your password was changed; log in again".
    """
    if claims.gen != account_generation or (
        sessions_valid_after is not None and claims.gen == 0 and claims.iat < int(sessions_valid_after)
    ):
        raise Unauthorized("Your password was changed; log in again")
