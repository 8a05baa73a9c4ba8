"""Throw-away test databases: a temporary SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

PG_HINT = (
    "PostgreSQL at {url} cannot be reached ({err}). Start it with "
    "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, "
    "or unset MARQUE_TEST_DATABASE_URL to test on SQLite."
)


def test_database_url() -> str | None:
    """The server the db layer runs against: ``MARQUE_TEST_DATABASE_URL``, else SQLite."""
    return os.environ.get("MARQUE_TEST_DATABASE_URL") or None


@contextmanager
def scratch_database(tmp_dir: Path) -> Iterator[str]:
    """A new, empty database that nobody else uses; dropped afterwards."""
    server = test_database_url()
    if not server:
        path = tmp_dir / f"marque-test-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        return
    url = make_url(server)
    name = f"marque_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as err:
        raise RuntimeError(PG_HINT.format(url=server, err=str(err).splitlines()[0])) from None
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


#: The Redis the db and api layers test the cache, codes and rate limits against (keys are
#: prefixed per test and deleted afterwards; nothing is flushed).
REDIS_URL = os.environ.get("MARQUE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_fail(**options):
    """A client of the test Redis; the test fails (never skips) with how to start it."""
    import pytest
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, **options)
    try:
        client.ping()
    except redis.RedisError as err:
        client.close()
        pytest.fail(
            f"Redis at {REDIS_URL} cannot be reached ({err}). Start it with `redis-server "
            "--daemonize yes` (apt-get install -y redis-server), or point MARQUE_TEST_REDIS_URL at one."
        )
    return client
