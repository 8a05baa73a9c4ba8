"""The header every storefront page shares: the category navigation (badges: state/cart.py)."""

from __future__ import annotations

import asyncio

import reflex as rx

from marque_app import routes
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

    @rx.event
    def open_login(self):
        """The header's "Log in": the log-in page, which comes back to this page afterwards."""
        url = self.router.url
        path = (url.path or "/").rstrip("/") or "/"  # the router says "/search/"
        here = path + (f"?{url.query}" if url.query else "")
        if here.startswith(routes.LOGIN):
            return rx.redirect(routes.LOGIN)
        return rx.redirect(routes.login_url(here))

    # The search box's handlers live in state/suggest.py (SuggestState).
