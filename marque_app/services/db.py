"""The database engine and sessions that every service, the API and the Reflex states share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session

from marque_app.settings import get_settings


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
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


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
