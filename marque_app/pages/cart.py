"""The cart page (/cart): lines, quantity steppers, remove, totals; an empty state back to the shop."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.button_link import button_link
from marque_app.components.cart import cart_line, cart_notices, empty_cart, totals
from marque_app.components.cart_ops import op_arg
from marque_app.components.layout import page_layout
from marque_app.state.cart import CartState


def _summary_box() -> rx.Component:
    return rx.vstack(
        rx.heading("Order summary", as_="h2", size="4"),
        totals(),
        rx.cond(
            ~CartState.summary.free_shipping,
            rx.text("Free shipping on orders over $75", size="1", color=rx.color("gray", 11)),
        ),
        button_link(
            "Checkout", href=routes.CHECKOUT, size="3", width="100%", radius="full", data_testid="cart-checkout"
        ),
        rx.link("Continue shopping", href=routes.SHOP, size="2"),
        spacing="3",
        padding="20px",
        border_radius="12px",
        background=rx.color("gray", 2),
        border=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        align="start",
    )


def cart_page() -> rx.Component:
    return page_layout(
        rx.cond(
            CartState.has_lines,
            rx.vstack(
                rx.hstack(
                    rx.heading("Your cart", as_="h1", size="7"),
                    rx.text(
                        "("
                        + CartState.cart_count.to_string()
                        + rx.cond(CartState.cart_count == 1, " item)", " items)"),
                        color=rx.color("gray", 11),
                        data_testid="cart-item-count",
                    ),
                    rx.spacer(),
                    rx.button(
                        "Empty cart",
                        on_click=CartState.apply(op_arg(type="clear")),
                        variant="ghost",
                        color_scheme="gray",
                        size="2",
                        data_testid="cart-clear",
                    ),
                    align="baseline",
                    spacing="2",
                    width="100%",
                ),
                cart_notices(),
                rx.grid(
                    rx.box(rx.foreach(CartState.lines, lambda line: cart_line(line)), width="100%"),
                    _summary_box(),
                    columns=rx.breakpoints(initial="1", md="minmax(0, 2fr) minmax(0, 1fr)"),
                    gap="32px",
                    width="100%",
                    align_items="start",
                ),
                spacing="4",
                width="100%",
            ),
            empty_cart(),
        ),
        rx.box(data_testid="cart-page"),
    )
