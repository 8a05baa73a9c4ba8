"""The other admin pages: categories, brands, inventory, customers (list and
detail), coupons, activity log."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.admin import (
    admin_layout,
    error_banner,
    filter_form,
    labelled,
    native_select,
    pager,
    recheck_on_change,
    table,
)
from marque_app.domain.labels import COUPON_TYPE, MOVEMENT_TYPE, choices, label
from marque_app.state.admin.others import (
    AdminActivityState,
    AdminBrandsState,
    AdminCategoriesState,
    AdminCouponsState,
    AdminCustomersState,
    AdminCustomerState,
    AdminFilterState,
    AdminInventoryState,
)


def _text_input(name: str, value, label: str, state, **props) -> rx.Component:
    return labelled(
        label,
        rx.input(
            name=name, default_value=value, data_testid=f"field-{name}", **recheck_on_change(state, name), **props
        ),
        state.error,
        state.error_field,
        name,
    )


def _active_box(value) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.checkbox(name="is_active", default_checked=value, aria_label="Active"), rx.text("Active"), spacing="2"
        )
    )


def _edit_card(
    s, noun: str, grid: list[rx.Component], below: list[rx.Component], error_testid: str = "admin-error"
) -> rx.Component:
    """The edit form of a list-and-form page (categories, brands, coupons): "New <noun>" or "Edit
    <noun>", the fields in a two-column grid, then ``below``, the Active box, Save and New. Remounts
    (``form_key``) whenever another row is put into it, so the uncontrolled inputs show that row."""
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(rx.cond(s.draft.id != "", f"Edit {noun}", f"New {noun}"), as_="h2", size="3"),
                error_banner(s.error, error_testid),
                rx.grid(*grid, columns=rx.breakpoints(initial="1", md="2"), gap="12px", width="100%"),
                *below,
                _active_box(s.draft.is_active),
                rx.hstack(
                    rx.button(f"Save {noun}", type="submit", data_testid=f"save-{noun}"),
                    rx.button("New", type="button", variant="soft", on_click=s.edit("")),
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=s.save,
            reset_on_submit=False,
            key=s.form_key,
        ),
        width="100%",
    )


# --- categories and brands ------------------------------------------------------------------------


def categories_page() -> rx.Component:
    s = AdminCategoriesState
    return admin_layout(
        "Categories",
        _edit_card(
            s,
            "category",
            [
                _text_input("name", s.draft.name, "Name", s),
                _text_input("slug", s.draft.slug, "Slug (empty: from the name)", s),
                labelled(
                    "Parent",
                    native_select("parent_id", s.parents, s.draft.parent_id, placeholder="None"),
                    s.error,
                    s.error_field,
                    "parent_id",
                ),
                _text_input("sort_order", s.draft.sort_order.to_string(), "Sort order", s, type="number"),
            ],
            [_text_input("description", s.draft.description, "Description", s)],
        ),
        table(
            ["Name", "Slug", "Parent", "Products", "Active", ""],
            rx.foreach(
                s.items,
                lambda c: rx.table.row(
                    rx.table.cell(c.name),
                    rx.table.cell(c.slug),
                    rx.table.cell(c.parent),
                    rx.table.cell(c.product_count),
                    rx.table.cell(rx.cond(c.is_active, "yes", "hidden")),
                    rx.table.cell(rx.button("Edit", size="1", variant="soft", on_click=s.edit(c.id))),
                    data_testid="category-row",
                ),
            ),
            "categories-table",
        ),
    )


def brands_page() -> rx.Component:
    s = AdminBrandsState
    return admin_layout(
        "Brands",
        _edit_card(
            s,
            "brand",
            [
                _text_input("name", s.draft.name, "Name", s),
                _text_input("slug", s.draft.slug, "Slug (empty: from the name)", s),
                _text_input("website", s.draft.website, "Website", s),
                _text_input("description", s.draft.description, "Description", s),
            ],
            [],
        ),
        table(
            ["Name", "Slug", "Website", "Products", "Active", ""],
            rx.foreach(
                s.items,
                lambda b: rx.table.row(
                    rx.table.cell(b.name),
                    rx.table.cell(b.slug),
                    rx.table.cell(b.website),
                    rx.table.cell(b.product_count),
                    rx.table.cell(rx.cond(b.is_active, "yes", "hidden")),
                    rx.table.cell(rx.button("Edit", size="1", variant="soft", on_click=s.edit(b.id))),
                    data_testid="brand-row",
                ),
            ),
            "brands-table",
        ),
    )


# --- inventory ------------------------------------------------------------------------------------


def inventory_page() -> rx.Component:
    s = AdminInventoryState
    return admin_layout(
        "Inventory",
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Adjust stock", as_="h2", size="3"),
                    error_banner(s.error, "adjust-error"),
                    rx.grid(
                        _text_input("sku", s.sku, "SKU", s),
                        _text_input("quantity_change", "", "Change (+ adds, - removes)", s, type="number"),
                        labelled(
                            "Type",
                            native_select(
                                "movement_type",
                                [("", "Automatic")] + [(k, label(MOVEMENT_TYPE, k)) for k in ("restock", "adjustment")],
                                "",
                            ),
                        ),
                        _text_input("reason", "", "Reason", s),
                        columns=rx.breakpoints(initial="1", md="4"),
                        gap="12px",
                        width="100%",
                    ),
                    rx.button("Apply adjustment", type="submit", data_testid="apply-adjustment"),
                    rx.cond(s.last_stock != "", rx.text(s.last_stock, data_testid="adjust-result")),
                    spacing="3",
                    width="100%",
                ),
                on_submit=s.adjust,
                reset_on_submit=False,
                key=s.form_key,
            ),
            width="100%",
        ),
        rx.heading("Low stock", as_="h2", size="4"),
        filter_form(
            routes.ADMIN_INVENTORY,
            rx.input(name="q", default_value=s.q, placeholder="Product or SKU"),
            on_submit=AdminFilterState.apply,
            key=s.q,
        ),
        table(
            ["Product", "SKU", "Variant", "Stock", "Threshold", "Alerts", ""],
            rx.foreach(
                s.low,
                lambda r: rx.table.row(
                    rx.table.cell(rx.link(r.product, href=f"{routes.ADMIN_INVENTORY}?product_id=" + r.product_id)),
                    rx.table.cell(rx.link(r.sku, href=f"{routes.ADMIN_INVENTORY}?variant_id=" + r.variant_id)),
                    rx.table.cell(r.variant),
                    rx.table.cell(r.stock),
                    rx.table.cell(r.threshold),
                    rx.table.cell(r.alerts, data_testid="low-stock-alerts"),
                    rx.table.cell(rx.button("Adjust", size="1", variant="soft", on_click=s.pick(r.sku))),
                    data_testid="low-stock-row",
                ),
            ),
            "low-stock-table",
        ),
        rx.heading("Movements", as_="h2", size="4"),
        rx.cond(
            (s.product_id != "") | (s.variant_id != ""), rx.link("All movements", href=routes.ADMIN_INVENTORY, size="2")
        ),
        table(
            ["When", "Product", "SKU", "Type", "Change", "After", "Reason", "By"],
            rx.foreach(
                s.movements,
                lambda m: rx.table.row(
                    rx.table.cell(m.at),
                    rx.table.cell(m.product),
                    rx.table.cell(rx.link(m.sku, href=f"{routes.ADMIN_INVENTORY}?variant_id=" + m.variant_id)),
                    rx.table.cell(m.movement_label, data_testid="movement-type"),
                    rx.table.cell(m.quantity_change),
                    rx.table.cell(m.quantity_after),
                    rx.table.cell(m.reason),
                    rx.table.cell(m.by),
                    data_testid="movement-row",
                ),
            ),
            "movements-table",
        ),
        pager(s.page, s.pages, s.movements_total, s.prev_url, s.next_url),
    )


# --- customers ------------------------------------------------------------------------------------


def customers_page() -> rx.Component:
    s = AdminCustomersState
    return admin_layout(
        "Customers",
        filter_form(
            routes.ADMIN_CUSTOMERS,
            rx.input(name="q", default_value=s.q, placeholder="Name, e-mail or phone", data_testid="customer-q"),
            on_submit=AdminFilterState.apply,
            key=s.q,
        ),
        table(
            ["Name", "E-mail", "Phone", "Joined", "Orders"],
            rx.foreach(
                s.items,
                lambda c: rx.table.row(
                    rx.table.cell(
                        rx.link(rx.cond(c.name != "", c.name, "(no name)"), href=f"{routes.ADMIN_CUSTOMERS}/" + c.id)
                    ),
                    rx.table.cell(c.email),
                    rx.table.cell(c.phone),
                    rx.table.cell(c.joined),
                    rx.table.cell(c.order_count),
                    data_testid="customer-row",
                ),
            ),
            "customers-table",
        ),
        pager(s.page, s.pages, s.total, s.prev_url, s.next_url),
    )


def _section(title: str, *children) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(title, as_="h2", size="3"), *children, spacing="2", width="100%"), width="100%")


def customer_page() -> rx.Component:
    s = AdminCustomerState
    c = s.customer
    return admin_layout(
        "Customer",
        rx.link("All customers", href=routes.ADMIN_CUSTOMERS, size="2"),
        rx.cond(
            s.not_found,
            rx.text("This customer does not exist."),
            rx.vstack(
                _section(
                    "Profile",
                    rx.text(c.name, weight="bold"),
                    rx.text(c.email),
                    rx.text(c.phone),
                    rx.text("Joined ", c.joined, size="2"),
                    rx.cond(c.last_login != "", rx.text("Last log-in ", c.last_login, size="2")),
                ),
                _section(
                    "Orders",
                    table(
                        ["Number", "Date", "Status", "Payment", "Total", "Tracking"],
                        rx.foreach(
                            c.orders,
                            lambda o: rx.table.row(
                                rx.table.cell(o.number),
                                rx.table.cell(o.date),
                                rx.table.cell(o.status_label),
                                rx.table.cell(o.payment_label),
                                rx.table.cell(o.total),
                                rx.table.cell(o.tracking_number),
                            ),
                        ),
                        "customer-orders",
                    ),
                ),
                _section(
                    "Cart",
                    rx.foreach(
                        c.cart,
                        lambda line: rx.text(
                            line.quantity, " x ", line.product, " (", line.variant, ", ", line.sku, ")", size="2"
                        ),
                    ),
                ),
                _section("Wishlist", rx.foreach(c.wishlist, lambda name: rx.text(name, size="2"))),
                _section("Addresses", rx.foreach(c.addresses, lambda a: rx.text(a, size="2"))),
                _section(
                    "Notes",
                    rx.form(
                        rx.vstack(
                            rx.text_area(name="note", placeholder="Add a note for the team", data_testid="note-input"),
                            error_banner(s.error, "note-error"),
                            rx.button("Add note", type="submit", data_testid="add-note"),
                            spacing="2",
                            width="100%",
                        ),
                        on_submit=s.add_note,
                        reset_on_submit=False,
                        key=s.form_key,
                        width="100%",
                    ),
                    rx.foreach(
                        c.notes,
                        lambda n: rx.box(
                            rx.text(n.body, size="2"),
                            rx.text(n.author, " - ", n.at, size="1", color=rx.color("gray", 11)),
                            data_testid="note",
                        ),
                    ),
                ),
                spacing="3",
                width="100%",
            ),
        ),
    )


# --- coupons --------------------------------------------------------------------------------------

COUPON_TYPES = choices(COUPON_TYPE)


def coupons_page() -> rx.Component:
    s = AdminCouponsState
    d = s.draft
    return admin_layout(
        "Coupons",
        _edit_card(
            s,
            "coupon",
            [
                _text_input("code", d.code, "Code", s),
                _text_input("name", d.name, "Name", s),
                labelled("Type", native_select("type", COUPON_TYPES, d.type), s.error, s.error_field, "type"),
                _text_input("value", d.value, "Value", s, inputmode="decimal"),
                _text_input("minimum_order_amount", d.minimum_order_amount, "Minimum order", s),
                _text_input("maximum_discount_amount", d.maximum_discount_amount, "Maximum discount", s),
                _text_input("usage_limit", d.usage_limit, "Usage limit (empty: none)", s, type="number"),
                _text_input("usage_limit_per_customer", d.usage_limit_per_customer, "Per customer", s, type="number"),
                _text_input("starts_at", d.starts_at, "Starts (UTC)", s, type="datetime-local"),
                _text_input("expires_at", d.expires_at, "Ends (UTC)", s, type="datetime-local"),
            ],
            [_text_input("description", d.description, "Description", s)],
            error_testid="coupon-error",
        ),
        filter_form(
            routes.ADMIN_COUPONS,
            rx.input(name="q", default_value=s.q, placeholder="Code or name"),
            native_select("active", [("", "All"), ("1", "Active"), ("0", "Inactive")], s.active),
            on_submit=AdminFilterState.apply,
            key=s.q + s.active,
        ),
        table(
            ["Code", "Name", "Type", "Value", "Used", "Ends", "Active", ""],
            rx.foreach(
                s.items,
                lambda c: rx.table.row(
                    rx.table.cell(c.code),
                    rx.table.cell(c.name),
                    rx.table.cell(c.type_label, data_testid="coupon-type"),
                    rx.table.cell(c.value_text, data_testid="coupon-value"),
                    rx.table.cell(c.used_count),
                    rx.table.cell(c.expires_at),
                    rx.table.cell(rx.cond(c.is_active, "yes", "no")),
                    rx.table.cell(
                        rx.hstack(
                            rx.button("Edit", size="1", variant="soft", on_click=s.edit(c.id)),
                            rx.cond(
                                c.is_active,
                                rx.button(
                                    "Deactivate",
                                    size="1",
                                    variant="soft",
                                    color_scheme="red",
                                    on_click=s.deactivate(c.id),
                                ),
                            ),
                        )
                    ),
                    data_testid="coupon-row",
                ),
            ),
            "coupons-table",
        ),
        pager(s.page, s.pages, s.total, s.prev_url, s.next_url),
    )


# --- activity -------------------------------------------------------------------------------------

ENTITY_TYPES = [
    ("", "Everything"),
    ("order", "Orders"),
    ("return", "Returns"),
    ("review", "Reviews"),
    ("product", "Products"),
    ("variant", "Variants"),
    ("category", "Categories"),
    ("brand", "Brands"),
    ("coupon", "Coupons"),
    ("customer", "Customers"),
    ("user", "Accounts and log-ins"),
]


def activity_page() -> rx.Component:
    s = AdminActivityState
    return admin_layout(
        "Activity",
        filter_form(
            routes.ADMIN_ACTIVITY,
            native_select("entity_type", ENTITY_TYPES, s.entity_type),
            rx.input(name="actor", default_value=s.actor, placeholder="Admin e-mail"),
            rx.input(name="q", default_value=s.q, placeholder="Words of the summary"),
            on_submit=AdminFilterState.apply,
            key=s.entity_type + s.actor + s.q,
        ),
        table(
            ["When", "Who", "Action", "What"],
            rx.foreach(
                s.items,
                lambda a: rx.table.row(
                    rx.table.cell(a.at_text),
                    rx.table.cell(a.actor),
                    rx.table.cell(a.action),
                    rx.table.cell(a.summary),
                    data_testid="activity-row",
                ),
            ),
            "activity-table",
        ),
        pager(s.page, s.pages, s.total, s.prev_url, s.next_url),
    )
