"""The brands index (/brands) and a brand page (/brands/[slug], the listing filtered by brand)."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.breadcrumb import breadcrumb
from marque_app.components.layout import page_layout
from marque_app.components.product_card import card_skeletons
from marque_app.pages.listing import current_crumb, listing_body
from marque_app.state.listing import BrandsState
from marque_app.views.catalog import BrandLink, CategoryLink


def brand_page() -> rx.Component:
    return page_layout(
        listing_body(
            "We couldn't find that brand",
            "It may no longer be sold here. See all our brands instead.",
        )
    )


def _brand_tile(brand: rx.Var[BrandLink]) -> rx.Component:
    return rx.link(
        rx.vstack(
            rx.cond(
                brand.logo_url != "",
                rx.image(src=brand.logo_url, alt="", height="40px", max_width="100%"),
                rx.center(
                    rx.text(brand.name[0], size="5", weight="bold", color=rx.color("accent", 11)),
                    width="40px",
                    height="40px",
                    border_radius="50%",
                    background=rx.color("accent", 3),
                ),
            ),
            rx.text(brand.name, size="3", weight="bold", color=rx.color("gray", 12)),
            rx.text(
                brand.product_count.to_string() + " products",
                size="2",
                color=rx.color("gray", 11),
            ),
            spacing="2",
            align="start",
            padding="16px",
            width="100%",
            height="100%",
            border_radius="12px",
            border=f"1px solid {rx.color('gray', 4)}",
            _hover={"border_color": rx.color("accent", 7)},
        ),
        href="/brands/" + brand.slug,
        underline="none",
        data_testid="brand-link",
        min_width="0",
    )


def brands_page() -> rx.Component:
    return page_layout(
        rx.vstack(
            breadcrumb(rx.Var.create([]).to(list[CategoryLink]), current_crumb("Brands")),
            rx.heading("Brands", as_="h1", size="8", letter_spacing="-0.02em"),
            rx.text(
                "Independent makers we stock. Pick one to see everything of theirs.",
                size="3",
                color=rx.color("gray", 11),
            ),
            rx.cond(
                BrandsState.is_loaded,
                rx.grid(
                    rx.foreach(BrandsState.brands, _brand_tile),
                    columns=rx.breakpoints(initial="2", sm="3", md="4"),
                    gap="16px",
                    width="100%",
                    data_testid="brand-grid",
                ),
                card_skeletons(4),
            ),
            rx.link("Or shop all products", href=routes.SHOP, size="2"),
            spacing="4",
            width="100%",
            align="start",
        )
    )
