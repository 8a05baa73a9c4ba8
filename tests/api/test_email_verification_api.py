"""E-mail verification through the REST API: the link sent on registration and on an e-mail
change, /auth/verify-email (single use) and /auth/verify-email/resend (limited)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marque_app.api import auth as auth_api
from marque_app.api import create_api
from marque_app.services.auth import CapturingEmailSender, DeliveryError
from marque_app.settings import get_settings

API = "/api/v1/auth"


@pytest.fixture
def mail() -> CapturingEmailSender:
    return CapturingEmailSender()


@pytest.fixture
def client(db_url, engine, monkeypatch, mail) -> Iterator[TestClient]:
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setenv("MARQUE_RATE_LIMIT_API", "10000/15minutes")
    monkeypatch.setenv("MARQUE_EMAIL_VERIFICATION_RESEND_SECONDS", "0")  # the hourly limit is tested here
    monkeypatch.setenv("MARQUE_RATE_LIMIT_VERIFY_EMAIL", "3/hour")
    get_settings.cache_clear()
    app = create_api(engine=lambda: engine)
    app.dependency_overrides[auth_api.get_mailer] = lambda: mail
    with TestClient(app) as test_client:
        yield test_client
    get_settings.cache_clear()


def token_of(mail, to: str) -> str:
    for address, _subject, body in reversed(mail.sent):
        if address == to:
            return re.search(r"/verify-email\?token=([\w-]+)", body).group(1)
    raise LookupError(to)


def register(client) -> tuple[str, dict[str, str]]:
    email = f"va-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post(f"{API}/register", json={"email": email, "password": "Secret#123"})
    assert r.status_code == 201, r.text
    assert r.json()["user"]["email_verified"] is False
    return email, {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_register_then_verify_with_the_e_mailed_link(client, mail):
    email, headers = register(client)
    token = token_of(mail, email)
    assert "/verify-email?token=" in mail.sent[-1][2]
    r = client.post(f"{API}/verify-email", json={"token": token})
    assert r.status_code == 200 and email in r.json()["message"]
    assert client.get(f"{API}/me", headers=headers).json()["email_verified"] is True
    again = client.post(f"{API}/verify-email", json={"token": token})
    assert again.status_code == 401 and "used" in again.json()["detail"]
    resend = client.post(f"{API}/verify-email/resend", headers=headers)
    assert resend.status_code == 409


def test_bad_bodies_are_422_and_record_nothing(client, mail):
    email, headers = register(client)
    for body in ({}, {"token": ""}, {"token": "x", "extra": 1}, {"token": 5}, {"token": "x" * 201}):
        r = client.post(f"{API}/verify-email", json=body)
        assert r.status_code == 422, body
    assert client.post(f"{API}/verify-email", json={"token": "nope"}).status_code == 401
    assert client.get(f"{API}/me", headers=headers).json()["email_verified"] is False
    assert client.post(f"{API}/verify-email", json={"token": token_of(mail, email)}).status_code == 200


def test_resend_is_limited_and_replaces_the_link(client, mail):
    email, headers = register(client)
    first = token_of(mail, email)
    assert client.post(f"{API}/verify-email/resend").status_code == 401
    answers = [client.post(f"{API}/verify-email/resend", headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].json()["message"] == f"We sent a verification link to {email}"
    assert int(answers[3].headers["Retry-After"]) > 0
    assert len([m for m in mail.sent if m[0] == email]) == 4  # registration + 3 resends
    assert client.post(f"{API}/verify-email", json={"token": first}).status_code == 401
    assert client.post(f"{API}/verify-email", json={"token": token_of(mail, email)}).status_code == 200


def test_an_email_change_sends_a_link_to_the_new_address(client, mail):
    email, headers = register(client)
    new_email = f"vb-{uuid.uuid4().hex[:10]}@example.com"
    r = client.put(f"{API}/profile", json={"email": new_email}, headers=headers)
    assert r.status_code == 200 and r.json()["email_verified"] is False
    assert mail.sent[-1][0] == new_email
    assert client.post(f"{API}/verify-email", json={"token": token_of(mail, email)}).status_code == 401
    assert client.post(f"{API}/verify-email", json={"token": token_of(mail, new_email)}).status_code == 200
    assert client.get(f"{API}/me", headers=headers).json()["email_verified"] is True


def test_a_mail_outage_is_503_on_resend_and_registration_still_succeeds(client, mail):
    class Down:
        def send(self, to, subject, body):
            raise DeliveryError("smtp down")

    client.app.dependency_overrides[auth_api.get_mailer] = lambda: Down()
    email, headers = register(client)
    r = client.post(f"{API}/verify-email/resend", headers=headers)
    assert r.status_code == 503 and "could not send" in r.json()["detail"]
    client.app.dependency_overrides[auth_api.get_mailer] = lambda: mail
    assert client.post(f"{API}/verify-email/resend", headers=headers).status_code == 200
