"""Log-outs and password changes end sessions for good: durable in the database, exact to the
token (issue 12, items 2 and 3)."""

from __future__ import annotations

import re
import uuid

import pytest
import redis as redis_lib

from marque_app.models import RevokedToken, User, utcnow
from marque_app.services import auth, passwords
from marque_app.services.auth import tokens
from marque_app.services.auth.keys import redis_key
from tests.redisutil import own_redis

PASSWORD = "Start#2026"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """Real argon2id with the smallest cost: 50 changes in a row stay quick on a busy machine."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


def _account(session) -> User:
    user = User(email=f"{uuid.uuid4().hex[:10]}@example.com", password_hash=passwords.hash_password(PASSWORD))
    session.add(user)
    session.commit()
    return user


def _refused(session, token: str, redis=None) -> bool:
    try:
        auth.authenticate(session=session, token=token, redis=redis)
    except auth.Unauthorized:
        return True
    return False


def test_logged_out_token_stays_refused_after_redis_restarts_empty(session, tmp_path):
    with own_redis(tmp_path) as server:
        client = redis_lib.Redis.from_url(server.url, decode_responses=True)
        user = _account(session)
        kept = auth.log_in_with_password(session=session, email=user.email, password=PASSWORD)
        gone = auth.log_in_with_password(session=session, email=user.email, password=PASSWORD)
        me = auth.authenticate(session=session, token=gone.access_token, redis=client)
        auth.log_out(session=session, claims=me.claims, redis=client)
        assert client.exists(redis_key("revoked", gone.claims.jti))  # Redis keeps a copy
        assert session.get(RevokedToken, gone.claims.jti) is not None  # the database the truth

        server.restart()  # no persistence: every key is gone
        assert client.dbsize() == 0
        with pytest.raises(auth.Unauthorized, match="logged out"):
            auth.authenticate(session=session, token=gone.access_token, redis=client)
        assert tokens.is_revoked(gone.claims.jti, session=session, redis=client)
        assert auth.authenticate(session=session, token=kept.access_token, redis=client).id == user.id

        client.flushall()  # our own server: flushing it loses nothing either
        assert _refused(session, gone.access_token, client)

        # a password change is in the account row, whatever happens to Redis
        auth.change_password(session=session, user_id=user.id, current_password=PASSWORD, new_password="Second#2026")
        server.restart()
        assert _refused(session, kept.access_token, client)
        client.close()


def test_log_out_works_while_redis_is_down(session, tmp_path):
    with own_redis(tmp_path) as server:
        client = redis_lib.Redis.from_url(server.url, decode_responses=True, socket_connect_timeout=0.5)
        user = _account(session)
        issued = auth.log_in_with_password(session=session, email=user.email, password=PASSWORD)
        server.stop()
        auth.log_out(session=session, claims=issued.claims, redis=client)
        assert _refused(session, issued.access_token, client)
        assert tokens.is_revoked(issued.claims.jti, session=session, redis=client)
        client.close()


def test_no_token_of_the_same_second_survives_a_password_change(session):
    user = _account(session)
    current, survivors, same_second = PASSWORD, 0, 0
    for attempt in range(50):
        now = utcnow()
        other = auth.log_in_with_password(session=session, email=user.email, password=current, now=now)
        new = f"Changed#{attempt:04d}"
        mine = auth.change_password(
            session=session, user_id=user.id, current_password=current, new_password=new, now=now
        )
        current = new
        same_second += other.claims.iat == mine.claims.iat
        survivors += not _refused(session, other.access_token)
        # the caller's own new token carries on
        assert auth.authenticate(session=session, token=mine.access_token).id == user.id
    assert same_second == 50  # every one issued in the very instant of the change
    assert survivors == 0


def test_no_token_of_the_same_second_survives_a_password_reset(session):
    user = _account(session)
    mailer = auth.CapturingEmailSender()
    current, survivors = PASSWORD, 0
    for attempt in range(50):
        now = utcnow()
        issued = auth.log_in_with_password(session=session, email=user.email, password=current, now=now)
        auth.request_password_reset(session=session, email=user.email, mailer=mailer, now=now)
        token = re.search(r"token=(\S+)", mailer.sent[-1][2]).group(1)
        current = f"Reset#{attempt:04d}x"
        auth.reset_password(session=session, token=token, new_password=current, now=now)
        survivors += not _refused(session, issued.access_token)
    assert survivors == 0
    # the new password logs in, and that token is good
    fresh = auth.log_in_with_password(session=session, email=user.email, password=current)
    assert auth.authenticate(session=session, token=fresh.access_token).id == user.id


def test_two_changes_at_once_both_move_the_generation(session):
    user = _account(session)
    before = user.token_generation
    auth.change_password(session=session, user_id=user.id, current_password=PASSWORD, new_password="One#20260")
    auth.change_password(session=session, user_id=user.id, current_password="One#20260", new_password="Two#20260")
    session.refresh(user)
    assert user.token_generation == before + 2
