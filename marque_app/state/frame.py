"""What every storefront page loads first: the header, the user, the cart.

One event instead of three (``HeaderState.load_header``, ``AuthState.load_auth``,
``CartState.load_cart``, still there for pages that load them apart): each event costs Reflex a
state lock, a delta and a message, and a navigation is most of what a shopper's tab asks for.
The busiest pages (product, listings, home, search) go further: their own ``load_page`` event
runs :func:`frame_events` and then the page's own load, so a navigation is one event of ours
(Reflex adds its ``on_load_internal`` and ``is_hydrated``).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from marque_app.state.analytics import track_page_view
from marque_app.state.auth import AuthState
from marque_app.state.cart import CartState
from marque_app.state.header import HeaderState
from marque_app.state.outage import OutageState
from marque_app.state.prefetch import preload
from marque_app.state.suggest import SuggestState


async def frame_events(state: rx.State, *also: type[rx.State]) -> list[Any]:
    """The frame of a page load, from any state's event: the category navigation (once per
    tab), the user from the stored token, then the cart and wishlist (the order of the three
    events it replaces). Returns the events to send back (an expired token's toast, ...).

    The frame's states and ``also`` (the page's own, which the caller reads next) come in one
    Redis read (:func:`~marque_app.state.prefetch.preload`), not one per state.
    """
    await preload(state, *FRAME_STATES, *also)
    (await state.get_state(OutageState)).clear()  # a new page: no "try again" banner yet
    (await state.get_state(SuggestState))._close()  # nor the last page's search suggestions
    await (await state.get_state(HeaderState))._load()
    events: list[Any] = []
    auth = await state.get_state(AuthState)
    restored = await auth._restore()
    # analytics: an append in memory (state/analytics.py); the tab's page before is its referrer
    frame = await state.get_state(FrameState)
    frame._last_path = track_page_view(state, user_id=auth._user_id, previous=frame._last_path)
    for answer in (restored, await (await state.get_state(CartState))._load()):
        if answer is None:
            continue
        events.extend(answer if isinstance(answer, list) else [answer])
    return events


class FrameState(rx.State):
    _last_path: str = ""  # the tab's page before: the referrer of its next page view (analytics)

    @rx.event
    async def load_frame(self):
        """The frame alone (:func:`frame_events`), for pages without a ``load_page`` of their own."""
        return (await frame_events(self)) or None


#: What :func:`frame_events` reads, in one Redis read.
FRAME_STATES: tuple[type[rx.State], ...] = (OutageState, SuggestState, HeaderState, AuthState, FrameState, CartState)
