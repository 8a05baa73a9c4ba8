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

from typing import Any, NamedTuple

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
    who = _who(state)
    if who.refused:
        return
    analytics.record(
        make_event(
            event_type,
            at=utcnow(),
            session_id=who.client_token,
            user_id=user_id,
            data=data,
            client_ip=who.client_ip,
            user_agent=who.user_agent,
            referrer=referrer or who.referer,
        )
    )


class _Who(NamedTuple):
    client_token: str
    client_ip: str
    user_agent: str
    referer: str | None
    refused: bool


#: What the tab's websocket handshake said, per (client token, socket session): its headers and
#: address are fixed for the socket's life (a reconnect is a new session id). Reading them
#: through Reflex's router (a proxy per header) cost more than the rest of an add's tracking.
_WHO: dict[tuple[str, str], _Who] = {}
_WHO_MAX = 20_000  # sockets; then it starts again (a few MB at most)


def _who(state: rx.State) -> _Who:
    session = state.rx_router_session
    key = (session.client_token, session.session_id)
    who = _WHO.get(key) if key[1] else None
    if who is None:
        headers = state.rx_router_headers
        raw = dict(headers.raw_headers)
        who = _Who(
            client_token=session.client_token,
            client_ip=session.client_ip,
            user_agent=headers.user_agent,
            referer=raw.get("referer") or None,
            refused=tracking_refused(raw),
        )
        if key[1]:
            if len(_WHO) >= _WHO_MAX:
                _WHO.clear()
            _WHO[key] = who
    return who


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
