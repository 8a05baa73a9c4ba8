"""The search page (/search?q=...)."""

from __future__ import annotations

import reflex as rx

from marque_app.components.layout import page_layout
from marque_app.components.product_card import card_skeletons, product_grid
from marque_app.state.search import SearchState


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
                            SearchState.results.length().to_string() + " products",
                            size="2",
                            color=rx.color("gray", 10),
                        ),
                        product_grid(SearchState.results, testid="search-results"),
                        spacing="4",
                        width="100%",
                    ),
                    rx.text(
                        rx.cond(
                            SearchState.query != "",
                            "No products match your search. Try a shorter word or a brand name.",
                            "Type a product or brand name in the search box above.",
                        ),
                        size="3",
                        color=rx.color("gray", 11),
                        data_testid="search-empty",
                    ),
                ),
                card_skeletons(),
            ),
            spacing="4",
            width="100%",
            align="start",
        )
    )
