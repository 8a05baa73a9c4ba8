"""Pages that later work fills in: log-in, cart, wishlist. They keep the header links alive."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.layout import page_layout


def _placeholder(icon: str, title: str, text: str, testid: str) -> rx.Component:
    return page_layout(
        rx.center(
            rx.vstack(
                rx.center(
                    rx.icon(icon, size=30, color=rx.color("accent", 10)),
                    width="72px",
                    height="72px",
                    border_radius="50%",
                    background=rx.color("accent", 3),
                ),
                rx.heading(title, as_="h1", size="7", text_align="center"),
                rx.text(
                    text,
                    size="3",
                    color=rx.color("gray", 11),
                    text_align="center",
                    max_width="420px",
                ),
                rx.link(rx.button("Continue shopping", size="3", radius="full"), href=routes.HOME),
                spacing="4",
                align="center",
            ),
            padding_y="80px",
            width="100%",
            data_testid=testid,
        )
    )


def login_page() -> rx.Component:
    return _placeholder("user-round", "Log in", "Signing in is coming soon.", "login-page")


def cart_page() -> rx.Component:
    return _placeholder(
        "shopping-bag",
        "Your cart is empty",
        "Items you add to your cart will show up here.",
        "cart-page",
    )


def wishlist_page() -> rx.Component:
    return _placeholder(
        "heart", "Your wishlist is empty", "Save the things you love for later.", "wishlist-page"
    )
