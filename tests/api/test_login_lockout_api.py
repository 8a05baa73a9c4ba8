"""Nobody can lock a named account out (issue 12, item 8): limits per account AND address, a
larger per-account failure budget that backs off, recovery paths, the activity log."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from marque_app.api import auth as auth_api
from marque_app.api import create_api
from marque_app.models import AdminActivity, User, UserRole
from marque_app.services import passwords
from marque_app.settings import get_settings
from tests.phones import fresh_phone

API = "/api/v1/auth"
PASSWORD = "Owner#2026"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """Real argon2id at its smallest cost: dozens of wrong passwords stay quick."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def from_address(db_url, engine, monkeypatch, sms, mail) -> Iterator[Callable[..., TestClient]]:
    """``from_address("10.0.0.7")``: a client of one API app, seen from that address."""
    apps: dict[str, object] = {}
    clients: list[TestClient] = []

    def _configure(**env: str) -> None:
        monkeypatch.setenv("REFLEX_DB_URL", db_url)
        monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
        monkeypatch.setenv("MARQUE_RATE_LIMIT_API", "10000/15minutes")
        # a fresh failure counter for this test (the process-wide one is keyed on the settings)
        monkeypatch.setenv("MARQUE_REDIS_PREFIX", f"marque-test-{uuid.uuid4().hex[:10]}:")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        app = create_api(engine=lambda: engine)
        app.dependency_overrides[auth_api.get_sms] = lambda: sms
        app.dependency_overrides[auth_api.get_mailer] = lambda: mail
        apps["app"] = app

    def _client(address: str) -> TestClient:
        if "app" not in apps:
            _configure()
        client = TestClient(apps["app"], client=(address, 40000))
        client.__enter__()
        clients.append(client)
        return client

    _client.configure = _configure  # type: ignore[attr-defined]
    yield _client
    for client in clients:
        client.__exit__(None, None, None)
    get_settings.cache_clear()


@pytest.fixture
def owner(engine) -> User:
    """An admin with an e-mail, a password and a phone (the account an attacker would name)."""
    with Session(engine, expire_on_commit=False) as session:
        user = User(
            email=f"owner-{uuid.uuid4().hex[:8]}@example.com",
            phone=fresh_phone(),
            password_hash=passwords.hash_password(PASSWORD),
            role=UserRole.admin,
        )
        session.add(user)
        session.commit()
        return user


def _login(client: TestClient, email: str, password: str):
    return client.post(f"{API}/login", json={"email": email, "password": password})


def test_five_wrong_passwords_from_five_addresses_leave_the_owner_in(from_address, owner):
    for n in range(5):
        assert _login(from_address(f"10.0.1.{n}"), owner.email, "Wrong#0000").status_code == 401
    r = _login(from_address("192.0.2.10"), owner.email, PASSWORD)
    assert r.status_code == 200, r.text


def test_the_seed_limit_still_holds_per_account_and_address(from_address, owner):
    attacker = from_address("10.0.2.1")
    for _ in range(5):
        assert _login(attacker, owner.email, "Wrong#0000").status_code == 401
    r = _login(attacker, owner.email, PASSWORD)
    assert r.status_code == 429 and 800 < int(r.headers["Retry-After"]) <= 900
    # one address trying many accounts is limited too
    r = _login(attacker, f"other-{uuid.uuid4().hex[:6]}@example.com", "Wrong#0000")
    assert r.status_code == 429
    assert _login(from_address("192.0.2.11"), owner.email, PASSWORD).status_code == 200


def test_past_the_budget_the_account_backs_off_and_recovery_paths_work(from_address, owner, sms, mail, engine):
    from_address.configure(MARQUE_LOGIN_FAILURE_BUDGET="8", MARQUE_OTP_RESEND_SECONDS="0")
    statuses = [
        _login(from_address(f"10.0.3.{n // 4}"), owner.email, "Wrong#0000").status_code for n in range(9)
    ]  # 4 tries from each address: under the per-address limit
    assert statuses == [401] * 9
    # the 9th failure (budget 8) paused the password log-in for 30 s: even the right password waits
    r = _login(from_address("192.0.2.12"), owner.email, PASSWORD)
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 30
    assert "phone code or reset your password" in r.json()["detail"]
    # attempts during the pause are refused unchecked and do not make it longer
    assert _login(from_address("10.0.3.9"), owner.email, "Wrong#0000").status_code == 429

    # the activity log says so, for the admin
    with Session(engine) as session:
        rows = session.exec(
            select(AdminActivity).where(
                AdminActivity.action == "auth.login_failures", AdminActivity.entity_id == str(owner.id)
            )
        ).all()
    assert len(rows) == 1
    assert "9 failed password log-ins" in rows[0].summary and "10.0.3.2" in rows[0].summary
    assert rows[0].details["pause_seconds"] == 30

    # recovery 1: the owner's phone code still logs in
    owner_client = from_address("192.0.2.12")
    assert owner_client.post(f"{API}/verify/send", json={"phone": owner.phone}).status_code == 200
    r = owner_client.post(f"{API}/verify/code", json={"phone": owner.phone, "code": sms.last_code(owner.phone)})
    assert r.status_code == 200 and r.json()["user"]["role"] == "admin"

    # recovery 2: a reset link works, and with it the password log-in again
    assert owner_client.post(f"{API}/forgot-password", json={"email": owner.email}).status_code == 200
    token = re.search(r"token=(\S+)", mail.sent[-1][2]).group(1)
    r = owner_client.post(f"{API}/reset-password", json={"token": token, "new_password": "Fresh#2026"})
    assert r.status_code == 200, r.text
    assert _login(owner_client, owner.email, "Fresh#2026").status_code == 200


def test_the_pause_doubles_with_every_failure_past_the_budget():
    from limits.storage import MemoryStorage

    from marque_app.domain.auth import FailureBudget, RateLimited
    from marque_app.services.auth.lockout import FailureCounter

    counter = FailureCounter(storage=MemoryStorage(), policy=FailureBudget(budget=3, base_delay_seconds=30))
    pauses = [counter.fail("password", "a@b.co").pause for _ in range(9)]
    assert pauses == [0, 0, 0, 30, 60, 120, 240, 480, 900]
    with pytest.raises(RateLimited) as err:
        counter.check("password", "a@b.co")
    assert 890 < err.value.retry_after <= 900
    counter.check("code", "a@b.co")  # the phone code is counted apart
    counter.succeed("password", "a@b.co")
    counter.check("password", "a@b.co")


def test_five_wrong_codes_from_five_addresses_leave_the_owner_in(from_address, owner, sms):
    from_address.configure(MARQUE_OTP_RESEND_SECONDS="0")
    owner_client = from_address("192.0.2.20")
    assert owner_client.post(f"{API}/verify/send", json={"phone": owner.phone}).status_code == 200
    for n in range(5):
        r = from_address(f"10.0.4.{n}").post(f"{API}/verify/code", json={"phone": owner.phone, "code": "000000"})
        assert r.status_code == 401
    # five wrong tries void that code (as before), but nothing is paused: a new code logs in
    assert owner_client.post(f"{API}/verify/send", json={"phone": owner.phone}).status_code == 200
    r = owner_client.post(f"{API}/verify/code", json={"phone": owner.phone, "code": sms.last_code(owner.phone)})
    assert r.status_code == 200, r.text


def test_wrong_codes_past_the_budget_pause_codes_but_not_the_password(from_address, owner, sms, engine):
    from_address.configure(MARQUE_LOGIN_FAILURE_BUDGET="4", MARQUE_OTP_RESEND_SECONDS="0")
    for n in range(5):
        r = from_address(f"10.0.5.{n}").post(f"{API}/verify/code", json={"phone": owner.phone, "code": "000000"})
        assert r.status_code == 401
    owner_client = from_address("192.0.2.21")
    assert owner_client.post(f"{API}/verify/send", json={"phone": owner.phone}).status_code == 200
    r = owner_client.post(f"{API}/verify/code", json={"phone": owner.phone, "code": sms.last_code(owner.phone)})
    assert r.status_code == 429 and "e-mail and password" in r.json()["detail"]
    assert _login(owner_client, owner.email, PASSWORD).status_code == 200
    with Session(engine) as session:
        row = session.exec(
            select(AdminActivity).where(
                AdminActivity.action == "auth.login_failures", AdminActivity.entity_id == str(owner.id)
            )
        ).one()
    assert "phone-code log-ins" in row.summary
