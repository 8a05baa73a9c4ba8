"""Housekeeping runs once per fleet: two passes at the same moment, on two connections (as two
instances on one database would run them), and only one of them does the work."""

from __future__ import annotations

import queue
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.models import CartOperation
from marque_app.models.types import utcnow
from marque_app.services import housekeeping, migrations
from marque_app.services.cart_ops import OP_RETENTION, claim_operation
from marque_app.services.db import make_engine
from marque_app.services.fleet import advisory_key, fleet_lock
from tests.cartutil import make_user
from tests.dbutil import scratch_database

WAIT = 60  # seconds any single step may take before the test fails (never reached when green)


@pytest.fixture
def own_engine(tmp_path):
    """A database of this test alone: the passes commit, and a table lock must block no one else."""
    with scratch_database(tmp_path) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def _old_operations(engine, count: int) -> None:
    with Session(engine, expire_on_commit=False) as session:
        user = make_user(session)
        for n in range(count):
            assert claim_operation(session, user_id=user.id, op_id=f"old-{n}", kind="add")
        session.commit()
        for row in session.exec(select(CartOperation).where(CartOperation.user_id == user.id)):
            row.created_at = utcnow() - OP_RETENTION - timedelta(days=1)
            session.add(row)
        session.commit()


def _hold_write_lock(engine):
    """A connection in a transaction that blocks every DELETE on cart_operations until it ends."""
    raw = engine.raw_connection()
    cur = raw.cursor()
    if engine.dialect.name == "postgresql":
        cur.execute("LOCK TABLE cart_operations IN ACCESS EXCLUSIVE MODE")
    else:
        cur.execute("BEGIN IMMEDIATE")  # SQLite: the one writer
    return raw


def test_two_concurrent_passes_do_the_work_once(own_engine, tmp_path):
    _old_operations(own_engine, 3)
    blocker = _hold_write_lock(own_engine)
    results: queue.Queue = queue.Queue()
    barrier = threading.Barrier(2)

    def one_pass():
        barrier.wait(WAIT)
        results.put(housekeeping.run_once(upload_dir=tmp_path, engine=own_engine))

    threads = [threading.Thread(target=one_pass, daemon=True) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        # The pass that took the lock waits on the blocked DELETE; the other one finds the lock
        # taken and returns at once without doing anything.
        assert results.get(timeout=WAIT) is None
        assert results.empty()
    finally:
        blocker.commit() if own_engine.dialect.name == "postgresql" else blocker.cursor().execute("COMMIT")
        blocker.close()
    done = results.get(timeout=WAIT)
    for thread in threads:
        thread.join(WAIT)
    assert done == {"cart_operations": 3, "uploads": 0, "analytics_events": 0}
    with own_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(CartOperation)).scalar() == 0
    # the lock was given back: the next pass runs (and finds nothing left)
    assert housekeeping.run_once(upload_dir=tmp_path, engine=own_engine) == {
        "cart_operations": 0,
        "uploads": 0,
        "analytics_events": 0,
    }


def test_a_pass_skips_while_another_instance_holds_the_lock(own_engine, tmp_path):
    _old_operations(own_engine, 2)
    with fleet_lock(housekeeping.LOCK_NAME, engine=own_engine) as taken:
        assert taken
        assert housekeeping.run_once(upload_dir=tmp_path, engine=own_engine) is None
        with own_engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(CartOperation)).scalar() == 2
            if own_engine.dialect.name == "postgresql":
                key = advisory_key(housekeeping.LOCK_NAME) & 0xFFFFFFFFFFFFFFFF
                held = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND objsubid = 1 AND classid::bigint = :hi AND objid::bigint = :lo"
                    ),
                    {"hi": key >> 32, "lo": key & 0xFFFFFFFF},
                ).scalar()
                assert held == 1
    assert housekeeping.run_once(upload_dir=tmp_path, engine=own_engine) == {
        "cart_operations": 2,
        "uploads": 0,
        "analytics_events": 0,
    }


def test_a_dropped_connection_gives_the_postgresql_lock_back(own_engine):
    if own_engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite serves one instance")
    conn = own_engine.connect()
    key = advisory_key(housekeeping.LOCK_NAME)
    assert conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
    with fleet_lock(housekeeping.LOCK_NAME, engine=own_engine) as taken:
        assert not taken
    conn.invalidate()  # the instance holding it died: its session ends, the lock goes with it
    conn.close()
    with fleet_lock(housekeeping.LOCK_NAME, engine=own_engine) as taken:
        assert taken
