"""The database engine and sessions that every service, the API and the Reflex states share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session

from marque_app.settings import get_settings


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


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url`` with the per-dialect settings Marque relies on."""
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
            conn.exec_driver_sql("BEGIN")

        return engine
    # connect_timeout: a server that does not answer fails the request in seconds (a 503), and
    # pool_timeout bounds the wait for a connection when every one of them is busy.
    return sa.create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_timeout=10,
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
