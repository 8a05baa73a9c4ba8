"""``/_health/live`` and ``/_health/ready`` (issue 14, item 4): liveness says the process answers;
readiness says whether a load balancer or an orchestrator should send this instance traffic."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from marque_app.api import create_api
from marque_app.api.shutdown import DRAIN
from marque_app.services import migrations
from marque_app.services.db import make_engine
from marque_app.settings import get_settings
from tests.dbutil import REDIS_URL, scratch_database


def test_live_answers_without_touching_the_database(tmp_path):
    broken = make_engine(f"sqlite:///{tmp_path}/missing-dir/none.db")
    with TestClient(create_api(engine=lambda: broken)) as client:
        response = client.get("/_health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


def test_ready_when_the_database_is_at_the_head(client):
    response = client.get("/_health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "failed": []}


def test_not_ready_when_the_database_is_down(tmp_path):
    broken = make_engine(f"sqlite:///{tmp_path}/missing-dir/none.db")
    with TestClient(create_api(engine=lambda: broken)) as client:
        response = client.get("/_health/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "failed": ["database"]}


def test_not_ready_when_the_schema_is_behind_the_code(tmp_path_factory):
    with scratch_database(tmp_path_factory.mktemp("behind")) as url:
        migrations.upgrade(url, revision="0010")  # one migration short of the head
        engine = make_engine(url)
        try:
            with TestClient(create_api(engine=lambda: engine)) as client:
                behind = client.get("/_health/ready")
                migrations.upgrade(url)  # the deploy step: now the instance is ready
                caught_up = client.get("/_health/ready")
        finally:
            engine.dispose()
    assert behind.status_code == 503
    assert behind.json() == {"status": "not ready", "failed": ["schema"]}
    assert caught_up.status_code == 200


def test_not_ready_when_the_configured_redis_is_unreachable(client, monkeypatch):
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    response = client.get("/_health/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "failed": ["redis"]}
    # /_health keeps serving shoppers' pages without Redis: degraded, 200
    assert client.get("/_health").status_code == 200


def test_ready_with_a_reachable_redis(client, monkeypatch):
    monkeypatch.setenv("REFLEX_REDIS_URL", REDIS_URL)
    get_settings.cache_clear()
    response = client.get("/_health/ready")
    assert response.status_code == 200, response.json()


@pytest.fixture
def draining():
    DRAIN.draining = True
    yield
    DRAIN.reset()


def test_not_ready_while_draining_but_still_alive(client, draining):
    ready = client.get("/_health/ready")
    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "failed": ["draining"]}
    assert client.get("/_health/live").status_code == 200


def test_both_are_documented(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/_health/live" in paths and "/_health/ready" in paths
