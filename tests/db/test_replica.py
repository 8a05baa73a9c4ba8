"""Catalog reads on a real streaming replica (PostgreSQL layer only).

The replica is cluster 15/replica on 127.0.0.1:5433, made by ``.ci/replica`` with pg_basebackup
from the test server; ``MARQUE_TEST_REPLICA_URL`` points at it. Each test's scratch database
replicates too: the tests wait (polling, bounded) until the replica has it. The replica "down" is
a TCP proxy in front of it that the test cuts (the shared replica keeps running for the other
tests); "lagging" is its replay paused (``pg_wal_replay_pause()``) while the primary writes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

from marque_app.services import catalog, db, migrations, replica
from marque_app.services.replica import ReadRouter, read_session
from marque_app.settings import get_settings
from tests import dbutil
from tests.cartutil import make_product
from tests.dbutil import scratch_database
from tests.outage import TcpProxy

REPLICA_URL = os.environ.get("MARQUE_TEST_REPLICA_URL", "postgresql+psycopg://postgres@127.0.0.1:5433/postgres")
WAIT = 60  # seconds any wait may take before the test fails (never reached when green)

pytestmark = pytest.mark.skipif(
    not (dbutil.test_database_url() or "").startswith("postgresql"),
    reason="a PostgreSQL replica: runs in `make test-pg` (MARQUE_TEST_DATABASE_URL); SQLite has none",
)


def wait_until(condition: Callable[[], object], what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


@dataclass
class Pair:
    primary_url: str
    replica_url: str  # the same database on the replica
    primary: sa.Engine
    replica_admin: sa.Engine  # the replica server, to pause and resume its replay


def _in_recovery(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(sa.text("SELECT pg_is_in_recovery()")).scalar())


def _replica_has(url: str, slug: str) -> bool:
    probe = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 2})
    try:
        with probe.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM products WHERE slug = :s"), {"s": slug}).scalar() == 1
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        return False  # the database (or its tables) has not reached the replica yet
    finally:
        probe.dispose()


@pytest.fixture
def pair(tmp_path) -> Iterator[Pair]:
    server = make_url(REPLICA_URL)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        if not _in_recovery(admin):
            pytest.fail(f"{REPLICA_URL} (MARQUE_TEST_REPLICA_URL) is not a replica (pg_is_in_recovery() is false)")
    except sa.exc.OperationalError as err:
        pytest.fail(
            f"no read replica at {REPLICA_URL} ({str(err).splitlines()[0]}): run `.ci/replica` as root "
            "(it makes cluster 15/replica on port 5433 with pg_basebackup), or set MARQUE_TEST_REPLICA_URL"
        )
    with scratch_database(tmp_path) as url:
        migrations.upgrade(url)
        primary = db.make_engine(url)
        try:
            yield Pair(
                url, server.set(database=make_url(url).database).render_as_string(hide_password=False), primary, admin
            )
        finally:
            with admin.connect() as conn:  # never leave the shared replica paused
                if conn.execute(sa.text("SELECT pg_is_wal_replay_paused()")).scalar():
                    conn.execute(sa.text("SELECT pg_wal_replay_resume()"))
            primary.dispose()
            admin.dispose()


def _product(pair: Pair) -> str:
    with Session(pair.primary, expire_on_commit=False) as session:
        product, _ = make_product(session)
    wait_until(lambda: _replica_has(pair.replica_url, product.slug), "the replica to replay the new product")
    return product.slug


def _router(pair: Pair, url: str | None = None, **kw) -> ReadRouter:
    return ReadRouter(
        primary=lambda: pair.primary,
        replica_url=url or pair.replica_url,
        max_lag_seconds=kw.get("max_lag_seconds", 5.0),
        check_seconds=kw.get("check_seconds", 0.0),
    )


def _served_by_replica(router: ReadRouter) -> bool:
    with read_session(router) as session:
        return bool(session.execute(sa.text("SELECT pg_is_in_recovery()")).scalar())


def test_catalog_reads_go_to_the_replica_and_writes_to_the_primary(pair, monkeypatch):
    slug = _product(pair)
    monkeypatch.setenv("REFLEX_DB_URL", pair.primary_url)
    monkeypatch.setenv("MARQUE_DATABASE_READ_URL", pair.replica_url)
    monkeypatch.setenv("MARQUE_DATABASE_READ_CHECK_SECONDS", "0")
    for cached in (get_settings, db.get_engine, replica.get_router):
        cached.cache_clear()
    try:
        router = replica.get_router()
        on_replica: list[str] = []
        sa.event.listen(
            router.replica, "before_cursor_execute", lambda _c, _cur, statement, *_: on_replica.append(statement)
        )
        wait_until(lambda: router.state().usable, "the replica to be caught up")
        # the product page's read (what ProductState.load_product calls, in a worker thread)
        detail = catalog.cached_product_detail(slug=slug)
        assert detail is not None and detail.slug == slug
        assert any("FROM products" in s for s in on_replica)
        # the cart, checkout, account and admin use session_scope: always the primary
        seen = len(on_replica)
        with db.session_scope() as session:
            assert session.execute(sa.text("SELECT pg_is_in_recovery()")).scalar() is False
            session.execute(sa.text("UPDATE products SET name = name WHERE slug = :s"), {"s": slug})
        assert len(on_replica) == seen
    finally:
        replica.get_router().dispose()
        db.get_engine().dispose()
        for cached in (get_settings, db.get_engine, replica.get_router):
            cached.cache_clear()


def test_a_replica_that_goes_away_falls_back_to_the_primary_without_an_error(pair):
    _product(pair)
    server = make_url(pair.replica_url)
    proxy = TcpProxy((server.host or "127.0.0.1", server.port or 5432))
    proxy.restore()
    try:
        via_proxy = server.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        # checked once, then not again for a minute: the replica dies between two checks
        router = _router(pair, via_proxy, check_seconds=60)
        assert _served_by_replica(router)
        proxy.cut()
        assert not _served_by_replica(router)  # no error: this read ran on the primary
        assert router.state().reason.startswith("down")
        # and found down at a check: the primary too
        fresh = _router(pair, via_proxy)
        assert not _served_by_replica(fresh) and fresh.state().reason.startswith("down")
        proxy.restore()
        assert wait_until(lambda: _served_by_replica(fresh), "the replica to be used again")
    finally:
        proxy.cut()


def test_a_replica_lagging_past_the_threshold_falls_back_to_the_primary(pair):
    _product(pair)
    router = _router(pair, max_lag_seconds=0.2)
    wait_until(lambda: _served_by_replica(router), "the replica to be caught up")
    with pair.replica_admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_wal_replay_pause()"))
    with Session(pair.primary, expire_on_commit=False) as session:
        fresh, _ = make_product(session, name="Written while the replica lags")
    # the replica is now behind the primary; past 0.2 s of lag, reads go to the primary and see it
    wait_until(lambda: not router.state().usable, "the lag to pass the threshold")
    assert router.state().reason.startswith("lag ")
    with read_session(router) as session:
        assert session.execute(sa.text("SELECT pg_is_in_recovery()")).scalar() is False
        assert (
            session.execute(sa.text("SELECT count(*) FROM products WHERE slug = :s"), {"s": fresh.slug}).scalar() == 1
        )
    assert not _replica_has(pair.replica_url, fresh.slug)  # the replica itself has not got it yet
    with pair.replica_admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_wal_replay_resume()"))
    wait_until(lambda: _served_by_replica(router), "the replica to catch up and serve again")
    assert _replica_has(pair.replica_url, fresh.slug)


def test_a_primary_given_as_the_replica_is_not_used_for_reads(pair):
    router = _router(pair, pair.primary_url)
    assert not _served_by_replica(router)
    assert "not a replica" in router.state().reason
