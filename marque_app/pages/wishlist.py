"""The wishlist page (/wishlist): move to cart (with a stock check), remove, clear."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.button_link import button_link
from marque_app.components.cart import line_image
from marque_app.components.cart_ops import op_arg
from marque_app.components.layout import page_layout
from marque_app.state.cart import CartState
from marque_app.views.cart import WishView


def wishlist_item(item: rx.Var[WishView]) -> rx.Component:
    return rx.hstack(
        line_image(item.image_url, item.name),
        rx.vstack(
            rx.cond(
                item.brand != "",
                rx.text(item.brand, size="1", color=rx.color("gray", 11), text_transform="uppercase"),
            ),
            rx.cond(
                item.href != "",
                rx.link(item.name, href=item.href, size="3", weight="medium", color=rx.color("gray", 12)),
                rx.text(item.name, size="3", weight="medium"),
            ),
            rx.text(item.price, size="2", weight="bold"),
            rx.cond(
                item.is_sold_out,
                rx.hstack(
                    rx.badge("Sold out", color_scheme="gray"),
                    rx.cond(
                        item.href != "",
                        rx.link(
                            rx.icon("bell", size=14),
                            "Tell me when it is back",
                            href=item.href,
                            size="2",
                            data_testid="wishlist-notify",
                        ),
                    ),
                    spacing="2",
                    align="center",
                ),
            ),
            rx.hstack(
                rx.button(
                    rx.icon("shopping-bag", size=14),
                    "Move to cart",
                    on_click=CartState.apply(
                        op_arg(
                            type="move_to_cart",
                            product_id=item.product_id,
                            sku_id=item.default_sku_id,
                            quantity=1,
                            name=item.name,
                            image=item.image_url,
                        )
                    ),
                    disabled=item.is_sold_out | (item.default_sku_id == ""),
                    size="2",
                    radius="full",
                    data_testid="wishlist-move",
                ),
                rx.button(
                    "Remove",
                    on_click=CartState.apply(op_arg(type="wish_remove", product_id=item.product_id)),
                    variant="ghost",
                    color_scheme="gray",
                    size="2",
                    data_testid="wishlist-remove",
                ),
                spacing="3",
                align="center",
            ),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        spacing="4",
        align="start",
        width="100%",
        padding_y="16px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_testid="wishlist-item",
        data_product=item.product_id,
    )


def _empty() -> rx.Component:
    return rx.vstack(
        rx.center(
            rx.icon("heart", size=28, color=rx.color("accent", 10)),
            width="64px",
            height="64px",
            border_radius="50%",
            background=rx.color("accent", 3),
        ),
        rx.heading("Your wishlist is empty", as_="h1", size="7"),
        rx.text(
            "Save the things you love for later: tap the heart on any product.", size="3", color=rx.color("gray", 11)
        ),
        button_link("Browse the shop", href=routes.SHOP, size="3", radius="full"),
        spacing="3",
        align="center",
        padding_y="80px",
        width="100%",
        data_testid="wishlist-empty",
    )


def wishlist_page() -> rx.Component:
    return page_layout(
        rx.cond(
            CartState.wishlist_count > 0,
            rx.vstack(
                rx.hstack(
                    rx.heading("Your wishlist", as_="h1", size="7"),
                    rx.text("(" + CartState.wishlist_count.to_string() + ")", color=rx.color("gray", 11)),
                    rx.spacer(),
                    rx.button(
                        "Clear wishlist",
                        on_click=CartState.apply(op_arg(type="wish_clear")),
                        variant="ghost",
                        color_scheme="gray",
                        size="2",
                        data_testid="wishlist-clear",
                    ),
                    align="baseline",
                    spacing="2",
                    width="100%",
                ),
                rx.box(
                    rx.foreach(CartState.wishlist_items, lambda item: wishlist_item(item)),
                    width="100%",
                    max_width="760px",
                ),
                spacing="4",
                width="100%",
            ),
            _empty(),
        ),
        rx.box(data_testid="wishlist-page"),
    )
