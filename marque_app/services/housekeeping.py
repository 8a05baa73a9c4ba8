"""Periodic clean-up run inside the app (a Reflex lifespan task, one per worker).

Once per fleet: a pass takes the fleet lock ``housekeeping`` (a PostgreSQL advisory lock,
``services/fleet.py``), so of N instances and their workers on one database only one prunes at
a time; the others skip that pass. ``cli prune`` takes the same lock.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from reflex.environment import environment

from marque_app.services import db
from marque_app.services.admin.products import prune_uploads
from marque_app.services.analytics import prune_events
from marque_app.services.cart_ops import prune_operations
from marque_app.services.db import session_scope
from marque_app.services.fleet import fleet_lock

log = logging.getLogger("marque.housekeeping")

EVERY_SECONDS = 6 * 3600


#: The fleet lock a pass holds.
LOCK_NAME = "housekeeping"


def run_once(upload_dir: Path | None = None, *, engine=None) -> dict[str, int] | None:
    """One pass; returns what was removed, by kind: applied cart-op ids past their retention,
    uploaded pictures nothing refers to any more (a product form never saved, a picture removed),
    and analytics events older than ``MARQUE_ANALYTICS_RETENTION_DAYS``.

    Returns ``None`` without touching anything when another instance's pass holds the lock.
    """
    if upload_dir is None:
        upload_dir = environment.REFLEX_UPLOADED_FILES_DIR.get()
    engine = engine or db.get_engine()
    with fleet_lock(LOCK_NAME, engine=engine) as taken:
        if not taken:
            log.info("housekeeping: another instance is doing this pass; skipped")
            return None
        with session_scope(engine) as session:
            return {
                "cart_operations": prune_operations(session),
                "uploads": prune_uploads(session=session, upload_dir=upload_dir),
                "analytics_events": prune_events(session),
            }


async def housekeeping() -> None:
    """Forever: a pass at start-up, then every :data:`EVERY_SECONDS`. A failed pass (the database
    away) is logged and retried at the next one."""
    while True:
        try:
            removed = await asyncio.to_thread(run_once)
            if removed and any(removed.values()):
                log.info("housekeeping removed %s", removed)
        except Exception:  # never take the app down for a clean-up
            log.exception("housekeeping pass failed")
        await asyncio.sleep(EVERY_SECONDS)
