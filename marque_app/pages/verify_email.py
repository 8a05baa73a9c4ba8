"""/verify-email?token=...: the link of the verification e-mail."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.auth import auth_card
from marque_app.components.layout import page_layout
from marque_app.state.verify_email import VerifyEmailState


def verify_email_page() -> rx.Component:
    return page_layout(
        auth_card(
            "Verify your e-mail address",
            "The link in the e-mail works once.",
            rx.match(
                VerifyEmailState.status,
                (
                    "verified",
                    rx.callout(
                        VerifyEmailState.message, icon="circle_check", color_scheme="green", data_testid="verify-ok"
                    ),
                ),
                (
                    "failed",
                    rx.callout(
                        VerifyEmailState.message, icon="triangle_alert", color_scheme="red", data_testid="verify-error"
                    ),
                ),
                rx.hstack(rx.spinner(), rx.text("Checking the link..."), data_testid="verify-checking"),
            ),
            rx.link("Go to your account", href=routes.ACCOUNT, size="2", data_testid="verify-account-link"),
            data_testid="verify-page",
        )
    )
