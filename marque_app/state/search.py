"""The search page (/search?q=...&page=...): ranked full-text results."""

from __future__ import annotations

import asyncio

import reflex as rx

from marque_app.domain.analytics import normal_query
from marque_app.domain.seo import search_title
from marque_app.routes import search_url
from marque_app.services.catalog import ProductCard, cached_home_sections
from marque_app.services.replica import read_session
from marque_app.services.search import SearchPage, search
from marque_app.state.analytics import track
from marque_app.state.frame import frame_events
from marque_app.state.suggest import SuggestState


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
    corrected_from: str = ""  # the query typed, when the page shows its correction's results
    popular: list[ProductCard] = []  # shown when nothing was found

    @rx.event
    async def load_page(self):
        """The search page's one load event: the frame, then the results (``state/frame.py``)."""
        events = await frame_events(self)
        await self._load_search()
        return events or None

    @rx.event
    async def load_search(self):
        await self._load_search()

    async def _load_search(self) -> None:
        params = self.router.url.query_parameters
        raw_page = str(params.get("page") or "1")
        page = int(raw_page) if raw_page.isdigit() and len(raw_page) < 7 else 1
        # off the event loop; "exact=1" (the "search instead for" link): no correction
        result, popular = await asyncio.to_thread(
            _search, query=str(params.get("q") or ""), page=max(page, 1), correct=str(params.get("exact")) != "1"
        )
        (await self.get_state(SuggestState))._show_query(result.query)
        self.query = result.query
        self.results = result.products
        self.total = result.total
        self.page = result.page
        self.pages = result.pages
        self.did_you_mean = result.did_you_mean
        self.error = result.error
        self.is_capped = result.total_is_capped
        self.corrected_from = result.corrected_from
        self.popular = popular
        self.is_loaded = True
        if result.query and result.page == 1 and not result.error:  # a new search, not its page 2
            track(self, "search", {"query": normal_query(result.query), "results": result.total})

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
    def exact_url(self) -> str:
        """The search for the query as typed, without the correction."""
        return f"{search_url(self.corrected_from)}&exact=1" if self.corrected_from else ""

    @rx.var
    def previous_url(self) -> str:
        return f"{search_url(self.query)}&page={self.page - 1}" if self.page > 1 else ""

    @rx.var
    def next_url(self) -> str:
        return f"{search_url(self.query)}&page={self.page + 1}" if self.page < self.pages else ""


def _search(*, query: str, page: int, correct: bool) -> tuple[SearchPage, list[ProductCard]]:
    """The page of results, and popular products (the featured ones) when nothing was found."""
    with read_session() as session:
        result = search(session=session, query=query, page=page, correct=correct)
    popular = cached_home_sections().featured if result.total == 0 and not result.error else []
    return result, popular
