"""``/_health`` reports the database (and Redis when configured) truthfully."""

from __future__ import annotations

from marque_app.services import migrations
from marque_app.settings import get_settings


def test_health_reports_database_and_revision(client):
    response = client.get("/_health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["revision"] == migrations.head_revision()
    assert body["redis"] == "not configured"


def test_health_fails_when_redis_is_unreachable(client, monkeypatch):
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    response = client.get("/_health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["redis"]["ok"] is False
    assert body["database"]["ok"] is True


def test_health_fails_when_database_is_gone(tmp_path):
    from fastapi.testclient import TestClient

    from marque_app.api import create_api
    from marque_app.services.db import make_engine

    broken = make_engine(f"sqlite:///{tmp_path}/missing-dir/none.db")
    with TestClient(create_api(engine=lambda: broken)) as client:
        response = client.get("/_health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"]["ok"] is False
    assert "unable to open" in body["database"]["error"]


def test_openapi_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/_health" in response.json()["paths"]
