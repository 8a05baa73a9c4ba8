"""Cart and wishlist pieces: cart line, quantity stepper, totals, the drawer, the heart toggle."""

from __future__ import annotations

import reflex as rx
from reflex.components.sonner.toast import ToastAction
from reflex.vars.function import FunctionStringVar

from marque_app import routes
from marque_app.components.button_link import button_link
from marque_app.components.cart_ops import op_arg
from marque_app.domain.cart import MAX_LINE_QUANTITY
from marque_app.state.cart import CartState
from marque_app.views.cart import LineView


def line_image(src: rx.Var, name: rx.Var, size: str = "88px") -> rx.Component:
    return rx.box(
        rx.cond(
            src != "",
            rx.image(src=src, alt=name, width="100%", height="100%", object_fit="cover"),
            rx.center(rx.icon("image", size=24, color=rx.color("gray", 8)), height="100%"),
        ),
        width=size,
        height=size,
        flex_shrink="0",
        overflow="hidden",
        border_radius="10px",
        background=rx.color("gray", 3),
    )


def quantity_stepper(line: rx.Var[LineView], where: str = "page") -> rx.Component:
    """- / input / +, from 1 to min(99, in stock); typing 0 removes the line (with an undo).

    ``where`` ("page" or "drawer") keeps the field's id unique when both show the line.
    """
    field = f"qty-{where}-" + line.id
    return rx.hstack(
        rx.icon_button(
            rx.icon("minus", size=14),
            on_click=CartState.apply(op_arg(type="set", item_id=line.id, quantity=line.quantity - 1)),
            disabled=line.quantity <= 1,
            variant="soft",
            color_scheme="gray",
            size="1",
            aria_label="Decrease quantity",
            data_testid="qty-decrease",
        ),
        rx.el.input(
            # keyed by quantity: a change the cart made shows its number; a typed number the
            # cart cannot hold is put back to the one it will hold at once (see _typed_quantity)
            key=line.id + "-" + line.quantity.to_string(),
            id=field,
            default_value=line.quantity.to_string(),
            type="number",
            min=0,
            max=line.max_quantity,
            input_mode="numeric",
            aria_label="Quantity",
            on_blur=lambda _value: _typed_quantity(line, field),
            on_key_down=lambda key: rx.cond(key == "Enter", rx.call_script("document.activeElement.blur()"), rx.noop()),
            style={
                "width": "48px",
                "textAlign": "center",
                "border": f"1px solid {rx.color('gray', 6)}",
                "borderRadius": "6px",
                "padding": "2px 4px",
                "fontSize": "14px",
                "background": "transparent",
            },
            data_testid="cart-line-qty",
        ),
        rx.icon_button(
            rx.icon("plus", size=14),
            on_click=CartState.apply(op_arg(type="set", item_id=line.id, quantity=line.quantity + 1)),
            disabled=(line.quantity >= line.max_quantity) | line.is_sold_out,
            variant="soft",
            color_scheme="gray",
            size="1",
            aria_label="Increase quantity",
            data_testid="qty-increase",
        ),
        spacing="1",
        align="center",
    )


# The number typed in a line's quantity field, as the cart will hold it: a whole number from 0
# (removes the line) to the line's limit (its stock, at most MAX_LINE_QUANTITY); anything else
# (empty, not a number) keeps the line's quantity. The field shows that number at once, so
# "1000" never stays on screen while the cart holds 12. The field's own text is read (the blur
# event's value is a Number, 0 for an empty field) and kept in data-typed for the checks after.
_CLAMP_TYPED = FunctionStringVar.create(
    "((id, limit, current) => { const field = document.getElementById(id); if (!field) return current;"
    " const typed = String(field.value).trim(); field.dataset.typed = typed;"
    " const n = /^[0-9]+$/.test(typed) ? parseInt(typed, 10) : NaN;"
    " const q = Number.isNaN(n) ? current : Math.min(Math.max(n, 0), limit);"
    " field.value = String(q); return q; })"
)
_OVER_LIMIT = FunctionStringVar.create(
    "((id, limit) => { const t = document.getElementById(id)?.dataset.typed ?? '';"
    " return /^[0-9]+$/.test(t) && parseInt(t, 10) > limit; })"
)
_IS_ZERO = FunctionStringVar.create(
    "((id) => { const t = document.getElementById(id)?.dataset.typed ?? ''; return /^0+$/.test(t); })"
)


def _limit_words(line: rx.Var[LineView]) -> rx.Var:
    """Why the cart holds fewer than typed: "Only 12 left in stock" or the per-line cap."""
    return rx.cond(
        line.max_quantity < MAX_LINE_QUANTITY,
        "Only " + line.max_quantity.to_string() + " left in stock",
        f"At most {MAX_LINE_QUANTITY} of one item per cart",
    )


def _typed_quantity(line: rx.Var[LineView], field: rx.Var) -> list:
    """The field lost focus (or Enter): set the line to what it can hold, and say why when that
    is less than typed; 0 removes the line, with an undo."""
    quantity = _CLAMP_TYPED.call(field, line.max_quantity, line.quantity).to(int)
    return [
        CartState.apply(op_arg(type="set", item_id=line.id, quantity=quantity)),
        rx.cond(
            _OVER_LIMIT.call(field, line.max_quantity).to(bool),
            rx.toast.info(
                _limit_words(line) + ": your cart holds " + line.max_quantity.to_string() + " of " + line.name + ".",
                id="qty-limit-" + line.id,
            ),
            rx.noop(),
        ),
        rx.cond(_IS_ZERO.call(field).to(bool), _removed_toast(line), rx.noop()),
    ]


def _removed_toast(line: rx.Var[LineView]) -> rx.event.EventSpec:
    """ "Removed ... from your cart" with "Undo", which adds the line back as it was."""
    return rx.toast.info(
        "Removed " + line.name + " from your cart.",
        id="removed-" + line.sku_id,
        duration=8000,
        action=ToastAction(
            label="Undo",
            on_click=CartState.apply(
                op_arg(
                    type="add",
                    sku_id=line.sku_id,
                    product_id=line.product_id,
                    quantity=line.quantity,
                    price_seen=line.unit_amount,
                    name=line.name,
                    image=line.image_url,
                )
            ),
        ),
    )


def _price_notice(line: rx.Var[LineView]) -> rx.Component:
    return rx.fragment(
        rx.cond(
            line.is_sold_out,
            rx.badge(
                "Sold out",
                color_scheme="gray",
                variant="solid",
                background=rx.color("gray", 11),
                data_testid="sold-out-line",
            ),
        ),
        rx.cond(
            line.price_change != "",
            rx.text(
                rx.cond(
                    line.price_change == "up",
                    "Price went up since you added it (was " + line.price_seen + ")",
                    "Price went down since you added it (was " + line.price_seen + ")",
                ),
                size="1",
                color=rx.cond(line.price_change == "up", rx.color("tomato", 11), rx.color("grass", 11)),
                data_testid="price-change",
                data_direction=line.price_change,
            ),
        ),
    )


def cart_line(line: rx.Var[LineView], compact: bool = False) -> rx.Component:
    name = rx.cond(
        line.href != "",
        rx.link(line.name, href=line.href, size="2", weight="medium", color=rx.color("gray", 12)),
        rx.text(line.name, size="2", weight="medium"),
    )
    return rx.hstack(
        # only the picture fades when sold out: faded text falls under 4.5:1
        rx.box(
            line_image(line.image_url, line.name, "64px" if compact else "88px"),
            opacity=rx.cond(line.is_sold_out, "0.6", "1"),
        ),
        rx.vstack(
            name,
            rx.cond(
                line.variant_label != "",
                rx.text(line.variant_label, size="1", color=rx.color("gray", 11), data_testid="line-variant"),
            ),
            rx.text(line.unit_price, size="2", color=rx.color("gray", 11), data_testid="cart-line-price"),
            _price_notice(line),
            rx.hstack(
                quantity_stepper(line, "drawer" if compact else "page"),
                rx.button(
                    rx.icon("trash-2", size=14),
                    "Remove",
                    on_click=[CartState.apply(op_arg(type="remove", item_id=line.id)), _removed_toast(line)],
                    variant="ghost",
                    color_scheme="gray",
                    size="1",
                    data_testid="cart-line-remove",
                ),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.text(line.line_total, size="2", weight="bold", data_testid="cart-line-total"),
        spacing="3",
        align="start",
        width="100%",
        padding_y="12px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_testid="cart-line",
        data_sku=line.sku_id,
    )


def total_row(label: rx.Var | str, value: rx.Var, testid: str, strong: bool = False) -> rx.Component:
    """One row of a totals block: the label left, the amount right; ``strong`` for the total."""
    return rx.hstack(
        rx.text(label, size="3" if strong else "2", weight="bold" if strong else "regular"),
        rx.spacer(),
        rx.text(value, size="3" if strong else "2", weight="bold" if strong else "medium", data_testid=testid),
        width="100%",
    )


def totals() -> rx.Component:
    s = CartState.summary
    return rx.vstack(
        total_row("Subtotal", s.subtotal, "cart-subtotal"),
        total_row("Estimated tax", s.tax, "cart-tax"),
        total_row("Shipping", s.shipping, "cart-shipping"),
        rx.separator(size="4"),
        total_row("Total", s.total, "cart-total", strong=True),
        spacing="2",
        width="100%",
    )


def cart_notices() -> rx.Component:
    return rx.cond(
        CartState.notices.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("info", size=16)),
            rx.vstack(
                rx.foreach(CartState.notices, lambda m: rx.text(m, size="2")),
                spacing="1",
            ),
            color_scheme="amber",
            size="1",
            width="100%",
            data_testid="cart-notice",
        ),
    )


def empty_cart(compact: bool = False) -> rx.Component:
    return rx.vstack(
        rx.center(
            rx.icon("shopping-bag", size=28, color=rx.color("accent", 10)),
            width="64px",
            height="64px",
            border_radius="50%",
            background=rx.color("accent", 3),
        ),
        rx.heading("Your cart is empty", as_="h2" if compact else "h1", size="5" if compact else "7"),
        rx.text("Items you add to your cart will show up here.", size="2", color=rx.color("gray", 11)),
        button_link("Continue shopping", href=routes.SHOP, size="3", radius="full", on_click=CartState.close_drawer),
        spacing="3",
        align="center",
        padding_y="48px" if compact else "80px",
        width="100%",
        data_testid="cart-empty",
    )


def cart_drawer() -> rx.Component:
    """The header's cart: lines, totals, a link to the cart page."""
    return rx.drawer.root(
        rx.drawer.trigger(
            # a real button (a Box "as button" rendered a div that the Tab key skipped), named
            # with its count: "Cart, 2 items"
            rx.el.button(
                rx.icon("shopping-bag", size=22, aria_hidden="true"),
                _count_badge(CartState.cart_count, "cart-count"),
                type="button",
                aria_label=_named_count("Cart", CartState.cart_count),
                title="Cart",
                position="relative",
                display="flex",
                align_items="center",
                justify_content="center",
                min_width="44px",
                min_height="44px",
                padding="8px",
                border_radius="8px",
                background="transparent",
                border="none",
                cursor="pointer",
                color=rx.color("gray", 12),
                _hover={"background": rx.color("gray", 3)},
                data_testid="open-cart",
            ),
        ),
        rx.drawer.overlay(z_index="40", background="rgba(0,0,0,0.3)"),
        rx.drawer.portal(
            rx.drawer.content(
                rx.vstack(
                    rx.hstack(
                        rx.drawer.title(rx.heading("Your cart", as_="h2", size="5")),
                        rx.spacer(),
                        rx.drawer.close(
                            rx.icon_button(
                                rx.icon("x", size=18), variant="ghost", color_scheme="gray", aria_label="Close cart"
                            ),
                        ),
                        width="100%",
                        align="center",
                    ),
                    rx.drawer.description(
                        "Items in your cart",
                        class_name="sr-only",
                        style={
                            "position": "absolute",
                            "width": "1px",
                            "height": "1px",
                            "overflow": "hidden",
                            "clip": "rect(0,0,0,0)",
                        },
                    ),
                    rx.cond(
                        CartState.has_lines,
                        rx.vstack(
                            cart_notices(),
                            rx.box(
                                rx.foreach(CartState.lines, lambda line: cart_line(line, True)),
                                width="100%",
                                overflow_y="auto",
                                flex="1",
                            ),
                            totals(),
                            button_link(
                                "Checkout",
                                href=routes.CHECKOUT,
                                size="3",
                                width="100%",
                                radius="full",
                                on_click=CartState.close_drawer,
                                data_testid="drawer-checkout",
                            ),
                            button_link(
                                "View cart",
                                href=routes.CART,
                                size="3",
                                width="100%",
                                radius="full",
                                variant="outline",
                                on_click=CartState.close_drawer,
                                data_testid="drawer-view-cart",
                            ),
                            spacing="3",
                            width="100%",
                            flex="1",
                            min_height="0",
                        ),
                        empty_cart(compact=True),
                    ),
                    spacing="3",
                    height="100%",
                    width="100%",
                ),
                top="0",
                right="0",
                left="auto",
                height="100%",
                width=rx.breakpoints(initial="100%", sm="420px"),
                padding="20px",
                background=rx.color("gray", 1),
                z_index="50",
                data_testid="cart-drawer",
            ),
        ),
        direction="right",
        # vaul leaves the focus on the trigger unless told: the keyboard would stay behind the drawer
        custom_attrs={"autoFocus": True},
        open=CartState.drawer_open,
        on_open_change=CartState.set_drawer_open,
    )


class CartCount(rx.Component):
    """``assets/cart_count.jsx``: a count plus the ops clicked but not yet settled by the server."""

    library = "$/public/cart_count.jsx"
    tag = "CartCount"

    count: rx.Var[int]
    settled: rx.Var[list[str]]
    kind: rx.Var[str]


def _count_badge(count: rx.Var, testid: str) -> rx.Component:
    """The header badge: optimistic (shows a click at once), reconciled by op id with the server."""
    return CartCount.create(
        count=count,
        settled=CartState.settled_ops,
        kind="cart" if testid == "cart-count" else "wishlist",
        position="absolute",
        top="-4px",
        right="-6px",
        min_width="18px",
        height="18px",
        padding_x="4px",
        border_radius="9px",
        font_size="11px",
        font_weight="600",
        line_height="18px",
        text_align="center",
        color="white",
        background=rx.color("accent", 9),
        style={"&[data-empty='true']": {"display": "none"}},  # an empty cart shows no badge, not "0"
        aria_hidden="true",  # the button's or link's name says the count
        data_testid=testid,
    )


def heart_toggle(
    product_id: rx.Var,
    *,
    name: rx.Var | str = "",
    image: rx.Var | str = "",
    price: rx.Var | str = "",
    slug: rx.Var | str = "",
    size: str = "2",
    **props,
) -> rx.Component:
    """Add to / remove from the wishlist (data-active "true" when the product is in it)."""
    active = CartState.wishlist_ids.contains(product_id)
    return rx.icon_button(
        rx.icon(
            "heart",
            size=18,
            color=rx.cond(active, rx.color("tomato", 9), rx.color("gray", 11)),
            style={"fill": rx.cond(active, rx.color("tomato", 9), "none")},
        ),
        on_click=[
            rx.prevent_default,
            rx.stop_propagation,
            CartState.apply(
                op_arg(
                    type=rx.cond(active, "wish_remove", "wish_add"),
                    product_id=product_id,
                    name=name,
                    image=image,
                    price=price,
                    slug=slug,
                )
            ),
        ],
        variant="soft",
        color_scheme="gray",
        radius="full",
        size=size,
        aria_label=rx.cond(active, "Remove from wishlist", "Add to wishlist"),
        aria_pressed=active,
        custom_attrs={"data-active": active.to_string()},
        data_testid="heart-toggle",
        **props,
    )


def _named_count(name: str, count: rx.Var) -> rx.Var:
    """An icon's accessible name with its count: "Cart, 1 item", "Wishlist, 3 items"."""
    return rx.cond(count == 1, f"{name}, 1 item", f"{name}, " + count.to_string() + " items")


def header_cart_badges() -> list[rx.Component]:
    """The wishlist link with its count, and the cart drawer (icon with its count)."""
    wishlist = rx.link(
        rx.box(
            rx.icon("heart", size=22, aria_hidden="true"),
            _count_badge(CartState.wishlist_count, "wishlist-count"),
            position="relative",
            display="flex",
        ),
        href=routes.WISHLIST,
        aria_label=_named_count("Wishlist", CartState.wishlist_count),
        title="Wishlist",
        color=rx.color("gray", 12),
        display="inline-flex",
        align_items="center",
        justify_content="center",
        min_width="44px",
        min_height="44px",
        padding="8px",
        border_radius="8px",
        _hover={"background": rx.color("gray", 3)},
    )
    return [wishlist, cart_drawer()]
