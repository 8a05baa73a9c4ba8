"""The checkout (/checkout) and the order confirmation (/orders/[ref]/confirmation)."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components import checkout as parts
from marque_app.components.button_link import button_link
from marque_app.components.layout import page_layout
from marque_app.components.not_found import not_found_message
from marque_app.state.checkout import CheckoutState, QuoteLineView


def _contact() -> rx.Component:
    return parts.section(
        "1",
        "Contact",
        rx.cond(
            CheckoutState.is_user,
            rx.text("Ordering as ", rx.text.strong(CheckoutState.user_label), size="2", data_testid="checkout-user"),
            rx.vstack(
                rx.el.label(
                    rx.vstack(
                        rx.text("E-mail (for the order confirmation)", size="2", weight="medium"),
                        rx.input(
                            name="email",
                            id="email",
                            type="email",
                            auto_complete="email",
                            max_length=255,
                            width="100%",
                            aria_required="true",
                            aria_invalid=rx.cond(CheckoutState.errors["email"], "true", "false"),
                            aria_describedby="email-error",
                            data_testid="checkout-email",
                        ),
                        parts.field_error("email"),
                        spacing="1",
                        width="100%",
                    ),
                    width="100%",
                ),
                rx.text(
                    "Have an account? ",
                    rx.link(
                        "Log in",
                        href=routes.login_url(routes.CHECKOUT),
                        underline="always",  # told apart from the sentence by more than its colour
                        data_testid="checkout-login",
                    ),
                    " to use your saved addresses; your cart comes with you.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                spacing="2",
                width="100%",
            ),
        ),
    )


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _contact(),
            parts.section("2", "Shipping address", parts.shipping_address()),
            parts.section("3", "Billing address", parts.billing_address()),
            parts.section("4", "Shipping method", parts.shipping_methods()),
            parts.section("5", "Coupon", parts.coupon()),
            parts.section("6", "Payment", parts.payment()),
            parts.problems(),
            rx.button(
                rx.cond(CheckoutState.placing, "Placing your order…", "Place order · " + CheckoutState.quote.total),
                type="submit",
                size="4",
                radius="full",
                width="100%",
                loading=CheckoutState.placing,
                disabled=CheckoutState.placing | (CheckoutState.sold_out.length() > 0),
                data_testid="place-order",
            ),
            rx.text(
                "You pay the total shown in the summary; nothing else is added.", size="1", color=rx.color("gray", 11)
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=CheckoutState.place_order,
        reset_on_submit=False,
        width="100%",
        data_testid="checkout-form",
    )


def checkout_page() -> rx.Component:
    return page_layout(
        rx.cond(
            CheckoutState.is_loaded,
            rx.cond(
                CheckoutState.is_empty,
                parts.empty_checkout(),
                rx.vstack(
                    rx.heading("Checkout", as_="h1", size="7"),
                    rx.grid(
                        _form(),
                        parts.summary(),
                        columns=rx.breakpoints(initial="1", md="minmax(0, 3fr) minmax(0, 2fr)"),
                        gap="32px",
                        width="100%",
                        align_items="start",
                    ),
                    spacing="4",
                    width="100%",
                    data_testid="checkout-page",
                ),
            ),
            rx.center(rx.spinner(size="3"), padding_y="80px", width="100%"),
        ),
    )


# --- the confirmation --------------------------------------------------------------------------


def _placed_line(line: rx.Var[QuoteLineView]) -> rx.Component:
    """An ordered line: "2 × name", its size and colour ("M / Sage") under it, the total."""
    return rx.hstack(
        rx.vstack(
            rx.text(line.quantity.to_string() + " × " + line.name, size="2"),
            rx.cond(
                line.variant_label != "",
                rx.text(line.variant_label, size="1", color=rx.color("gray", 11), data_testid="line-variant"),
            ),
            spacing="0",
            align="start",
            flex="1",
            min_width="0",
        ),
        rx.text(line.line_total, size="2", weight="medium"),
        width="100%",
        align="start",
        data_testid="confirmation-line",
    )


def _confirmation() -> rx.Component:
    p = CheckoutState.placed
    return rx.vstack(
        rx.center(
            rx.icon("circle_check", size=32, color=rx.color("grass", 10)),
            width="64px",
            height="64px",
            border_radius="50%",
            background=rx.color("grass", 3),
        ),
        rx.heading("Thank you for your order", as_="h1", size="7"),
        rx.text("Order number ", rx.text.strong(p.number, data_testid="confirmation-number"), size="3"),
        rx.cond(
            p.email != "", rx.text("We sent the confirmation to " + p.email + ".", size="2", color=rx.color("gray", 11))
        ),
        rx.card(
            rx.vstack(
                rx.foreach(p.lines, _placed_line),
                rx.separator(size="4"),
                rx.hstack(rx.text("Subtotal", size="2"), rx.spacer(), rx.text(p.subtotal, size="2"), width="100%"),
                rx.cond(
                    p.has_discount,
                    rx.hstack(
                        rx.text("Discount", size="2"), rx.spacer(), rx.text("−" + p.discount, size="2"), width="100%"
                    ),
                ),
                rx.hstack(rx.text("Shipping", size="2"), rx.spacer(), rx.text(p.shipping, size="2"), width="100%"),
                rx.hstack(rx.text("Tax", size="2"), rx.spacer(), rx.text(p.tax, size="2"), width="100%"),
                rx.hstack(
                    rx.text("Total", size="3", weight="bold"),
                    rx.spacer(),
                    rx.text(p.total, size="3", weight="bold", data_testid="confirmation-total"),
                    width="100%",
                ),
                rx.text(
                    "Payment: " + p.payment, size="2", color=rx.color("gray", 11), data_testid="confirmation-payment"
                ),
                rx.cond(
                    CheckoutState.payment_note != "",
                    rx.callout(
                        CheckoutState.payment_note,
                        icon="triangle_alert",
                        color_scheme="amber",
                        size="1",
                        data_testid="payment-note",
                    ),
                ),
                rx.vstack(
                    rx.text("Shipping to", size="2", weight="bold"),
                    rx.foreach(p.ship_to, lambda line: rx.text(line, size="2")),
                    spacing="0",
                    align="start",
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
        rx.hstack(
            rx.cond(
                CheckoutState.is_user,
                button_link(
                    "See the order",
                    href="/account/orders/" + p.number,
                    radius="full",
                    variant="soft",
                    data_testid="confirmation-order-link",
                ),
            ),
            button_link("Continue shopping", href=routes.SHOP, radius="full"),
            spacing="3",
            wrap="wrap",
        ),
        spacing="4",
        align="center",
        width="100%",
        max_width="560px",
        margin_x="auto",
        data_testid="order-confirmation",
    )


def confirmation_page() -> rx.Component:
    return page_layout(
        rx.match(
            CheckoutState.confirmation_status,
            ("found", _confirmation()),
            (
                "missing",
                not_found_message(
                    "We couldn't find that order",
                    "Log in to see your orders; a guest's confirmation was sent by e-mail.",
                ),
            ),
            rx.center(rx.spinner(size="3"), padding_y="80px", width="100%"),
        )
    )


def paypal_return_page() -> rx.Component:
    """Where PayPal sends the shopper back: the payment is captured, then the confirmation."""
    return page_layout(
        rx.center(
            rx.vstack(
                rx.spinner(size="3"),
                rx.text("Completing your PayPal payment...", size="3"),
                align="center",
                spacing="3",
            ),
            padding_y="80px",
            width="100%",
            data_testid="paypal-return",
        )
    )
