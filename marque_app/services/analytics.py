"""Analytics events: an in-process buffer, written to ``analytics_events`` in batches, pruned.

A shopper's event (a page view, an add to cart) is one ``deque.append`` in memory
(:func:`record`): no database statement, no lock, no I/O on Reflex's event loop. A lifespan task
per worker (:func:`flush_forever`) writes what the buffer holds every
``MARQUE_ANALYTICS_FLUSH_SECONDS`` (default 5), in a thread, as one multi-row INSERT per batch
of at most :data:`BATCH` events. While the database is away the events wait in the buffer (at
most ``MARQUE_ANALYTICS_BUFFER_MAX``; past it the oldest are dropped and counted), and a
worker that stops writes what it still holds first. Events are an estimate, not a ledger: a
worker killed hard loses up to a few seconds of them (orders, the money, live in their own
tables).

Housekeeping (``services/housekeeping.py``, once per fleet under its lock) deletes the events
older than ``MARQUE_ANALYTICS_RETENTION_DAYS`` (:func:`prune_events`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.analytics import Event
from marque_app.models import AnalyticsEvent, User
from marque_app.models.types import utcnow
from marque_app.settings import get_settings

log = logging.getLogger("marque.analytics")

#: Events per INSERT statement (and per transaction) when the buffer is written.
BATCH = 1000


class EventBuffer:
    """Events not written yet, oldest first; bounded (the oldest go first when it is full)."""

    def __init__(self, maxlen: int) -> None:
        self._events: deque[Event] = deque(maxlen=maxlen)
        self.dropped = 0  # events pushed out unwritten because the buffer was full
        self._flushing = threading.Lock()  # one flush at a time per buffer (the task, a shutdown)

    def append(self, event: Event) -> None:
        events = self._events
        if len(events) == events.maxlen:
            self.dropped += 1
        events.append(event)

    def take(self, limit: int) -> list[Event]:
        """Up to ``limit`` of the oldest events, removed from the buffer."""
        out: list[Event] = []
        events = self._events
        while events and len(out) < limit:
            out.append(events.popleft())
        return out

    def give_back(self, batch: list[Event]) -> None:
        """Put an unwritten batch back at the front (in its order), to be written next time."""
        self._events.extendleft(reversed(batch))

    def __len__(self) -> int:
        return len(self._events)


_BUFFER = EventBuffer(get_settings().analytics_buffer_max)


def buffer() -> EventBuffer:
    """This process's buffer."""
    return _BUFFER


def record(event: Event, *, into: EventBuffer | None = None) -> None:
    """Keep ``event`` until the next flush: an append in memory, nothing else."""
    (_BUFFER if into is None else into).append(event)


def _uuid(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _rows(session: Session, batch: Iterable[Event]) -> list[dict]:
    batch = list(batch)
    wanted = {u for u in (_uuid(e.user_id) for e in batch) if u is not None}
    # An account deleted since its event: the event stays, without the user (no FK failure
    # takes the whole batch down).
    known = set(session.execute(sa.select(User.id).where(User.id.in_(wanted))).scalars()) if wanted else set()
    rows = []
    for e in batch:
        user = _uuid(e.user_id)
        rows.append(
            {
                "id": uuid.uuid4(),
                "session_id": e.session_id,
                "user_id": user if user in known else None,
                "event_type": e.event_type,
                "event_data": e.data or None,
                "ip_address": e.ip_address,
                "user_agent": e.user_agent,
                "referrer": e.referrer,
                "created_at": e.at,
            }
        )
    return rows


def write_events(*, session: Session, events: Iterable[Event]) -> int:
    """Insert ``events`` in one multi-row statement in the caller's transaction (no commit)."""
    rows = _rows(session, events)
    if rows:
        session.execute(sa.insert(AnalyticsEvent.__table__), rows)
    return len(rows)


def flush(*, session: Session | None = None, engine: sa.Engine | None = None, into: EventBuffer | None = None) -> int:
    """Write everything the buffer holds, :data:`BATCH` events per transaction; returns how many.

    With ``session`` the batches go into that session's transaction (the caller commits; tests);
    otherwise each batch commits on its own. A failed batch goes back to the buffer and the
    error propagates (the task logs it and tries again at the next tick).
    """
    buf = _BUFFER if into is None else into
    written = 0
    with buf._flushing:
        while True:
            batch = buf.take(BATCH)
            if not batch:
                return written
            try:
                if session is not None:
                    written += write_events(session=session, events=batch)
                else:
                    from marque_app.services.db import session_scope

                    with session_scope(engine) as own:
                        written += write_events(session=own, events=batch)
            except BaseException:
                buf.give_back(batch)
                raise


async def flush_forever() -> None:
    """The lifespan task: flush every ``MARQUE_ANALYTICS_FLUSH_SECONDS`` in a worker thread, and
    once more when the worker stops. A failed flush (the database away) is logged and retried."""
    every = get_settings().analytics_flush_seconds
    try:
        while True:
            await asyncio.sleep(every)
            try:
                written = await asyncio.to_thread(flush)
                if written:
                    log.debug("analytics: wrote %d events", written)
            except Exception:  # the database away: the events wait in the buffer
                log.warning("analytics: %d events not written yet (database unavailable?)", len(_BUFFER), exc_info=True)
    except asyncio.CancelledError:
        try:
            await asyncio.to_thread(flush)
        except Exception:  # noqa: BLE001 - shutting down: say what is lost
            log.warning("analytics: %d events lost at shutdown", len(_BUFFER))
        raise


def prune_events(session: Session, *, now: datetime | None = None, retention_days: int | None = None) -> int:
    """Delete the events older than the retention (``MARQUE_ANALYTICS_RETENTION_DAYS``)."""
    days = retention_days if retention_days is not None else get_settings().analytics_retention_days
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = session.execute(sa.delete(AnalyticsEvent).where(AnalyticsEvent.created_at < cutoff))
    return int(result.rowcount or 0)
