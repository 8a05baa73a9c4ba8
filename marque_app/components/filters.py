"""The listing's sidebar: the category tree and the filter panel (a drawer on a phone)."""

from __future__ import annotations

import reflex as rx

from marque_app.domain.listing_text import RATING_CHOICES, SORT_CHOICES
from marque_app.state.listing import Choice, ListingState, TreeLeaf, TreeNode

#: Above this width the sidebar sits beside the grid; below it, behind the "Filters" button.
WIDE = "@media (min-width: 768px)"

_SELECT_STYLE = {
    "width": "100%",
    "height": "36px",
    "padding": "0 10px",
    "border_radius": "8px",
    "border": f"1px solid {rx.color('gray', 7)}",
    "background": rx.color("gray", 1),
    "color": rx.color("gray", 12),
    "font_size": "14px",
}


def _label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(
        text,
        html_for=html_for,
        font_size="13px",
        font_weight="600",
        color=rx.color("gray", 12),
    )


def native_select(
    choices: rx.Var[list[Choice]] | list[tuple[str, str]],
    value: rx.Var[str],
    on_change,
    *,
    id: str,
    testid: str,
    aria_label: str | None = None,
) -> rx.Component:
    """A native <select>: the phone's own picker, and one change event per choice."""
    if isinstance(choices, list):
        options = [rx.el.option(label, value=v) for v, label in choices]
    else:
        options = [rx.foreach(choices, lambda c: rx.el.option(c.label, value=c.value))]
    return rx.el.select(
        *options,
        id=id,
        value=value,
        on_change=on_change,
        aria_label=aria_label,
        data_testid=testid,
        style=_SELECT_STYLE,
    )


def _tree_leaf(leaf: rx.Var[TreeLeaf]) -> rx.Component:
    return rx.link(
        leaf.name,
        href=leaf.href,
        size="2",
        weight=rx.cond(leaf.is_current, "bold", "regular"),
        color=rx.cond(leaf.is_current, rx.color("accent", 11), rx.color("gray", 11)),
        underline="hover",
        aria_current=rx.cond(leaf.is_current, "page", "false"),
        data_testid="category-tree-link",
        padding_left="12px",
    )


def _tree_node(node: rx.Var[TreeNode]) -> rx.Component:
    return rx.vstack(
        rx.link(
            node.name,
            href=node.href,
            size="2",
            weight=rx.cond(node.is_current | node.is_open, "bold", "medium"),
            color=rx.cond(node.is_current, rx.color("accent", 11), rx.color("gray", 12)),
            underline="hover",
            aria_current=rx.cond(node.is_current, "page", "false"),
            aria_expanded=rx.cond(node.is_open, "true", "false"),
            data_testid="category-tree-link",
        ),
        rx.cond(
            node.is_open,
            rx.vstack(rx.foreach(node.children, _tree_leaf), spacing="1", align="start"),
        ),
        spacing="1",
        align="start",
    )


def category_tree() -> rx.Component:
    return rx.vstack(
        rx.text("Categories", size="2", weight="bold"),
        rx.link(
            "All products",
            href=ListingState.all_products_href,
            size="2",
            weight=rx.cond(ListingState.category.slug == "", "bold", "medium"),
            color=rx.color("gray", 12),
            underline="hover",
            data_testid="category-tree-link",
        ),
        rx.foreach(ListingState.tree, _tree_node),
        role="navigation",  # a Stack renders a div whatever its "as"
        aria_label="Category tree",
        spacing="2",
        align="start",
        width="100%",
        data_testid="category-tree",
    )


def _field(*children: rx.Component) -> rx.Component:
    return rx.vstack(*children, spacing="1", width="100%", align="stretch")


def price_filter() -> rx.Component:
    def box(name: str, label: str, value, on_change, testid: str) -> rx.Component:
        return rx.input(
            name=name,
            type="number",
            min="0",
            step="0.01",
            inputmode="decimal",
            placeholder=label,
            aria_label=label,
            value=value,
            on_change=on_change,
            size="2",
            width="100%",
            data_testid=testid,
        )

    return rx.form(
        _field(
            rx.text("Price", size="2", weight="bold", as_="div"),
            rx.hstack(
                box(
                    "min_price",
                    "Min",
                    ListingState.min_price_value,
                    ListingState.set_min_price_value,
                    "filter-min-price",
                ),
                rx.text("to", size="2", color=rx.color("gray", 11)),
                box(
                    "max_price",
                    "Max",
                    ListingState.max_price_value,
                    ListingState.set_max_price_value,
                    "filter-max-price",
                ),
                spacing="2",
                align="center",
                width="100%",
            ),
            rx.cond(
                ListingState.price_error != "",
                rx.text(
                    ListingState.price_error,
                    size="1",
                    color=rx.color("tomato", 11),
                    role="alert",
                    data_testid="price-error",
                ),
            ),
            rx.button(
                "Apply price",
                type="submit",
                variant="soft",
                size="2",
                data_testid="apply-price",
            ),
        ),
        on_submit=ListingState.apply_price,
        reset_on_submit=False,
        width="100%",
    )


def filter_panel() -> rx.Component:
    return rx.vstack(
        _field(
            _label("Category", "filter-category"),
            native_select(
                ListingState.category_choices,
                ListingState.category_value,
                ListingState.choose_category,
                id="filter-category",
                testid="filter-category",
            ),
        ),
        _field(
            _label("Brand", "filter-brand"),
            native_select(
                ListingState.brand_choices,
                ListingState.brand_value,
                ListingState.choose_brand,
                id="filter-brand",
                testid="filter-brand",
            ),
        ),
        price_filter(),
        _field(
            _label("Rating", "filter-rating"),
            native_select(
                list(RATING_CHOICES),
                ListingState.rating_value,
                ListingState.choose_rating,
                id="filter-rating",
                testid="filter-rating",
            ),
        ),
        rx.el.label(
            rx.checkbox(
                checked=ListingState.in_stock_value,
                on_change=ListingState.toggle_in_stock,
                data_testid="filter-in-stock",
                aria_label="In stock only",
            ),
            rx.text("In stock only", size="2"),
            display="flex",
            align_items="center",
            gap="8px",
            cursor="pointer",
        ),
        rx.cond(
            ListingState.has_filters,
            rx.button(
                rx.icon("x", size=14),
                "Clear filters",
                on_click=ListingState.clear_filters,
                variant="outline",
                color_scheme="gray",
                size="2",
                width="100%",
                data_testid="clear-filters",
            ),
        ),
        spacing="4",
        width="100%",
        align="stretch",
        data_testid="filter-panel",
    )


def sidebar() -> rx.Component:
    """The tree and the filters: beside the grid when wide, a drawer behind a button on a phone."""
    return rx.box(
        rx.vstack(
            filter_panel(),
            rx.separator(size="4"),
            category_tree(),
            spacing="5",
            width="100%",
        ),
        id="listing-filters",
        width="100%",
        custom_attrs={"data-open": ListingState.filters_open.to_string()},
        style={
            "display": "none",
            "&[data-open='true']": {
                "display": "block",
                "padding": "16px",
                "border": f"1px solid {rx.color('gray', 5)}",
                "border_radius": "12px",
                "margin_bottom": "8px",
            },
            WIDE: {"display": "block", "padding": "0", "border": "none"},
        },
    )


def filters_toggle() -> rx.Component:
    """The phone's "Filters" button that opens and closes the drawer."""
    return rx.button(
        rx.icon("sliders-horizontal", size=16),
        "Filters",
        rx.cond(ListingState.filter_count > 0, "(" + ListingState.filter_count.to_string() + ")", ""),
        on_click=ListingState.toggle_filters,
        variant="outline",
        color_scheme="gray",
        size="2",
        aria_expanded=ListingState.filters_open.to_string(),
        aria_controls="listing-filters",
        data_testid="filters-toggle",
        style={WIDE: {"display": "none"}},
    )


def sort_select() -> rx.Component:
    return rx.hstack(
        rx.el.label("Sort by", html_for="sort-select", font_size="13px", white_space="nowrap"),
        native_select(
            list(SORT_CHOICES),
            ListingState.sort_value,
            ListingState.choose_sort,
            id="sort-select",
            testid="sort-select",
        ),
        spacing="2",
        align="center",
        max_width="240px",
    )
