"""Periodic clean-up run inside the app (a Reflex lifespan task, one per worker).

Each pass is a few idempotent DELETEs, so several workers doing it at once is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from reflex.environment import environment

from marque_app.services.admin.products import prune_uploads
from marque_app.services.cart_ops import prune_operations
from marque_app.services.db import session_scope

log = logging.getLogger("marque.housekeeping")

EVERY_SECONDS = 6 * 3600


def run_once(upload_dir: Path | None = None) -> dict[str, int]:
    """One pass; returns what was removed, by kind: applied cart-op ids past their retention, and
    uploaded pictures nothing refers to any more (a product form never saved, a picture removed)."""
    if upload_dir is None:
        upload_dir = environment.REFLEX_UPLOADED_FILES_DIR.get()
    with session_scope() as session:
        return {"cart_operations": prune_operations(session),
                "uploads": prune_uploads(session=session, upload_dir=upload_dir)}


async def housekeeping() -> None:
    """Forever: a pass at start-up, then every :data:`EVERY_SECONDS`. A failed pass (the database
    away) is logged and retried at the next one."""
    while True:
        try:
            removed = await asyncio.to_thread(run_once)
            if any(removed.values()):
                log.info("housekeeping removed %s", removed)
        except Exception:  # never take the app down for a clean-up
            log.exception("housekeeping pass failed")
        await asyncio.sleep(EVERY_SECONDS)
