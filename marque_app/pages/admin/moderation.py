"""Admin returns and review-moderation pages (placeholder: being built)."""

from __future__ import annotations

import reflex as rx

from marque_app.components.admin import admin_layout


def returns_page() -> rx.Component:
    return admin_layout("Returns", rx.text("Coming."))


def reviews_page() -> rx.Component:
    return admin_layout("Reviews", rx.text("Coming."))
