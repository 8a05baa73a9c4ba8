"""One-time log-in codes sent by SMS.

A code is 6 digits from ``secrets`` (a CSPRNG). Only its HMAC (keyed with a key derived from
``MARQUE_SECRET_KEY``, salted with the phone number) is stored, in Redis when ``REFLEX_REDIS_URL``
is set and in the ``phone_verifications`` table otherwise, never in process memory: every worker
sees the same code, tries and resend gap. The rules themselves (life, tries, resend gap) are the
pure functions of :mod:`marque_app.domain.auth`.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from redis.exceptions import WatchError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from marque_app.domain.auth import (
    OtpPolicy,
    OtpRecord,
    RateLimited,
    check_code_format,
    check_otp_send,
    new_otp_record,
    otp_failure,
    otp_problem,
    otp_resend_wait,
    wrong_code,
)
from marque_app.models.auth import PhoneVerification
from marque_app.models.types import utcnow
from marque_app.settings import Settings, get_settings

from .keys import keyed_hash, redis_key
from .senders import SmsSender


def otp_policy(settings: Settings | None = None) -> OtpPolicy:
    """The code policy from settings (``MARQUE_OTP_*``)."""
    s = settings or get_settings()
    return OtpPolicy(
        length=s.otp_length,
        ttl_seconds=s.otp_ttl_seconds,
        max_attempts=s.otp_max_attempts,
        resend_seconds=s.otp_resend_seconds,
    )


def generate_code(length: int = 6) -> str:
    """``length`` random digits from the operating system's CSPRNG (leading zeros kept)."""
    return "".join(secrets.choice("0123456789") for _ in range(length))


def hash_code(phone: str, code: str) -> str:
    """The stored form of ``code`` for ``phone``: HMAC-SHA256, hex."""
    return keyed_hash("otp", f"{phone}:{code}")


def code_message(code: str, policy: OtpPolicy) -> str:
    """The SMS text: ``Your Marque code is 123456``; how long it is valid."""
    minutes = max(1, policy.ttl_seconds // 60)
    return f"Your Marque code is {code}. It expires in {minutes} minutes."


# --- storage ------------------------------------------------------------------------------------


class DbOtpStore:
    """Pending codes in the ``phone_verifications`` table (one row per phone number)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, phone: str, *, lock: bool = False) -> OtpRecord | None:
        stmt = (
            select(PhoneVerification)
            .where(PhoneVerification.phone == phone)
            .execution_options(populate_existing=True)  # fresh tries after an UPDATE
        )
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.exec(stmt).first()
        if row is None:
            return None
        return OtpRecord(row.code_hash, row.created_at, row.expires_at, row.attempts)

    def put(self, phone: str, record: OtpRecord) -> None:
        row = self.session.get(PhoneVerification, phone)
        if row is None:
            row = PhoneVerification(phone=phone)
        row.code_hash, row.created_at = record.code_hash, record.created_at
        row.expires_at, row.attempts = record.expires_at, record.attempts
        self.session.add(row)
        self.session.commit()

    def replace(self, phone: str, record: OtpRecord, *, check) -> None:
        """Store ``record`` after ``check(old record)`` passed, the old row locked meanwhile."""
        check(self.get(phone, lock=True))
        try:
            self.put(phone, record)
        except IntegrityError:  # a parallel request inserted the first row for this number
            self.session.rollback()
            raise RateLimited(
                "A code was just sent; wait a minute before asking for a new one",
                retry_after=60,
                field="phone",
            ) from None

    def count_attempt(self, phone: str) -> OtpRecord | None:
        # One atomic UPDATE per try: parallel guesses cannot share a try.
        self.session.exec(
            sa.update(PhoneVerification)
            .where(PhoneVerification.phone == phone)
            .values(attempts=PhoneVerification.attempts + 1)
        )
        self.session.commit()
        return self.get(phone)

    def delete(self, phone: str) -> None:
        self.session.exec(sa.delete(PhoneVerification).where(PhoneVerification.phone == phone))
        self.session.commit()


class RedisOtpStore:
    """Pending codes as Redis hashes ``<prefix>otp:<phone>`` that expire with the code."""

    def __init__(self, redis) -> None:
        self.redis = redis

    @staticmethod
    def _key(phone: str) -> str:
        return redis_key("otp", phone)

    @staticmethod
    def _record(data: dict) -> OtpRecord | None:
        if not data or "code_hash" not in data:
            return None
        return OtpRecord(
            data["code_hash"],
            datetime.fromisoformat(data["created_at"]),
            datetime.fromisoformat(data["expires_at"]),
            int(data.get("attempts", 0)),
        )

    def get(self, phone: str, *, lock: bool = False) -> OtpRecord | None:
        return self._record(self.redis.hgetall(self._key(phone)))

    def put(self, phone: str, record: OtpRecord) -> None:
        with self.redis.pipeline() as pipe:
            self._write(pipe, self._key(phone), record)
            pipe.execute()

    @staticmethod
    def _write(pipe, key: str, record: OtpRecord) -> None:
        # Kept past the code's life for the resend gap; a code's own expiry is in the record.
        ttl = max(1, int((record.expires_at - record.created_at).total_seconds()) + 60)
        pipe.delete(key)
        pipe.hset(
            key,
            mapping={
                "code_hash": record.code_hash,
                "created_at": record.created_at.isoformat(),
                "expires_at": record.expires_at.isoformat(),
                "attempts": record.attempts,
            },
        )
        pipe.expire(key, ttl)

    def replace(self, phone: str, record: OtpRecord, *, check) -> None:
        """Store ``record`` after ``check(old record)`` passed, in one WATCH transaction."""
        key = self._key(phone)
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(key)
                check(self._record(pipe.hgetall(key)))
                pipe.multi()
                self._write(pipe, key, record)
                pipe.execute()
            except WatchError:  # another request sent a code to this number meanwhile
                raise RateLimited(
                    "A code was just sent; wait a minute before asking for a new one",
                    retry_after=60,
                    field="phone",
                ) from None

    def count_attempt(self, phone: str) -> OtpRecord | None:
        key = self._key(phone)
        if not self.redis.exists(key):
            return None
        self.redis.hincrby(key, "attempts", 1)
        record = self._record(self.redis.hgetall(key))
        if record is None:  # expired between the two calls: drop the stray counter
            self.redis.delete(key)
        return record

    def delete(self, phone: str) -> None:
        self.redis.delete(self._key(phone))


def otp_store(*, session: Session, redis=None):
    """Redis when a client is given, else the database."""
    return RedisOtpStore(redis) if redis is not None else DbOtpStore(session)


# --- use-cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeSent:
    """What the caller may know after sending: never the code."""

    phone: str
    expires_in: int
    resend_in: int


def send_code(
    *,
    phone: str,
    session: Session,
    sms: SmsSender,
    redis=None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> CodeSent:
    """Make a new code for an E.164 ``phone``, store its hash and send it by SMS.

    Raises:
        RateLimited: the last code to this number is younger than the resend gap.
    """
    policy = otp_policy(settings)
    now = now or utcnow()
    store = otp_store(session=session, redis=redis)
    code = generate_code(policy.length)
    record = new_otp_record(hash_code(phone, code), now=now, policy=policy)
    store.replace(phone, record, check=lambda old: check_otp_send(old, now=now, policy=policy))
    try:
        sms.send(phone, code_message(code, policy))
    except Exception:
        # Not sent: do not make the user wait out the resend gap for a code they never got.
        store.delete(phone)
        raise
    return CodeSent(phone=phone, expires_in=policy.ttl_seconds, resend_in=policy.resend_seconds)


def resend_wait(*, phone: str, session: Session, redis=None, now: datetime | None = None) -> int:
    """Seconds until a new code may be sent to ``phone`` (0: now); for a countdown."""
    record = otp_store(session=session, redis=redis).get(phone)
    return otp_resend_wait(record, now=now or utcnow(), policy=otp_policy())


def verify_code(
    *,
    phone: str,
    code: str,
    session: Session,
    redis=None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> None:
    """Accept ``code`` for ``phone`` once: the code is used up on success.

    Each try is counted before the code is compared; after ``max_attempts`` wrong tries the
    code is void even if the next guess is right.

    Raises:
        InvalidInput: not 6 digits.
        Unauthorized: no code, expired, void, or wrong (the message says how many tries are left).
    """
    policy = otp_policy(settings)
    now = now or utcnow()
    cleaned = check_code_format(code, policy=policy)
    store = otp_store(session=session, redis=redis)
    record = store.count_attempt(phone)
    problem = otp_problem(record, now=now, policy=policy)
    if problem:
        if problem == "expired":
            store.delete(phone)
        raise otp_failure(problem)
    if not hmac.compare_digest(record.code_hash, hash_code(phone, cleaned)):
        raise wrong_code(record.attempts, policy=policy)
    store.delete(phone)


def purge_expired(*, session: Session, now: datetime | None = None, keep: timedelta = timedelta(minutes=5)) -> int:
    """Delete database codes that expired more than ``keep`` ago; returns how many."""
    cutoff = (now or utcnow()) - keep
    result = session.exec(sa.delete(PhoneVerification).where(PhoneVerification.expires_at < cutoff))
    session.commit()
    return result.rowcount or 0
