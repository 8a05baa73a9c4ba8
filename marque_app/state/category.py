"""A category page: its subcategories and products."""

from __future__ import annotations

import reflex as rx

from marque_app.services.catalog import CategoryListing, category_listing
from marque_app.services.db import session_scope

LOADING, FOUND, MISSING = "loading", "found", "missing"


class CategoryState(rx.State):
    listing: CategoryListing = CategoryListing()
    status: str = LOADING

    @rx.event
    def load_category(self):
        slug = self.slug  # the dynamic route argument of /categories/[slug]
        if self.listing.category.slug != slug:
            self.status = LOADING
            yield
        with session_scope() as session:
            listing = category_listing(session=session, slug=slug)
        self.listing = listing or CategoryListing()
        self.status = FOUND if listing else MISSING

    @rx.var
    def page_title(self) -> str:
        if self.status == FOUND:
            return f"{self.listing.category.name} | Marque"
        return "Category not found | Marque" if self.status == MISSING else "Marque"
