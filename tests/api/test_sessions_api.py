"""Through the API, with Redis configured: a logged-out token stays refused after Redis restarts
empty, and a password change ends every older token (issue 12, items 2 and 3)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from marque_app.api import create_api
from marque_app.services import passwords
from marque_app.settings import get_settings
from tests.redisutil import own_redis

API = "/api/v1/auth"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    from argon2 import PasswordHasher

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def redis_server(tmp_path):
    with own_redis(tmp_path) as server:
        yield server


@pytest.fixture
def client(db_url, engine, monkeypatch, redis_server):
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    monkeypatch.setenv("REFLEX_REDIS_URL", redis_server.url)
    monkeypatch.setenv("MARQUE_RATE_LIMIT_API", "10000/15minutes")
    get_settings.cache_clear()
    with TestClient(create_api(engine=lambda: engine)) as test_client:
        yield test_client
    get_settings.cache_clear()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_logout_survives_a_redis_restart_and_a_password_change_ends_older_tokens(client, redis_server):
    import redis

    email = f"sess-{uuid.uuid4().hex[:8]}@example.com"
    r = client.post(f"{API}/register", json={"email": email, "password": "Secret#123"})
    assert r.status_code == 201, r.text
    first = r.json()["access_token"]
    second = client.post(f"{API}/login", json={"email": email, "password": "Secret#123"}).json()["access_token"]
    assert client.post(f"{API}/logout", headers=_bearer(first)).status_code == 200
    assert client.get(f"{API}/me", headers=_bearer(first)).status_code == 401

    redis_server.restart()  # no persistence: the cached revocation is gone
    assert redis.Redis.from_url(redis_server.url).dbsize() == 0
    r = client.get(f"{API}/me", headers=_bearer(first))
    assert r.status_code == 401 and "logged out" in r.json()["detail"]
    assert client.get(f"{API}/me", headers=_bearer(second)).status_code == 200

    changed = client.post(
        f"{API}/change-password",
        headers=_bearer(second),
        json={"current_password": "Secret#123", "new_password": "Second#456"},
    )
    assert changed.status_code == 200
    redis_server.restart()
    assert client.get(f"{API}/me", headers=_bearer(second)).status_code == 401
    assert client.get(f"{API}/me", headers=_bearer(changed.json()["access_token"])).status_code == 200
