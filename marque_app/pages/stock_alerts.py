"""/stock-alerts/unsubscribe?token=...: the "cancel alerts" link of a back-in-stock message."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.auth import auth_card
from marque_app.components.layout import page_layout
from marque_app.state.stock_alerts import UnsubscribeState


def unsubscribe_page() -> rx.Component:
    return page_layout(
        auth_card(
            "Back-in-stock alert",
            "Cancel an alert you asked for.",
            rx.match(
                UnsubscribeState.outcome,
                (
                    "cancelled",
                    rx.callout(
                        "Cancelled: you will not be told about " + UnsubscribeState.product_name + ".",
                        icon="circle_check",
                        color_scheme="green",
                        data_testid="unsubscribe-ok",
                    ),
                ),
                (
                    "already",
                    rx.callout(
                        "This alert was cancelled already.",
                        icon="info",
                        color_scheme="gray",
                        data_testid="unsubscribe-ok",
                    ),
                ),
                (
                    "invalid",
                    rx.callout(
                        "This link is not valid. Cancel alerts from your account page.",
                        icon="triangle_alert",
                        color_scheme="red",
                        data_testid="unsubscribe-error",
                    ),
                ),
                rx.hstack(rx.spinner(), rx.text("Checking the link..."), data_testid="unsubscribe-checking"),
            ),
            rx.link("Go to your account", href=routes.ACCOUNT, size="2"),
            data_testid="unsubscribe-page",
        )
    )
