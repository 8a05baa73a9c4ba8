"""Admin dashboard (/admin: period cards, 30-day charts, orders by status, top products, low
stock, demand for sold-out SKUs: carts, wishlists and back-in-stock alerts) and reports (/admin/reports: sales by day, product or customer
over chosen UTC days, with totals and a CSV download)."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.admin import admin_layout, error_banner, labelled, native_select, table
from marque_app.state.admin.reports import KIND_LABELS, AdminDashboardState, AdminReportsState

ACCENT = "var(--accent-9)"


def _card(title: str, *children: rx.Component, testid: str = "", **props) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="3", as_="h2"), *children, spacing="3", width="100%"),
        width="100%",
        min_width="0",
        data_testid=testid,
        **props,
    )


def _empty(text: str, testid: str) -> rx.Component:
    return rx.text(text, size="2", color=rx.color("gray", 11), data_testid=testid)


def _period(p) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(p.label, size="2", color=rx.color("gray", 11), weight="medium"),
            rx.hstack(
                rx.text(p.revenue_text, size="7", weight="bold", data_testid="period-revenue"),
                align="baseline",
                spacing="1",
                wrap="wrap",
            ),
            rx.text(
                rx.text.span(p.orders, weight="bold", data_testid="period-orders"),
                rx.cond(p.orders == 1, " order", " orders"),
                size="2",
            ),
            spacing="1",
        ),
        width="100%",
        data_testid="period-card",
    )


def _chart(title: str, testid: str, chart: rx.Component) -> rx.Component:
    s = AdminDashboardState
    return _card(
        title,
        rx.cond(
            s.has_sales,
            rx.box(chart, width="100%", height="240px", data_testid=testid),
            _empty("No orders in the last 30 days.", f"{testid}-empty"),
        ),
    )


def _revenue_chart() -> rx.Component:
    return rx.recharts.area_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="label", min_tick_gap=16, tick_line=False, font_size=11),
        rx.recharts.y_axis(width=56, tick_line=False, font_size=11),
        rx.recharts.tooltip(),
        rx.recharts.area(
            data_key="revenue",
            name="Revenue",
            type_="monotone",
            stroke=ACCENT,
            fill=ACCENT,
            fill_opacity=0.2,
            stroke_width=2,
            is_animation_active=False,
        ),
        data=AdminDashboardState.series,
        height=240,
        margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
    )


def _orders_chart() -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="label", min_tick_gap=16, tick_line=False, font_size=11),
        rx.recharts.y_axis(width=40, allow_decimals=False, tick_line=False, font_size=11),
        rx.recharts.tooltip(),
        rx.recharts.bar(data_key="orders", name="Orders", fill=ACCENT, radius=[3, 3, 0, 0], is_animation_active=False),
        data=AdminDashboardState.series,
        height=240,
        margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
    )


def _status_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(r["label"], href=r["href"], data_testid="status-link")),
        rx.table.cell(
            rx.box(
                rx.box(height="8px", width=r["share"], background=ACCENT, border_radius="4px"),
                width="100%",
                min_width="60px",
                background=rx.color("gray", 4),
                border_radius="4px",
            ),
            width="50%",
        ),
        rx.table.cell(r["count"], text_align="right", data_testid="status-count"),
        data_testid="status-row",
    )


def _link_or_text(text, href) -> rx.Component:
    return rx.cond(href != "", rx.link(text, href=href), rx.text(text))


def _low_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(r.product, href=f"{routes.ADMIN_PRODUCTS}/" + r.product_id)),
        rx.table.cell(
            rx.link(r.sku, href=f"{routes.ADMIN_INVENTORY}?variant_id=" + r.variant_id, data_testid="low-stock-sku")
        ),
        rx.table.cell(r.stock),
        rx.table.cell(r.threshold),
        data_testid="dash-low-stock-row",
    )


def _sold_out_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(r["name"], href=r["href"])),
        rx.table.cell(r["sku"]),
        rx.table.cell(r["carts"]),
        rx.table.cell(r["wishlists"]),
        rx.table.cell(r["alerts"], data_testid="sold-out-alerts"),
        data_testid="sold-out-row",
    )


def _form_field(label: str, control: rx.Component, name: str, min_width: str = "150px") -> rx.Component:
    s = AdminReportsState
    return rx.box(labelled(label, control, s.error, s.error_field, name), min_width=min_width, flex="1")


def _date_input(name: str, value) -> rx.Component:
    return rx.input(
        name=name, type="date", default_value=value, width="100%", data_testid=f"report-{name.replace('_', '-')}"
    )


def dashboard() -> rx.Component:
    s = AdminDashboardState
    return admin_layout(
        "Dashboard",
        rx.cond(
            s.loaded,
            rx.vstack(
                rx.grid(
                    rx.foreach(s.periods, _period),
                    columns=rx.breakpoints(initial="1", sm="3"),
                    gap="12px",
                    width="100%",
                    data_testid="period-cards",
                ),
                rx.text(s.revenue_rule, size="1", color=rx.color("gray", 11), data_testid="revenue-rule"),
                rx.grid(
                    _chart("Revenue per day (30 days)", "revenue-chart", _revenue_chart()),
                    _chart("Orders per day (30 days)", "orders-chart", _orders_chart()),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    gap="12px",
                    width="100%",
                ),
                rx.grid(
                    _card(
                        "Orders by status",
                        rx.cond(
                            s.by_status.length() > 0,
                            table(["Status", "", "Orders"], rx.foreach(s.by_status, _status_row), "status-table"),
                            _empty("No orders yet.", "status-empty"),
                        ),
                    ),
                    _card(
                        "Top products (30 days)",
                        rx.cond(
                            s.top_products.length() > 0,
                            table(
                                ["Product", "Sold", "Revenue"],
                                rx.foreach(
                                    s.top_products,
                                    lambda r: rx.table.row(
                                        rx.table.cell(_link_or_text(r["name"], r["href"])),
                                        rx.table.cell(r["quantity"]),
                                        rx.table.cell(r["revenue_text"]),
                                        data_testid="top-product-row",
                                    ),
                                ),
                                "top-products-table",
                            ),
                            _empty("No products sold in the last 30 days.", "top-products-empty"),
                        ),
                    ),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    gap="12px",
                    width="100%",
                ),
                rx.grid(
                    _card(
                        "Low stock",
                        rx.cond(
                            s.low_stock.length() > 0,
                            table(
                                ["Product", "SKU", "In stock", "Alert at"],
                                rx.foreach(s.low_stock, _low_row),
                                "dash-low-stock-table",
                            ),
                            _empty("Nothing is low in stock.", "low-stock-empty"),
                        ),
                        rx.link("All of the inventory", href=routes.ADMIN_INVENTORY, size="2"),
                    ),
                    _card(
                        "Wanted but sold out",
                        rx.cond(
                            s.sold_out.length() > 0,
                            table(
                                ["Product", "SKU", "Carts", "Wishlists", "Alerts"],
                                rx.foreach(s.sold_out, _sold_out_row),
                                "sold-out-table",
                            ),
                            _empty("No cart, wishlist or alert wants a sold-out SKU.", "sold-out-empty"),
                        ),
                    ),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    gap="12px",
                    width="100%",
                ),
                spacing="4",
                width="100%",
                data_testid="dashboard",
            ),
            rx.center(rx.spinner(), padding="40px", width="100%"),
        ),
    )


def reports_page() -> rx.Component:
    s = AdminReportsState
    return admin_layout(
        "Reports",
        rx.card(
            rx.form(
                rx.flex(
                    _form_field(
                        "Report",
                        native_select("kind", list(KIND_LABELS.items()), s.kind, testid="report-kind"),
                        "kind",
                        "180px",
                    ),
                    _form_field("Date from (UTC)", _date_input("date_from", s.date_from), "date_from"),
                    _form_field("Date to (UTC)", _date_input("date_to", s.date_to), "date_to"),
                    rx.button("Show report", type="submit", data_testid="report-apply"),
                    gap="12px",
                    wrap="wrap",
                    align="end",
                    width="100%",
                ),
                on_submit=s.apply,
                reset_on_submit=False,
                key=s.form_key,
                width="100%",
            ),
            width="100%",
        ),
        error_banner(s.error_text, "report-error"),
        rx.cond(
            s.loaded,
            rx.vstack(
                rx.flex(
                    rx.vstack(
                        rx.heading(s.title, size="4", as_="h2", data_testid="report-title"),
                        rx.text(s.range_text, size="2", color=rx.color("gray", 11), data_testid="report-range"),
                        spacing="1",
                    ),
                    rx.spacer(),
                    rx.button(
                        rx.icon("download", size=16),
                        "Download CSV",
                        variant="soft",
                        on_click=s.download_csv,
                        data_testid="report-csv",
                    ),
                    gap="12px",
                    wrap="wrap",
                    align="end",
                    width="100%",
                ),
                rx.cond(
                    s.rows.length() > 0,
                    rx.box(
                        rx.table.root(
                            rx.table.header(rx.table.row(rx.foreach(s.headers, rx.table.column_header_cell))),
                            rx.table.body(
                                rx.foreach(
                                    s.rows,
                                    lambda row: rx.table.row(
                                        rx.foreach(row, lambda c: rx.table.cell(c, white_space="nowrap")),
                                        data_testid="report-row",
                                    ),
                                ),
                                rx.table.row(
                                    rx.foreach(s.totals, lambda c: rx.table.cell(rx.text.strong(c))),
                                    data_testid="report-totals",
                                ),
                            ),
                            variant="surface",
                            size="1",
                            width="100%",
                        ),
                        overflow_x="auto",
                        width="100%",
                        data_testid="report-table",
                    ),
                    _empty("No orders in these days.", "report-empty"),
                ),
                rx.text(s.revenue_rule, size="1", color=rx.color("gray", 11), data_testid="report-rule"),
                spacing="3",
                width="100%",
            ),
        ),
    )
