"""Fixtures shared by the unit, db and api layers.

The db and api layers run against a real database that belongs to the test run alone: a
temporary SQLite file by default, a fresh PostgreSQL database when MARQUE_TEST_DATABASE_URL
points at a server. It is migrated once with Alembic; every test runs inside a transaction
that is rolled back, so tests never see each other's rows, nor the developer's own database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session

# Nothing a test does may reach the developer's database or .env settings.
os.environ.setdefault("MARQUE_ENV", "test")

from marque_app.services import migrations
from marque_app.services.db import make_engine
from tests.dbutil import scratch_database


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> Iterator[str]:
    """The URL of this run's own migrated database."""
    with scratch_database(tmp_path_factory.mktemp("db")) as url:
        migrations.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(db_url) -> Iterator[sa.Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine) -> Iterator[sa.Connection]:
    """A connection inside an outer transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            yield conn
        finally:
            outer.rollback()


@pytest.fixture
def session(connection) -> Iterator[Session]:
    """A session whose commits become savepoints of the test's transaction."""
    with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as sess:
        yield sess
