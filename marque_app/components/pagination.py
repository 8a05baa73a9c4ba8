"""Pagination under a listing: previous, numbered pages (with gaps), next. Plain links, so each
page has its own URL, opens in a new tab and comes back with the back button."""

from __future__ import annotations

import reflex as rx

from marque_app.components.button_link import button_link
from marque_app.state.listing import ListingState, PageLink


def _number(link: rx.Var[PageLink]) -> rx.Component:
    return rx.cond(
        link.number == 0,
        rx.text("\u2026", size="2", color=rx.color("gray", 11), padding_x="4px"),
        rx.cond(
            link.is_current,
            rx.button(
                link.number.to_string(),
                variant="solid",
                size="2",
                aria_current="page",
                data_testid="page-link",
                custom_attrs={"data-current": "true"},
            ),
            button_link(
                link.number.to_string(),
                href=link.href,
                variant="soft",
                color_scheme="gray",
                size="2",
                aria_label="Page " + link.number.to_string(),
                data_testid="page-link",
            ),
        ),
    )


def _step(label: str, icon: str, href: rx.Var[str], testid: str, icon_first: bool) -> rx.Component:
    parts = [rx.icon(icon, size=16), label] if icon_first else [label, rx.icon(icon, size=16)]
    return rx.cond(
        href != "",
        button_link(
            *parts,
            href=href,
            variant="soft",
            color_scheme="gray",
            size="2",
            rel="prev" if testid == "prev-page" else "next",
            data_testid=testid,
        ),
        rx.button(*parts, variant="soft", color_scheme="gray", size="2", disabled=True),
    )


def pagination() -> rx.Component:
    return rx.cond(
        ListingState.pages > 1,
        rx.vstack(
            rx.hstack(
                _step("Previous", "chevron-left", ListingState.prev_href, "prev-page", True),
                rx.hstack(
                    rx.foreach(ListingState.page_links, _number),
                    spacing="1",
                    align="center",
                    wrap="wrap",
                    display=rx.breakpoints(initial="none", sm="flex"),
                ),
                _step("Next", "chevron-right", ListingState.next_href, "next-page", False),
                spacing="2",
                align="center",
                justify="center",
                wrap="wrap",
            ),
            rx.text(
                ListingState.page_label,
                size="2",
                color=rx.color("gray", 11),
                data_testid="page-label",
            ),
            role="navigation",  # a Stack renders a div whatever its "as"
            aria_label="Pages",
            spacing="2",
            align="center",
            width="100%",
            padding_top="16px",
            data_testid="pagination",
        ),
    )
