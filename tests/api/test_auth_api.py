"""The auth REST API: phone code, e-mail and password, profile, every 401/403/429 path."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated

import jwt
import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from sqlmodel import Session

from marque_app.api import auth as auth_api
from marque_app.api import create_api
from marque_app.api.deps import require_roles
from marque_app.models import User, UserRole
from marque_app.models.types import utcnow
from marque_app.services import passwords
from marque_app.services.auth import tokens
from marque_app.services.auth.guard import AuthUser
from marque_app.settings import get_settings
from tests.phones import fresh_phone

API = "/api/v1/auth"
PROTECTED = [
    ("get", "/me"),
    ("put", "/profile"),
    ("post", "/change-password"),
    ("post", "/logout"),
    ("delete", "/delete-account"),
]


@pytest.fixture
def make_client(db_url, engine, monkeypatch, sms, mail) -> Iterator[Callable[..., TestClient]]:
    """A client on this run's database with capturing senders; env overrides per test.

    The general API limit is high unless a test sets it (its own test does).
    """
    clients = []

    def _make(**env: str) -> TestClient:
        monkeypatch.setenv("REFLEX_DB_URL", db_url)
        monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
        monkeypatch.setenv("MARQUE_RATE_LIMIT_API", "10000/15minutes")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        app = create_api(engine=lambda: engine)
        app.dependency_overrides[auth_api.get_sms] = lambda: sms
        app.dependency_overrides[auth_api.get_mailer] = lambda: mail
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.__exit__(None, None, None)
    get_settings.cache_clear()


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


def _phone() -> str:
    return fresh_phone()


def _email() -> str:
    return f"api-{uuid.uuid4().hex[:10]}@example.com"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _phone_login(client, sms, phone=None) -> dict:
    phone = phone or _phone()
    assert client.post(f"{API}/verify/send", json={"phone": phone}).status_code == 200
    response = client.post(f"{API}/verify/code", json={"phone": phone, "code": sms.last_code(phone)})
    assert response.status_code == 200, response.text
    return response.json()


def _register(client, email=None, password="Secret#123") -> dict:
    response = client.post(f"{API}/register", json={"email": email or _email(), "password": password})
    assert response.status_code == 201, response.text
    return response.json()


# --- phone log-in -------------------------------------------------------------------------------


def test_phone_log_in_end_to_end(client, sms):
    phone = _phone()
    sent = client.post(f"{API}/verify/send", json={"phone": phone[:2] + " " + phone[2:5] + "-" + phone[5:]})
    assert sent.status_code == 200
    assert sent.json() == {"message": f"We sent a code to {phone}", "phone": phone, "expires_in": 300, "resend_in": 60}
    code = sms.last_code(phone)
    assert code not in sent.text
    body = client.post(f"{API}/verify/code", json={"phone": phone, "code": code}).json()
    assert set(body) == {"access_token", "token_type", "expires_in", "user"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 86400
    assert body["user"]["phone"] == phone and body["user"]["role"] == "customer"
    assert "password_hash" not in body["user"] and code not in json.dumps(body)
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["phone"] == phone and claims["sub"] == body["user"]["id"]
    me = client.get(f"{API}/me", headers=_bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == body["user"]["id"]


def test_resend_limit(client, sms):
    phone = _phone()
    assert client.post(f"{API}/verify/send", json={"phone": phone}).status_code == 200
    again = client.post(f"{API}/verify/send", json={"phone": phone})
    assert again.status_code == 429
    assert 55 <= int(again.headers["Retry-After"]) <= 60
    assert "new one in" in again.json()["detail"]
    assert len(sms.sent) == 1


def test_wrong_code_limit(make_client, sms):
    client = make_client(MARQUE_RATE_LIMIT_LOGIN="100/15minutes")
    phone = _phone()
    client.post(f"{API}/verify/send", json={"phone": phone})
    code = sms.last_code(phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        r = client.post(f"{API}/verify/code", json={"phone": phone, "code": wrong})
        assert r.status_code == 401 and f"{left} tr" in r.json()["detail"]
        assert r.headers["WWW-Authenticate"] == "Bearer"
    r = client.post(f"{API}/verify/code", json={"phone": phone, "code": wrong})
    assert r.status_code == 401 and "void" in r.json()["detail"]
    r = client.post(f"{API}/verify/code", json={"phone": phone, "code": code})
    assert r.status_code == 401 and "void" in r.json()["detail"]


@pytest.mark.parametrize("phone", ["12345", "+1 555 123 4567", "call me", "+" + "9" * 30])
def test_invalid_phone_is_refused_clearly(client, phone, sms):
    r = client.post(f"{API}/verify/send", json={"phone": phone})
    assert r.status_code == 422 and "valid phone number" in r.json()["detail"]
    assert sms.sent == []


@pytest.mark.parametrize("code", ["12345", "abcdef", "1234567"])
def test_malformed_code_is_refused(client, sms, code):
    phone = _phone()
    client.post(f"{API}/verify/send", json={"phone": phone})
    r = client.post(f"{API}/verify/code", json={"phone": phone, "code": code})
    assert r.status_code == 422 and r.json() == {"detail": "The code is 6 digits", "field": "code"}


def test_schema_errors_are_422_not_500(client):
    assert client.post(f"{API}/verify/send", json={}).status_code == 422
    assert (
        client.post(f"{API}/verify/send", content=b"not json", headers={"content-type": "application/json"}).status_code
        == 422
    )
    assert client.post(f"{API}/login", json={"email": "a" * 300, "password": "x"}).status_code == 422


# --- e-mail and password ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "missing"),
    [("Ab1!", "at least 8 characters"), ("Abcdefgh!", "a number"), ("Abcdefgh1", "a special character")],
)
def test_password_rules(client, password, missing):
    r = client.post(f"{API}/register", json={"email": _email(), "password": password})
    assert r.status_code == 422 and missing in r.json()["detail"] and r.json()["field"] == "password"


def test_register_log_in_and_conflict(client):
    email = _email()
    body = _register(client, email)
    assert body["user"]["email"] == email and body["user"]["has_password"]
    r = client.post(f"{API}/register", json={"email": email.upper(), "password": "Secret#123"})
    assert r.status_code == 409
    r = client.post(f"{API}/login", json={"email": email, "password": "Secret#123"})
    assert r.status_code == 200 and r.json()["user"]["id"] == body["user"]["id"]
    r = client.post(f"{API}/login", json={"email": email, "password": "Secret#12"})
    assert r.status_code == 401 and r.json()["detail"] == "Wrong e-mail or password"
    assert client.post(f"{API}/register", json={"email": "not-an-email", "password": "Secret#123"}).status_code == 422


def test_log_in_hashes_once_whether_or_not_the_account_exists(client, monkeypatch, sms):
    calls = []
    real = passwords.verify_password

    def spy(password_hash, password):
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", spy)
    email = _email()
    _register(client, email)
    phone_only = _phone_login(client, sms)["user"]
    answers = []
    for login_email in (email, _email(), "not an e-mail"):
        calls.clear()
        r = client.post(f"{API}/login", json={"email": login_email, "password": "Wrong#123"})
        answers.append((r.status_code, r.json()["detail"]))
        assert len(calls) == 1 and calls[0].startswith("$argon2id$")
    assert phone_only["email"] is None
    assert len(set(answers)) == 1 and answers[0][0] == 401


def test_forgot_and_reset_password(client, mail):
    email = _email()
    _register(client, email)
    r = client.post(f"{API}/forgot-password", json={"email": email})
    unknown = client.post(f"{API}/forgot-password", json={"email": _email()})
    assert r.status_code == unknown.status_code == 200 and r.json() == unknown.json()
    ((to, _subject, body),) = [m for m in mail.sent if m[1].startswith("Reset")]  # after the verification link
    token = body.split("token=")[1].split()[0]
    assert to == email and token not in r.text
    weak = client.post(f"{API}/reset-password", json={"token": token, "new_password": "weak"})
    assert weak.status_code == 422
    assert client.post(f"{API}/reset-password", json={"token": token, "new_password": "Fresh#123"}).status_code == 200
    again = client.post(f"{API}/reset-password", json={"token": token, "new_password": "Fresh#456"})
    assert again.status_code == 401
    assert client.post(f"{API}/login", json={"email": email, "password": "Fresh#123"}).status_code == 200


def test_profile_change_password_logout_and_delete(client, sms):
    body = _register(client)
    headers = _bearer(body["access_token"])
    r = client.put(f"{API}/profile", json={"first_name": "Kim", "date_of_birth": "1990-02-03"}, headers=headers)
    assert r.status_code == 200 and r.json()["first_name"] == "Kim" and r.json()["date_of_birth"] == "1990-02-03"
    r = client.put(f"{API}/profile", json={"date_of_birth": "2999-01-01"}, headers=headers)
    assert r.status_code == 422
    other = _register(client)
    r = client.put(f"{API}/profile", json={"email": other["user"]["email"]}, headers=headers)
    assert r.status_code == 409
    r = client.post(
        f"{API}/change-password", json={"current_password": "bad", "new_password": "Next#1234"}, headers=headers
    )
    assert r.status_code == 401
    other_session = _bearer(
        client.post(f"{API}/login", json={"email": body["user"]["email"], "password": "Secret#123"}).json()[
            "access_token"
        ]
    )
    time.sleep(1.05)  # iat has whole seconds: the tokens above are from an earlier second
    r = client.post(
        f"{API}/change-password", json={"current_password": "Secret#123", "new_password": "Next#1234"}, headers=headers
    )
    assert r.status_code == 200
    # A password change ends every other session; the caller carries on with the fresh token.
    assert client.get(f"{API}/me", headers=other_session).status_code == 401
    assert client.get(f"{API}/me", headers=headers).status_code == 401
    headers = _bearer(r.json()["access_token"])
    assert client.get(f"{API}/me", headers=headers).json()["email"] == body["user"]["email"]
    assert client.post(f"{API}/logout", headers=headers).json() == {"message": "Logged out"}
    assert client.get(f"{API}/me", headers=headers).status_code == 401
    login = client.post(f"{API}/login", json={"email": body["user"]["email"], "password": "Next#1234"}).json()
    fresh = _bearer(login["access_token"])
    assert client.delete(f"{API}/delete-account", headers=fresh).status_code == 200
    assert client.get(f"{API}/me", headers=fresh).status_code == 401
    # A token that was not the one used to delete is refused too: the account is gone.
    assert (
        client.post(f"{API}/login", json={"email": body["user"]["email"], "password": "Next#1234"}).status_code == 401
    )


# --- every 401 ----------------------------------------------------------------------------------


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _bad_tokens(client, sms) -> dict[str, str]:
    body = _phone_login(client, sms)
    user_id, good = body["user"]["id"], body["access_token"]
    head, payload, sig = good.split(".")
    claims = jwt.decode(good, options={"verify_signature": False})
    expired = tokens.issue_token(user_id=user_id, role="customer", now=utcnow() - timedelta(days=2)).access_token
    revoked = _phone_login(client, sms)["access_token"]
    assert client.post(f"{API}/logout", headers=_bearer(revoked)).status_code == 200
    return {
        "expired": expired,
        "tampered": f"{head}.{_b64({**claims, 'role': 'admin'})}.{sig}",
        "alg-none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "wrong-key": jwt.encode(claims, "another-key-of-32-bytes-or-more-xxxx", algorithm="HS256"),
        "logged-out": revoked,
        "garbage": "not-a-token",
    }


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_protected_endpoint_refuses_bad_tokens(client, sms, method, path):
    no_token = client.request(method.upper(), f"{API}{path}", json={})
    assert no_token.status_code == 401 and no_token.json()["detail"] == "Not logged in"
    assert no_token.headers["WWW-Authenticate"] == "Bearer"
    basic = client.request(method.upper(), f"{API}{path}", json={}, headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401
    for name, token in _bad_tokens(client, sms).items():
        r = client.request(method.upper(), f"{API}{path}", json={}, headers=_bearer(token))
        assert r.status_code == 401, (name, r.text)
        assert r.headers["WWW-Authenticate"] == "Bearer"


# --- roles (403) --------------------------------------------------------------------------------


def test_require_roles_answers_403_for_each_other_role(make_client, engine, sms):
    client = make_client()
    probe = APIRouter()

    @probe.get("/api/v1/test-only/admin", dependencies=[Depends(require_roles(UserRole.admin))])
    def admin_only() -> dict:
        return {"ok": True}

    @probe.get("/api/v1/test-only/staff")
    def staff(user: Annotated[AuthUser, Depends(require_roles("admin", "support"))]) -> dict:
        return {"role": user.role}

    client.app.include_router(probe)
    assert client.get("/api/v1/test-only/admin").status_code == 401
    for role in UserRole:
        body = _phone_login(client, sms)
        with Session(engine) as session:
            user = session.get(User, uuid.UUID(body["user"]["id"]))
            user.role = role
            session.add(user)
            session.commit()
        headers = _bearer(body["access_token"])
        admin = client.get("/api/v1/test-only/admin", headers=headers)
        staff_r = client.get("/api/v1/test-only/staff", headers=headers)
        if role is UserRole.admin:
            assert admin.status_code == 200 and staff_r.json() == {"role": "admin"}
        else:
            assert admin.status_code == 403 and admin.json()["detail"] == "This needs the admin role"
            assert staff_r.status_code == (200 if role is UserRole.support else 403)


# --- rate limits (429) --------------------------------------------------------------------------


def test_login_limit_per_email(client):
    email = _email()
    _register(client, email)
    for _ in range(5):
        assert client.post(f"{API}/login", json={"email": email, "password": "Wrong#000"}).status_code == 401
    r = client.post(f"{API}/login", json={"email": email, "password": "Secret#123"})
    assert r.status_code == 429 and 800 < int(r.headers["Retry-After"]) <= 900
    assert "Too many log-in attempts" in r.json()["detail"]


def test_login_limit_per_client_address(client):
    for _ in range(5):
        assert client.post(f"{API}/login", json={"email": _email(), "password": "Wrong#000"}).status_code == 401
    r = client.post(f"{API}/login", json={"email": _email(), "password": "Wrong#000"})
    assert r.status_code == 429 and "Retry-After" in r.headers


def test_phone_code_attempts_are_limited(make_client, sms):
    client = make_client(MARQUE_RATE_LIMIT_LOGIN="2/15minutes")
    phone = _phone()
    client.post(f"{API}/verify/send", json={"phone": phone})
    for _ in range(2):
        assert client.post(f"{API}/verify/code", json={"phone": phone, "code": "000000"}).status_code in (200, 401)
    r = client.post(f"{API}/verify/code", json={"phone": phone, "code": sms.last_code(phone)})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_general_api_limit(make_client):
    client = make_client(MARQUE_RATE_LIMIT_API="3/15minutes", MARQUE_STRIPE_WEBHOOK_SECRET="whsec_test")
    statuses = [client.get(f"{API}/me").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    r = client.get(f"{API}/me")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and r.json()["detail"].startswith("Too many")
    assert client.get("/_health").status_code == 200  # outside the API's limit
    # a payment webhook is never refused for the limit: it answers for its signature (400)
    webhook = client.post("/api/v1/payments/stripe/webhook", content=b"{}", headers={"Stripe-Signature": "t=1,v1=00"})
    assert webhook.status_code == 400


def test_openapi_documents_the_bearer_scheme(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert spec["paths"][f"{API}/me"]["get"]["security"] == [{"HTTPBearer": []}]
    assert {
        f"{API}/{p}"
        for p in (
            "verify/send",
            "verify/code",
            "register",
            "login",
            "forgot-password",
            "reset-password",
            "me",
            "profile",
            "change-password",
            "logout",
            "delete-account",
        )
    } <= set(spec["paths"])
