"""What every storefront page loads first, in one event: the header, the user, the cart.

One event instead of three (``HeaderState.load_header``, ``AuthState.load_auth``,
``CartState.load_cart``, still there for pages that load them apart): each event costs Reflex a
state lock, a delta and a message, and a navigation is most of what a shopper's tab asks for.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from marque_app.state.analytics import track_page_view
from marque_app.state.auth import AuthState
from marque_app.state.cart import CartState
from marque_app.state.header import HeaderState
from marque_app.state.outage import OutageState


class FrameState(rx.State):
    _last_path: str = ""  # the tab's page before: the referrer of its next page view (analytics)

    @rx.event
    async def load_frame(self):
        """The category navigation (once per tab), the user from the stored token, then the
        cart and wishlist (the order of the three events it replaces)."""
        (await self.get_state(OutageState)).clear()  # a new page: no "try again" banner yet
        await (await self.get_state(HeaderState))._load()
        events: list[Any] = []
        auth = await self.get_state(AuthState)
        restored = await auth._restore()
        # analytics: an append in memory (state/analytics.py)
        self._last_path = track_page_view(self, user_id=auth._user_id, previous=self._last_path)
        for answer in (restored, await (await self.get_state(CartState))._load()):
            if answer is None:
                continue
            events.extend(answer if isinstance(answer, list) else [answer])
        return events or None
