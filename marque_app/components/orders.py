"""Pieces of the account's order pages: the list's rows, a status badge, the timeline, totals,
and the dialogs for cancelling, changing the address and requesting a return."""

from __future__ import annotations

import reflex as rx

from marque_app.components.auth import error_callout
from marque_app.components.cart import total_row
from marque_app.state.checkout import ADDRESS_FIELDS
from marque_app.state.orders import (
    RETURN_REASONS,
    OrderLineView,
    OrderRowView,
    OrdersState,
    TimelineStepView,
)


def status_badge(status: rx.Var[str], label: rx.Var[str]) -> rx.Component:
    return rx.badge(
        label,
        color_scheme=rx.match(
            status,
            ("pending", "amber"),
            ("processing", "blue"),
            ("shipped", "iris"),
            ("delivered", "grass"),
            "gray",
        ),
        variant="soft",
        size="2",
        data_testid="order-status",
        data_status=status,
    )


def order_row(row: rx.Var[OrderRowView]) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.vstack(
                    rx.text(row.number, size="3", weight="bold", data_testid="order-number"),
                    rx.text(row.date, size="1", color=rx.color("gray", 11), data_testid="order-date"),
                    spacing="1",
                    align="start",
                ),
                status_badge(row.status, row.status_label),
                rx.spacer(),
                rx.vstack(
                    rx.text(row.total, size="3", weight="bold", data_testid="order-total"),
                    rx.text(
                        row.item_count.to_string() + rx.cond(row.item_count == 1, " item", " items"),
                        size="1",
                        color=rx.color("gray", 11),
                        data_testid="order-items",
                    ),
                    spacing="1",
                    align="end",
                ),
                align="center",
                spacing="3",
                width="100%",
                wrap="wrap",
            ),
            width="100%",
            _hover={"background": rx.color("gray", 2)},
        ),
        href=row.href,
        underline="none",
        color=rx.color("gray", 12),
        width="100%",
        data_testid="order-row",
    )


def _step(step: rx.Var[TimelineStepView]) -> rx.Component:
    colour = rx.match(
        step.state,
        ("done", rx.color("grass", 9)),
        ("current", rx.color("accent", 9)),
        ("stopped", rx.color("red", 9)),
        rx.color("gray", 6),
    )
    return rx.hstack(
        rx.box(width="12px", height="12px", border_radius="50%", background=colour, flex_shrink="0", margin_top="4px"),
        rx.vstack(
            rx.text(
                step.label,
                size="2",
                weight=rx.cond(step.state == "todo", "regular", "medium"),
                color=rx.cond(step.state == "todo", rx.color("gray", 11), rx.color("gray", 12)),
            ),
            rx.cond(step.date != "", rx.text(step.date, size="1", color=rx.color("gray", 11))),
            spacing="0",
            align="start",
        ),
        spacing="2",
        align="start",
        data_testid="timeline-step",
        data_state=step.state,
    )


def timeline() -> rx.Component:
    return rx.vstack(
        rx.foreach(OrdersState.order.timeline, _step),
        spacing="3",
        width="100%",
        as_="ol",
        aria_label="Order status",
        data_testid="order-timeline",
    )


def priced_line(line: rx.Var, **props) -> rx.Component:
    """A line as the checkout summary and an order show it: name, variant, "2 × $10.00", total."""
    return rx.hstack(
        rx.vstack(
            rx.text(line.name, size="2", weight="medium"),
            rx.cond(
                line.variant_label != "",
                rx.text(line.variant_label, size="1", color=rx.color("gray", 11), data_testid="line-variant"),
            ),
            rx.text(line.quantity.to_string() + " × " + line.unit_price, size="1", color=rx.color("gray", 11)),
            spacing="0",
            align="start",
            flex="1",
            min_width="0",
        ),
        rx.text(line.line_total, size="2", weight="medium"),
        width="100%",
        align="start",
        **props,
    )


def order_line(line: rx.Var[OrderLineView]) -> rx.Component:
    return priced_line(
        line,
        padding_y="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_testid="order-line",
    )


def order_totals() -> rx.Component:
    o = OrdersState.order
    return rx.vstack(
        total_row("Subtotal", o.subtotal, "order-subtotal"),
        rx.cond(o.has_discount, total_row("Discount", "−" + o.discount, "order-discount")),
        total_row("Shipping", o.shipping, "order-shipping"),
        total_row("Tax", o.tax, "order-tax"),
        rx.separator(size="4"),
        total_row("Total", o.total, "order-detail-total", strong=True),
        spacing="2",
        width="100%",
    )


def address_block(title: str, lines: rx.Var, testid: str) -> rx.Component:
    return rx.vstack(
        rx.text(title, size="2", weight="bold"),
        rx.foreach(lines, lambda line: rx.text(line, size="2")),
        spacing="0",
        align="start",
        data_testid=testid,
    )


# --- dialogs ---------------------------------------------------------------------------------


def _dialog(name: str, title: str, *children: rx.Component) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            error_callout(OrdersState.action_error, f"{name}-error"),
            *children,
            max_width="560px",
            data_testid=f"{name}-dialog",
        ),
        open=OrdersState.dialog == name,
        on_open_change=OrdersState.set_dialog_open,
    )


def _buttons(label: str, testid: str, colour: str = "") -> rx.Component:
    colour_prop = {"color_scheme": colour} if colour else {}
    return rx.hstack(
        rx.dialog.close(rx.button("Back", type="button", variant="soft", color_scheme="gray")),
        rx.button(label, type="submit", loading=OrdersState.busy, data_testid=testid, **colour_prop),
        justify="end",
        width="100%",
    )


def cancel_dialog() -> rx.Component:
    return _dialog(
        "cancel",
        "Cancel this order?",
        rx.form(
            rx.vstack(
                rx.text("The order is cancelled at once and nothing is charged.", size="2", color=rx.color("gray", 11)),
                rx.el.label(
                    rx.vstack(
                        rx.text("Why are you cancelling? (optional)", size="2", weight="medium"),
                        rx.text_area(name="reason", max_length=500, width="100%", data_testid="cancel-reason"),
                        spacing="1",
                        width="100%",
                    ),
                    width="100%",
                ),
                _buttons("Cancel the order", "cancel-confirm", "red"),
                spacing="3",
                width="100%",
            ),
            on_submit=OrdersState.cancel_order,
            reset_on_submit=False,
            key=OrdersState.form_key.to_string(),
        ),
    )


def address_dialog() -> rx.Component:
    current = OrdersState.order.shipping_address

    def text(name: str, label: str, required: bool, auto: str, limit: int) -> rx.Component:
        return rx.el.label(
            rx.vstack(
                rx.text(label + ("" if required else " (optional)"), size="2", weight="medium"),
                rx.input(
                    name=name,
                    default_value=current[name].to(str),
                    max_length=limit,
                    auto_complete=f"shipping {auto}",
                    width="100%",
                    aria_invalid=rx.cond(OrdersState.action_error_field == name, "true", "false"),
                    data_testid=f"change-{name.replace('_', '-')}",
                ),
                spacing="1",
                width="100%",
            ),
            width="100%",
        )

    return _dialog(
        "address",
        "Change the shipping address",
        rx.form(
            rx.vstack(
                rx.grid(
                    *[text(*spec) for spec in ADDRESS_FIELDS],
                    columns=rx.breakpoints(initial="1", sm="2"),
                    gap="12px",
                    width="100%",
                ),
                _buttons("Save the address", "address-change-save"),
                spacing="3",
                width="100%",
            ),
            on_submit=OrdersState.change_address,
            reset_on_submit=False,
            key=OrdersState.form_key.to_string(),
        ),
    )


def _return_line(line: rx.Var[OrderLineView]) -> rx.Component:
    return rx.cond(
        line.returnable > 0,
        rx.grid(
            rx.text(line.name, size="2", weight="medium", grid_column="1 / -1"),
            rx.el.label(
                rx.vstack(
                    rx.text("Quantity", size="1"),
                    rx.el.select(
                        rx.foreach(line.return_options, lambda n: rx.el.option(n, value=n)),
                        name="qty_" + line.id,
                        default_value="0",
                        data_testid="return-qty",
                    ),
                    spacing="1",
                ),
            ),
            rx.el.label(
                rx.vstack(
                    rx.text("Reason", size="1"),
                    rx.el.select(
                        *[rx.el.option(label, value=value) for value, label in RETURN_REASONS],
                        name="reason_" + line.id,
                        default_value=RETURN_REASONS[0][0],
                        data_testid="return-reason",
                    ),
                    spacing="1",
                ),
            ),
            columns="2",
            gap="8px",
            width="100%",
            padding_y="8px",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
            data_testid="return-line",
        ),
    )


def return_dialog() -> rx.Component:
    return _dialog(
        "return",
        "Request a return",
        rx.form(
            rx.vstack(
                rx.text("Choose the items to send back, how many, and why.", size="2", color=rx.color("gray", 11)),
                rx.foreach(OrdersState.order.lines, _return_line),
                rx.el.label(
                    rx.vstack(
                        rx.text("Anything else we should know? (optional)", size="2", weight="medium"),
                        rx.text_area(name="comments", max_length=1000, width="100%", data_testid="return-comments"),
                        spacing="1",
                        width="100%",
                    ),
                    width="100%",
                ),
                _buttons("Request the return", "return-submit"),
                spacing="3",
                width="100%",
            ),
            on_submit=OrdersState.request_return,
            reset_on_submit=False,
            key=OrdersState.form_key.to_string(),
        ),
    )


def _item_quantity(line: rx.Var[OrderLineView]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(line.name, size="2", weight="medium"),
            rx.text(line.variant_label + " · " + line.unit_price, size="1", color=rx.color("gray", 11)),
            spacing="0",
            flex="1",
        ),
        rx.input(
            name="mq_" + line.sku_id,
            type="number",
            min=0,
            max=99,
            default_value=line.quantity.to_string(),
            width="80px",
            aria_label="Quantity of " + line.name,
            data_testid="modify-qty-" + line.sku,
        ),
        align="center",
        width="100%",
        spacing="3",
    )


def items_dialog() -> rx.Component:
    """Change the quantities of a pending or processing order (0 removes the item)."""
    return _dialog(
        "items",
        "Change the items",
        rx.form(
            rx.vstack(
                rx.text(
                    "Set a new quantity; 0 removes the item. The totals and the payment follow.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.foreach(OrdersState.order.lines, _item_quantity),
                _buttons("Save the changes", "modify-items-confirm"),
                spacing="3",
                width="100%",
            ),
            on_submit=OrdersState.modify_items,
            reset_on_submit=False,
            key=OrdersState.form_key.to_string(),
        ),
    )
