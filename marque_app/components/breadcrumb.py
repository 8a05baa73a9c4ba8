"""The breadcrumb trail: Home > department > category (> the current page)."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.views.catalog import CategoryLink


def _crumb(link: rx.Var[CategoryLink]) -> rx.Component:
    return rx.hstack(
        rx.icon("chevron-right", size=14, color=rx.color("gray", 9)),
        rx.link(link.name, href=f"/categories/{link.slug}", size="2", color=rx.color("gray", 11)),
        spacing="1",
        align="center",
    )


def breadcrumb(links: rx.Var[list[CategoryLink]], *trailing: rx.Component, **props) -> rx.Component:
    """A breadcrumb over category ``links``; ``trailing`` pieces follow the last link."""
    return rx.hstack(
        rx.link("Home", href=routes.HOME, size="2", color=rx.color("gray", 11)),
        rx.foreach(links, _crumb),
        *trailing,
        role="navigation",  # a Stack renders a div whatever its "as"
        aria_label="Breadcrumb",
        spacing="1",
        align="center",
        wrap="wrap",
        data_testid="breadcrumb",
        **props,
    )
