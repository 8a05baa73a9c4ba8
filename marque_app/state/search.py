"""The search page (/search?q=...): a name and brand match until full-text search lands."""

from __future__ import annotations

import reflex as rx

from marque_app.services.catalog import ProductCard, search_products
from marque_app.services.db import session_scope


class SearchState(rx.State):
    query: str = ""
    results: list[ProductCard] = []
    is_loaded: bool = False

    @rx.event
    def load_search(self):
        self.query = (self.router.url.query_parameters.get("q") or "").strip()
        with session_scope() as session:
            self.results = search_products(session=session, query=self.query)
        self.is_loaded = True
