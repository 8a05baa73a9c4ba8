"""Admin orders: the list with filters, and one order (status moves, tracking, notes, refund)."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.admin import (
    admin_layout,
    error_banner,
    field_error,
    labelled,
    native_select,
    pager,
    table,
)
from marque_app.domain.orders import STATUS_LABELS, STATUSES
from marque_app.state.admin.orders import PAYMENT_CHOICES, AdminOrdersState, AdminOrderState

STATUS_CHOICES = [("", "Any status")] + [(s, STATUS_LABELS[s]) for s in STATUSES]


def orders_list() -> rx.Component:
    s = AdminOrdersState
    f = s.filters
    return admin_layout(
        "Orders",
        # shown once loaded: the inputs are uncontrolled, and a new key (the URL's filters) remounts
        # them with their values
        rx.cond(
            s.filter_key != "",
            rx.form(
                rx.flex(
                    labelled(
                        "Search",
                        rx.input(
                            name="q", default_value=f["q"], placeholder="Order number or e-mail", data_testid="orders-q"
                        ),
                    ),
                    labelled("Status", native_select("status", STATUS_CHOICES, f["status"], testid="orders-status")),
                    labelled(
                        "Payment",
                        native_select("payment_status", PAYMENT_CHOICES, f["payment_status"], testid="orders-payment"),
                    ),
                    labelled(
                        "From",
                        rx.input(
                            name="date_from", type="date", default_value=f["date_from"], data_testid="orders-from"
                        ),
                    ),
                    labelled(
                        "To", rx.input(name="date_to", type="date", default_value=f["date_to"], data_testid="orders-to")
                    ),
                    rx.button("Apply", type="submit", size="2", data_testid="filter-apply"),
                    gap="8px",
                    wrap="wrap",
                    align="end",
                    width="100%",
                ),
                on_submit=s.apply,
                reset_on_submit=False,
                key=s.filter_key,
                width="100%",
                data_testid="orders-filters",
                data_filters=s.filter_key,
            ),
        ),
        error_banner(s.error, "orders-error"),
        # a phone gets one card per order, a wider screen the table (CSS only: both are in the page)
        rx.box(
            rx.vstack(rx.foreach(s.items, _order_card), spacing="2", width="100%"),
            display=["block", "block", "none"],
            width="100%",
            data_testid="orders-cards",
        ),
        rx.box(
            table(
                ["Number", "Date (UTC)", "Customer", "Status", "Payment", "Items", "Total", "Tracking"],
                rx.foreach(
                    s.items,
                    lambda o: rx.table.row(
                        rx.table.cell(rx.link(o.order_number, href="/admin/orders/" + o.id, data_testid="order-link")),
                        rx.table.cell(o.created_at, data_testid="order-date"),
                        rx.table.cell(o.customer, data_testid="order-customer"),
                        rx.table.cell(o.status_label, data_testid="order-row-status"),
                        rx.table.cell(o.payment_label, data_testid="order-payment"),
                        rx.table.cell(o.item_count),
                        rx.table.cell(o.total_text, data_testid="order-total"),
                        rx.table.cell(o.tracking_number),
                        data_testid="order-row",
                    ),
                ),
                "orders-table",
            ),
            display=["none", "none", "block"],
            width="100%",
        ),
        pager(s.page, s.pages, s.total, s.prev_url, s.next_url),
    )


def _order_card(o) -> rx.Component:
    """One order on a phone: its number (the link to it), date, customer, status and total."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(
                    rx.text.strong(o.order_number),
                    href="/admin/orders/" + o.id,
                    data_testid="order-card-link",
                ),
                rx.spacer(),
                rx.text(o.total_text, weight="bold", data_testid="order-card-total"),
                width="100%",
                align="center",
            ),
            rx.text(o.customer, size="2", word_break="break-all", data_testid="order-card-customer"),
            rx.hstack(
                rx.badge(o.status_label, data_testid="order-card-status"),
                rx.text(o.created_at, size="1", color=rx.color("gray", 11), data_testid="order-card-date"),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            spacing="1",
            width="100%",
        ),
        width="100%",
        data_testid="order-card",
    )


def _section(title: str, *children: rx.Component) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(title, as_="h2", size="3"), *children, spacing="2", width="100%"), width="100%")


def _items_form() -> rx.Component:
    """Change quantities (0 removes), add a SKU by its id; stock, totals and payment follow."""
    s = AdminOrderState
    return _section(
        "Change items",
        rx.form(
            rx.vstack(
                rx.foreach(
                    s.order.lines,
                    lambda li: rx.hstack(
                        rx.text(li["name"], " ", li["variant_label"], " (", li["sku"], ")", size="2", flex="1"),
                        rx.input(
                            name="mq_" + li["sku_id"].to(str),
                            type="number",
                            min=0,
                            max=99,
                            default_value=li["quantity"].to_string(),
                            width="80px",
                            data_testid="admin-modify-qty-" + li["sku"].to(str),
                        ),
                        align="center",
                        width="100%",
                    ),
                ),
                rx.hstack(
                    rx.input(name="add_sku", placeholder="Add a SKU (its id)", data_testid="admin-add-sku", flex="1"),
                    rx.input(name="add_quantity", type="number", min=1, max=99, placeholder="Qty", width="80px"),
                    width="100%",
                ),
                field_error(s.error, s.error_field, "items"),
                rx.button("Save the items", type="submit", data_testid="admin-modify-items"),
                spacing="2",
                width="100%",
            ),
            on_submit=s.modify_items,
            reset_on_submit=False,
            key=s.form_key.to_string(),
            width="100%",
        ),
    )


def order_page() -> rx.Component:
    s = AdminOrderState
    o = s.order
    return admin_layout(
        "Order",
        rx.link("All orders", href=routes.ADMIN_ORDERS, size="2"),
        rx.cond(
            s.not_found,
            rx.text("This order does not exist."),
            rx.vstack(
                _section(
                    "Summary",
                    rx.heading(o.order_number, as_="h3", size="4", data_testid="order-number"),
                    rx.text("Placed ", o.created_at, " by ", o.email, size="2"),
                    rx.text("Status: ", rx.text.strong(o.status_label, data_testid="order-status"), size="2"),
                    rx.text("Payment: ", rx.text.span(o.payment_label, data_testid="order-payment-label"), size="2"),
                    rx.text(
                        "Total ",
                        rx.text.span(o.money["total"], data_testid="order-total-text"),
                        " (subtotal ",
                        o.money["subtotal"],
                        ", discount ",
                        o.money["discount"],
                        ", shipping ",
                        o.money["shipping"],
                        ", tax ",
                        o.money["tax"],
                        ")",
                        size="2",
                    ),
                    rx.text("Ship to: ", o.shipping_address, size="2"),
                    rx.text(
                        "Tracking: ",
                        rx.cond(
                            o.tracking_url != "",
                            rx.link(
                                rx.text.span(o.tracking_number, data_testid="order-tracking"),
                                href=o.tracking_url,
                                is_external=True,
                                rel="noopener noreferrer",
                                data_testid="order-tracking-link",
                            ),
                            rx.text.span(o.tracking_number, data_testid="order-tracking"),
                        ),
                        size="2",
                    ),
                ),
                _section(
                    "Lines",
                    table(
                        ["Product", "Variant", "SKU", "Qty", "Price", "Total"],
                        rx.foreach(
                            o.lines,
                            lambda li: rx.table.row(
                                rx.table.cell(li["name"]),
                                rx.table.cell(li["variant_label"]),
                                rx.table.cell(li["sku"]),
                                rx.table.cell(li["quantity"]),
                                rx.table.cell(li["unit_price_text"]),
                                rx.table.cell(li["line_total_text"]),
                            ),
                        ),
                        "order-lines",
                    ),
                ),
                rx.cond(o.can_modify_items, _items_form()),
                _section(
                    "Change status",
                    error_banner(s.error, "order-error"),
                    rx.cond(
                        o.next_statuses.length() > 0,
                        rx.form(
                            rx.vstack(
                                # only the moves the state machine allows now (the server checks again)
                                labelled(
                                    "New status",
                                    native_select(
                                        "status", s.next_choices, "", testid="status-select", placeholder="Choose"
                                    ),
                                    s.error,
                                    s.error_field,
                                    "status",
                                ),
                                labelled(
                                    "Tracking number (when shipping)",
                                    rx.input(name="tracking_number", data_testid="tracking-input"),
                                    s.error,
                                    s.error_field,
                                    "tracking_number",
                                ),
                                labelled("Note", rx.input(name="note", data_testid="status-note")),
                                rx.button("Change status", type="submit", data_testid="change-status"),
                                spacing="2",
                                width="100%",
                            ),
                            on_submit=s.change_status,
                            reset_on_submit=False,
                            key=s.form_key.to_string(),
                            width="100%",
                        ),
                        rx.text("No further status change is possible.", size="2"),
                    ),
                ),
                _section(
                    "Payment",
                    rx.cond(
                        o.can_mark_paid,
                        rx.button("Cash received", on_click=s.mark_paid, variant="soft", data_testid="mark-paid"),
                    ),
                    rx.cond(
                        o.can_refund,
                        rx.form(
                            rx.hstack(
                                rx.input(
                                    name="amount",
                                    placeholder="Amount (empty: all that is left)",
                                    inputmode="decimal",
                                    data_testid="refund-amount",
                                ),
                                rx.button(o.refund_label, type="submit", color_scheme="red", data_testid="refund"),
                                wrap="wrap",
                            ),
                            rx.text(o.refund_hint, size="1", color=rx.color("gray", 11), data_testid="refund-hint"),
                            field_error(s.error, s.error_field, "amount"),
                            on_submit=s.refund,
                            reset_on_submit=True,
                        ),
                        rx.text(o.refund_hint, size="1", color=rx.color("gray", 11), data_testid="refund-hint"),
                    ),
                ),
                _section(
                    "Admin notes",
                    rx.text(o.admin_notes, white_space="pre-wrap", size="2", data_testid="admin-notes"),
                    rx.form(
                        rx.hstack(
                            rx.input(name="note", placeholder="Note for the team", data_testid="order-note"),
                            rx.button("Add note", type="submit", data_testid="add-order-note"),
                        ),
                        field_error(s.error, s.error_field, "note"),
                        on_submit=s.add_note,
                        reset_on_submit=True,
                    ),
                ),
                _section(
                    "Timeline",
                    rx.foreach(
                        o.timeline,
                        lambda t: rx.text(
                            t["at"], " - ", t["label"], " ", t["note"], size="2", data_testid="timeline-row"
                        ),
                    ),
                ),
                spacing="3",
                width="100%",
            ),
        ),
    )
