"""``/_health``: ok or degraded for anyone; the details (database, Redis) only from this machine
or for an admin (issue 12, item 11)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from marque_app.api import create_api
from marque_app.models import User, UserRole
from marque_app.services import migrations
from marque_app.services.auth import tokens
from marque_app.services.health import is_local_caller
from marque_app.settings import get_settings


@pytest.fixture
def local(client) -> TestClient:
    """The same API, called from loopback (a health check on the machine itself)."""
    with TestClient(client.app, client=("127.0.0.1", 41000)) as test_client:
        yield test_client


def _token(engine, role: UserRole) -> str:
    with Session(engine, expire_on_commit=False) as session:
        user = User(email=f"health-{uuid.uuid4().hex[:8]}@example.com", role=role)
        session.add(user)
        session.commit()
    return tokens.issue_token(user_id=user.id, role=role).access_token


def test_the_public_sees_only_ok(client, db_url):
    response = client.get("/_health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    for secret in ("sqlite", db_url.rsplit("/", 1)[-1], "revision", "latency"):
        assert secret not in response.text


def test_loopback_sees_the_database_and_revision(local):
    response = local.get("/_health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["revision"] == migrations.head_revision()
    assert body["redis"] == "not configured"


def test_a_proxy_on_the_same_machine_does_not_make_the_public_local(local):
    for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"}, {"X-Real-IP": "203.0.113.9"}):
        assert local.get("/_health", headers=header).json() == {"status": "ok"}


def test_an_admin_token_sees_the_details_others_do_not(client, engine):
    admin = client.get("/_health", headers={"Authorization": f"Bearer {_token(engine, UserRole.admin)}"})
    assert admin.status_code == 200 and admin.json()["database"]["revision"] == migrations.head_revision()
    customer = client.get("/_health", headers={"Authorization": f"Bearer {_token(engine, UserRole.customer)}"})
    assert customer.json() == {"status": "ok"}
    forged = client.get("/_health", headers={"Authorization": "Bearer not-a-token"})
    assert forged.json() == {"status": "ok"}


def test_health_is_degraded_when_redis_is_unreachable(client, local, monkeypatch):
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    """The store still serves without Redis (limits in memory, no cache): 200, "degraded"."""
    public = client.get("/_health")
    assert public.status_code == 200 and public.json() == {"status": "degraded"}
    response = local.get("/_health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["redis"]["ok"] is False
    assert body["database"]["ok"] is True


def test_health_is_degraded_when_database_is_gone(tmp_path):
    from marque_app.services.db import make_engine

    broken = make_engine(f"sqlite:///{tmp_path}/missing-dir/none.db")
    app = create_api(engine=lambda: broken)
    with TestClient(app) as client:
        public = client.get("/_health", headers={"Authorization": "Bearer x"})
    assert public.status_code == 503 and public.json() == {"status": "degraded"}
    with TestClient(app, client=("::1", 41000)) as local:
        response = local.get("/_health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is False
    assert "unable to open" in body["database"]["error"]


@pytest.mark.parametrize(
    ("host", "headers", "local"),
    [
        ("127.0.0.1", {}, True),
        ("::1", {}, True),
        ("127.0.0.5", {}, True),
        ("10.0.0.2", {}, False),
        ("testclient", {}, False),
        (None, {}, False),
        ("127.0.0.1", {"x-forwarded-for": "1.2.3.4"}, False),
    ],
)
def test_who_counts_as_local(host, headers, local):
    assert is_local_caller(host, headers) is local


def test_openapi_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/_health" in response.json()["paths"]
