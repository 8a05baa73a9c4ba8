"""The product page (/products/[slug]): gallery, price, variant picker, add to cart, reviews."""

from __future__ import annotations

import reflex as rx
from reflex.vars.function import FunctionStringVar

from marque_app.components.breadcrumb import breadcrumb
from marque_app.components.cart import heart_toggle
from marque_app.components.cart_ops import op_arg
from marque_app.components.layout import page_layout
from marque_app.components.not_found import not_found_message
from marque_app.components.product_card import (
    price_line,
    product_grid,
    product_image,
    section_heading,
)
from marque_app.components.theme import ACCENT
from marque_app.domain.colours import NEUTRAL, SWATCHES
from marque_app.state.auth import AuthState
from marque_app.state.cart import CartState
from marque_app.state.product import ProductState
from marque_app.state.reviews import HistogramRow, ReviewsState
from marque_app.state.stock_alerts import StockAlertState
from marque_app.views.catalog import OptionView, ProductImageView
from marque_app.views.reviews import ReviewItem


def _breadcrumb() -> rx.Component:
    current = rx.hstack(
        rx.icon("chevron-right", size=14, color=rx.color("gray", 9)),
        rx.text(ProductState.product.name, size="2", color=rx.color("gray", 12), truncate=True),
        spacing="1",
        align="center",
        min_width="0",
        display=rx.breakpoints(initial="none", sm="flex"),
    )
    return breadcrumb(ProductState.product.breadcrumb, current, margin_bottom="20px")


def gallery() -> rx.Component:
    def thumbnail(image: rx.Var[ProductImageView], index: rx.Var[int]) -> rx.Component:
        return rx.el.button(  # a real button: a Box "as button" renders a div that Tab skips
            rx.image(src=image.url, alt="", width="100%", height="100%", object_fit="cover"),
            type="button",
            on_click=ProductState.select_image(index),
            aria_label=f"Show picture {index + 1}",
            width=rx.breakpoints(initial="64px", md="80px"),
            aspect_ratio="1",
            overflow="hidden",
            border_radius="10px",
            padding="0",
            cursor="pointer",
            background=rx.color("gray", 3),
            border=rx.cond(
                index == ProductState.image_index,
                f"2px solid {rx.color('accent', 9)}",
                f"2px solid {rx.color('gray', 4)}",
            ),
            data_testid="gallery-thumbnail",
        )

    return rx.vstack(
        product_image(
            ProductState.main_image,
            ProductState.main_image_alt,
            ProductState.product.name,
            ratio="1 / 1",
            radius="16px",
            priority=True,  # the page's largest paint
            data_testid="gallery-main",
        ),
        rx.cond(
            ProductState.product.images.length() > 1,
            rx.hstack(rx.foreach(ProductState.product.images, thumbnail), spacing="2", wrap="wrap"),
        ),
        spacing="3",
        width="100%",
    )


def rating_summary() -> rx.Component:
    def star(kind: rx.Var[str]) -> rx.Component:
        return rx.match(
            kind,
            (
                "full",
                rx.icon(
                    "star",
                    size=16,
                    color=rx.color("amber", 9),
                    style={"fill": rx.color("amber", 9)},
                ),
            ),
            (
                "half",
                rx.icon(
                    "star-half",
                    size=16,
                    color=rx.color("amber", 9),
                    style={"fill": rx.color("amber", 9)},
                ),
            ),
            rx.icon("star", size=16, color=rx.color("gray", 7)),
        )

    return rx.cond(
        ProductState.product.review_count > 0,
        rx.link(
            rx.hstack(
                rx.hstack(rx.foreach(ProductState.rating_stars, star), spacing="0"),
                rx.text(ProductState.product.rating, size="2", weight="bold", color=rx.color("gray", 12)),
                rx.text(
                    "(" + ProductState.product.review_count.to_string() + " reviews)",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                spacing="2",
                align="center",
            ),
            href="#reviews",
            underline="none",
            data_testid="rating-summary",
        ),
        rx.text("No reviews yet", size="2", color=rx.color("gray", 11)),
    )


def _option_label(label: str, value: rx.Var[str]) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="2", weight="bold"),
        rx.text(value, size="2", color=rx.color("gray", 11)),
        spacing="1",
    )


def color_picker() -> rx.Component:
    def swatch(option: rx.Var[OptionView]) -> rx.Component:
        selected = option.value == ProductState.selected_color
        return rx.button(
            rx.box(
                width="14px",
                height="14px",
                border_radius="50%",
                border=f"1px solid {rx.color('gray', 7)}",
                background=rx.match(option.value, *SWATCHES.items(), NEUTRAL),
            ),
            option.value,
            on_click=ProductState.select_color(option.value),
            disabled=~option.is_available,
            variant=rx.cond(selected, "surface", "outline"),
            color_scheme=rx.cond(selected, ACCENT, "gray"),
            size="2",
            radius="full",
            aria_pressed=selected,
            text_decoration=rx.cond(option.is_in_stock, "none", "line-through"),
            data_testid="color-option",
            data_value=option.value,
            custom_attrs={"data-selected": selected.to_string()},
            type="button",
        )

    return rx.cond(
        ProductState.product.colors.length() > 0,
        rx.vstack(
            _option_label("Colour:", ProductState.selected_color),
            rx.hstack(
                rx.foreach(ProductState.color_options, swatch),
                spacing="2",
                wrap="wrap",
                role="group",
                aria_label="Colour",
            ),
            spacing="2",
            data_testid="color-picker",
        ),
    )


def size_picker() -> rx.Component:
    def size_button(option: rx.Var[OptionView]) -> rx.Component:
        selected = option.value == ProductState.selected_size
        return rx.button(
            option.value,
            on_click=ProductState.select_size(option.value),
            variant=rx.cond(selected, "solid", "outline"),
            color_scheme=rx.cond(selected, ACCENT, "gray"),
            size="2",
            min_width="52px",
            aria_pressed=selected,
            # struck through when sold out, not faded (faded text falls under 4.5:1)
            text_decoration=rx.cond(option.is_in_stock, "none", "line-through"),
            data_testid="size-option",
            data_value=option.value,
            custom_attrs={"data-selected": selected.to_string()},
            type="button",
        )

    return rx.cond(
        ProductState.product.sizes.length() > 0,
        rx.vstack(
            _option_label("Size:", ProductState.selected_size),
            rx.hstack(
                rx.foreach(ProductState.size_options, size_button),
                spacing="2",
                wrap="wrap",
                role="group",
                aria_label="Size",
            ),
            spacing="2",
            data_testid="size-picker",
        ),
    )


def stock_status() -> rx.Component:
    colour = rx.match(
        ProductState.stock_status,
        ("sold_out", rx.color("gray", 9)),
        ("low_stock", rx.color("amber", 9)),
        rx.color("grass", 9),
    )
    return rx.hstack(
        rx.box(width="8px", height="8px", border_radius="50%", background=colour),
        rx.text(
            ProductState.stock_label,
            size="2",
            weight="medium",
            color=rx.match(
                ProductState.stock_status,
                ("sold_out", rx.color("gray", 11)),
                ("low_stock", rx.color("amber", 11)),
                rx.color("grass", 11),
            ),
            data_testid="stock-status",
            data_status=ProductState.stock_status,
        ),
        spacing="2",
        align="center",
    )


def back_in_stock() -> rx.Component:
    """A sold-out size/colour: be told once when it is back (the account's phone or e-mail when
    logged in, a typed e-mail for a guest)."""
    sku = ProductState.selected_variant.id
    form = rx.vstack(
        rx.text("Sold out in this choice. We can tell you once when it is back.", size="2"),
        rx.cond(
            ~AuthState.is_logged_in,
            rx.input(
                type="email",
                placeholder="you@example.com",
                aria_label="Your e-mail for the back-in-stock alert",
                value=StockAlertState.email,
                on_change=StockAlertState.set_email,
                width="100%",
                data_testid="stock-alert-email",
            ),
        ),
        rx.button(
            rx.icon("bell", size=16),
            "Tell me when it is back",
            on_click=StockAlertState.subscribe(sku),
            variant="outline",
            radius="full",
            data_testid="notify-me",
        ),
        rx.cond(
            StockAlertState.error != "",
            rx.text(
                StockAlertState.error,
                size="2",
                color=rx.color("red", 11),
                role="alert",
                data_testid="stock-alert-error",
            ),
        ),
        spacing="2",
        width="100%",
    )
    return rx.cond(
        (ProductState.stock_status == "sold_out") & (sku != ""),
        rx.box(
            rx.cond(
                StockAlertState.notices.contains(sku),
                rx.text(StockAlertState.notices[sku], size="2", role="status", data_testid="stock-alert-notice"),
                form,
            ),
            width="100%",
            padding="12px",
            border_radius="12px",
            border=f"1px solid {rx.color('gray', 5)}",
            data_testid="back-in-stock",
        ),
    )


def _perk(icon: str, text: str) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=16, color=rx.color("gray", 11)),
        rx.text(text, size="2", color=rx.color("gray", 11)),
        spacing="2",
        align="center",
    )


# The quantity an "Add to cart" click sends: the field as typed (a click right after typing comes
# before the server's answer to the field's blur), bounded as domain.cart.chosen_quantity bounds
# it; the cart engine holds the line to the same cap again.
_FIELD_QUANTITY = FunctionStringVar.create(
    "((id, cap, current) => { const f = document.getElementById(id); const t = f ? String(f.value).trim() : '';"
    " const n = /^[0-9]+$/.test(t) ? parseInt(t, 10) : current; return Math.max(1, Math.min(n, Math.max(cap, 1))); })"
)

_FIELD_TEXT = FunctionStringVar.create("((id) => String(document.getElementById(id)?.value ?? ''))")


def quantity_selector() -> rx.Component:
    """- / field / +: how many to add, from 1 to the chosen SKU's line cap (its sellable stock, at
    most 99: ``domain.cart.chosen_quantity``, the cart's own bound)."""
    cap = ProductState.selected_variant.max_quantity
    return rx.hstack(
        rx.el.label("Quantity", html_for="product-qty", font_size="14px", font_weight="500"),
        rx.icon_button(
            rx.icon("minus", size=14),
            on_click=ProductState.step_quantity(-1),
            disabled=(ProductState.quantity <= 1) | ~ProductState.can_add_to_cart,
            variant="soft",
            color_scheme="gray",
            size="2",
            aria_label="Decrease quantity",
            data_testid="product-qty-decrease",
        ),
        rx.el.input(
            key=ProductState.quantity_rev.to_string() + "-" + ProductState.quantity.to_string(),
            id="product-qty",
            default_value=ProductState.quantity.to_string(),
            type="number",
            min=1,
            max=cap,
            input_mode="numeric",
            disabled=~ProductState.can_add_to_cart,
            # the field's own text (the blur event's value is a Number, 0 for an empty field)
            on_blur=lambda _value: ProductState.set_quantity(_FIELD_TEXT.call("product-qty").to(str)),
            on_key_down=lambda key: rx.cond(key == "Enter", rx.call_script("document.activeElement.blur()"), rx.noop()),
            style={
                "width": "56px",
                "height": "32px",
                "textAlign": "center",
                "border": f"1px solid {rx.color('gray', 7)}",
                "borderRadius": "6px",
                "fontSize": "15px",
                "background": "transparent",
            },
            data_testid="product-qty",
        ),
        rx.icon_button(
            rx.icon("plus", size=14),
            on_click=ProductState.step_quantity(1),
            disabled=(ProductState.quantity >= cap) | ~ProductState.can_add_to_cart,
            variant="soft",
            color_scheme="gray",
            size="2",
            aria_label="Increase quantity",
            data_testid="product-qty-increase",
        ),
        spacing="2",
        align="center",
    )


def buy_box() -> rx.Component:
    product = ProductState.product
    return rx.vstack(
        rx.cond(
            product.brand != "",
            rx.link(
                product.brand,
                href="/brands/" + product.brand_slug,
                size="2",
                weight="medium",
                color=rx.color("accent", 11),
                text_transform="uppercase",
                letter_spacing="0.06em",
                underline="hover",
                data_testid="product-brand",
            ),
        ),
        rx.heading(
            product.name,
            as_="h1",
            size=rx.breakpoints(initial="7", md="8"),
            weight="bold",
            letter_spacing="-0.02em",
            data_testid="product-name",
        ),
        rating_summary(),
        rx.hstack(
            price_line(ProductState.price, ProductState.compare_price, size="6", testid="product-price"),
            rx.cond(
                ProductState.compare_price != "",
                rx.badge(
                    "Sale",
                    color_scheme="tomato",
                    variant="solid",
                    radius="full",
                    background=rx.color("tomato", 11),  # white on step 9 is 3.9:1
                    data_testid="sale-badge",
                ),
            ),
            spacing="3",
            align="center",
        ),
        rx.cond(
            product.short_description != "",
            rx.text(product.short_description, size="3", color=rx.color("gray", 11)),
        ),
        rx.separator(size="4"),
        rx.vstack(color_picker(), size_picker(), spacing="4", width="100%", data_testid="variant-select"),
        stock_status(),
        back_in_stock(),
        quantity_selector(),
        rx.hstack(
            rx.button(
                rx.icon("shopping-bag", size=18),
                rx.cond(ProductState.can_add_to_cart, "Add to cart", "Sold out"),
                on_click=CartState.apply(
                    op_arg(
                        type="add",
                        sku_id=ProductState.selected_variant.id,
                        product_id=product.id,
                        quantity=_FIELD_QUANTITY.call(
                            "product-qty", ProductState.selected_variant.max_quantity, ProductState.quantity
                        ).to(int),
                        price_seen=ProductState.selected_variant.price_amount,
                        name=product.name,
                        image=ProductState.main_image,
                    )
                ),
                disabled=~ProductState.can_add_to_cart,
                size="4",
                flex="1",
                radius="full",
                data_testid="add-to-cart",
            ),
            heart_toggle(
                product.id,
                name=product.name,
                image=ProductState.main_image,
                price=product.price_amount,
                slug=product.slug,
                size="4",
            ),
            spacing="3",
            width="100%",
            align="center",
        ),
        rx.vstack(
            _perk("truck", "Free shipping on orders over $75"),
            _perk("rotate-ccw", "Free returns within 30 days"),
            _perk("shield-check", "Secure checkout"),
            spacing="2",
            padding="16px",
            width="100%",
            border_radius="12px",
            background=rx.color("gray", 2),
            border=f"1px solid {rx.color('gray', 4)}",
        ),
        spacing="4",
        width="100%",
        align="start",
    )


def description() -> rx.Component:
    return rx.cond(
        ProductState.product.description != "",
        rx.box(
            section_heading("Details"),
            rx.text(
                ProductState.product.description,
                size="3",
                color=rx.color("gray", 11),
                white_space="pre-line",
                max_width="720px",
                data_testid="product-description",
            ),
            rx.text(
                "SKU " + ProductState.selected_variant.sku,
                size="1",
                color=rx.color("gray", 11),
                margin_top="12px",
            ),
            width="100%",
        ),
    )


def _stars(rating, size: int = 14) -> rx.Component:
    return rx.hstack(
        rx.foreach(
            rx.Var.range(5),
            lambda i: rx.icon(
                "star",
                size=size,
                color=rx.cond(i < rating, rx.color("amber", 9), rx.color("gray", 7)),
                style={"fill": rx.cond(i < rating, rx.color("amber", 9), "none")},
            ),
        ),
        spacing="0",
    )


def _review_summary() -> rx.Component:
    def bar(row: rx.Var[HistogramRow]) -> rx.Component:
        return rx.hstack(
            rx.text(row.stars.to_string() + " star", size="1", width="48px", color=rx.color("gray", 11)),
            rx.progress(
                value=row.percent,
                max=100,
                width="160px",
                color_scheme="amber",
                aria_label=row.stars.to_string() + "-star reviews",
            ),
            rx.text(row.count.to_string(), size="1", color=rx.color("gray", 11)),
            spacing="2",
            align="center",
        )

    return rx.cond(
        ReviewsState.has_reviews,
        rx.hstack(
            rx.vstack(
                rx.text(ReviewsState.average, size="8", weight="bold", data_testid="review-average"),
                rx.text(
                    "Based on "
                    + ReviewsState.count.to_string()
                    + rx.cond(ReviewsState.count == 1, " review", " reviews"),
                    size="2",
                    color=rx.color("gray", 11),
                    data_testid="review-count",
                ),
                spacing="1",
            ),
            rx.vstack(rx.foreach(ReviewsState.histogram_rows, bar), spacing="1"),
            spacing="6",
            align="center",
            wrap="wrap",
            data_testid="review-summary",
        ),
        rx.text("No reviews yet", size="2", color=rx.color("gray", 11)),
    )


def _review_form() -> rx.Component:
    def star_button(n: int) -> rx.Component:
        return rx.icon_button(
            rx.icon(
                "star",
                size=20,
                color=rx.cond(ReviewsState.rating >= n, rx.color("amber", 9), rx.color("gray", 8)),
                style={"fill": rx.cond(ReviewsState.rating >= n, rx.color("amber", 9), "none")},
            ),
            type="button",
            variant="ghost",
            aria_label=f"{n} star" + ("s" if n > 1 else ""),
            on_click=ReviewsState.set_rating(n),
            data_testid=f"review-star-{n}",
        )

    return rx.form(
        rx.vstack(
            rx.heading(
                rx.cond(ReviewsState.my_status == "pending", "Edit your review", "Write a review"), as_="h3", size="4"
            ),
            rx.hstack(
                *[star_button(n) for n in range(1, 6)],
                rx.text(ReviewsState.rating_label, size="2", color=rx.color("gray", 11)),
                spacing="1",
                align="center",
            ),
            rx.el.label("Title", html_for="review-title", style={"fontSize": "14px"}),
            rx.input(
                id="review-title",
                name="title",
                value=ReviewsState.title,
                on_change=ReviewsState.set_title,
                max_length=200,
                width="100%",
            ),
            rx.el.label("Your review", html_for="review-text", style={"fontSize": "14px"}),
            rx.text_area(
                id="review-text",
                name="text",
                value=ReviewsState.text,
                on_change=ReviewsState.set_text,
                max_length=5000,
                rows="5",
                width="100%",
            ),
            rx.cond(
                ReviewsState.form_error != "",
                rx.callout(
                    ReviewsState.form_error,
                    icon="triangle_alert",
                    color_scheme="red",
                    size="1",
                    data_testid="review-error",
                ),
            ),
            rx.cond(
                ReviewsState.thanks != "",
                rx.callout(
                    ReviewsState.thanks, icon="check", color_scheme="grass", size="1", data_testid="review-thanks"
                ),
            ),
            rx.button("Submit review", type="submit", data_testid="review-submit"),
            spacing="2",
            width="100%",
            max_width="560px",
        ),
        on_submit=ReviewsState.submit_review,
        reset_on_submit=False,
        data_testid="review-form",
    )


def reviews() -> rx.Component:
    def review(item: rx.Var[ReviewItem]) -> rx.Component:
        return rx.vstack(
            rx.hstack(
                _stars(item.rating),
                # Text, never HTML: Reflex renders these as text nodes, so markup shows as typed.
                rx.text(item.title, size="2", weight="bold", data_testid="review-title"),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(
                item.content, size="2", color=rx.color("gray", 11), white_space="pre-wrap", data_testid="review-content"
            ),
            rx.hstack(
                rx.text(item.author, size="1", color=rx.color("gray", 11)),
                rx.cond(
                    item.verified_purchase,
                    rx.badge("Verified purchase", color_scheme="grass", variant="soft", size="1"),
                ),
                rx.text(item.date, size="1", color=rx.color("gray", 11)),
                rx.button(
                    rx.icon("thumbs-up", size=12),
                    "Helpful (" + item.helpful_count.to_string() + ")",
                    size="1",
                    variant=rx.cond(item.voted, "solid", "soft"),
                    disabled=item.voted | item.is_own,
                    on_click=ReviewsState.vote_helpful(item.id),
                    data_testid="review-helpful",
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            spacing="2",
            padding_y="16px",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
            width="100%",
            data_testid="review",
        )

    return rx.box(
        section_heading("Reviews"),
        rx.vstack(
            _review_summary(),
            rx.box(rx.foreach(ReviewsState.items, review), width="100%"),
            rx.cond(
                ReviewsState.pages > 1,
                rx.hstack(
                    rx.button(
                        "Previous",
                        variant="soft",
                        size="1",
                        disabled=ReviewsState.page <= 1,
                        on_click=ReviewsState.go_to_page(ReviewsState.page - 1),
                    ),
                    rx.text(
                        "Page " + ReviewsState.page.to_string() + " of " + ReviewsState.pages.to_string(), size="1"
                    ),
                    rx.button(
                        "Next",
                        variant="soft",
                        size="1",
                        disabled=ReviewsState.page >= ReviewsState.pages,
                        on_click=ReviewsState.go_to_page(ReviewsState.page + 1),
                    ),
                    spacing="2",
                    align="center",
                ),
            ),
            rx.cond(
                ReviewsState.can_review,
                _review_form(),
                rx.cond(
                    ReviewsState.cannot_reason != "",
                    rx.text(
                        ReviewsState.cannot_reason, size="2", color=rx.color("gray", 11), data_testid="review-cannot"
                    ),
                ),
            ),
            spacing="5",
            max_width="720px",
            width="100%",
        ),
        id="reviews",
        width="100%",
        scroll_margin_top="140px",
        data_testid="reviews",
    )


def related() -> rx.Component:
    return rx.cond(
        ProductState.product.related.length() > 0,
        rx.box(
            section_heading("You may also like"),
            product_grid(ProductState.product.related, testid="related-grid"),
            width="100%",
        ),
    )


def product_view() -> rx.Component:
    return rx.box(
        _breadcrumb(),
        rx.grid(
            gallery(),
            buy_box(),
            columns=rx.breakpoints(initial="1", md="minmax(0, 7fr) minmax(0, 5fr)"),
            gap=rx.breakpoints(initial="24px", md="48px"),
            width="100%",
            align_items="start",
        ),
        rx.vstack(description(), reviews(), related(), spacing="9", width="100%", margin_top="56px"),
        width="100%",
        data_testid="product-page",
    )


def loading_view() -> rx.Component:
    return rx.grid(
        rx.skeleton(rx.box(width="100%", aspect_ratio="1 / 1"), width="100%", border_radius="16px"),
        rx.vstack(
            rx.skeleton(rx.text("Brand"), width="30%"),
            rx.skeleton(rx.heading("Product name loading", as_="h1", size="8"), width="80%"),
            rx.skeleton(rx.text("$00.00"), width="20%"),
            rx.skeleton(rx.box(height="120px"), width="100%"),
            spacing="4",
            width="100%",
        ),
        columns=rx.breakpoints(initial="1", md="minmax(0, 7fr) minmax(0, 5fr)"),
        gap="48px",
        width="100%",
        aria_busy="true",
    )


def product_page() -> rx.Component:
    return page_layout(
        rx.match(
            ProductState.status,
            ("found", product_view()),
            (
                "missing",
                not_found_message(
                    "We couldn't find that product",
                    "It may have been removed, or the link may be mistyped.",
                ),
            ),
            loading_view(),
        )
    )
