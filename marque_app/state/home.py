"""The home page: featured products, new arrivals, category tiles."""

from __future__ import annotations

import asyncio

import reflex as rx

from marque_app.services.catalog import CategoryLink, ProductCard, cached_home_sections
from marque_app.state.frame import frame_events


class HomeState(rx.State):
    featured: list[ProductCard] = []
    new_arrivals: list[ProductCard] = []
    categories: list[CategoryLink] = []
    is_loaded: bool = False

    @rx.event
    async def load_page(self):
        """The home page's one load event: the frame, then the sections (``state/frame.py``)."""
        events = await frame_events(self)
        await self._load_home()
        return events or None

    @rx.event
    async def load_home(self):
        await self._load_home()

    async def _load_home(self) -> None:
        sections = await asyncio.to_thread(cached_home_sections)  # usually no statement
        self.featured = sections.featured
        self.new_arrivals = sections.new_arrivals
        self.categories = sections.categories
        self.is_loaded = True

    @rx.var
    def hero_images(self) -> list[ProductCard]:
        """Up to three featured products with a picture, for the hero collage."""
        return [card for card in self.featured if card.image_url][:3]
