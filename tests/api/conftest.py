"""The API under test, bound to this run's own migrated database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marque_app.api import create_api
from marque_app.settings import get_settings


@pytest.fixture
def client(db_url, engine, monkeypatch) -> Iterator[TestClient]:
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    get_settings.cache_clear()
    with TestClient(create_api(engine=lambda: engine)) as test_client:
        yield test_client
    get_settings.cache_clear()
