"""The wishlist page (/wishlist): move to cart (with a stock check), remove, clear."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.button_link import button_link
from marque_app.components.cart import line_image
from marque_app.components.cart_ops import op_arg
from marque_app.components.layout import page_layout
from marque_app.state.cart import CartState
from marque_app.views.cart import WishVariantView, WishView


def _move_op(item: rx.Var[WishView], sku_id: rx.Var) -> rx.Var:
    return op_arg(
        type="move_to_cart",
        product_id=item.product_id,
        sku_id=sku_id,
        quantity=1,
        name=item.name,
        image=item.image_url,
    )


def _move_button(item: rx.Var[WishView]) -> rx.Component:
    """One variant (or none named by the product): "Move to cart" adds it at once."""
    return rx.button(
        rx.icon("shopping-bag", size=14),
        "Move to cart",
        on_click=CartState.apply(_move_op(item, item.default_sku_id)),
        disabled=item.is_sold_out | (item.default_sku_id == ""),
        size="2",
        radius="full",
        data_testid="wishlist-move",
    )


def _variant_chooser(item: rx.Var[WishView]) -> rx.Component:
    """More than one variant and the wishlist names none: "Move to cart" asks which, with each
    one's stock, instead of picking a size for the shopper."""

    def option(variant: rx.Var[WishVariantView]) -> rx.Component:
        return rx.popover.close(
            rx.button(
                rx.text(variant.label, weight="medium"),
                rx.spacer(),
                rx.text(
                    variant.stock_label,
                    size="1",
                    color=rx.cond(variant.is_sold_out, rx.color("gray", 11), rx.color("grass", 11)),
                ),
                on_click=CartState.apply(_move_op(item, variant.sku_id)),
                disabled=variant.is_sold_out,
                variant="soft",
                color_scheme="gray",
                size="2",
                width="100%",
                justify_content="space-between",
                data_testid="wishlist-variant-option",
                data_value=variant.label,
                data_sku=variant.sku_id,
            )
        )

    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("shopping-bag", size=14),
                "Move to cart",
                rx.icon("chevron_down", size=14),
                disabled=item.is_sold_out,
                size="2",
                radius="full",
                aria_haspopup="dialog",
                data_testid="wishlist-move",
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.text("Choose a size and colour", size="2", weight="bold"),
                rx.foreach(item.variants, option),
                spacing="2",
                width="100%",
            ),
            min_width="240px",
            max_width="320px",
            aria_label="Choose a variant of " + item.name,
            data_testid="wishlist-variant-chooser",
        ),
    )


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
                rx.cond(item.needs_choice, _variant_chooser(item), _move_button(item)),
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
