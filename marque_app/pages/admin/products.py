"""/admin/products (list with search, filters, sort, pages in the URL) and
/admin/products/[admin_product] (the form: fields, variants, pictures; "new" creates)."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.admin import (
    admin_layout,
    error_banner,
    field_error,
    labelled,
    native_select,
    pager,
    recheck_on_change,
    table,
)
from marque_app.components.button_link import button_link
from marque_app.domain.labels import PRODUCT_STATUS, choices
from marque_app.state.admin.products import AdminProductFormState as F
from marque_app.state.admin.products import AdminProductsState as L
from marque_app.state.admin.products import ImageRow, VariantRow

STATUSES = choices(PRODUCT_STATUS)
SORTS = [("updated", "Last changed"), ("created", "Created"), ("name", "Name"), ("price", "Price"), ("stock", "Stock")]
UPLOAD_ID = "product-images"


def _row(p) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.cond(
                p.image_url != "",
                rx.image(src=p.image_url, alt="", width="40px", height="40px", object_fit="cover", border_radius="4px"),
            )
        ),
        rx.table.cell(rx.link(p.name, href=f"{routes.ADMIN_PRODUCTS}/" + p.id, data_testid="product-link")),
        rx.table.cell(p.sku),
        rx.table.cell(rx.badge(p.status_label, data_testid="product-status")),
        rx.table.cell(p.price_text, data_testid="product-price"),
        rx.table.cell(p.stock),
        rx.table.cell(p.category),
        rx.table.cell(p.brand),
        rx.table.cell(
            rx.cond(
                p.status != "archived",
                rx.button(
                    "Archive",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=L.ask_archive(p.id),
                    data_testid="product-archive",
                ),
                rx.button(
                    "Unarchive", size="1", variant="soft", on_click=L.unarchive(p.id), data_testid="product-unarchive"
                ),
            )
        ),
        data_testid="product-row",
    )


def _archive_dialog() -> rx.Component:
    """Archiving takes a live product off the store: asked first, naming it."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Archive ", L.confirm_name, "?"),
            rx.alert_dialog.description(
                L.confirm_name,
                " leaves the store at once: shoppers can no longer find or buy it. "
                "You can undo this from the message that follows, or unarchive it later as a draft.",
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray", data_testid="archive-cancel"),
                ),
                rx.alert_dialog.action(
                    rx.button(
                        "Archive", color_scheme="red", on_click=L.archive(L.confirm_id), data_testid="archive-confirm"
                    ),
                ),
                gap="3",
                margin_top="16px",
                justify="end",
                wrap="wrap",
            ),
            data_testid="archive-dialog",
        ),
        open=L.confirm_id != "",
        on_open_change=L.set_archive_open,
    )


def products_list() -> rx.Component:
    return admin_layout(
        "Products",
        _archive_dialog(),
        rx.hstack(button_link("New product", href=f"{routes.ADMIN_PRODUCTS}/new", data_testid="new-product")),
        rx.form(
            rx.flex(
                rx.input(name="q", default_value=L.q, placeholder="Search name, slug or SKU", data_testid="product-q"),
                native_select("status", STATUSES, L.status, placeholder="Any status"),
                native_select("category_id", L.categories, L.category_id, placeholder="Any category"),
                native_select("brand_id", L.brands, L.brand_id, placeholder="Any brand"),
                native_select("sort", SORTS, L.sort),
                native_select("order", [("desc", "Descending"), ("asc", "Ascending")], L.order),
                rx.button("Apply", type="submit", data_testid="filter-apply"),
                gap="8px",
                wrap="wrap",
                align="center",
            ),
            on_submit=L.apply_filters,
            reset_on_submit=False,
            key=L.q + L.status + L.category_id + L.brand_id + L.sort + L.order,
        ),
        table(
            ["", "Name", "SKU", "Status", "Price", "Stock", "Category", "Brand", ""],
            rx.foreach(L.items, _row),
            "products-table",
        ),
        pager(L.page, L.pages, L.total, L.prev_url, L.next_url),
    )


# --- the form -------------------------------------------------------------------------------------


def _input(name: str, value, label: str, **props) -> rx.Component:
    return labelled(
        label,
        rx.input(name=name, default_value=value, data_testid=f"field-{name}", **recheck_on_change(F, name), **props),
        F.error,
        F.error_field,
        name,
    )


def _variant_row(v: rx.Var[VariantRow], i: rx.Var[int]) -> rx.Component:
    prefix = "variants." + i.to_string() + "."

    def cell(name: str, value, width: str = "auto", **props) -> rx.Component:
        return rx.table.cell(
            rx.input(
                name=prefix + name,
                default_value=value,
                width=width,
                data_testid=f"variant-{name}",
                **recheck_on_change(F, prefix + name),
                **props,
            ),
            rx.cond(
                F.error_field == prefix + name,
                rx.text(F.error, color=rx.color("red", 11), size="1", data_testid="variant-error"),
            ),
        )

    def option_cell(option: rx.Var[str]) -> rx.Component:
        field = prefix + "attributes." + option
        return rx.table.cell(
            rx.input(
                name=field,
                default_value=v.options[option].to(str),
                width="110px",
                aria_label=option,
                data_testid="variant-option",
                data_option=option,
                **recheck_on_change(F, field),
            ),
            rx.cond(
                F.error_field == field,
                rx.text(F.error, color=rx.color("red", 11), size="1", data_testid="variant-error"),
            ),
            key=v.key + "-" + option,
        )

    return rx.table.row(
        cell("sku", v.sku, "140px"),
        cell("name", v.name, "120px"),
        rx.foreach(F.option_names, option_cell),
        cell("price", v.price, "90px", placeholder="(product)"),
        rx.cond(
            v.is_new,
            cell("stock", v.stock, "70px", type="number", min="0"),
            rx.table.cell(
                rx.hstack(
                    rx.text(v.stock),
                    rx.link("adjust", href=f"{routes.ADMIN_INVENTORY}?sku=" + v.sku, size="1"),
                    spacing="2",
                )
            ),
        ),
        rx.table.cell(
            rx.icon_button(
                rx.icon("trash-2", size=14),
                type="button",
                size="1",
                variant="ghost",
                color_scheme="red",
                on_click=F.remove_variant(v.key),
                aria_label="Remove variant",
            )
        ),
        key=v.key,
        data_testid="variant-row",
    )


def _image_row(img: rx.Var[ImageRow], i: rx.Var[int]) -> rx.Component:
    return rx.hstack(
        rx.image(src=img.url, alt=img.alt_text, width="64px", height="64px", object_fit="cover", border_radius="6px"),
        rx.input(
            name="images." + i.to_string() + ".alt_text",
            default_value=img.alt_text,
            placeholder="Alt text",
            data_testid="image-alt",
        ),
        rx.icon_button(
            rx.icon("arrow-up", size=14),
            type="button",
            size="1",
            variant="soft",
            on_click=F.move_image(img.key, -1),
            aria_label="Move up",
            data_testid="image-up",
        ),
        rx.icon_button(
            rx.icon("arrow-down", size=14),
            type="button",
            size="1",
            variant="soft",
            on_click=F.move_image(img.key, 1),
            aria_label="Move down",
            data_testid="image-down",
        ),
        rx.icon_button(
            rx.icon("trash-2", size=14),
            type="button",
            size="1",
            variant="soft",
            color_scheme="red",
            on_click=F.remove_image(img.key),
            aria_label="Remove picture",
        ),
        key=img.key,
        align="center",
        spacing="2",
        data_testid="image-row",
    )


OPTION_FORM = "add-option-form"


def _option_header(option: rx.Var[str]) -> rx.Component:
    return rx.table.column_header_cell(
        rx.hstack(
            rx.text(option),
            rx.icon_button(
                rx.icon("x", size=12),
                type="button",
                size="1",
                variant="ghost",
                color_scheme="gray",
                on_click=F.remove_option(option),
                aria_label="Remove the option " + option,
                data_testid="remove-option",
            ),
            spacing="1",
            align="center",
        ),
        data_testid="option-header",
    )


def _option_form() -> rx.Component:
    """The add-option form: empty here; its input and button sit in the variants section and
    join it by the form attribute (a form cannot hold another)."""
    return rx.form(id=OPTION_FORM, on_submit=F.add_option, reset_on_submit=True, display="none")


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            error_banner(F.error, "product-error"),
            rx.grid(
                _input("name", F.name, "Name", max_length=255),
                _input("slug", F.slug, "Slug (empty: made from the name)", max_length=255),
                _input("sku", F.sku, "Product SKU (empty: from the slug)", max_length=100),
                labelled("Status", native_select("status", STATUSES, F.status), F.error, F.error_field, "status"),
                _input("price", F.price, "Price", inputmode="decimal"),
                _input("compare_price", F.compare_price, "Compare-at price", inputmode="decimal"),
                labelled(
                    "Category",
                    native_select("category_id", F.categories, F.category_id, placeholder="None"),
                    F.error,
                    F.error_field,
                    "category_id",
                ),
                labelled(
                    "Brand",
                    native_select("brand_id", F.brands, F.brand_id, placeholder="None"),
                    F.error,
                    F.error_field,
                    "brand_id",
                ),
                _input("meta_title", F.meta_title, "SEO title", max_length=255),
                _input("low_stock_threshold", F.low_stock_threshold, "Low-stock threshold", type="number", min="0"),
                columns=rx.breakpoints(initial="1", md="2"),
                gap="12px",
                width="100%",
            ),
            labelled(
                "Description",
                rx.text_area(
                    name="description", default_value=F.description, rows="4", data_testid="field-description"
                ),
            ),
            labelled(
                "SEO description",
                rx.text_area(
                    name="meta_description",
                    default_value=F.meta_description,
                    **recheck_on_change(F, "meta_description"),
                    rows="2",
                    data_testid="field-meta_description",
                ),
                F.error,
                F.error_field,
                "meta_description",
            ),
            rx.el.label(
                rx.hstack(
                    rx.checkbox(name="featured", default_checked=F.featured, aria_label="Featured"),
                    rx.text("Featured"),
                    spacing="2",
                )
            ),
            rx.heading("Variants", as_="h2", size="4"),
            field_error(F.error, F.error_field, "variants"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("SKU"),
                            rx.table.column_header_cell("Name"),
                            rx.foreach(F.option_names, _option_header),
                            *[rx.table.column_header_cell(h) for h in ["Price", "Stock", ""]],
                        )
                    ),
                    rx.table.body(rx.foreach(F.variants, _variant_row)),
                    size="1",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.flex(
                rx.button(
                    "Add variant", type="button", variant="soft", on_click=F.add_variant, data_testid="add-variant"
                ),
                # belongs to the add-option form outside this one (the HTML form attribute): Enter
                # here adds the option, it does not save the product
                rx.el.input(
                    name="option",
                    form=OPTION_FORM,
                    placeholder="New option, e.g. Colour",
                    aria_label="New option name",
                    max_length=50,
                    data_testid="new-option",
                    style={
                        "padding": "6px 8px",
                        "border": f"1px solid {rx.color('gray', 7)}",
                        "border_radius": "6px",
                        "font_size": "14px",
                    },
                ),
                rx.button("Add an option", type="submit", form=OPTION_FORM, variant="soft", data_testid="add-option"),
                gap="8px",
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                F.option_error != "",
                rx.text(F.option_error, color=rx.color("red", 11), size="1", data_testid="option-error"),
            ),
            rx.heading("Pictures", as_="h2", size="4"),
            rx.vstack(rx.foreach(F.images, _image_row), spacing="2", width="100%"),
            rx.upload(
                rx.vstack(
                    rx.icon("image-plus"),
                    rx.text("Drop PNG, JPEG, WebP or GIF pictures (5 MB at most) or click to choose", size="2"),
                    align="center",
                ),
                id=UPLOAD_ID,
                accept={
                    "image/png": [".png"],
                    "image/jpeg": [".jpg", ".jpeg"],
                    "image/webp": [".webp"],
                    "image/gif": [".gif"],
                },
                multiple=True,
                on_drop=F.upload_images(rx.upload_files(upload_id=UPLOAD_ID)),
                border=f"1px dashed {rx.color('gray', 8)}",
                padding="16px",
                width="100%",
                data_testid="image-upload",
            ),
            rx.cond(
                F.image_error != "",
                rx.text(F.image_error, color=rx.color("red", 11), size="2", data_testid="image-error"),
            ),
            rx.hstack(
                rx.button("Save product", type="submit", size="3", data_testid="save-product"),
                rx.cond(
                    F.product_id != "",
                    rx.link("View in the shop", href="/products/" + F.slug, data_testid="view-in-shop"),
                ),
                spacing="4",
                align="center",
            ),
            spacing="3",
            width="100%",
            max_width="960px",
        ),
        on_submit=F.save,
        reset_on_submit=False,
        key=F.form_key,
        width="100%",
    )


def product_form() -> rx.Component:
    return admin_layout(
        rx.cond(F.product_id != "", "Edit product", "New product"),
        rx.link("All products", href=routes.ADMIN_PRODUCTS, size="2"),
        rx.cond(
            F.not_found,
            rx.text("This product does not exist.", data_testid="product-not-found"),
            rx.cond(F.is_loaded, rx.fragment(_option_form(), _form()), rx.spinner()),
        ),
    )
