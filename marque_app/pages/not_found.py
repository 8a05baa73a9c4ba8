"""The 404 page for any route the app does not know."""

from __future__ import annotations

import reflex as rx

from marque_app.components.layout import page_layout
from marque_app.components.not_found import not_found_message


def not_found_page() -> rx.Component:
    return page_layout(not_found_message("Page not found", "The page you are looking for does not exist or has moved."))
