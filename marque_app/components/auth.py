"""Pieces of the log-in, register, password and account pages, and the header's account menu."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.button_link import button_link
from marque_app.components.focus_error import focus_first_error
from marque_app.domain.auth import password_problems
from marque_app.state.auth import AuthState
from marque_app.state.header import HeaderState

#: Every password rule, worded as ``password_problems`` words it (shown live as a checklist).
PASSWORD_RULES = password_problems("")


def auth_card(title: str, subtitle: rx.Component | str, *children: rx.Component, **props) -> rx.Component:
    """A centred card holding one form."""
    return rx.center(
        rx.card(
            rx.vstack(
                rx.heading(title, as_="h1", size="7"),
                rx.text(subtitle, size="2", color=rx.color("gray", 11)) if isinstance(subtitle, str) else subtitle,
                *children,
                spacing="4",
                width="100%",
            ),
            size="4",
            width="100%",
            max_width="440px",
        ),
        padding_y=rx.breakpoints(initial="16px", md="48px"),
        width="100%",
        **props,
    )


def error_callout(message: rx.Var, testid: str = "auth-error") -> rx.Component:
    """A red alert with ``message``, shown only when it is not empty."""
    return rx.cond(
        message != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle_alert")),
            rx.callout.text(message),
            focus_first_error(message),  # the keyboard lands on the first error
            color_scheme="red",
            role="alert",
            size="1",
            width="100%",
            data_testid=testid,
        ),
    )


def notice_callout(message: rx.Var, testid: str = "auth-notice") -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="info", size="1", width="100%", role="status", data_testid=testid),
    )


def form_stack(*children: rx.Component, on_submit, spacing: str = "3") -> rx.Component:
    """A form of full width whose fields stand in a column; its values stay after a submit
    (the handler answers errors next to them)."""
    return rx.form(
        rx.vstack(*children, spacing=spacing, width="100%"),
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
    )


def field(label: str, control: rx.Component, hint: rx.Component | None = None) -> rx.Component:
    """A labelled input (the label wraps the control, so clicking it focuses the input)."""
    return rx.el.label(
        rx.vstack(
            rx.text(label, size="2", weight="medium"),
            control,
            *([hint] if hint is not None else []),
            spacing="1",
            width="100%",
        ),
        width="100%",
    )


def password_checklist(hints: rx.Var, typed: rx.Var) -> rx.Component:
    """The password rules, each ticked once the typed password meets it."""

    def rule(text: str) -> rx.Component:
        ok = typed & ~hints.contains(text)
        return rx.hstack(
            rx.cond(
                ok,
                rx.icon("circle_check", size=14, color=rx.color("grass", 10)),
                rx.icon("circle", size=14, color=rx.color("gray", 9)),
            ),
            rx.text(text.capitalize(), size="1", color=rx.cond(ok, rx.color("grass", 11), rx.color("gray", 11))),
            spacing="1",
            align="center",
            data_testid="password-rule",
            data_ok=rx.cond(ok, "true", "false"),
        )

    return rx.vstack(*[rule(text) for text in PASSWORD_RULES], spacing="1", data_testid="password-rules")


def forbidden_panel() -> rx.Component:
    """The 403 page body: logged in, but the role may not see this page."""
    return rx.center(
        rx.vstack(
            rx.heading("403: not for your account", as_="h1", size="7"),
            rx.text(AuthState.forbidden_message, color=rx.color("gray", 11)),
            button_link("Back to the shop", href=routes.HOME, radius="full"),
            spacing="4",
            align="center",
        ),
        padding_y="80px",
        width="100%",
        data_testid="forbidden-page",
    )


# --- the header --------------------------------------------------------------------------------


def _login_link() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("user-round", size=20),
            rx.text(
                "Log in",
                size="2",
                weight="medium",
                display=rx.breakpoints(initial="none", sm="inline"),
            ),
            spacing="1",
            align="center",
        ),
        href=routes.LOGIN,
        # a click opens the log-in page with ?next= this page (the href stays for a new tab)
        on_click=[rx.prevent_default, HeaderState.open_login],
        color=rx.color("gray", 12),
        padding="8px",
        border_radius="8px",
        underline="none",
        _hover={"background": rx.color("gray", 3)},
        data_testid="login-link",
        aria_label="Log in",
    )


def _account_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("circle_user_round", size=20),
                rx.text(
                    AuthState.user_name,
                    size="2",
                    weight="medium",
                    max_width="140px",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                    display=rx.breakpoints(initial="none", sm="inline"),
                ),
                rx.icon("chevron_down", size=14),
                variant="ghost",
                color_scheme="gray",
                size="2",
                aria_label="Your account",
                data_testid="account-menu",
            )
        ),
        rx.menu.content(
            rx.box(
                rx.text(AuthState.user_name, size="2", weight="bold"),
                rx.cond(
                    AuthState.user_name != AuthState.user_phone,
                    rx.text(AuthState.user_phone, size="1", color=rx.color("gray", 11)),
                ),
                padding="4px 12px 8px",
                data_testid="account-menu-name",
            ),
            rx.menu.item("Your account", on_select=rx.redirect(routes.ACCOUNT), data_testid="account-link"),
            rx.menu.separator(),
            rx.menu.item(
                "Log out",
                on_select=AuthState.log_out,
                color_scheme="red",
                data_testid="logout",
            ),
            align="end",
        ),
    )


def account_control() -> rx.Component:
    """The header's "Log in" link, or the account menu (name or phone, "Log out") when logged in.

    Before the first check of a stored token the slot stays empty, so a logged-in shopper never
    sees "Log in" flash on a reload.
    """
    return rx.cond(
        AuthState.is_logged_in,
        _account_menu(),
        rx.cond(
            (AuthState.token != "") & ~AuthState.auth_checked,
            rx.box(width="36px", height="36px", aria_hidden="true"),
            _login_link(),
        ),
    )
