"""The home page: featured products, new arrivals, category tiles."""

from __future__ import annotations

import reflex as rx

from marque_app.services.catalog import CategoryLink, ProductCard, home_sections
from marque_app.services.db import session_scope


class HomeState(rx.State):
    featured: list[ProductCard] = []
    new_arrivals: list[ProductCard] = []
    categories: list[CategoryLink] = []
    is_loaded: bool = False

    @rx.event
    def load_home(self):
        with session_scope() as session:
            sections = home_sections(session=session)
        self.featured = sections.featured
        self.new_arrivals = sections.new_arrivals
        self.categories = sections.categories
        self.is_loaded = True

    @rx.var
    def hero_images(self) -> list[ProductCard]:
        """Up to three featured products with a picture, for the hero collage."""
        return [card for card in self.featured if card.image_url][:3]
