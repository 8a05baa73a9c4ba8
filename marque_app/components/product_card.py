"""Product tiles and the grids they sit in."""

from __future__ import annotations

import reflex as rx

from marque_app.views.catalog import ProductCard

# How many of a grid's first tiles load their picture at once: the first row on a desktop (4
# columns) and the first two on a phone (2 columns), the part of a listing seen before scrolling.
EAGER_TILES = 4


def product_image(
    src: rx.Var,
    alt: rx.Var,
    name: rx.Var,
    ratio: str = "4 / 5",
    radius: str = "12px",
    priority: bool | rx.Var[bool] = False,
    **props,
) -> rx.Component:
    """A product picture that keeps its box (and the layout) while it loads or when missing.

    ``priority``: the picture is (or may be) the page's largest paint, seen without scrolling:
    it loads at once with a high fetch priority instead of lazily when it nears the viewport.
    """
    if isinstance(priority, bool):
        loading, fetch_priority = ("eager", "high") if priority else ("lazy", "auto")
    else:
        loading, fetch_priority = rx.cond(priority, "eager", "lazy"), rx.cond(priority, "high", "auto")
    return rx.box(
        rx.cond(
            src != "",
            rx.image(
                src=src,
                alt=alt,
                width="100%",
                height="100%",
                object_fit="cover",
                loading=loading,
                decoding="async",
                custom_attrs={"fetchPriority": fetch_priority},
            ),
            rx.center(
                rx.icon("image", size=32, color=rx.color("gray", 8)),
                width="100%",
                height="100%",
                aria_label=name,
            ),
        ),
        width="100%",
        aspect_ratio=ratio,
        overflow="hidden",
        background=rx.color("gray", 3),
        border_radius=radius,
        **props,
    )


def price_line(price: rx.Var, compare_price: rx.Var, size: str = "2", testid: str | None = None) -> rx.Component:
    """The selling price, and the compare-at price struck through when on sale."""
    extra = {"data_testid": testid} if testid else {}
    return rx.hstack(
        rx.text(
            price,
            size=size,
            weight="bold",
            color=rx.cond(compare_price != "", rx.color("tomato", 11), rx.color("gray", 12)),
            **extra,
        ),
        rx.cond(
            compare_price != "",
            rx.text(
                compare_price,
                size=size,
                color=rx.color("gray", 11),
                text_decoration="line-through",
                aria_label=f"Was {compare_price}",
                data_testid="compare-price",
            ),
        ),
        spacing="2",
        align="baseline",
        wrap="wrap",
    )


def _badge(text: str, color: str, testid: str) -> rx.Component:
    # step 11, not the solid badge's step 9: white on tomato 9 or gray 9 is 3.2-3.9:1, under 4.5
    return rx.badge(
        text,
        color_scheme=color,
        variant="solid",
        radius="full",
        size="1",
        background=rx.color(color, 11),
        data_testid=testid,
    )


def product_card(card: rx.Var[ProductCard], index: rx.Var[int] | None = None) -> rx.Component:
    """A tile: one link (picture, brand, name, price) and, beside it, not inside it, the
    wishlist heart (a button inside a link is two tab stops for one control). The grid's first
    ``EAGER_TILES`` tiles (``index``) load their picture at once."""
    from marque_app.components.cart import heart_toggle  # the wishlist heart (CartState)

    link = rx.link(
        rx.vstack(
            rx.box(
                product_image(
                    card.image_url,
                    card.image_alt,
                    card.name,
                    priority=False if index is None else index < EAGER_TILES,
                    transition="transform 0.3s ease",
                    class_name="card-image",
                    # the picture fades when sold out, not the badges (they keep 4.5:1)
                    opacity=rx.cond(card.is_sold_out, "0.7", "1"),
                ),
                rx.hstack(
                    rx.cond(card.is_on_sale, _badge("Sale", "tomato", "sale-badge")),
                    rx.cond(card.is_sold_out, _badge("Sold out", "gray", "sold-out-badge")),
                    position="absolute",
                    top="10px",
                    left="10px",
                    spacing="1",
                ),
                position="relative",
                width="100%",
            ),
            rx.vstack(
                rx.cond(
                    card.brand != "",
                    rx.text(
                        card.brand,
                        size="1",
                        weight="medium",
                        color=rx.color("gray", 11),
                        text_transform="uppercase",
                        letter_spacing="0.06em",
                        trim="both",
                    ),
                ),
                rx.text(
                    card.name,
                    size="2",
                    weight="medium",
                    color=rx.color("gray", 12),
                    data_testid="product-card-name",
                    style={
                        "display": "-webkit-box",
                        "WebkitLineClamp": "2",
                        "WebkitBoxOrient": "vertical",
                        "overflow": "hidden",
                    },
                ),
                price_line(card.price, card.compare_price, testid="product-card-price"),
                spacing="1",
                width="100%",
                padding_x="2px",
            ),
            spacing="3",
            width="100%",
        ),
        href=f"/products/{card.slug}",
        underline="none",
        aria_label=card.name,
        display="block",
        data_testid="product-card-link",
    )
    return rx.box(
        link,
        heart_toggle(
            card.id,
            name=card.name,
            image=card.image_url,
            price=card.price_amount,
            slug=card.slug,
            size="2",
            position="absolute",
            top="6px",
            right="6px",
        ),
        position="relative",
        min_width="0",
        class_name="product-card",
        data_testid="product-card",
    )


def product_grid(cards: rx.Var[list[ProductCard]], testid: str = "product-grid") -> rx.Component:
    return rx.grid(
        rx.foreach(cards, lambda card, index: product_card(card, index)),
        columns=rx.breakpoints(initial="2", sm="3", md="4"),
        gap=rx.breakpoints(initial="16px", md="24px"),
        row_gap=rx.breakpoints(initial="24px", md="36px"),
        width="100%",
        data_testid=testid,
    )


def card_skeletons(count: int = 4) -> rx.Component:
    return rx.grid(
        *[
            rx.vstack(
                rx.skeleton(rx.box(width="100%", aspect_ratio="4 / 5"), width="100%", border_radius="12px"),
                rx.skeleton(rx.text("Loading product"), width="70%"),
                rx.skeleton(rx.text("$00.00"), width="30%"),
                spacing="2",
                width="100%",
            )
            for _ in range(count)
        ],
        columns=rx.breakpoints(initial="2", sm="3", md="4"),
        gap=rx.breakpoints(initial="16px", md="24px"),
        width="100%",
    )


def section_heading(title: str, subtitle: str = "", link: rx.Component | None = None, **props) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.heading(
                title,
                as_="h2",  # rx.heading is an h1 unless told: one h1 per page
                size=rx.breakpoints(initial="5", md="6"),
                weight="bold",
                letter_spacing="-0.02em",
            ),
            rx.text(subtitle, size="2", color=rx.color("gray", 11)) if subtitle else rx.fragment(),
            spacing="1",
        ),
        rx.spacer(),
        link or rx.fragment(),
        align="end",
        width="100%",
        margin_bottom="20px",
        **props,
    )
