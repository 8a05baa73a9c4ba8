"""The frame of every storefront page: header (logo, search, badges, categories) and footer."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.state.header import HeaderState
from marque_app.state.outage import OUTAGE, OutageState
from marque_app.state.suggest import SuggestState
from marque_app.views.catalog import NavCategory

CONTENT_WIDTH = "1200px"
PAGE_PADDING = rx.breakpoints(initial="16px", sm="24px", lg="32px")


def container(*children: rx.Component, **props) -> rx.Component:
    """A centred column of the shop's content width."""
    return rx.box(
        *children,
        width="100%",
        max_width=CONTENT_WIDTH,
        margin_x="auto",
        padding_x=PAGE_PADDING,
        **props,
    )


def logo() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.image(src="/logo-mark.svg", alt="", width="32px", height="32px"),
            rx.text(
                "marque",
                size="6",
                weight="bold",
                letter_spacing="-0.03em",
                color=rx.color("gray", 12),
            ),
            spacing="2",
            align="center",
        ),
        href=routes.HOME,
        underline="none",
        aria_label="Marque home",
        data_testid="logo",
    )


def _suggestion(item: rx.Var, index: rx.Var) -> rx.Component:
    selected = index == SuggestState.highlighted
    return rx.hstack(
        rx.cond(
            item.kind == "product",
            rx.icon("search", size=14, color=rx.color("gray", 10)),
            rx.icon("tag", size=14, color=rx.color("gray", 10)),
        ),
        rx.text(item.label, size="2", weight="medium", trim="both"),
        rx.text(item.detail, size="1", color=rx.color("gray", 11)),
        id="search-suggestion-" + index.to_string(),
        role="option",
        aria_selected=rx.cond(selected, "true", "false"),
        # mousedown comes before the input's blur, which closes the list
        on_mouse_down=SuggestState.open_suggestion(item.url),
        background=rx.cond(selected, rx.color("accent", 4), "transparent"),
        _hover={"background": rx.color("gray", 3)},
        padding="8px 12px",
        spacing="2",
        align="center",
        cursor="pointer",
        data_testid="search-suggestion",
    )


def search_form() -> rx.Component:
    """The header's search box with search-as-you-type suggestions (a listbox)."""
    return rx.form(
        rx.box(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                name="q",
                # not type="search": its native Escape would also clear the text
                type="text",
                placeholder="Search products and brands",
                aria_label="Search products",
                size="3",
                radius="full",
                width="100%",
                auto_complete="off",
                role="combobox",
                aria_autocomplete="list",
                aria_controls="search-suggestions",
                aria_expanded=rx.cond(SuggestState.is_open, "true", "false"),
                value=SuggestState.text,
                debounce_timeout=250,
                on_change=SuggestState.type_text,
                on_key_down=SuggestState.press_key,
                on_blur=SuggestState.close,
                data_testid="search-input",
            ),
            rx.cond(
                SuggestState.is_open,
                rx.box(
                    rx.foreach(SuggestState.suggestions, _suggestion),
                    id="search-suggestions",
                    role="listbox",
                    aria_label="Suggestions",
                    position="absolute",
                    top="calc(100% + 4px)",
                    left="0",
                    right="0",
                    z_index="30",
                    background=rx.color("gray", 1),
                    border=f"1px solid {rx.color('gray', 5)}",
                    border_radius="12px",
                    box_shadow="0 8px 24px rgba(0,0,0,0.12)",
                    overflow="hidden",
                    data_testid="search-suggestions",
                ),
            ),
            position="relative",
            width="100%",
            # the list shows only while the box has focus: never left over a page after Back,
            # a reload or a tap elsewhere, whatever the state says before its next answer
            style={"&:not(:focus-within) > [role='listbox']": {"display": "none"}},
        ),
        on_submit=SuggestState.submit_search,
        reset_on_submit=False,
        role="search",
        width="100%",
    )


def header_actions() -> rx.Component:
    from marque_app.components.auth import account_control  # "Log in" or the account menu
    from marque_app.components.cart import header_cart_badges  # wishlist link, cart drawer

    return rx.hstack(
        *header_cart_badges(),
        account_control(),
        spacing="1",
        align="center",
        justify="end",
    )


def category_nav() -> rx.Component:
    """The category bar: one row that scrolls sideways where it does not fit, with a thin
    visible scrollbar (a hidden one left the last categories cut off with no sign of more)."""
    return rx.el.nav(
        container(
            rx.hstack(
                rx.link("Shop all", href=routes.SHOP, **_nav_link_style()),
                rx.link("New in", href=routes.HOME + "#new-arrivals", **_nav_link_style()),
                rx.foreach(HeaderState.nav, _nav_item),
                rx.link("Brands", href=routes.BRANDS, **_nav_link_style()),
                spacing=rx.breakpoints(initial="2", md="5"),
                align="center",
                min_height="44px",
                white_space="nowrap",
                width="max-content",
            ),
            overflow_x="auto",
            style={"scrollbarWidth": "thin", "scrollbarColor": f"{rx.color('gray', 8)} transparent"},
            data_testid="category-bar",
        ),
        aria_label="Categories",
        border_top=f"1px solid {rx.color('gray', 4)}",
    )


def _nav_item(cat: rx.Var[NavCategory]) -> rx.Component:
    """A top-level category; on a pointer device hovering it lists its subcategories."""
    return rx.hover_card.root(
        rx.hover_card.trigger(rx.link(cat.name, href=f"/categories/{cat.slug}", **_nav_link_style())),
        rx.hover_card.content(
            rx.vstack(
                rx.link(
                    "All " + cat.name.lower(),
                    href=f"/categories/{cat.slug}",
                    size="2",
                    weight="bold",
                    color=rx.color("gray", 12),
                ),
                rx.foreach(
                    cat.children,
                    lambda sub: rx.link(
                        sub.name,
                        href=f"/categories/{sub.slug}",
                        size="2",
                        color=rx.color("gray", 11),
                        underline="hover",
                    ),
                ),
                spacing="2",
                min_width="180px",
            ),
            side="bottom",
            align="start",
            size="1",
        ),
        open_delay=150,
        close_delay=100,
    )


def _nav_link_style() -> dict:
    return {
        "size": "2",
        "weight": "medium",
        "color": rx.color("gray", 11),
        "underline": "none",
        "_hover": {"color": rx.color("gray", 12)},
        # a 44 px tall tap target (the text alone is 20 px)
        "display": "inline-flex",
        "align_items": "center",
        "min_height": "44px",
        "padding_x": "6px",
        "data_testid": "nav-category",
    }


def skip_link() -> rx.Component:
    """The first stop of the Tab key: jumps past the header to the page's own content."""
    return rx.el.a(
        "Skip to content",
        href="#main-content",
        # the router takes over the click (no native jump to the fragment): move the focus here
        on_click=rx.call_script("document.getElementById('main-content').focus()"),
        class_name="skip-link",
        data_testid="skip-link",
    )


def header() -> rx.Component:
    return rx.el.header(
        container(
            rx.box(
                rx.box(logo(), grid_area="logo"),
                rx.box(
                    search_form(),
                    grid_area="search",
                    width="100%",
                    max_width="560px",
                    justify_self="center",
                ),
                rx.box(header_actions(), grid_area="actions"),
                display="grid",
                grid_template_columns=rx.breakpoints(initial="auto 1fr", md="auto minmax(0, 1fr) auto"),
                grid_template_areas=rx.breakpoints(
                    initial='"logo actions" "search search"', md='"logo search actions"'
                ),
                align_items="center",
                column_gap="24px",
                row_gap="10px",
                padding_y=rx.breakpoints(initial="10px", md="14px"),
            ),
        ),
        category_nav(),
        position="sticky",
        top="0",
        z_index="20",
        background=rx.color("gray", 1),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
    )


def _footer_column(title: str, *links: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.heading(title, as_="h2", size="2", weight="bold", color=rx.color("gray", 12)),
        *links,
        spacing="2",
        align="start",
    )


def _footer_link(text, href, testid: str | None = None) -> rx.Component:
    return rx.link(
        text,
        href=href,
        data_testid=testid,
        size="2",
        color=rx.color("gray", 11),
        underline="hover",
        display="inline-flex",
        align_items="center",
        min_height="28px",  # a tap target of at least 24 px on a phone
    )


def _footer_account_links() -> rx.Component:
    """ "Account", "Orders" and "Log out" when logged in, else "Log in" (nothing before the first
    check of a stored token, as in the header, so neither flashes on a reload)."""
    from marque_app.state.auth import AuthState

    return rx.cond(
        AuthState.is_logged_in,
        rx.fragment(
            _footer_link("Account", routes.ACCOUNT, testid="footer-account"),
            _footer_link("Orders", routes.ACCOUNT_ORDERS, testid="footer-orders"),
            rx.button(
                "Log out",
                on_click=AuthState.log_out,
                variant="ghost",
                color_scheme="gray",
                size="2",
                min_height="28px",
                padding="0",
                margin="0",
                cursor="pointer",
                data_testid="footer-logout",
            ),
        ),
        rx.cond(
            (AuthState.token != "") & ~AuthState.auth_checked,
            rx.fragment(),
            _footer_link("Log in", routes.LOGIN, testid="footer-login"),
        ),
    )


def footer() -> rx.Component:
    return rx.el.footer(
        container(
            rx.grid(
                rx.vstack(
                    logo(),
                    rx.text(
                        "Everyday clothing and goods from independent brands, picked to be worn and used for years.",
                        size="2",
                        color=rx.color("gray", 11),
                        max_width="320px",
                    ),
                    spacing="3",
                    align="start",
                ),
                _footer_column(
                    "Shop",
                    _footer_link("All products", routes.SHOP),
                    _footer_link("Brands", routes.BRANDS),
                    rx.foreach(
                        HeaderState.nav,
                        lambda cat: _footer_link(cat.name, f"/categories/{cat.slug}"),
                    ),
                ),
                _footer_column(
                    "Your account",
                    _footer_account_links(),
                    _footer_link("Cart", routes.CART),
                    _footer_link("Wishlist", routes.WISHLIST),
                ),
                _footer_column(
                    "Good to know",
                    rx.text("Free shipping over $75", size="2", color=rx.color("gray", 11)),
                    rx.text("30-day free returns", size="2", color=rx.color("gray", 11)),
                    rx.text("Secure checkout", size="2", color=rx.color("gray", 11)),
                ),
                columns=rx.breakpoints(initial="1", sm="2", md="4"),
                gap="32px",
                padding_y="40px",
            ),
            rx.separator(size="4"),
            rx.text(
                "© 2026 Marque. A demo store: no real orders are placed.",
                size="1",
                color=rx.color("gray", 11),
                padding_y="20px",
            ),
        ),
        background=rx.color("gray", 2),
        border_top=f"1px solid {rx.color('gray', 4)}",
        margin_top="64px",
        width="100%",
    )


def outage_banner() -> rx.Component:
    """Shown when the page could not load because the database is down (``OutageState``)."""
    return rx.cond(
        OutageState.is_down,
        rx.callout.root(
            rx.callout.icon(rx.icon("cloud_off", size=16)),
            rx.callout.text(OUTAGE),
            rx.button(
                "Try again", on_click=OutageState.try_again, size="1", variant="soft", data_testid="outage-retry"
            ),
            color_scheme="amber",
            role="alert",
            width="100%",
            margin_bottom="16px",
            data_testid="outage-banner",
        ),
    )


def page_layout(*children: rx.Component) -> rx.Component:
    """A storefront page: header, the page's content in the shop's column, footer."""
    return rx.box(
        skip_link(),
        header(),
        rx.el.main(
            container(outage_banner(), *children, padding_top=rx.breakpoints(initial="20px", md="32px")),
            id="main-content",
            tab_index=-1,  # the skip link moves the focus here
            flex="1",
            width="100%",
            outline="none",
        ),
        footer(),
        display="flex",
        flex_direction="column",
        min_height="100vh",
        width="100%",
        background=rx.color("gray", 1),
    )
