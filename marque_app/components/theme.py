"""The shop's look: one accent colour, neutral greys, system fonts."""

from __future__ import annotations

import reflex as rx

ACCENT = "indigo"
GRAY = "slate"
FONT_STACK = "Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def theme() -> rx.Component:
    return rx.theme(appearance="light", accent_color=ACCENT, gray_color=GRAY, radius="medium", scaling="100%")


STYLE = {
    "font_family": FONT_STACK,
    "::selection": {"background": rx.color("accent", 5)},
    "html": {"scroll_behavior": "smooth"},
    "body": {"-webkit-font-smoothing": "antialiased"},
    ".radix-themes": {"--default-font-family": FONT_STACK, "--heading-font-family": FONT_STACK},
    ".product-card:hover .card-image img": {"transform": "scale(1.03)"},
    ".product-card:hover [data-testid='product-card-name']": {"text_decoration": "underline"},
    ".card-image img": {"transition": "transform 0.3s ease"},
}
