"""The page states' analytics hook: one call, one append to the in-process buffer.

``track(state, "product_view", {"product_id": ...})`` reads who and where from the event's
router data (the tab's client token as the session, the websocket's user agent, the client
address, which ``domain.analytics`` truncates), and leaves nothing to do on the event loop but
a ``deque.append`` (``services.analytics.record``); the buffer is written in batches off the loop.

Nothing is kept when ``MARQUE_ANALYTICS_ENABLED`` is false or the browser sent ``DNT: 1`` or
``Sec-GPC: 1`` (or the page's cookie of the browser's own setting, ``components/privacy.py``).
A page view's referrer is the page the tab showed before (a Reflex page change is not a new HTTP
request; ``FrameState`` keeps it, in the tab's state, so any worker knows it), or for a tab's
first page the ``Referer`` its websocket handshake carried.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from marque_app.domain.analytics import cart_event_type, make_event, tracking_refused
from marque_app.models.types import utcnow
from marque_app.services import analytics
from marque_app.settings import get_settings


def track(
    state: rx.State,
    event_type: str,
    data: dict[str, Any] | None = None,
    *,
    user_id: str | None = None,
    referrer: str | None = None,
) -> None:
    """Record one event of this tab (see the module docstring); never raises for bad input."""
    if not get_settings().analytics_enabled:
        return
    router = state.router
    headers = router.headers
    if tracking_refused(headers.raw_headers):
        return
    analytics.record(
        make_event(
            event_type,
            at=utcnow(),
            session_id=router.session.client_token,
            user_id=user_id,
            data=data,
            client_ip=router.session.client_ip,
            user_agent=headers.user_agent,
            referrer=referrer or headers.raw_headers.get("referer") or None,
        )
    )


def track_page_view(state: rx.State, *, user_id: str | None = None, previous: str = "") -> str:
    """A page view of the tab's current path, ``previous`` (the tab's page before) as its
    referrer; returns the path, the next view's ``previous``."""
    path = state.router.url.path or "/"
    track(state, "page_view", {"path": path}, user_id=user_id, referrer=previous or None)
    return path


def track_cart_op(state: rx.State, op: dict, user_id: str | None) -> None:
    """An add or a removal of a cart op (``CartState.apply``); other ops record nothing."""
    event_type = cart_event_type(op.get("type"))
    if event_type is not None:
        data = {k: op[k] for k in ("sku_id", "product_id", "item_id", "quantity") if op.get(k) is not None}
        track(state, event_type, data, user_id=user_id)
