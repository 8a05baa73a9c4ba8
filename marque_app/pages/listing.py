"""The product listing (/shop; also the body of the category and brand pages): heading, filters,
sort, the grid, pagination, notices and the empty state. Every control changes the URL."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.breadcrumb import breadcrumb
from marque_app.components.button_link import button_link
from marque_app.components.filters import WIDE, filters_toggle, sidebar, sort_select
from marque_app.components.layout import page_layout
from marque_app.components.not_found import not_found_message
from marque_app.components.pagination import pagination
from marque_app.components.product_card import card_skeletons, product_grid
from marque_app.state.listing import ListingState
from marque_app.views.catalog import CategoryLink


def current_crumb(text) -> rx.Component:
    return rx.hstack(
        rx.icon("chevron-right", size=14, color=rx.color("gray", 9)),
        rx.text(text, size="2", color=rx.color("gray", 12), truncate=True),
        spacing="1",
        align="center",
        min_width="0",
    )


def _crumb_link(text: str, href: str) -> rx.Component:
    return rx.hstack(
        rx.icon("chevron-right", size=14, color=rx.color("gray", 9)),
        rx.link(text, href=href, size="2", color=rx.color("gray", 11)),
        spacing="1",
        align="center",
    )


def listing_breadcrumb() -> rx.Component:
    return rx.match(
        ListingState.kind,
        ("category", breadcrumb(ListingState.breadcrumb)),
        (
            "brand",
            breadcrumb(
                ListingState.breadcrumb,
                _crumb_link("Brands", routes.BRANDS),
                current_crumb(ListingState.brand.name),
            ),
        ),
        breadcrumb(ListingState.breadcrumb, current_crumb("Shop all")),
    )


def _chip(link: rx.Var[CategoryLink]) -> rx.Component:
    return button_link(
        link.name,
        href="/categories/" + link.slug,
        variant="soft",
        color_scheme="gray",
        radius="full",
        size="2",
        data_testid="subcategory",
    )


def listing_header() -> rx.Component:
    return rx.vstack(
        listing_breadcrumb(),
        rx.heading(
            ListingState.heading,
            as_="h1",
            size=rx.breakpoints(initial="7", md="8"),
            letter_spacing="-0.02em",
            data_testid="listing-heading",
        ),
        rx.cond(
            ListingState.description != "",
            rx.text(
                ListingState.description,
                size="3",
                color=rx.color("gray", 11),
                max_width="640px",
            ),
        ),
        rx.cond(
            ListingState.subcategories.length() > 0,
            rx.hstack(rx.foreach(ListingState.subcategories, _chip), spacing="2", wrap="wrap"),
        ),
        spacing="3",
        width="100%",
        align="start",
    )


def notices() -> rx.Component:
    return rx.cond(
        ListingState.notices.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("info", size=16)),
            rx.vstack(
                rx.foreach(ListingState.notices, lambda n: rx.callout.text(n)),
                rx.cond(
                    ListingState.last_page_href != "",
                    rx.link(
                        "Go to the last page",
                        href=ListingState.last_page_href,
                        weight="bold",
                        data_testid="last-page-link",
                    ),
                ),
                spacing="1",
            ),
            color_scheme="amber",
            size="1",
            width="100%",
            role="status",
            data_testid="listing-notice",
        ),
    )


def toolbar() -> rx.Component:
    return rx.hstack(
        rx.text(
            ListingState.total_label,
            size="2",
            weight="medium",
            color=rx.color("gray", 11),
            data_testid="listing-total",
        ),
        rx.spacer(),
        sort_select(),
        spacing="3",
        align="center",
        width="100%",
        wrap="wrap",
    )


def empty_state() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("package-search", size=32, color=rx.color("gray", 9)),
            rx.text(
                ListingState.empty_text,
                size="3",
                weight="medium",
                text_align="center",
                data_testid="listing-empty-reason",
            ),
            rx.hstack(
                rx.cond(
                    ListingState.has_filters,
                    rx.button(
                        "Clear filters",
                        on_click=ListingState.clear_filters,
                        size="2",
                        data_testid="clear-filters",
                    ),
                ),
                button_link("Shop all products", href=routes.SHOP, variant="soft", size="2"),
                spacing="2",
                wrap="wrap",
                justify="center",
            ),
            spacing="3",
            align="center",
            max_width="480px",
        ),
        padding_y="48px",
        width="100%",
        border_radius="12px",
        background=rx.color("gray", 2),
        data_testid="listing-empty",
    )


def results() -> rx.Component:
    return rx.vstack(
        toolbar(),
        notices(),
        rx.cond(
            ListingState.products.length() > 0,
            rx.box(product_grid(ListingState.products), width="100%"),
            rx.cond(ListingState.total == 0, empty_state()),
        ),
        pagination(),
        spacing="4",
        width="100%",
        min_width="0",
    )


def listing_view() -> rx.Component:
    return rx.vstack(
        listing_header(),
        filters_toggle(),  # a phone's only: the drawer opens right under it
        rx.box(
            sidebar(),
            results(),
            width="100%",
            style={
                "display": "grid",
                "grid_template_columns": "minmax(0, 1fr)",
                "gap": "16px",
                WIDE: {"grid_template_columns": "220px minmax(0, 1fr)", "gap": "32px"},
            },
        ),
        spacing="5",
        width="100%",
        data_testid="listing",
    )


def listing_body(missing_title: str, missing_text: str) -> rx.Component:
    """The listing, its loading skeleton, or the not-found message for an unknown slug."""
    return rx.match(
        ListingState.status,
        ("found", listing_view()),
        ("missing", not_found_message(missing_title, missing_text)),
        card_skeletons(8),
    )


def shop_page() -> rx.Component:
    return page_layout(listing_body("We couldn't find that listing", "Try all products."))
