"""A category page (/categories/[slug]): subcategories and the newest products."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.layout import page_layout
from marque_app.components.not_found import not_found_message
from marque_app.components.breadcrumb import breadcrumb
from marque_app.components.product_card import card_skeletons, product_grid
from marque_app.services.catalog import CategoryLink
from marque_app.state.category import CategoryState


def _chip(link: rx.Var[CategoryLink]) -> rx.Component:
    return rx.link(
        rx.button(link.name, variant="soft", color_scheme="gray", radius="full", size="2"),
        href=f"/categories/{link.slug}",
        data_testid="subcategory",
    )


def category_view() -> rx.Component:
    listing = CategoryState.listing
    return rx.vstack(
        breadcrumb(CategoryState.listing.breadcrumb),
        rx.heading(
            listing.category.name,
            as_="h1",
            size="8",
            letter_spacing="-0.02em",
            data_testid="category-name",
        ),
        rx.cond(
            listing.category.description != "",
            rx.text(
                listing.category.description,
                size="3",
                color=rx.color("gray", 11),
                max_width="640px",
            ),
        ),
        rx.cond(
            listing.subcategories.length() > 0,
            rx.hstack(rx.foreach(listing.subcategories, _chip), spacing="2", wrap="wrap"),
        ),
        rx.text(
            listing.total.to_string() + " products",
            size="2",
            color=rx.color("gray", 10),
            data_testid="category-count",
        ),
        rx.cond(
            listing.products.length() > 0,
            product_grid(listing.products),
            rx.text("Nothing here yet. Check back soon.", size="3", color=rx.color("gray", 11)),
        ),
        spacing="4",
        width="100%",
        align="start",
    )


def category_page() -> rx.Component:
    return page_layout(
        rx.match(
            CategoryState.status,
            ("found", category_view()),
            (
                "missing",
                not_found_message(
                    "We couldn't find that category",
                    "It may have been renamed. Try the categories in the menu above.",
                ),
            ),
            card_skeletons(8),
        )
    )
