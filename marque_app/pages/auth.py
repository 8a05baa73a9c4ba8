"""Log-in (phone code or e-mail), register, forgot-password and reset-password pages."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.auth import (
    auth_card,
    error_callout,
    field,
    form_stack,
    notice_callout,
    password_checklist,
)
from marque_app.components.layout import page_layout
from marque_app.state.auth import LoginState


def _submit(label: str, testid: str) -> rx.Component:
    return rx.button(
        label,
        type="submit",
        size="3",
        radius="full",
        width="100%",
        loading=LoginState.busy,
        data_testid=testid,
    )


def _phone_step() -> rx.Component:
    return form_stack(
        field(
            "Phone number",
            rx.input(
                name="phone",
                type="tel",
                auto_complete="tel",
                placeholder="+1 555 555 0101",
                size="3",
                required=True,
                max_length=32,
                auto_focus=True,
                data_testid="phone-input",
            ),
            rx.text("We text you a 6-digit code. Include the country code.", size="1", color=rx.color("gray", 11)),
        ),
        _submit("Send code", "send-code"),
        on_submit=LoginState.send_code,
    )


def _code_step() -> rx.Component:
    return form_stack(
        rx.hstack(
            rx.text("Code sent to ", rx.text.strong(LoginState.code_sent_to), size="2"),
            rx.button(
                "Change number",
                on_click=LoginState.change_number,
                type="button",
                variant="ghost",
                size="1",
                data_testid="change-number",
            ),
            justify="between",
            width="100%",
            wrap="wrap",
        ),
        field(
            "6-digit code",
            rx.input(
                name="code",
                type="text",
                auto_complete="one-time-code",
                input_mode="numeric",
                placeholder="123456",
                size="3",
                required=True,
                max_length=12,  # a pasted "123 456" or "123-456" fits
                auto_focus=True,
                letter_spacing="0.3em",
                data_testid="code-input",
            ),
        ),
        _submit("Log in", "verify-code"),
        rx.cond(
            LoginState.resend_in > 0,
            rx.text(
                "You can ask for a new code in ",
                LoginState.resend_in.to_string(),
                " s",
                size="2",
                color=rx.color("gray", 11),
                aria_live="polite",
                data_testid="resend-countdown",
            ),
            rx.button(
                "Resend code",
                on_click=LoginState.resend_code,
                type="button",
                variant="ghost",
                size="2",
                data_testid="resend-code",
            ),
        ),
        on_submit=LoginState.verify_code,
    )


def _email_form() -> rx.Component:
    return form_stack(
        field(
            "E-mail",
            rx.input(
                name="email",
                type="email",
                auto_complete="email",
                size="3",
                required=True,
                max_length=255,
                data_testid="email-input",
            ),
        ),
        field(
            "Password",
            rx.input(
                name="password",
                type="password",
                auto_complete="current-password",
                size="3",
                required=True,
                max_length=256,
                data_testid="password-input",
            ),
        ),
        rx.link("Forgot password?", href=routes.FORGOT_PASSWORD, size="2", data_testid="forgot-link"),
        _submit("Log in", "login-submit"),
        on_submit=LoginState.log_in_with_email,
    )


def login_page() -> rx.Component:
    return page_layout(
        auth_card(
            "Log in",
            "With a code texted to your phone, or with your e-mail and password.",
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("Phone", value="phone", data_testid="login-tab-phone"),
                    rx.tabs.trigger("E-mail", value="email", data_testid="login-tab-email"),
                ),
                rx.tabs.content(
                    rx.vstack(
                        notice_callout(LoginState.notice),
                        error_callout(LoginState.error),
                        rx.cond(LoginState.is_code_step, _code_step(), _phone_step()),
                        spacing="3",
                        padding_top="16px",
                    ),
                    value="phone",
                ),
                rx.tabs.content(
                    rx.vstack(
                        error_callout(LoginState.error),
                        _email_form(),
                        spacing="3",
                        padding_top="16px",
                    ),
                    value="email",
                ),
                value=LoginState.tab,
                on_change=LoginState.set_tab,
                width="100%",
            ),
            rx.text(
                "New here? ",
                rx.link("Create an account", href=routes.REGISTER, data_testid="register-link"),
                size="2",
            ),
            data_testid="login-page",
        )
    )


def register_page() -> rx.Component:
    return page_layout(
        auth_card(
            "Create an account",
            "Save addresses, see your orders and keep your cart on every device.",
            error_callout(LoginState.error),
            form_stack(
                rx.hstack(
                    field(
                        "First name",
                        rx.input(
                            name="first_name",
                            auto_complete="given-name",
                            size="3",
                            max_length=100,
                            data_testid="first-name-input",
                        ),
                    ),
                    field(
                        "Last name",
                        rx.input(
                            name="last_name",
                            auto_complete="family-name",
                            size="3",
                            max_length=100,
                            data_testid="last-name-input",
                        ),
                    ),
                    spacing="3",
                    width="100%",
                ),
                field(
                    "E-mail",
                    rx.input(
                        name="email",
                        type="email",
                        auto_complete="email",
                        size="3",
                        required=True,
                        max_length=255,
                        data_testid="email-input",
                    ),
                ),
                field(
                    "Password",
                    rx.input(
                        name="password",
                        type="password",
                        auto_complete="new-password",
                        size="3",
                        required=True,
                        max_length=256,
                        on_change=LoginState.check_password,
                        data_testid="password-input",
                    ),
                    password_checklist(LoginState.password_hints, LoginState.password_typed),
                ),
                _submit("Create account", "register-submit"),
                on_submit=LoginState.register,
            ),
            rx.text("Already have an account? ", rx.link("Log in", href=routes.LOGIN), size="2"),
            data_testid="register-page",
        )
    )


def forgot_password_page() -> rx.Component:
    return page_layout(
        auth_card(
            "Forgot your password?",
            "Enter your e-mail; we send you a link to choose a new password.",
            notice_callout(LoginState.notice),
            error_callout(LoginState.error),
            form_stack(
                field(
                    "E-mail",
                    rx.input(
                        name="email",
                        type="email",
                        auto_complete="email",
                        size="3",
                        required=True,
                        max_length=255,
                        data_testid="email-input",
                    ),
                ),
                _submit("Send the link", "forgot-submit"),
                on_submit=LoginState.request_reset,
            ),
            rx.link("Back to log-in", href=routes.LOGIN + "?tab=email", size="2"),
            data_testid="forgot-page",
        )
    )


def reset_password_page() -> rx.Component:
    return page_layout(
        auth_card(
            "Choose a new password",
            "The link in the e-mail works once.",
            error_callout(LoginState.error),
            form_stack(
                field(
                    "New password",
                    rx.input(
                        name="new_password",
                        type="password",
                        auto_complete="new-password",
                        size="3",
                        required=True,
                        max_length=256,
                        on_change=LoginState.check_password,
                        data_testid="password-input",
                    ),
                    password_checklist(LoginState.password_hints, LoginState.password_typed),
                ),
                field(
                    "New password again",
                    rx.input(
                        name="confirm_password",
                        type="password",
                        auto_complete="new-password",
                        size="3",
                        required=True,
                        max_length=256,
                        data_testid="confirm-password-input",
                    ),
                ),
                _submit("Change password", "reset-submit"),
                on_submit=LoginState.reset_password,
            ),
            rx.link("Ask for a new link", href=routes.FORGOT_PASSWORD, size="2"),
            data_testid="reset-page",
        )
    )
