"""The header's search-as-you-type: suggestions while typing, keyboard navigation, submit."""

from __future__ import annotations

import asyncio

import reflex as rx

from marque_app.routes import search_url
from marque_app.services.replica import read_session
from marque_app.services.search import Suggestion, suggest
from marque_app.state.changes import assign


class SuggestState(rx.State):
    text: str = ""
    suggestions: list[Suggestion] = []
    highlighted: int = -1
    is_open: bool = False

    @rx.event
    async def type_text(self, value: str):
        """The input changed (debounced in the browser): fetch suggestions for it."""
        if value == self.text and self.suggestions:
            return  # Enter flushes the debounced input with the same text: keep the highlight
        self.text = value
        self.highlighted = -1
        self.suggestions = await asyncio.to_thread(_suggest, value)  # off the event loop
        self.is_open = bool(self.suggestions)

    @rx.event
    def press_key(self, key: str):
        """ArrowDown/ArrowUp move through the list, Escape closes it (Enter submits the form)."""
        count = len(self.suggestions)
        if key == "Escape":
            self.is_open = False
            self.highlighted = -1
        elif key == "ArrowDown" and count:
            self.is_open = True
            self.highlighted = (self.highlighted + 1) % count
        elif key == "ArrowUp" and count:
            self.is_open = True
            self.highlighted = count - 1 if self.highlighted <= 0 else self.highlighted - 1

    @rx.event
    def close(self):
        self._close()

    def _close(self) -> None:
        """Close the list (the input's blur, and every page load: Back, Forward, a reload or a
        link; the state outlives the page, so a list left open would cover the next page)."""
        assign(self, is_open=False, highlighted=-1)

    def _show_query(self, query: str) -> None:
        """The search page's own query in the box (a did-you-mean or pager link, Back)."""
        if query != self.text:
            self.text = query
            self.suggestions = []
        self._close()

    @rx.event
    def open_suggestion(self, url: str):
        self.is_open = False
        self.highlighted = -1
        return rx.redirect(url)

    @rx.event
    def submit_search(self, form_data: dict[str, str]):
        """Enter: open the highlighted suggestion, else search for the text."""
        chosen = (
            self.suggestions[self.highlighted]
            if self.is_open and 0 <= self.highlighted < len(self.suggestions)
            else None
        )
        self.is_open = False
        self.highlighted = -1
        if chosen is not None:
            return rx.redirect(chosen.url)
        query = (form_data.get("q") or self.text or "").strip()
        return rx.redirect(search_url(query))


def _suggest(prefix: str):
    with read_session() as session:
        return suggest(session=session, prefix=prefix)
