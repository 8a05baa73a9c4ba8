"""Work that one instance of a fleet does for all of them: a lock per job name.

On PostgreSQL the lock is a session advisory lock (``pg_try_advisory_lock``) held on its own
connection for the whole job, so N instances on one database never run the job at the same time;
the server drops it by itself when that connection dies. SQLite serves one instance only, so a
lock in this process is enough there.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (advisory locks are numbered, not named)."""
    return int.from_bytes(hashlib.sha256(f"marque:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def fleet_lock(name: str, *, engine: sa.Engine) -> Iterator[bool]:
    """Try to take the fleet-wide lock ``name`` without waiting; yields whether it was taken.

    The caller does the job only when it yields ``True``; another instance holds it otherwise.
    """
    if engine.dialect.name != "postgresql":
        with _local_guard:
            lock = _local_locks.setdefault(name, threading.Lock())
        taken = lock.acquire(blocking=False)
        try:
            yield taken
        finally:
            if taken:
                lock.release()
        return
    key = advisory_key(name)
    with engine.connect() as conn:
        taken = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()  # the lock is the session's, not this transaction's
        try:
            yield taken
        finally:
            if taken:
                try:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
                except sa.exc.DBAPIError:
                    conn.invalidate()  # a closed connection released the lock already
