"""The account page (/account): profile, saved addresses, back-in-stock alerts, password, delete account."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.auth import error_callout, field, forbidden_panel
from marque_app.components.button_link import button_link
from marque_app.components.layout import page_layout
from marque_app.state.account import AccountState
from marque_app.state.auth import AuthState
from marque_app.state.stock_alerts import StockAlertState
from marque_app.views.addresses import AddressView
from marque_app.views.payments import SavedCardView
from marque_app.views.stock_alerts import StockAlertView


def _section(title: str, *children: rx.Component, **props) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, as_="h2", size="4"), *children, spacing="3", width="100%"),
        size="3",
        width="100%",
        **props,
    )


def _email_status() -> rx.Component:
    """Verified, or not yet with a button for a new link; nothing to verify without an address."""
    return rx.vstack(
        rx.match(
            AccountState.email_state,
            ("none", rx.text("No e-mail address", size="2", color=rx.color("gray", 10), data_testid="email-status")),
            (
                "verified",
                rx.badge(
                    rx.icon("circle_check", size=14), "Verified", color_scheme="green", data_testid="email-status"
                ),
            ),
            rx.hstack(
                rx.badge("Not verified", color_scheme="amber", data_testid="email-status"),
                rx.button(
                    "Send a new link",
                    type="button",
                    size="1",
                    variant="soft",
                    on_click=AccountState.resend_verification,
                    data_testid="email-verify-resend",
                ),
                align="center",
                spacing="2",
            ),
        ),
        rx.cond(
            AccountState.verify_notice != "",
            rx.text(
                AccountState.verify_notice, size="1", color=rx.color("gray", 11), data_testid="email-verify-notice"
            ),
        ),
        spacing="1",
    )


def _profile() -> rx.Component:
    return _section(
        "Profile",
        error_callout(AccountState.profile_error, "profile-error"),
        rx.form(
            rx.vstack(
                rx.grid(
                    field(
                        "First name",
                        rx.input(
                            name="first_name",
                            default_value=AccountState.first_name,
                            auto_complete="given-name",
                            max_length=100,
                            data_testid="profile-name",
                        ),
                    ),
                    field(
                        "Last name",
                        rx.input(
                            name="last_name",
                            default_value=AccountState.last_name,
                            auto_complete="family-name",
                            max_length=100,
                            data_testid="profile-last-name",
                        ),
                    ),
                    field(
                        "E-mail",
                        rx.input(
                            name="email",
                            type="email",
                            default_value=AccountState.email,
                            auto_complete="email",
                            max_length=255,
                            data_testid="profile-email",
                        ),
                    ),
                    field(
                        "E-mail status",
                        _email_status(),
                    ),
                    field(
                        "Phone",
                        rx.input(value=AccountState.phone, read_only=True, data_testid="profile-phone"),
                        rx.text("Your log-in number; it cannot be changed here.", size="1", color=rx.color("gray", 11)),
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    gap="12px",
                    width="100%",
                ),
                rx.button("Save profile", type="submit", radius="full", data_testid="profile-save"),
                spacing="3",
                align="start",
                width="100%",
            ),
            on_submit=AccountState.save_profile,
            reset_on_submit=False,
            key=AccountState.email + "|" + AccountState.first_name + "|" + AccountState.last_name,
            width="100%",
        ),
    )


def _address_item(address: rx.Var[AddressView]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.text(address.first_name + " " + address.last_name, weight="bold", size="2"),
                    rx.badge(address.type, variant="soft", color_scheme="gray"),
                    rx.cond(address.is_default, rx.badge("Default", data_testid="address-default")),
                    spacing="2",
                    align="center",
                ),
                rx.text(address.address_line_1, " ", address.address_line_2, size="2"),
                rx.text(
                    address.postal_code,
                    " ",
                    address.city,
                    ", ",
                    address.state,
                    " ",
                    address.country,
                    size="2",
                    color=rx.color("gray", 11),
                ),
                spacing="1",
                align="start",
            ),
            rx.hstack(
                rx.cond(
                    ~address.is_default,
                    rx.button(
                        "Make default",
                        variant="ghost",
                        size="1",
                        on_click=AccountState.make_default(address.id),
                        data_testid="address-make-default",
                    ),
                ),
                rx.button(
                    "Edit",
                    variant="ghost",
                    size="1",
                    on_click=AccountState.open_address(address.id),
                    data_testid="address-edit",
                ),
                rx.button(
                    "Delete",
                    variant="ghost",
                    color_scheme="red",
                    size="1",
                    on_click=AccountState.delete_address(address.id),
                    data_testid="address-delete",
                ),
                spacing="3",
                wrap="wrap",
            ),
            justify="between",
            align="start",
            width="100%",
            wrap="wrap",
        ),
        width="100%",
        data_testid="address-item",
    )


def _address_dialog() -> rx.Component:
    draft = AccountState.address_draft

    def text(label: str, name: str, value: rx.Var, required: bool = True, **props) -> rx.Component:
        return field(
            label,
            rx.input(
                name=name,
                default_value=value,
                required=required,
                data_testid=f"address-{name.replace('_', '-')}",
                **props,
            ),
        )

    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(draft.id != "", "Edit address", "New address")),
            error_callout(AccountState.address_error, "address-error"),
            rx.form(
                rx.vstack(
                    rx.grid(
                        text("First name", "first_name", draft.first_name, max_length=100),
                        text("Last name", "last_name", draft.last_name, max_length=100),
                        text("Address", "address_line_1", draft.address_line_1, max_length=255),
                        text("Address line 2", "address_line_2", draft.address_line_2, False, max_length=255),
                        text("City", "city", draft.city, max_length=100),
                        text("State or region", "state", draft.state, max_length=100),
                        text("Postal code", "postal_code", draft.postal_code, max_length=20),
                        text("Country (2 letters)", "country", draft.country, max_length=2),
                        text("Company", "company", draft.company, False, max_length=100),
                        text("Phone", "phone", draft.phone, False, max_length=20, type="tel"),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        gap="12px",
                        width="100%",
                    ),
                    field(
                        "Type",
                        rx.el.select(
                            rx.el.option("Shipping", value="shipping"),
                            rx.el.option("Billing", value="billing"),
                            name="type",
                            default_value=draft.type,
                            data_testid="address-type",
                        ),
                    ),
                    rx.el.label(
                        rx.hstack(
                            rx.checkbox(
                                name="is_default",
                                default_checked=draft.is_default,
                                aria_label="Use as my default address",
                            ),
                            rx.text("Use as my default address", size="2"),
                            spacing="2",
                            align="center",
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                        rx.button("Save address", type="submit", data_testid="address-save"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=AccountState.save_address,
                reset_on_submit=False,
                key=AccountState.address_form_key.to_string(),
            ),
            max_width="560px",
        ),
        open=AccountState.address_dialog_open,
        on_open_change=AccountState.set_address_dialog,
    )


def _addresses() -> rx.Component:
    return _section(
        "Saved addresses",
        rx.cond(
            AccountState.addresses.length() > 0,
            rx.vstack(rx.foreach(AccountState.addresses, _address_item), spacing="2", width="100%"),
            rx.text("No saved addresses yet.", size="2", color=rx.color("gray", 11), data_testid="no-addresses"),
        ),
        rx.button(
            rx.icon("plus", size=16),
            "Add an address",
            variant="soft",
            on_click=AccountState.open_address(""),
            data_testid="address-add",
        ),
        _address_dialog(),
    )


def _card_item(card: rx.Var[SavedCardView]) -> rx.Component:
    return rx.hstack(
        rx.icon("credit_card", size=18),
        rx.vstack(
            rx.text(card.label, size="2", weight="medium"),
            rx.text(
                rx.cond(card.is_expired, "Expired ", "Expires ")
                + card.exp_month.to_string()
                + "/"
                + card.exp_year.to_string(),
                size="1",
                color=rx.cond(card.is_expired, rx.color("red", 11), rx.color("gray", 11)),
            ),
            spacing="0",
        ),
        rx.spacer(),
        rx.button(
            "Remove",
            variant="soft",
            color_scheme="red",
            size="1",
            on_click=AccountState.remove_card(card.id),
            aria_label="Remove " + card.label,
            data_testid="card-remove",
        ),
        align="center",
        width="100%",
        data_testid="saved-card-item",
    )


def _cards() -> rx.Component:
    return rx.cond(
        AccountState.cards_enabled,
        _section(
            "Saved cards",
            rx.cond(
                AccountState.cards_error != "",
                rx.text(AccountState.cards_error, size="2", color=rx.color("red", 11), role="alert"),
            ),
            rx.cond(
                AccountState.cards.length() > 0,
                rx.vstack(rx.foreach(AccountState.cards, _card_item), spacing="2", width="100%"),
                rx.text(
                    "No saved cards yet. Only a card's brand, last four digits and expiry are shown here; "
                    "the card itself is kept by Stripe.",
                    size="2",
                    color=rx.color("gray", 11),
                    data_testid="no-cards",
                ),
            ),
        ),
    )


def _alert_item(alert: rx.Var[StockAlertView]) -> rx.Component:
    how = rx.cond(alert.channel == "sms", "Text to ", "E-mail to ")
    return rx.hstack(
        rx.vstack(
            rx.link(alert.product_name, href=alert.product_url, size="2", weight="medium"),
            rx.text(alert.variant_name, " - ", alert.sku, size="1", color=rx.color("gray", 11)),
            rx.text(how, alert.contact, size="1", color=rx.color("gray", 11)),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.match(
            alert.status,
            ("sent", rx.badge("Sent", color_scheme="grass")),
            ("due", rx.badge("Back in stock: sending", color_scheme="amber")),
            rx.badge("Waiting", color_scheme="gray"),
        ),
        rx.button(
            "Cancel",
            on_click=StockAlertState.cancel_alert(alert.id),
            variant="ghost",
            color_scheme="gray",
            size="1",
            aria_label="Cancel the alert for " + alert.product_name,
            data_testid="stock-alert-cancel",
        ),
        spacing="3",
        align="center",
        width="100%",
        data_testid="stock-alert",
        data_alert=alert.id,
    )


def _alerts() -> rx.Component:
    return _section(
        "Back-in-stock alerts",
        rx.cond(
            StockAlertState.alerts.length() > 0,
            rx.vstack(rx.foreach(StockAlertState.alerts, _alert_item), spacing="3", width="100%"),
            rx.text(
                'No alerts. On a sold-out product, choose "Tell me when it is back".',
                size="2",
                color=rx.color("gray", 11),
                data_testid="no-stock-alerts",
            ),
        ),
        data_testid="stock-alerts",
    )


def _password() -> rx.Component:
    return _section(
        rx.cond(AccountState.has_password, "Change password", "Set a password"),
        rx.cond(
            ~AccountState.has_password,
            rx.text("Add a password to log in with your e-mail too.", size="2", color=rx.color("gray", 11)),
        ),
        error_callout(AccountState.password_error, "password-error"),
        rx.form(
            rx.vstack(
                rx.cond(
                    AccountState.has_password,
                    field(
                        "Current password",
                        rx.input(
                            name="current_password",
                            id="current_password",
                            type="password",
                            auto_complete="current-password",
                            max_length=256,
                        ),
                    ),
                ),
                field(
                    "New password",
                    rx.input(
                        name="new_password",
                        id="new_password",
                        type="password",
                        auto_complete="new-password",
                        required=True,
                        max_length=256,
                    ),
                ),
                field(
                    "New password again",
                    rx.input(
                        name="confirm_password",
                        id="confirm_password",
                        type="password",
                        auto_complete="new-password",
                        required=True,
                        max_length=256,
                    ),
                ),
                rx.text(
                    "8 or more characters, with a number and a special character.", size="1", color=rx.color("gray", 11)
                ),
                rx.button("Save password", type="submit", radius="full", data_testid="password-save"),
                spacing="3",
                align="start",
                width="100%",
                max_width="360px",
            ),
            on_submit=AccountState.change_password,
            reset_on_submit=False,
            width="100%",
        ),
    )


def _delete_account() -> rx.Component:
    return _section(
        "Delete account",
        rx.text(
            "Your name, e-mail, phone, addresses, cart and wishlist are removed. Orders stay, "
            "without your name, for the shop's books.",
            size="2",
            color=rx.color("gray", 11),
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(
                rx.button("Delete my account", color_scheme="red", variant="soft", data_testid="delete-account"),
            ),
            rx.alert_dialog.content(
                rx.alert_dialog.title("Delete your account?"),
                rx.alert_dialog.description("This cannot be undone. Type DELETE to confirm.", size="2"),
                rx.form(
                    rx.vstack(
                        error_callout(AccountState.delete_error, "delete-error"),
                        rx.input(
                            name="confirm",
                            placeholder="DELETE",
                            auto_complete="off",
                            data_testid="delete-confirm-input",
                        ),
                        rx.hstack(
                            rx.alert_dialog.cancel(
                                rx.button("Keep my account", type="button", variant="soft", color_scheme="gray")
                            ),
                            rx.button(
                                "Delete account",
                                type="submit",
                                color_scheme="red",
                                data_testid="delete-account-confirm",
                            ),
                            justify="end",
                            width="100%",
                        ),
                        spacing="3",
                        padding_top="12px",
                    ),
                    on_submit=AccountState.delete_account,
                    reset_on_submit=False,
                ),
                max_width="440px",
            ),
        ),
    )


def account_page() -> rx.Component:
    return page_layout(
        rx.cond(
            AuthState.is_forbidden,
            forbidden_panel(),
            rx.cond(
                AuthState.is_logged_in & AccountState.is_loaded,
                rx.vstack(
                    rx.heading("Your account", as_="h1", size="7"),
                    rx.text(AuthState.user_name, size="2", color=rx.color("gray", 11), data_testid="account-name"),
                    button_link(
                        rx.icon("package", size=16),
                        "Your orders",
                        href=routes.ACCOUNT_ORDERS,
                        variant="soft",
                        data_testid="account-orders-link",
                    ),
                    _profile(),
                    _addresses(),
                    _cards(),
                    _alerts(),
                    _password(),
                    _delete_account(),
                    spacing="5",
                    width="100%",
                    max_width="760px",
                    data_testid="account-page",
                ),
                rx.center(rx.spinner(size="3"), padding_y="80px", width="100%"),
            ),
        )
    )
