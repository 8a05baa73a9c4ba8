"""Catalog reads from a read-only streaming replica (``MARQUE_DATABASE_READ_URL``), when it is up
and caught up; the primary otherwise.

Only reads that may be a few seconds old use it: the catalog pages (product, category, brand,
home, shop), search and suggestions, and the catalog API. The cart, checkout, account, admin and
anything read right after a write use the primary (``db.session_scope``).

Whether the replica may serve is decided at most every ``MARQUE_DATABASE_READ_CHECK_SECONDS``,
in the reading thread (never on Reflex's event loop; every caller already runs in a worker
thread): the replica must answer, be in recovery, and have replayed the primary's WAL or be no
more than ``MARQUE_DATABASE_READ_MAX_LAG_SECONDS`` behind (``now() -
pg_last_xact_replay_timestamp()`` while ``pg_last_wal_replay_lsn()`` is short of the primary's
``pg_current_wal_lsn()``). While another thread checks, readers use the last decision.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.services import db
from marque_app.settings import get_settings

log = logging.getLogger("marque.replica")

#: Seconds a replica check may wait for the replica to accept a connection.
CHECK_CONNECT_TIMEOUT = 2


@dataclass(frozen=True)
class ReplicaState:
    usable: bool
    reason: str  # "ok", "down", "not a replica", "lag 12.3 s"
    lag_seconds: float | None = None


class ReadRouter:
    """Chooses the engine a catalog read runs on."""

    def __init__(
        self,
        *,
        primary: Callable[[], sa.Engine],
        replica_url: str | None,
        max_lag_seconds: float,
        check_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._primary = primary
        self.replica_url = replica_url or None
        self.max_lag_seconds = max_lag_seconds
        self.check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._state = ReplicaState(False, "not checked yet")
        self._checked_at: float | None = None
        self._replica: sa.Engine | None = None

    @property
    def replica(self) -> sa.Engine | None:
        if self.replica_url and self._replica is None:
            with self._lock:
                if self._replica is None:
                    self._replica = db.make_engine(self.replica_url)
        return self._replica

    def state(self) -> ReplicaState:
        """The replica's last known state, checked again when it is older than ``check_seconds``."""
        if not self.replica_url:
            return ReplicaState(False, "no replica configured")
        now = self._clock()
        if self._checked_at is not None and now - self._checked_at < self.check_seconds:
            return self._state
        if not self._lock.acquire(blocking=False):
            return self._state  # another thread is checking: the last decision meanwhile
        try:
            previous = self._state
            self._state = self._check()
            self._checked_at = self._clock()
            if self._state.usable != previous.usable and previous.reason != "not checked yet":
                log.warning(
                    "read replica %s: %s",
                    "back in use" if self._state.usable else "not used, reads go to the primary",
                    self._state.reason,
                )
            return self._state
        finally:
            self._lock.release()

    def mark_down(self, reason: str = "down") -> None:
        """A read found the replica gone: the primary until the next check."""
        self._state = ReplicaState(False, reason)
        self._checked_at = self._clock()

    def _check(self) -> ReplicaState:
        probe = sa.create_engine(
            self.replica_url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": CHECK_CONNECT_TIMEOUT}
        )
        try:
            with probe.connect() as conn:
                recovering, replay_lsn, lag = conn.execute(
                    sa.text(
                        "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                        "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8"
                    )
                ).one()
            if not recovering:
                return ReplicaState(False, "not a replica (pg_is_in_recovery() is false)")
            with self._primary().connect() as conn:
                behind = bool(
                    conn.execute(
                        sa.text("SELECT pg_current_wal_lsn() > CAST(:lsn AS pg_lsn)"), {"lsn": replay_lsn}
                    ).scalar()
                )
        except Exception as err:  # noqa: BLE001 - any failure of the check: read from the primary
            reason = str(getattr(err, "orig", err)).strip().splitlines()[0] if str(err) else type(err).__name__
            return ReplicaState(False, f"down: {reason}")
        finally:
            probe.dispose()
        seconds = float(lag or 0.0) if behind else 0.0
        if seconds > self.max_lag_seconds:
            return ReplicaState(False, f"lag {seconds:.1f} s over {self.max_lag_seconds:g} s", seconds)
        return ReplicaState(True, "ok", seconds)

    def read_engine(self) -> sa.Engine:
        replica = self.replica
        if replica is not None and self.state().usable:
            return replica
        return self._primary()

    def dispose(self) -> None:
        if self._replica is not None:
            self._replica.dispose()
            self._replica = None


@lru_cache
def get_router() -> ReadRouter:
    """The process-wide router for the configured replica (none: every read is the primary's)."""
    s = get_settings()
    return ReadRouter(
        primary=db.get_engine,
        replica_url=s.database_read_url,
        max_lag_seconds=s.database_read_max_lag_seconds,
        check_seconds=s.database_read_check_seconds,
    )


@contextmanager
def read_session(router: ReadRouter | None = None) -> Iterator[Session]:
    """A session for a catalog read: on the replica when it may serve, else on the primary.

    A replica that stopped since the last check is found when the session takes its connection;
    the read then runs on the primary (no error), and the replica is left out until the next check.
    """
    router = router or get_router()
    engine = router.read_engine()
    if engine is not router._primary():
        session = Session(engine, expire_on_commit=False)
        try:
            session.connection()
        except Exception as err:
            session.close()
            if not db.is_unavailable(err):
                raise
            router.mark_down(f"down: {str(getattr(err, 'orig', err)).strip().splitlines()[0]}")
            engine = router._primary()
        else:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()
            return
    with db.session_scope(engine) as session:
        yield session
