"""The home page: hero, category tiles, featured products, new arrivals."""

from __future__ import annotations

import reflex as rx

from marque_app.components.button_link import button_link
from marque_app.components.layout import page_layout
from marque_app.components.product_card import card_skeletons, product_grid, section_heading
from marque_app.state.home import HomeState
from marque_app.views.catalog import CategoryLink, ProductCard


def _hero_picture(card: rx.Var[ProductCard], index) -> rx.Component:
    return rx.link(
        rx.image(src=card.image_url, alt=card.image_alt, width="100%", height="100%", object_fit="cover"),
        href=f"/products/{card.slug}",
        display="block",
        overflow="hidden",
        border_radius="14px",
        background=rx.color("gray", 3),
        grid_row=rx.cond(index == 0, "span 2", "auto"),
        min_height="0",
        aria_label=card.name,
    )


def hero() -> rx.Component:
    return rx.grid(
        rx.vstack(
            rx.badge("New season", variant="soft", radius="full", size="2"),
            rx.heading(
                "Good things, made to last.",
                as_="h1",
                # the page's largest paint on a phone: drawn with the prerendered page, before
                # the product tiles the app brings (smaller), so the page is done painting early
                size="9",
                weight="bold",
                letter_spacing="-0.03em",
                line_height="1.05",
            ),
            rx.text(
                "Clothing, shoes and everyday goods from independent brands. "
                "Free shipping over $75 and 30-day returns.",
                size=rx.breakpoints(initial="3", md="4"),
                color=rx.color("gray", 11),
                max_width="460px",
            ),
            rx.hstack(
                button_link(
                    "Shop new arrivals", href="#new-arrivals", size=rx.breakpoints(initial="2", sm="3"), radius="full"
                ),
                button_link(
                    "Featured picks",
                    href="#featured",
                    size=rx.breakpoints(initial="2", sm="3"),
                    radius="full",
                    variant="outline",
                ),
                spacing="3",
                wrap="wrap",
                padding_top="8px",
            ),
            spacing="4",
            justify="center",
            padding=rx.breakpoints(initial="28px 20px", md="48px"),
        ),
        rx.grid(
            rx.foreach(HomeState.hero_images, _hero_picture),
            columns="3fr 2fr",
            rows="1fr 1fr",
            gap="12px",
            height="100%",
            min_height="360px",
            padding="20px",
            display=rx.breakpoints(initial="none", md="grid"),
        ),
        columns=rx.breakpoints(initial="1", md="1fr 1fr"),
        width="100%",
        border_radius="20px",
        overflow="hidden",
        background=f"linear-gradient(135deg, {rx.color('accent', 3)}, {rx.color('gray', 2)} 70%)",
        border=f"1px solid {rx.color('gray', 4)}",
        data_testid="hero",
    )


def _category_tile(category: rx.Var[CategoryLink]) -> rx.Component:
    return rx.link(
        rx.box(
            rx.cond(
                category.image_url != "",
                rx.image(
                    src=category.image_url,
                    alt="",
                    width="100%",
                    height="100%",
                    object_fit="cover",
                    loading="lazy",
                    position="absolute",
                    inset="0",
                ),
            ),
            rx.box(
                position="absolute",
                inset="0",
                background="linear-gradient(180deg, rgba(0,0,0,0) 40%, rgba(0,0,0,0.6) 100%)",
            ),
            rx.vstack(
                rx.text(
                    category.name,
                    size=rx.breakpoints(initial="3", md="4"),
                    weight="bold",
                    color="white",
                ),
                rx.text(
                    category.product_count.to_string() + " products",
                    size="1",
                    color="rgba(255,255,255,0.85)",
                ),
                spacing="0",
                position="absolute",
                bottom="14px",
                left="16px",
                right="16px",
            ),
            position="relative",
            aspect_ratio="4 / 3",
            overflow="hidden",
            border_radius="14px",
            background=rx.color("accent", 8),
        ),
        href=f"/categories/{category.slug}",
        underline="none",
        display="block",
        data_testid="category-tile",
        aria_label=category.name,
    )


def category_tiles() -> rx.Component:
    return rx.box(
        section_heading("Shop by category"),
        rx.grid(
            rx.foreach(HomeState.categories, _category_tile),
            columns=rx.breakpoints(initial="2", md="4"),
            gap=rx.breakpoints(initial="12px", md="20px"),
            width="100%",
        ),
        width="100%",
    )


def _section(anchor: str, title: str, subtitle: str, cards) -> rx.Component:
    return rx.box(
        section_heading(title, subtitle),
        rx.cond(HomeState.is_loaded, product_grid(cards, testid=f"{anchor}-grid"), card_skeletons()),
        id=anchor,
        width="100%",
        scroll_margin_top="140px",
    )


def home() -> rx.Component:
    return page_layout(
        rx.vstack(
            hero(),
            _section("featured", "Featured", "Our favourites this week.", HomeState.featured),
            category_tiles(),
            _section("new-arrivals", "New arrivals", "Just landed in the shop.", HomeState.new_arrivals),
            spacing=rx.breakpoints(initial="8", md="9"),
            width="100%",
        )
    )
