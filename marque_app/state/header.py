"""The header every storefront page shares: the category navigation (badges: state/cart.py)."""

from __future__ import annotations

import asyncio

import reflex as rx

from marque_app.services.catalog import NavCategory, cached_category_tree


class HeaderState(rx.State):
    nav: list[NavCategory] = []

    @rx.event
    async def load_header(self):
        """Load the category navigation once per browser session (off the event loop, from the
        process's catalog cache)."""
        await self._load()

    async def _load(self) -> None:
        if not self.nav:
            self.nav = await asyncio.to_thread(cached_category_tree)

    # The search box's handlers live in state/suggest.py (SuggestState).
