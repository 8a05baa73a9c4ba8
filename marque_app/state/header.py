"""The header every storefront page shares: category navigation, search, cart/wishlist badges."""

from __future__ import annotations

import reflex as rx

from marque_app.routes import search_url
from marque_app.services.catalog import NavCategory, category_tree
from marque_app.services.db import session_scope


class HeaderState(rx.State):
    # The cart and wishlist work fills these in; until then the badges read 0.
    cart_count: int = 0
    wishlist_count: int = 0
    nav: list[NavCategory] = []

    @rx.event
    def load_header(self):
        """Load the category navigation once per browser session."""
        if self.nav:
            return
        with session_scope() as session:
            self.nav = category_tree(session=session)

    @rx.event
    def submit_search(self, form_data: dict[str, str]):
        query = (form_data.get("q") or "").strip()
        return rx.redirect(search_url(query))
