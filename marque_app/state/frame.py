"""What every storefront page loads first, in one event: the header, the user, the cart.

One event instead of three (``HeaderState.load_header``, ``AuthState.load_auth``,
``CartState.load_cart``, still there for pages that load them apart): each event costs Reflex a
state lock, a delta and a message, and a navigation is most of what a shopper's tab asks for.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from marque_app.state.auth import AuthState
from marque_app.state.cart import CartState
from marque_app.state.header import HeaderState
from marque_app.state.outage import OutageState
from marque_app.state.suggest import SuggestState


class FrameState(rx.State):
    @rx.event
    async def load_frame(self):
        """The category navigation (once per tab), the user from the stored token, then the
        cart and wishlist (the order of the three events it replaces)."""
        (await self.get_state(OutageState)).clear()  # a new page: no "try again" banner yet
        (await self.get_state(SuggestState))._close()  # nor the last page's search suggestions
        await (await self.get_state(HeaderState))._load()
        events: list[Any] = []
        for answer in (
            await (await self.get_state(AuthState))._restore(),
            await (await self.get_state(CartState))._load(),
        ):
            if answer is None:
                continue
            events.extend(answer if isinstance(answer, list) else [answer])
        return events or None
