"""The admin's frame and pieces: a left sidebar (a drawer on phones), the 403 panel, tables,
pagers, labelled fields with their own error line. No database access here."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.auth import forbidden_panel
from marque_app.components.focus_error import focus_first_error
from marque_app.state.auth import AuthState

NAV = (
    ("Dashboard", routes.ADMIN, "layout-dashboard"),
    ("Products", routes.ADMIN_PRODUCTS, "package"),
    ("Orders", routes.ADMIN_ORDERS, "shopping-bag"),
    ("Returns", routes.ADMIN_RETURNS, "undo-2"),
    ("Categories", routes.ADMIN_CATEGORIES, "folder-tree"),
    ("Brands", routes.ADMIN_BRANDS, "tag"),
    ("Inventory", routes.ADMIN_INVENTORY, "warehouse"),
    ("Customers", routes.ADMIN_CUSTOMERS, "users"),
    ("Coupons", routes.ADMIN_COUPONS, "ticket-percent"),
    ("Reviews", routes.ADMIN_REVIEWS, "message-square"),
    ("Reports", routes.ADMIN_REPORTS, "chart-line"),
    ("Analytics", routes.ADMIN_ANALYTICS, "chart-column"),
    ("Activity", routes.ADMIN_ACTIVITY, "history"),
)


def _nav_links() -> rx.Component:
    return rx.vstack(
        *[
            rx.link(
                rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2"), spacing="2", align="center"),
                href=href,
                underline="none",
                color=rx.color("gray", 12),
                padding_x="10px",
                padding_y="6px",
                border_radius="6px",
                width="100%",
                _hover={"background": rx.color("gray", 4)},
                data_testid=f"admin-nav-{label.lower()}",
            )
            for label, href, icon in NAV
        ],
        rx.link(rx.text("Back to the shop", size="1"), href=routes.HOME, padding_x="10px", padding_top="12px"),
        spacing="1",
        width="100%",
    )


def sidebar() -> rx.Component:
    return rx.el.nav(
        rx.text("Marque admin", size="4", weight="bold", padding_x="10px", padding_bottom="12px"),
        _nav_links(),
        display=rx.breakpoints(initial="none", md="block"),
        width="220px",
        min_width="220px",
        padding="16px",
        border_right=f"1px solid {rx.color('gray', 5)}",
        min_height="100vh",
        background=rx.color("gray", 2),
        aria_label="Admin",
        data_testid="admin-sidebar",
    )


def mobile_bar() -> rx.Component:
    return rx.hstack(
        rx.drawer.root(
            rx.drawer.trigger(
                rx.icon_button(rx.icon("menu"), variant="ghost", aria_label="Menu", data_testid="admin-menu")
            ),
            rx.drawer.overlay(),
            rx.drawer.portal(
                rx.drawer.content(
                    rx.box(_nav_links(), padding="16px"),
                    background=rx.color("gray", 1),
                    width="240px",
                    height="100%",
                )
            ),
            direction="left",
        ),
        rx.text("Marque admin", size="3", weight="bold"),
        display=rx.breakpoints(initial="flex", md="none"),
        padding="10px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        align="center",
        width="100%",
    )


def admin_layout(title: str, *children: rx.Component) -> rx.Component:
    """An admin page: shown to an admin only (the server checked the role on load); a logged-in
    user of another role sees the 403 panel; a guest is sent to log in."""
    content = rx.vstack(rx.heading(title, as_="h1", size="6"), *children, spacing="4", width="100%")
    return rx.cond(
        AuthState.is_forbidden,
        forbidden_panel(),
        rx.cond(
            AuthState.is_logged_in & (AuthState.user_role == "admin"),
            rx.flex(
                sidebar(),
                rx.box(
                    mobile_bar(),
                    rx.el.main(content, padding=rx.breakpoints(initial="12px", md="24px"), width="100%"),
                    flex="1",
                    min_width="0",
                ),
                width="100%",
                min_height="100vh",
                data_testid="admin-page",
            ),
            rx.center(rx.spinner(), padding="80px", width="100%"),
        ),
    )


def field_error(error: rx.Var, error_field: rx.Var, name: str) -> rx.Component:
    return rx.cond(
        (error_field == name) & (error != ""),
        rx.text(error, color=rx.color("red", 11), size="1", data_testid=f"error-{name}"),
    )


def recheck_on_change(state, name: str | rx.Var) -> dict:
    """``on_change`` for a field of a form with one error: while this field holds the error, each
    change asks ``state.recheck`` (the field's own rule, ``domain.admin.field_problem``), so the
    error goes as soon as the field is right. Other fields send nothing."""
    return {
        "on_change": lambda value: rx.cond(state.error_field == name, state.recheck(name, value), rx.noop()),
    }


def labelled(
    label: str, control: rx.Component, error: rx.Var | None = None, error_field: rx.Var | None = None, name: str = ""
) -> rx.Component:
    parts = [rx.text(label, size="1", weight="medium"), control]
    if error is not None and error_field is not None and name:
        parts.append(field_error(error, error_field, name))
    return rx.el.label(rx.vstack(*parts, spacing="1", width="100%"), width="100%")


def native_select(
    name: str, options: list[tuple[str, str]] | rx.Var, value, testid: str = "", placeholder: str | None = None, **props
) -> rx.Component:
    """A plain ``<select>`` (a form field by name), from (value, label) pairs or a Var of Choices."""
    first = [rx.el.option(placeholder, value="")] if placeholder is not None else []
    if isinstance(options, rx.Var):
        children = [*first, rx.foreach(options, lambda c: rx.el.option(c.label, value=c.value))]
    else:
        children = [*first, *[rx.el.option(label, value=val) for val, label in options]]
    # a name for screen readers (and axe's select-name) when no <label> wraps it: "category_id" -> "Category"
    props.setdefault("aria_label", name.removesuffix("_id").replace("_", " ").capitalize())
    return rx.el.select(
        *children,
        name=name,
        default_value=value,
        data_testid=testid or f"field-{name}",
        style={
            "padding": "6px 8px",
            "border": f"1px solid {rx.color('gray', 7)}",
            "border_radius": "6px",
            "background": rx.color("gray", 1),
            "width": "100%",
            "font_size": "14px",
        },
        **props,
    )


def error_banner(error: rx.Var, testid: str = "admin-error") -> rx.Component:
    return rx.cond(
        error != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle_alert")),
            rx.callout.text(error),
            focus_first_error(error),  # the keyboard lands on the first error
            color_scheme="red",
            role="alert",
            size="1",
            width="100%",
            data_testid=testid,
        ),
    )


def table(headers: list[str], body: rx.Component, testid: str) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(body),
            variant="surface",
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
        data_testid=testid,
    )


def pager(page: rx.Var, pages: rx.Var, total: rx.Var, prev_url: rx.Var, next_url: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.cond(page > 1, rx.link("Previous", href=prev_url, data_testid="pager-prev")),
        rx.text("Page ", page, " of ", rx.cond(pages > 0, pages, 1), " (", total, ")", size="2"),
        rx.cond(page < pages, rx.link("Next", href=next_url, data_testid="pager-next")),
        spacing="3",
        align="center",
    )


def filter_form(base: str, *fields: rx.Component, on_submit, key=None) -> rx.Component:
    """A row of filters whose submit puts them into the URL (``AdminFilterState.apply``)."""
    return rx.form(
        rx.flex(
            rx.el.input(type="hidden", name="_base", value=base),
            *fields,
            rx.button("Apply", type="submit", size="2", data_testid="filter-apply"),
            gap="8px",
            wrap="wrap",
            align="end",
            width="100%",
        ),
        on_submit=on_submit,
        reset_on_submit=False,
        key=key,
        width="100%",
    )
