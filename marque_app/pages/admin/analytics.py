"""Admin analytics (/admin/analytics): over chosen UTC days, the funnel with its conversion
rates, events per day, products viewed against bought, searches with no results, cart and
checkout abandonment, and a CSV of it all."""

from __future__ import annotations

import reflex as rx

from marque_app.components.admin import admin_layout, error_banner, labelled, table
from marque_app.state.admin.analytics import AdminAnalyticsState

from .reports import ACCENT

SERIES = (
    ("page_view", "Page views", "var(--gray-9)"),
    ("product_view", "Product views", "var(--accent-8)"),
    ("add_to_cart", "Adds to cart", "var(--amber-9)"),
    ("purchase", "Purchases", "var(--grass-9)"),
)


def _card(title: str, *children: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="3", as_="h2"), *children, spacing="3", width="100%"),
        width="100%",
        min_width="0",
    )


def _empty(text: str, testid: str) -> rx.Component:
    return rx.text(text, size="2", color=rx.color("gray", 11), data_testid=testid)


def _field(label: str, name: str, value) -> rx.Component:
    s = AdminAnalyticsState
    control = rx.input(
        name=name, type="date", default_value=value, width="100%", data_testid=f"analytics-{name.replace('_', '-')}"
    )
    return rx.box(labelled(label, control, s.error, s.error_field, name), min_width="150px", flex="1")


def _funnel_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["label"], white_space="nowrap"),
        rx.table.cell(
            rx.box(
                rx.box(height="8px", width=r["share"], background=ACCENT, border_radius="4px"),
                width="100%",
                min_width="60px",
                background=rx.color("gray", 4),
                border_radius="4px",
            ),
            width="40%",
        ),
        rx.table.cell(r["sessions"], text_align="right", data_testid="funnel-sessions"),
        rx.table.cell(r["from_previous"], text_align="right", data_testid="funnel-from-previous"),
        rx.table.cell(r["from_start"], text_align="right"),
        data_testid="funnel-row",
    )


def _funnel_chart() -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="label", tick_line=False, font_size=11, interval=0),
        rx.recharts.y_axis(width=48, allow_decimals=False, tick_line=False, font_size=11),
        rx.recharts.tooltip(),
        rx.recharts.bar(
            data_key="sessions", name="Sessions", fill=ACCENT, radius=[3, 3, 0, 0], is_animation_active=False
        ),
        data=AdminAnalyticsState.funnel_chart,
        height=240,
        margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
    )


def _series_chart() -> rx.Component:
    return rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="label", min_tick_gap=16, tick_line=False, font_size=11),
        rx.recharts.y_axis(width=48, allow_decimals=False, tick_line=False, font_size=11),
        rx.recharts.tooltip(),
        rx.recharts.legend(),
        *[
            rx.recharts.line(
                data_key=key, name=name, stroke=colour, dot=False, stroke_width=2, is_animation_active=False
            )
            for key, name, colour in SERIES
        ],
        data=AdminAnalyticsState.series,
        height=260,
        margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
    )


def _stat(title: str, value, text, testid: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(title, size="2", color=rx.color("gray", 11), weight="medium"),
            rx.text(value, size="7", weight="bold", data_testid=testid),
            rx.text(text, size="1", color=rx.color("gray", 11)),
            spacing="1",
        ),
        width="100%",
    )


def analytics_page() -> rx.Component:
    s = AdminAnalyticsState
    return admin_layout(
        "Analytics",
        rx.card(
            rx.form(
                rx.flex(
                    _field("Date from (UTC)", "date_from", s.date_from),
                    _field("Date to (UTC)", "date_to", s.date_to),
                    rx.button("Show", type="submit", data_testid="analytics-apply"),
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
        error_banner(s.error_text, "analytics-error"),
        rx.cond(
            s.loaded,
            rx.vstack(
                rx.flex(
                    rx.text(s.range_text, size="2", color=rx.color("gray", 11), data_testid="analytics-range"),
                    rx.spacer(),
                    rx.button(
                        rx.icon("download", size=16),
                        "Download CSV",
                        variant="soft",
                        on_click=s.download_csv,
                        data_testid="analytics-csv",
                    ),
                    gap="12px",
                    wrap="wrap",
                    align="center",
                    width="100%",
                ),
                rx.grid(
                    _stat("Cart abandonment", s.cart_abandonment, s.cart_text, "cart-abandonment"),
                    _stat("Checkout abandonment", s.checkout_abandonment, s.checkout_text, "checkout-abandonment"),
                    _stat(
                        "Searches without results",
                        s.searches_without_results,
                        rx.text.span("of ", s.searches, " searches"),
                        "zero-result-count",
                    ),
                    columns=rx.breakpoints(initial="1", sm="3"),
                    gap="12px",
                    width="100%",
                ),
                rx.grid(
                    _card(
                        "Funnel (sessions)",
                        table(
                            ["Step", "", "Sessions", "From the step before", "From visits"],
                            rx.foreach(s.funnel, _funnel_row),
                            "funnel-table",
                        ),
                        rx.cond(
                            s.has_events,
                            rx.box(_funnel_chart(), width="100%", height="240px", data_testid="funnel-chart"),
                        ),
                    ),
                    _card(
                        "Events per day",
                        rx.cond(
                            s.has_events,
                            rx.box(_series_chart(), width="100%", height="260px", data_testid="series-chart"),
                            _empty("No events in these days.", "series-empty"),
                        ),
                    ),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    gap="12px",
                    width="100%",
                ),
                rx.grid(
                    _card(
                        "Products viewed and bought",
                        rx.cond(
                            s.products.length() > 0,
                            table(
                                ["Product", "Views", "Orders", "Units", "View to order"],
                                rx.foreach(
                                    s.products,
                                    lambda r: rx.table.row(
                                        rx.table.cell(rx.link(r["name"], href=r["href"])),
                                        rx.table.cell(r["views"]),
                                        rx.table.cell(r["orders"]),
                                        rx.table.cell(r["quantity"]),
                                        rx.table.cell(r["view_to_order"]),
                                        data_testid="analytics-product-row",
                                    ),
                                ),
                                "analytics-products",
                            ),
                            _empty("No product views or sales in these days.", "products-empty"),
                        ),
                    ),
                    _card(
                        "Searches with no results",
                        rx.cond(
                            s.zero_searches.length() > 0,
                            table(
                                ["Search", "Times"],
                                rx.foreach(
                                    s.zero_searches,
                                    lambda r: rx.table.row(
                                        rx.table.cell(r["query"]),
                                        rx.table.cell(r["searches"]),
                                        data_testid="zero-search-row",
                                    ),
                                ),
                                "zero-searches",
                            ),
                            _empty("Every search found something.", "zero-searches-empty"),
                        ),
                    ),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    gap="12px",
                    width="100%",
                ),
                rx.foreach(s.notes, lambda n: rx.text(n, size="1", color=rx.color("gray", 11))),
                spacing="4",
                width="100%",
                data_testid="analytics",
            ),
        ),
    )
