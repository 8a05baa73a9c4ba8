"""The shop's look: one accent colour, neutral greys, system fonts."""

from __future__ import annotations

import reflex as rx

ACCENT = "indigo"
GRAY = "slate"
FONT_STACK = "Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def toaster() -> rx.Component:
    """The toast provider, with sonner's light-theme text colours darkened: its own are 4.2-4.4:1
    on their backgrounds. (The toaster sits outside the app's root, where STYLE does not reach;
    "&&" outranks sonner's two-attribute selector.)"""
    return rx.toast.provider(
        visible_toasts=3,  # at most a few at once; the admin's repeated messages replace theirs (toast ids)
        style={
            "&&[data-sonner-theme=light]": {
                "--success-text": "hsl(140, 100%, 21%)",
                "--info-text": "hsl(210, 92%, 36%)",
                "--warning-text": "hsl(31, 92%, 28%)",
                "--error-text": "hsl(360, 100%, 38%)",
            }
        },
    )


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
    # Off screen until the Tab key reaches it (the first stop of every storefront page).
    ".skip-link": {
        "position": "absolute",
        "left": "-10000px",
        "top": "8px",
        "z_index": "100",
        "padding": "10px 16px",
        "border_radius": "8px",
        "background": "var(--gray-12)",
        "color": "var(--gray-1)",
        "font_weight": "600",
        "text_decoration": "none",
    },
    ".skip-link:focus": {"left": "8px"},
    # Radix's soft badges write step 11 on step 3: 4.2:1 for amber and green at 12 px; step 12 is > 7:1
    ".rt-Badge.rt-variant-soft": {"color": "var(--accent-12)"},
    ".sr-only": {
        "position": "absolute",
        "width": "1px",
        "height": "1px",
        "padding": "0",
        "margin": "-1px",
        "overflow": "hidden",
        "clip": "rect(0, 0, 0, 0)",
        "white_space": "nowrap",
        "border": "0",
    },
}
