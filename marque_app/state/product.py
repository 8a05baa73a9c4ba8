"""The product page: the product, the chosen size/colour and gallery image."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import reflex as rx

from marque_app import routes
from marque_app.domain.cart import chosen_quantity
from marque_app.domain.reviews import ReviewError
from marque_app.domain.seo import NOT_FOUND_TITLES, SITE_NAME, describe, product_title
from marque_app.services import catalog
from marque_app.services.catalog import (
    SOLD_OUT,
    OptionView,
    ProductDetail,
    VariantView,
    cached_product_detail,
    choose_variant,
    default_variant,
    find_variant,
    image_index_for_color,
)
from marque_app.state.analytics import track
from marque_app.state.auth import AuthState
from marque_app.state.frame import frame_events
from marque_app.state.reviews import ReviewsState

LOADING, FOUND, MISSING = "loading", "found", "missing"


class ProductState(rx.State):
    product: ProductDetail = ProductDetail()
    status: str = LOADING
    selected_size: str = ""
    selected_color: str = ""
    image_index: int = 0
    quantity: int = 1  # the quantity selector: 1 to the chosen SKU's line cap
    quantity_rev: int = 0  # moves on every typed quantity: the field shows the bounded one at once

    @rx.event
    async def load_page(self):
        """The product page's one load event: the frame (header, user, cart), the product and
        its reviews, read in one worker thread (usually from the process's catalog cache), sent
        in one delta."""
        events = await frame_events(self, ReviewsState)
        slug = self.slug  # the dynamic route argument of /products/[slug]
        reviews = await self.get_state(ReviewsState)
        reviews._start(slug)
        user = await (await self.get_state(AuthState)).current_user()  # checked by the frame above
        read_reviews = reviews._reader(str(user.id) if user else None)
        detail, answer = await asyncio.to_thread(_read_page, slug, read_reviews)
        self._show(detail)
        reviews._show(answer)
        return events or None

    @rx.event
    async def load_product(self):
        slug = self.slug  # the dynamic route argument of /products/[slug]
        if self.product.slug != slug:
            self.status = LOADING
            yield
        # Off the event loop; usually from the process's catalog cache (no statement at all).
        self._show(await asyncio.to_thread(cached_product_detail, slug=slug))

    def _show(self, detail: ProductDetail | None) -> None:
        if detail is None:
            self.product = ProductDetail()
            self.status = MISSING
            return
        self.product = detail
        self.status = FOUND
        track(self, "product_view", {"product_id": detail.id, "slug": detail.slug})
        # a shared link names its variant (?variant=<sku id>); else the first one in stock
        wanted = str(self.router.url.query_parameters.get("variant") or "")
        first = next((v for v in detail.variants if v.id == wanted), None) or default_variant(detail.variants)
        self.selected_size = first.size if first else ""
        self.selected_color = first.color if first else ""
        self.image_index = image_index_for_color(detail.images, self.selected_color) or 0
        self.quantity = 1

    @rx.event
    def select_size(self, size: str):
        return self._select(size=size, color=self.selected_color, changed="size")

    @rx.event
    def select_color(self, color: str):
        event = self._select(size=self.selected_size, color=color, changed="color")
        index = image_index_for_color(self.product.images, self.selected_color)
        if index is not None:
            self.image_index = index
        return event

    def _select(self, *, size: str, color: str, changed: str):
        """Select the variant and put it in the address bar (replaced, not a new history entry),
        so a shared or reloaded link opens the same variant."""
        variant = choose_variant(self.product.variants, size=size, color=color, changed=changed)
        if variant is None:
            return None
        self.selected_size, self.selected_color = variant.size, variant.color
        self.quantity = chosen_quantity(self.quantity, cap=variant.max_quantity)
        url = routes.product_url(self.product.slug) + "?variant=" + variant.id
        # history.state is kept: the router's own entry key stays, so Back still works
        return rx.call_script(f"window.history.replaceState(window.history.state, '', {json.dumps(url)})")

    @rx.event
    def set_quantity(self, typed: str):
        """The quantity field was left or Enter pressed: 1 to the SKU's line cap (domain.cart);
        what is not a whole number keeps the quantity."""
        self.quantity = chosen_quantity(typed, cap=self.selected_variant.max_quantity, current=self.quantity)
        self.quantity_rev += 1

    @rx.event
    def step_quantity(self, step: int):
        self.quantity = chosen_quantity(self.quantity + step, cap=self.selected_variant.max_quantity)

    @rx.event
    def select_image(self, index: int):
        self.image_index = index

    @rx.var
    def selected_variant(self) -> VariantView:
        found = find_variant(self.product.variants, size=self.selected_size, color=self.selected_color)
        return found or VariantView()

    @rx.var
    def has_variants(self) -> bool:
        return bool(self.product.variants)

    @rx.var
    def size_options(self) -> list[OptionView]:
        return catalog.size_options(
            self.product.variants,
            sizes=self.product.sizes,
            colors=self.product.colors,
            color=self.selected_color,
        )

    @rx.var
    def color_options(self) -> list[OptionView]:
        return catalog.color_options(
            self.product.variants,
            sizes=self.product.sizes,
            colors=self.product.colors,
            size=self.selected_size,
        )

    @rx.var
    def price(self) -> str:
        return self.selected_variant.price or self.product.price

    @rx.var
    def compare_price(self) -> str:
        if self.product.variants:
            return self.selected_variant.compare_price
        return self.product.compare_price

    @rx.var
    def stock_status(self) -> str:
        if self.product.variants:
            return self.selected_variant.stock_status if self.selected_variant.id else SOLD_OUT
        return SOLD_OUT if self.product.is_sold_out else "in_stock"

    @rx.var
    def stock_label(self) -> str:
        if self.product.variants:
            return self.selected_variant.stock_label or "Unavailable"
        return "Sold out" if self.product.is_sold_out else "In stock"

    @rx.var
    def can_add_to_cart(self) -> bool:
        return self.status == FOUND and self.stock_status != SOLD_OUT

    @rx.var
    def main_image(self) -> str:
        images = self.product.images
        if not images:
            return ""
        return images[min(self.image_index, len(images) - 1)].url

    @rx.var
    def main_image_alt(self) -> str:
        images = self.product.images
        if not images:
            return self.product.name
        return images[min(self.image_index, len(images) - 1)].alt

    @rx.var
    def page_title(self) -> str:
        if self.status == FOUND:
            return product_title(self.product.meta_title)
        if self.status == MISSING:
            return NOT_FOUND_TITLES["product"]
        return SITE_NAME

    @rx.var
    def page_description(self) -> str:
        if self.status != FOUND:
            return ""
        p = self.product
        return describe(p.meta_description, p.short_description, p.description)

    @rx.var
    def rating_stars(self) -> list[str]:
        """Five stars for the rating summary, each "full", "half" or "empty"."""
        if not self.product.rating:
            return []
        value = float(self.product.rating)  # a 0-5 display value, not money
        stars = []
        for i in range(5):
            if value >= i + 0.75:
                stars.append("full")
            elif value >= i + 0.25:
                stars.append("half")
            else:
                stars.append("empty")
        return stars


def _read_page(slug: str, read_reviews: Callable[[], tuple]) -> tuple[ProductDetail | None, tuple | None]:
    """The product page's reads, in one worker thread: the product and its reviews."""
    detail = cached_product_detail(slug=slug)
    try:
        return detail, read_reviews()
    except ReviewError:
        return detail, None
