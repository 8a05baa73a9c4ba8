"""A category page (/categories/[slug]): the listing filtered by the category and its subcategories."""

from __future__ import annotations

import reflex as rx

from marque_app.components.layout import page_layout
from marque_app.pages.listing import listing_body


def category_page() -> rx.Component:
    return page_layout(
        listing_body(
            "We couldn't find that category",
            "It may have been renamed. Try the categories in the menu above.",
        )
    )
