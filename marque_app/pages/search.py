"""The search page (/search?q=...): ranked results, pages, did-you-mean and a clear empty state."""

from __future__ import annotations

import reflex as rx

from marque_app.components.layout import page_layout
from marque_app.components.product_card import card_skeletons, product_grid
from marque_app.state.search import SearchState


def _did_you_mean() -> rx.Component:
    return rx.cond(
        SearchState.did_you_mean != "",
        rx.text(
            "Did you mean ",
            rx.link(
                SearchState.did_you_mean,
                href=SearchState.did_you_mean_url,
                weight="bold",
                data_testid="did-you-mean",
            ),
            "?",
            size="3",
        ),
    )


def _corrected() -> rx.Component:
    """ "Nothing matches "jakets". Showing results for "jackets"." and the way back."""
    return rx.cond(
        SearchState.corrected_from != "",
        rx.vstack(
            rx.text(
                "Nothing matches \u201c" + SearchState.corrected_from + "\u201d. Showing results for ",
                rx.text.strong("\u201c" + SearchState.query + "\u201d"),
                ".",
                size="3",
                data_testid="search-corrected",
            ),
            rx.link(
                "Search for \u201c" + SearchState.corrected_from + "\u201d instead",
                href=SearchState.exact_url,
                size="2",
                data_testid="search-instead",
            ),
            spacing="1",
            align="start",
        ),
    )


def _popular() -> rx.Component:
    return rx.cond(
        SearchState.popular.length() > 0,
        rx.vstack(
            rx.heading("Popular right now", as_="h2", size="5", margin_top="16px"),
            product_grid(SearchState.popular, testid="search-popular"),
            spacing="3",
            width="100%",
        ),
    )


def _pager() -> rx.Component:
    return rx.cond(
        SearchState.pages > 1,
        rx.hstack(
            rx.cond(
                SearchState.previous_url != "",
                rx.link("\u2190 Previous", href=SearchState.previous_url, data_testid="search-prev"),
            ),
            rx.text(
                "Page " + SearchState.page.to_string() + " of " + SearchState.pages.to_string(),
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.cond(
                SearchState.next_url != "",
                rx.link("Next \u2192", href=SearchState.next_url, data_testid="search-next"),
            ),
            spacing="4",
            align="center",
        ),
    )


def _empty() -> rx.Component:
    return rx.vstack(
        rx.text(
            rx.cond(
                SearchState.error != "",
                SearchState.error,
                rx.cond(
                    SearchState.query != "",
                    rx.cond(
                        SearchState.total > 0,  # no results on this page, yet some matched
                        "There are no more results: this page is past the last one.",
                        "We found nothing for \u201c"
                        + SearchState.query
                        + "\u201d: no product has all of those words in its name, description, brand or category.",
                    ),
                    "Type a product, brand or category in the search box above.",
                ),
            ),
            size="3",
            color=rx.color("gray", 11),
            data_testid="search-empty",
        ),
        _did_you_mean(),
        rx.text(
            "Try fewer words, another spelling, or browse the categories.",
            size="2",
            color=rx.color("gray", 11),
        ),
        _popular(),
        spacing="2",
        align="start",
        width="100%",
    )


def search_page() -> rx.Component:
    return page_layout(
        rx.vstack(
            rx.heading(
                rx.cond(
                    SearchState.query != "",
                    "Results for \u201c" + SearchState.query + "\u201d",
                    "Search",
                ),
                as_="h1",
                size="7",
                letter_spacing="-0.02em",
            ),
            rx.cond(
                SearchState.is_loaded,
                rx.cond(
                    SearchState.results.length() > 0,
                    rx.vstack(
                        rx.text(
                            SearchState.count_label,
                            size="2",
                            color=rx.color("gray", 11),
                            data_testid="search-results-count",
                        ),
                        _corrected(),
                        _did_you_mean(),
                        product_grid(SearchState.results, testid="search-results"),
                        _pager(),
                        spacing="4",
                        width="100%",
                    ),
                    _empty(),
                ),
                card_skeletons(),
            ),
            spacing="4",
            width="100%",
            align="start",
        )
    )
