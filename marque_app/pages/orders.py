"""The account's orders: /account/orders (list) and /account/orders/[ref] (one order)."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components import orders as parts
from marque_app.components.auth import forbidden_panel
from marque_app.components.button_link import button_link
from marque_app.components.layout import page_layout
from marque_app.components.not_found import not_found_message
from marque_app.state.auth import AuthState
from marque_app.state.orders import OrdersState, ReturnRowView

SPINNER = rx.center(rx.spinner(size="3"), padding_y="80px", width="100%")


def _pager() -> rx.Component:
    def step(label: str, href: rx.Var, testid: str) -> rx.Component:
        return rx.cond(
            href != "",
            button_link(label, href=href, variant="soft", color_scheme="gray", size="2", data_testid=testid),
            rx.button(label, variant="soft", color_scheme="gray", size="2", disabled=True),
        )

    return rx.cond(
        OrdersState.pages > 1,
        rx.hstack(
            step("Previous", OrdersState.prev_href, "orders-prev"),
            rx.text(OrdersState.page_label, size="2", color=rx.color("gray", 11), data_testid="orders-page-label"),
            step("Next", OrdersState.next_href, "orders-next"),
            spacing="3",
            align="center",
            justify="center",
            width="100%",
            role="navigation",  # a Stack renders a div whatever its "as"
            aria_label="Pages",
        ),
    )


def _orders_list() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.link("Your account", href=routes.ACCOUNT, size="2"),
            rx.text("/", size="2", color=rx.color("gray", 11)),
            rx.text("Orders", size="2"),
            spacing="2",
        ),
        rx.heading("Your orders", as_="h1", size="7"),
        rx.cond(
            OrdersState.has_rows,
            rx.vstack(rx.foreach(OrdersState.rows, parts.order_row), spacing="2", width="100%"),
            rx.vstack(
                rx.text("You have not ordered anything yet.", size="3"),
                button_link("Start shopping", href=routes.SHOP, radius="full"),
                spacing="3",
                align="start",
                padding_y="24px",
                data_testid="orders-empty",
            ),
        ),
        _pager(),
        spacing="4",
        width="100%",
        max_width="760px",
        data_testid="orders-page",
    )


def orders_page() -> rx.Component:
    return page_layout(
        rx.cond(
            AuthState.is_forbidden,
            forbidden_panel(),
            rx.cond(AuthState.is_logged_in & OrdersState.list_loaded, _orders_list(), SPINNER),
        )
    )


def _return_row(row: rx.Var[ReturnRowView]) -> rx.Component:
    return rx.hstack(
        rx.text(row.number, size="2", weight="bold"),
        rx.badge(row.status, variant="soft"),
        rx.text(row.date, size="1", color=rx.color("gray", 11)),
        rx.text(row.contents, size="2"),
        spacing="2",
        align="center",
        wrap="wrap",
        data_testid="order-return",
    )


def _card(title: str, *children: rx.Component, **props) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, as_="h2", size="4"), *children, spacing="3", width="100%"),
        width="100%",
        **props,
    )


def _actions() -> rx.Component:
    o = OrdersState.order
    return rx.hstack(
        rx.cond(
            o.can_modify_items,
            rx.button(
                "Change the items",
                variant="soft",
                on_click=OrdersState.open_dialog("items"),
                data_testid="order-modify-items",
            ),
        ),
        rx.cond(
            o.can_change_address,
            rx.button(
                "Change the address",
                variant="soft",
                on_click=OrdersState.open_dialog("address"),
                data_testid="order-change-address",
            ),
        ),
        rx.cond(
            o.can_return,
            rx.button(
                "Request a return",
                variant="soft",
                on_click=OrdersState.open_dialog("return"),
                data_testid="order-return-open",
            ),
        ),
        rx.cond(
            o.can_cancel,
            rx.button(
                "Cancel the order",
                variant="soft",
                color_scheme="red",
                on_click=OrdersState.open_dialog("cancel"),
                data_testid="order-cancel",
            ),
        ),
        spacing="2",
        wrap="wrap",
    )


def _order_detail() -> rx.Component:
    o = OrdersState.order
    return rx.vstack(
        rx.hstack(
            rx.link("Your orders", href=routes.ACCOUNT_ORDERS, size="2", data_testid="back-to-orders"),
            rx.text("/", size="2", color=rx.color("gray", 11)),
            rx.text(o.number, size="2"),
            spacing="2",
        ),
        rx.hstack(
            rx.heading("Order " + o.number, as_="h1", size="7", data_testid="order-heading"),
            parts.status_badge(o.status, o.status_label),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        rx.text("Placed " + o.date, size="2", color=rx.color("gray", 11)),
        rx.cond(
            o.sent_note != "", rx.text(o.sent_note, size="2", color=rx.color("gray", 11), data_testid="order-sent")
        ),
        _actions(),
        rx.grid(
            rx.vstack(
                _card(
                    "Items",
                    rx.vstack(rx.foreach(o.lines, parts.order_line), spacing="0", width="100%"),
                    parts.order_totals(),
                    rx.cond(
                        o.coupon_code != "", rx.text("Coupon " + o.coupon_code, size="1", color=rx.color("gray", 11))
                    ),
                ),
                rx.cond(o.returns.length() > 0, _card("Returns", rx.foreach(o.returns, _return_row))),
                spacing="4",
                width="100%",
            ),
            rx.vstack(
                _card(
                    "Status",
                    parts.timeline(),
                    rx.cond(
                        o.tracking_number != "",
                        rx.text(
                            "Tracking number ",
                            rx.cond(
                                o.tracking_url != "",
                                rx.link(
                                    rx.text.strong(o.tracking_number, data_testid="tracking-number"),
                                    " (" + o.tracking_carrier + ")",
                                    href=o.tracking_url,
                                    is_external=True,
                                    rel="noopener noreferrer",
                                    aria_label="Track the parcel with " + o.tracking_carrier + ": " + o.tracking_number,
                                    data_testid="tracking-link",
                                ),
                                rx.text.strong(o.tracking_number, data_testid="tracking-number"),
                            ),
                            size="2",
                        ),
                        rx.text(
                            "A tracking number shows here once the order ships.", size="1", color=rx.color("gray", 11)
                        ),
                    ),
                ),
                _card(
                    "Delivery and payment",
                    parts.address_block("Shipping to", o.ship_to, "order-ship-to"),
                    parts.address_block("Billing", o.bill_to, "order-bill-to"),
                    rx.text("Shipping: " + o.shipping_method, size="2"),
                    rx.text("Payment: " + o.payment_method + " (" + o.payment_status + ")", size="2"),
                ),
                spacing="4",
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", md="minmax(0, 3fr) minmax(0, 2fr)"),
            gap="24px",
            width="100%",
            align_items="start",
        ),
        parts.cancel_dialog(),
        parts.address_dialog(),
        parts.return_dialog(),
        parts.items_dialog(),
        spacing="4",
        width="100%",
        data_testid="order-page",
    )


def order_page() -> rx.Component:
    return page_layout(
        rx.cond(
            AuthState.is_forbidden,
            forbidden_panel(),
            rx.match(
                OrdersState.status,
                ("found", _order_detail()),
                (
                    "missing",
                    not_found_message(
                        "We couldn't find that order",
                        "Check the order number, or find the order in your list of orders.",
                    ),
                ),
                SPINNER,
            ),
        )
    )
