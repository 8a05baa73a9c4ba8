"""The message shown for a missing product, category or page."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.button_link import button_link


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
            rx.heading(title, as_="h1", size="7", text_align="center", letter_spacing="-0.02em"),
            rx.text(text, size="3", color=rx.color("gray", 11), text_align="center", max_width="420px"),
            button_link(
                rx.icon("arrow-left", size=16),
                "Back to the home page",
                href=routes.HOME,
                size="3",
                radius="full",
                data_testid="back-home",
            ),
            spacing="4",
            align="center",
        ),
        padding_y="80px",
        width="100%",
        data_testid="not-found",
    )
