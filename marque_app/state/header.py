"""The header every storefront page shares: the category navigation (badges: state/cart.py)."""

from __future__ import annotations

import reflex as rx

from marque_app.services.catalog import NavCategory, category_tree
from marque_app.services.db import session_scope


class HeaderState(rx.State):
    nav: list[NavCategory] = []

    @rx.event
    def load_header(self):
        """Load the category navigation once per browser session."""
        if self.nav:
            return
        with session_scope() as session:
            self.nav = category_tree(session=session)

    # The search box's handlers live in state/suggest.py (SuggestState).
