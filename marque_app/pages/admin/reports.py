"""Admin dashboard and reports pages (placeholder: being built)."""

from __future__ import annotations

import reflex as rx

from marque_app.components.admin import admin_layout


def dashboard() -> rx.Component:
    return admin_layout("Dashboard", rx.text("Coming."))


def reports_page() -> rx.Component:
    return admin_layout("Reports", rx.text("Coming."))
