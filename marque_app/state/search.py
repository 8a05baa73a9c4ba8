"""The search page (/search?q=...&page=...): ranked full-text results."""

from __future__ import annotations

import asyncio

import reflex as rx

from marque_app.domain.seo import search_title
from marque_app.routes import search_url
from marque_app.services.catalog import ProductCard
from marque_app.services.replica import read_session
from marque_app.services.search import search


class SearchState(rx.State):
    query: str = ""
    results: list[ProductCard] = []
    total: int = 0
    page: int = 1
    pages: int = 0
    did_you_mean: str = ""
    error: str = ""
    is_capped: bool = False
    is_loaded: bool = False

    @rx.event
    async def load_search(self):
        params = self.router.url.query_parameters
        raw_page = str(params.get("page") or "1")
        page = int(raw_page) if raw_page.isdigit() and len(raw_page) < 7 else 1
        result = await asyncio.to_thread(
            _search, query=str(params.get("q") or ""), page=max(page, 1)
        )  # off the event loop
        self.query = result.query
        self.results = result.products
        self.total = result.total
        self.page = result.page
        self.pages = result.pages
        self.did_you_mean = result.did_you_mean
        self.error = result.error
        self.is_capped = result.total_is_capped
        self.is_loaded = True

    @rx.var
    def page_title(self) -> str:
        return search_title(self.query)

    @rx.var
    def count_label(self) -> str:
        if self.is_capped:
            return f"{self.total:,}+ products"
        return f"{self.total:,} product{'' if self.total == 1 else 's'}"

    @rx.var
    def did_you_mean_url(self) -> str:
        return search_url(self.did_you_mean) if self.did_you_mean else ""

    @rx.var
    def previous_url(self) -> str:
        return f"{search_url(self.query)}&page={self.page - 1}" if self.page > 1 else ""

    @rx.var
    def next_url(self) -> str:
        return f"{search_url(self.query)}&page={self.page + 1}" if self.page < self.pages else ""


def _search(*, query: str, page: int):
    with read_session() as session:
        return search(session=session, query=query, page=page)
