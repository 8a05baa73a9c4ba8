"""Pieces of the checkout page (/checkout) and the order confirmation page."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.auth import error_callout
from marque_app.components.button_link import button_link
from marque_app.components.cart import total_row
from marque_app.components.orders import priced_line
from marque_app.state.checkout import (
    ADDRESS_FIELDS,
    CheckoutState,
    QuoteLineView,
    ShippingOptionView,
)
from marque_app.views.addresses import AddressView
from marque_app.views.payments import SavedCardView


def section(step: str, title: str, *children: rx.Component, **props) -> rx.Component:
    """One numbered step of the checkout, as a card."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.center(
                    rx.text(step, size="2", weight="bold"),
                    width="28px",
                    height="28px",
                    border_radius="50%",
                    background=rx.color("accent", 3),
                    color=rx.color("accent", 11),
                    flex_shrink="0",
                ),
                rx.heading(title, as_="h2", size="4"),
                spacing="2",
                align="center",
            ),
            *children,
            spacing="3",
            width="100%",
        ),
        size="2",
        width="100%",
        **props,
    )


def field_error(key: str) -> rx.Component:
    """The error under one input (``errors[key]``), read by screen readers with the input."""
    message = CheckoutState.errors[key]
    return rx.cond(
        message,
        rx.text(
            message, size="1", color=rx.color("red", 11), id=f"{key}-error", role="alert", data_testid=f"{key}-error"
        ),
    )


def text_input(prefix: str, name: str, label: str, required: bool, auto: str, **props) -> rx.Component:
    """A labelled text input named ``<prefix>_<name>`` with its own error line. No ``required``
    attribute: the server checks the fields and answers next to each one, in the app's words."""
    key = f"{prefix}_{name}"
    return rx.el.label(
        rx.vstack(
            rx.text(label + ("" if required else " (optional)"), size="2", weight="medium"),
            rx.input(
                name=key,
                id=key,
                auto_complete=f"{'shipping' if prefix == 'ship' else 'billing'} {auto}",
                aria_required="true" if required else "false",
                aria_invalid=rx.cond(CheckoutState.errors[key], "true", "false"),
                aria_describedby=f"{key}-error",
                color_scheme=rx.cond(CheckoutState.errors[key], "red", "gray"),
                data_testid=key.replace("_", "-"),
                width="100%",
                **props,
            ),
            field_error(key),
            spacing="1",
            width="100%",
        ),
        width="100%",
        grid_column="1 / -1" if name in ("address_line_1", "address_line_2") else None,
    )


def address_fields(prefix: str) -> rx.Component:
    """The fields of a new address (``prefix`` "ship" or "bill")."""
    return rx.grid(
        *[
            text_input(prefix, name, label, required, auto, max_length=limit)
            for name, label, required, auto, limit in ADDRESS_FIELDS
        ],
        columns=rx.breakpoints(initial="1", sm="2"),
        gap="12px",
        width="100%",
    )


def _saved_address(address: rx.Var[AddressView]) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.radio_group.item(value=address.id, data_testid="saved-address-radio"),
            rx.vstack(
                rx.text(address.first_name + " " + address.last_name, size="2", weight="bold"),
                rx.text(address.address_line_1 + " " + address.address_line_2, size="2"),
                rx.text(
                    address.postal_code + " " + address.city + ", " + address.state + " " + address.country,
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="0",
                align="start",
            ),
            spacing="2",
            align="start",
        ),
        padding="10px",
        border_radius="8px",
        border=f"1px solid {rx.color('gray', 5)}",
        width="100%",
        cursor="pointer",
        data_testid="saved-address",
    )


def shipping_address() -> rx.Component:
    """Saved addresses to pick (accounts), or the fields of a new one."""
    new_fields = rx.vstack(
        address_fields("ship"),
        rx.cond(
            CheckoutState.is_user,
            rx.el.label(
                rx.hstack(
                    rx.checkbox(
                        name="save_address",
                        default_checked=True,
                        aria_label="Save to my address book",
                        data_testid="save-address",
                    ),
                    rx.text("Save to my address book", size="2"),
                    spacing="2",
                    align="center",
                ),
            ),
        ),
        spacing="3",
        width="100%",
    )
    return rx.cond(
        CheckoutState.has_saved_addresses,
        rx.vstack(
            rx.radio_group.root(
                rx.vstack(
                    rx.foreach(CheckoutState.addresses, _saved_address),
                    rx.el.label(
                        rx.hstack(
                            rx.radio_group.item(value="new", data_testid="new-address-radio"),
                            rx.text("A new address", size="2", weight="medium"),
                            spacing="2",
                            align="center",
                        ),
                        padding="10px",
                        border_radius="8px",
                        border=f"1px solid {rx.color('gray', 5)}",
                        width="100%",
                        cursor="pointer",
                    ),
                    spacing="2",
                    width="100%",
                ),
                value=CheckoutState.address_choice,
                on_change=CheckoutState.choose_address,
                aria_label="Shipping address",
                width="100%",
            ),
            field_error("ship_address"),
            rx.cond(CheckoutState.address_choice == "new", new_fields),
            spacing="3",
            width="100%",
        ),
        new_fields,
    )


def billing_address() -> rx.Component:
    return rx.vstack(
        rx.el.label(
            rx.hstack(
                rx.checkbox(
                    checked=CheckoutState.billing_same,
                    on_change=CheckoutState.set_billing_same,
                    aria_label="Billing address same as the shipping address",
                    data_testid="billing-same",
                ),
                rx.text("Same as the shipping address", size="2"),
                spacing="2",
                align="center",
            ),
        ),
        rx.cond(~CheckoutState.billing_same, address_fields("bill")),
        spacing="3",
        width="100%",
    )


def _shipping_option(option: rx.Var[ShippingOptionView]) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.radio_group.item(value=option.code, data_testid="shipping-method-" + option.code),
            rx.vstack(
                rx.text(option.label, size="2", weight="medium"),
                rx.cond(option.detail != "", rx.text(option.detail, size="1", color=rx.color("gray", 11))),
                spacing="0",
                align="start",
                flex="1",
            ),
            rx.text(option.cost, size="2", weight="bold", data_testid="shipping-cost"),
            spacing="2",
            align="center",
            width="100%",
        ),
        padding="10px",
        border_radius="8px",
        border=f"1px solid {rx.color('gray', 5)}",
        width="100%",
        cursor="pointer",
    )


def shipping_methods() -> rx.Component:
    return rx.vstack(
        rx.radio_group.root(
            rx.vstack(rx.foreach(CheckoutState.shipping_options, _shipping_option), spacing="2", width="100%"),
            value=CheckoutState.shipping_method,
            on_change=CheckoutState.choose_shipping,
            aria_label="Shipping method",
            width="100%",
            data_testid="shipping-methods",
        ),
        rx.cond(
            CheckoutState.free_shipping_note != "",
            rx.text(CheckoutState.free_shipping_note, size="1", color=rx.color("gray", 11)),
        ),
        width="100%",
    )


def coupon() -> rx.Component:
    """Apply or remove a coupon; a refusal says why."""
    return rx.vstack(
        rx.cond(
            CheckoutState.coupon_code != "",
            rx.hstack(
                rx.badge(
                    rx.icon("tag", size=12),
                    CheckoutState.coupon_code,
                    size="2",
                    color_scheme="grass",
                    data_testid="coupon-applied",
                ),
                rx.text(CheckoutState.coupon_note, size="2", color=rx.color("gray", 11)),
                rx.spacer(),
                rx.button(
                    "Remove",
                    type="button",
                    variant="ghost",
                    color_scheme="gray",
                    size="1",
                    on_click=CheckoutState.remove_coupon,
                    data_testid="coupon-remove",
                ),
                align="center",
                width="100%",
                wrap="wrap",
            ),
            rx.hstack(
                rx.input(
                    value=CheckoutState.coupon_input,
                    on_change=CheckoutState.set_coupon_input,
                    placeholder="Coupon code",
                    aria_label="Coupon code",
                    auto_complete="off",
                    max_length=50,
                    flex="1",
                    data_testid="coupon-input",
                ),
                rx.button(
                    "Apply",
                    type="button",
                    variant="soft",
                    on_click=CheckoutState.apply_coupon,
                    loading=CheckoutState.coupon_busy,
                    data_testid="coupon-apply",
                ),
                width="100%",
            ),
        ),
        rx.cond(
            CheckoutState.coupon_error != "",
            rx.text(
                CheckoutState.coupon_error,
                size="2",
                color=rx.color("red", 11),
                role="alert",
                data_testid="coupon-error",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _method(value: str, label: str, testid: str) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.radio_group.item(value=value, data_testid=testid),
            rx.text(label, size="2", weight="medium"),
            spacing="2",
            align="center",
        ),
        cursor="pointer",
    )


def _saved_card(card: rx.Var[SavedCardView]) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.radio_group.item(value=card.id, data_testid="saved-card"),
            rx.text(card.label, size="2"),
            rx.text(
                "Expires " + card.exp_month.to_string() + "/" + card.exp_year.to_string(),
                size="1",
                color=rx.color("gray", 11),
            ),
            spacing="2",
            align="center",
        ),
        cursor="pointer",
    )


def saved_card_choice() -> rx.Component:
    """Paying by card: the shopper's saved cards to choose from (charged when the order is placed)."""
    return rx.cond(
        (CheckoutState.payment_method == "stripe") & (CheckoutState.saved_cards.length() > 0),
        rx.vstack(
            rx.text("Pay with a saved card", size="2", weight="medium"),
            rx.radio_group.root(
                rx.vstack(rx.foreach(CheckoutState.saved_cards, _saved_card), spacing="1"),
                value=CheckoutState.card_choice,
                on_change=CheckoutState.choose_card,
                aria_label="Saved card",
                data_testid="saved-cards",
            ),
            spacing="1",
            padding_left="1.5em",
        ),
    )


def payment() -> rx.Component:
    return rx.vstack(
        rx.radio_group.root(
            rx.vstack(
                _method("cod", "Cash on delivery", "payment-cod"),
                rx.cond(CheckoutState.card_enabled, _method("stripe", "Card", "payment-card")),
                rx.cond(CheckoutState.paypal_enabled, _method("paypal", "PayPal", "payment-paypal")),
                spacing="2",
            ),
            value=CheckoutState.payment_method,
            on_change=CheckoutState.choose_payment,
            aria_label="Payment",
            data_testid="payment-methods",
        ),
        saved_card_choice(),
        rx.cond(
            CheckoutState.payment_method == "paypal",
            rx.text(
                "You will approve the payment at PayPal, then come back here.",
                size="1",
                color=rx.color("gray", 11),
            ),
        ),
        spacing="2",
    )


def _summary_line(line: rx.Var[QuoteLineView]) -> rx.Component:
    return priced_line(line, data_testid="summary-line", data_sku=line.sku_id)


def summary() -> rx.Component:
    """Exactly what will be charged: lines, subtotal, discount, shipping, tax, total."""
    q = CheckoutState.quote
    return rx.vstack(
        rx.heading("Summary", as_="h2", size="4"),
        rx.vstack(rx.foreach(q.lines, _summary_line), spacing="2", width="100%"),
        rx.separator(size="4"),
        total_row("Subtotal", q.subtotal, "summary-subtotal"),
        rx.cond(q.has_discount, total_row("Discount", "−" + q.discount, "summary-discount")),
        total_row("Shipping", q.shipping, "summary-shipping"),
        total_row("Tax", q.tax, "summary-tax"),
        rx.separator(size="4"),
        total_row("Total", q.total, "summary-total", strong=True),
        spacing="2",
        padding="20px",
        border_radius="12px",
        background=rx.color("gray", 2),
        border=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        position=rx.breakpoints(initial="static", md="sticky"),
        top="140px",
        data_testid="checkout-summary",
    )


def problems() -> rx.Component:
    """What stopped the last "Place order": a changed total to confirm, sold-out lines."""
    return rx.fragment(
        error_callout(CheckoutState.error, "checkout-error"),
        rx.cond(
            CheckoutState.price_changed,
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle_alert", size=16)),
                rx.vstack(
                    rx.text(
                        "Prices changed since you opened your cart. The total is now ",
                        rx.text.strong(CheckoutState.quote.total, data_testid="new-total"),
                        " (it was " + CheckoutState.old_total + ").",
                        size="2",
                    ),
                    rx.button(
                        "Confirm and place the order for " + CheckoutState.quote.total,
                        type="submit",
                        size="2",
                        disabled=CheckoutState.placing,
                        data_testid="confirm-new-total",
                    ),
                    spacing="2",
                    align="start",
                ),
                color_scheme="amber",
                width="100%",
                role="alert",
                data_testid="price-changed",
            ),
        ),
        rx.cond(
            CheckoutState.sold_out.length() > 0,
            rx.callout.root(
                rx.callout.icon(rx.icon("package-x", size=16)),
                rx.vstack(
                    rx.text("Sold out since you added them:", size="2", weight="bold"),
                    rx.foreach(
                        CheckoutState.sold_out, lambda name: rx.text("• " + name, size="2", data_testid="sold-out-name")
                    ),
                    rx.link("Back to the cart to change it", href=routes.CART, size="2", data_testid="back-to-cart"),
                    spacing="1",
                    align="start",
                ),
                color_scheme="red",
                width="100%",
                role="alert",
                data_testid="sold-out",
            ),
        ),
    )


def empty_checkout() -> rx.Component:
    return rx.vstack(
        rx.heading("Your cart is empty", as_="h1", size="7"),
        rx.text("Add something to your cart before checking out.", size="2", color=rx.color("gray", 11)),
        button_link("Go to the shop", href=routes.SHOP, size="3", radius="full", data_testid="checkout-shop-link"),
        spacing="3",
        align="center",
        padding_y="80px",
        width="100%",
        data_testid="checkout-empty",
    )
