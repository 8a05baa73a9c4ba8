"""The API under test, bound to this run's own migrated database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from marque_app.api import create_api
from marque_app.services import auth
from marque_app.settings import get_settings


@pytest.fixture
def client(db_url, engine, monkeypatch) -> Iterator[TestClient]:
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    # the general limit has its own test (test_auth_api); here it must not get in the way
    monkeypatch.setenv("MARQUE_RATE_LIMIT_API", "10000/15minutes")
    get_settings.cache_clear()
    with TestClient(create_api(engine=lambda: engine)) as test_client:
        yield test_client
    get_settings.cache_clear()


@pytest.fixture
def db(engine) -> Iterator[Session]:
    """A session whose commits are seen by the API (its own connections); tests clean up."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def sms() -> auth.CapturingSmsSender:
    """The SMS sender the auth tests install: it keeps what it was asked to send."""
    return auth.CapturingSmsSender()


@pytest.fixture
def mail() -> auth.CapturingEmailSender:
    """The e-mail sender the auth tests install: it keeps what it was asked to send."""
    return auth.CapturingEmailSender()
