"""The database engine and sessions that every service, the API and the Reflex states share."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session

from marque_app.settings import get_settings

T = TypeVar("T")

#: Seconds to wait for the database server to accept a connection.
CONNECT_TIMEOUT = 5


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached now (down, restarting, cut off, every
    pooled connection busy) rather than that the request is wrong: the API answers 503 and the
    pages "try again" for these.
    """
    if isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)):
        return True
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    try:
        import psycopg
    except ImportError:  # SQLite-only installs
        return False
    return isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError))


def make_engine(url: str, *, immediate: bool = False) -> sa.Engine:
    """An engine for ``url`` with the per-dialect settings Marque relies on.

    ``immediate``: on SQLite every transaction takes the write lock as it begins (``BEGIN
    IMMEDIATE``), so one that reads and then writes waits for another writer instead of being
    refused when that one committed in between (a script or a test writing beside the app).
    """
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
            # savepoints and rollbacks work (SQLAlchemy's documented pysqlite recipe).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    # connect_timeout: a server that does not answer fails the request in seconds (a 503), and
    # pool_timeout bounds the wait for a connection when every one of them is busy.
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=10,
        connect_args={"connect_timeout": CONNECT_TIMEOUT},
    )


@lru_cache
def get_engine() -> sa.Engine:
    """The process-wide engine for the configured database (``REFLEX_DB_URL``)."""
    return make_engine(get_settings().db_url)


@contextmanager
def session_scope(engine: sa.Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


#: Tries of a unit of work that SQLite refused as busy (see :func:`run_unit`).
SQLITE_BUSY_TRIES = 4


def is_sqlite_busy(error: BaseException) -> bool:
    """SQLite's "database is locked": in WAL mode a transaction that read and then writes after
    another connection's commit is refused at once (its snapshot is stale; no busy wait helps)."""
    return isinstance(error, sa.exc.OperationalError) and "database is locked" in str(error)


_writers: dict[str, sa.Engine] = {}
_writers_lock = threading.Lock()


def _writer(engine: sa.Engine) -> sa.Engine:
    """``engine``'s twin whose transactions take SQLite's write lock as they begin (``BEGIN
    IMMEDIATE``), one per database file; ``engine`` itself on other databases (and in-memory ones)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine
    url = engine.url.render_as_string(hide_password=False)
    with _writers_lock:
        if url not in _writers:
            _writers[url] = make_engine(url, immediate=True)
        return _writers[url]


def run_unit(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """``fn(session=..., **kwargs)`` in one transaction (:func:`session_scope`); on SQLite, a
    transaction refused as busy is rolled back and run again from the start, so concurrent
    shoppers of ``make run`` do not see a "try again" page for what is only a lost race. The
    next try takes the write lock as it begins (:func:`_writer`): it waits for the other writers
    (up to the busy timeout) instead of racing them again. Other errors, and PostgreSQL's,
    propagate at once."""
    engine = get_engine()
    for attempt in range(1, SQLITE_BUSY_TRIES + 1):
        try:
            with session_scope(engine if attempt == 1 else _writer(engine)) as session:
                return fn(session=session, **kwargs)
        except sa.exc.OperationalError as err:
            if attempt == SQLITE_BUSY_TRIES or not is_sqlite_busy(err):
                raise
        time.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")
