"""The message shown for a missing product, category or page."""

from __future__ import annotations

import reflex as rx

from marque_app import routes


def not_found_message(title: str, text: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.center(
                rx.icon("search-x", size=32, color=rx.color("accent", 10)),
                width="72px",
                height="72px",
                border_radius="50%",
                background=rx.color("accent", 3),
            ),
            rx.heading(title, size="7", text_align="center", letter_spacing="-0.02em"),
            rx.text(text, size="3", color=rx.color("gray", 11), text_align="center", max_width="420px"),
            rx.link(
                rx.button(rx.icon("arrow-left", size=16), "Back to the home page", size="3", radius="full"),
                href=routes.HOME,
                data_testid="back-home",
            ),
            spacing="4",
            align="center",
        ),
        padding_y="80px",
        width="100%",
        data_testid="not-found",
    )
