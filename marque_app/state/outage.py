"""The pages' one answer to a database outage: a "try again" banner instead of an error.

Any event handler that reaches a database that is down (``services.db.is_unavailable``: the
server stopped, restarting, cut off, the pool exhausted) raises; Reflex hands the exception to
:func:`backend_exception_handler` (``rx.App(backend_exception_handler=...)``), which sets
``OutageState.is_down``: ``page_layout`` then shows "We can't reach the store right now" with a
"Try again" button, and a toast says the same on pages without that layout (admin). Every page
load clears it first (``FrameState.load_frame``, or ``OutageState.clear_outage`` first in the
``on_load`` of the pages that load the frame apart). Other exceptions keep
Reflex's default handling. Handlers that already catch the error (the cart's offline mode) are
unchanged.
"""

# No ``from __future__ import annotations`` here: Reflex checks the exception handler's
# annotations by evaluating them in its own module.

import logging
import time
from collections.abc import Callable

import reflex as rx
from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec

from marque_app.services.db import is_unavailable

log = logging.getLogger(__name__)

OUTAGE = "We can't reach the store right now. Nothing was lost; please try again in a moment."
#: At most one log line per this many seconds while the database is down.
LOG_EVERY = 30.0
_last_logged = [-LOG_EVERY]


class OutageState(rx.State):
    """Whether the current page could not load because the database is unavailable."""

    is_down: bool = False

    @rx.event
    def show_outage(self):
        self.is_down = True

    def _clear(self) -> None:
        """Forget the outage (a page load starts; ``FrameState.load_frame`` calls this)."""
        if self.is_down:
            self.is_down = False

    @property
    def clear(self) -> Callable[[], None]:
        """``outage.clear()`` for the other states; a property, so not an event of the browser's."""
        return self._clear

    @rx.event
    def clear_outage(self):
        """The same, as the first ``on_load`` event of pages without the frame event."""
        self._clear()

    @rx.event
    def try_again(self):
        """Load the page again (its ``on_load`` runs; the banner comes back if still down)."""
        self.is_down = False
        return rx.call_script("window.location.reload()")


def backend_exception_handler(exception: Exception) -> list[EventSpec]:
    """A database outage: the banner and a toast; anything else: Reflex's default handler."""
    if not is_unavailable(exception):
        return [default_backend_exception_handler(exception)]
    now = time.monotonic()
    if now - _last_logged[0] >= LOG_EVERY:
        _last_logged[0] = now
        reason = str(getattr(exception, "orig", None) or exception).strip().splitlines()
        log.error("database unavailable in a page event: %s", reason[0] if reason else type(exception).__name__)
    return [OutageState.show_outage(), rx.toast.error(OUTAGE, id="database-outage")]
