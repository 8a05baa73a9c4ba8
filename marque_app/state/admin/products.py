"""Admin products: the list (/admin/products, filters in the URL) and the form
(/admin/products/[product_id], "new" to create) with variants and pictures.

Every handler starts with ``require_admin``. The form's fields are read from the submitted form
(``variants.<i>.<field>``, ``images.<i>.alt_text``); the rows themselves (which variants and
pictures, in which order) are kept here, so adding, removing and reordering never loses what was
typed in the other rows (each row has a stable ``key``).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

import reflex as rx
from reflex_components_sonner.toast import ToastAction

from marque_app import routes
from marque_app.domain.admin import (
    MAX_IMAGE_BYTES,
    AdminError,
    check_option_name,
    option_field,
    option_names,
    paging,
)
from marque_app.services.admin import Actor, products
from marque_app.views.admin_products import (
    Choice,
    ImageFields,
    ProductFields,
    ProductForm,
    ProductRow,
    VariantFields,
    field_names,
)

from .base import form_text, query, recheck_field, refuse, require_admin, run, toast, url_with

PER_PAGE = 20


@dataclass
class VariantRow:
    key: str = ""
    id: str = ""
    sku: str = ""
    name: str = ""
    attributes: str = ""
    price: str = ""
    stock: str = "0"
    is_new: bool = True
    options: dict[str, str] = field(default_factory=dict)  # option name -> this variant's value


@dataclass
class ImageRow:
    key: str = ""
    id: str = ""
    url: str = ""
    alt_text: str = ""


def _key() -> str:
    return uuid.uuid4().hex[:12]


class AdminProductsState(rx.State):
    items: list[ProductRow] = []
    total: int = 0
    page: int = 1
    pages: int = 0
    q: str = ""
    status: str = ""
    category_id: str = ""
    brand_id: str = ""
    sort: str = "updated"
    order: str = "desc"
    categories: list[Choice] = []
    brands: list[Choice] = []
    error: str = ""
    confirm_id: str = ""  # the product the archive dialog asks about ("" = closed)
    confirm_name: str = ""
    _undo: dict[str, str] = {}  # product id -> its status before this tab archived it (server side only)

    def _params(self, **over) -> dict:
        params = {
            "q": self.q,
            "status": self.status,
            "category_id": self.category_id,
            "brand_id": self.brand_id,
            "sort": self.sort if self.sort != "updated" else "",
            "order": self.order if self.order != "desc" else "",
            "page": self.page if self.page > 1 else "",
        }
        params.update(over)
        return params

    @rx.var
    def prev_url(self) -> str:
        return url_with(routes.ADMIN_PRODUCTS, self._params(page=self.page - 1 if self.page > 2 else ""))

    @rx.var
    def next_url(self) -> str:
        return url_with(routes.ADMIN_PRODUCTS, self._params(page=self.page + 1))

    @rx.event
    async def load_products(self):
        if await require_admin(self) is None:
            self.reset()
            return None  # guard_page already showed the 403 panel or went to log in
        self.q, self.status = query(self, "q"), query(self, "status")
        self.category_id, self.brand_id = query(self, "category_id"), query(self, "brand_id")
        self.sort, self.order = query(self, "sort") or "updated", query(self, "order") or "desc"
        self.error = ""
        try:
            paged = paging(query(self, "page"), None, PER_PAGE)
        except AdminError:
            paged = paging(None, None, PER_PAGE)
        result = await run(
            products.list_products,
            paging=paged,
            q=self.q,
            status=self.status,
            category_id=self.category_id,
            brand_id=self.brand_id,
            sort=self.sort,
            order=self.order,
        )
        self.items, self.total, self.page, self.pages = result.items, result.total, result.page, result.pages
        self.categories = await run(products.category_choices)
        self.brands = await run(products.brand_choices)
        return None

    @rx.event
    async def apply_filters(self, form: dict):
        """The filter form: the new filters go into the URL (which loads the page)."""
        if await require_admin(self) is None:
            return await refuse(self)
        return rx.redirect(
            url_with(
                routes.ADMIN_PRODUCTS,
                {
                    "q": form_text(form, "q").strip(),
                    "status": form_text(form, "status"),
                    "category_id": form_text(form, "category_id"),
                    "brand_id": form_text(form, "brand_id"),
                    "sort": form_text(form, "sort"),
                    "order": form_text(form, "order"),
                },
            )
        )

    # --- archive: asked first (a dialog naming the product), undone from its toast ----------------

    @rx.event
    async def ask_archive(self, product_id: str):
        """The Archive button: opens the dialog that names the product (nothing changes yet)."""
        if await require_admin(self) is None:
            return await refuse(self)
        row = next((p for p in self.items if p.id == product_id), None)
        if row is None or row.status == "archived":
            return None
        self.confirm_id, self.confirm_name = row.id, row.name
        return None

    @rx.event
    async def set_archive_open(self, is_open: bool):
        """The dialog closed (Cancel, Escape, a click outside): nothing is archived."""
        if await require_admin(self) is None:
            return await refuse(self)
        if not is_open:
            self.confirm_id = self.confirm_name = ""
        return None

    @rx.event
    async def archive(self, product_id: str):
        """The dialog's "Archive" (for the product it named): the product leaves the store; its
        toast offers "Undo"."""
        user = await require_admin(self)
        if user is None:
            return await refuse(self)
        self.confirm_id = self.confirm_name = ""
        row = next((p for p in self.items if p.id == product_id), None)
        if row is None or row.status == "archived":
            return None
        name = row.name
        try:
            await run(products.set_status, actor=Actor.of(user), product_id=product_id, status="archived")
        except AdminError as err:
            return toast.error(err.message)
        self._undo = {**self._undo, product_id: row.status}
        return [
            toast.success(
                f"{name} archived: it is no longer in the store",
                kind="archived",
                duration=10_000,
                action=ToastAction(label="Undo", on_click=AdminProductsState.undo_archive(product_id)),
            ),
            AdminProductsState.load_products,
        ]

    @rx.event
    async def undo_archive(self, product_id: str):
        """The toast's "Undo": back to the status it had (active goes back on sale)."""
        user = await require_admin(self)
        if user is None:
            return await refuse(self)
        previous = self._undo.get(product_id)
        if previous is None:
            return toast.error("Nothing to undo for this product")
        try:
            saved = await run(
                products.set_status, actor=Actor.of(user), product_id=product_id, status=previous, undo=True
            )
        except AdminError as err:
            return toast.error(err.message)
        self._undo = {k: v for k, v in self._undo.items() if k != product_id}
        return [toast.success(f"{saved.name} is {previous} again", kind="archived"), AdminProductsState.load_products]

    @rx.event
    async def unarchive(self, product_id: str):
        """An archived product's "Unarchive": back as a draft (publish it from its form)."""
        user = await require_admin(self)
        if user is None:
            return await refuse(self)
        try:
            saved = await run(products.set_status, actor=Actor.of(user), product_id=product_id, status="draft")
        except AdminError as err:
            return toast.error(err.message)
        return [toast.success(f"{saved.name} is a draft again", kind="archived"), AdminProductsState.load_products]


class AdminProductFormState(rx.State):
    product_id: str = ""  # "" while creating
    is_loaded: bool = False
    not_found: bool = False
    name: str = ""
    slug: str = ""
    sku: str = ""
    description: str = ""
    short_description: str = ""
    meta_title: str = ""
    meta_description: str = ""
    category_id: str = ""
    brand_id: str = ""
    price: str = ""
    compare_price: str = ""
    status: str = "draft"
    featured: bool = False
    low_stock_threshold: str = "5"
    has_orders: bool = False
    variants: list[VariantRow] = []
    option_names: list[str] = []  # the options the variants use (Size, Colour): one input each per row
    option_error: str = ""
    images: list[ImageRow] = []
    categories: list[Choice] = []
    brands: list[Choice] = []
    error: str = ""
    error_field: str = ""
    image_error: str = ""
    form_key: str = ""  # re-mounts the form with loaded values
    uploading: bool = False

    def _fill(self, form: ProductForm) -> None:
        self.product_id = form.id
        for name in field_names(ProductFields):  # the form's schema, once (views.admin_products)
            value = getattr(form, name)
            setattr(self, name, value if isinstance(value, bool) else str(value))
        self.has_orders = form.has_orders
        self.variants = [
            VariantRow(
                key=_key(),
                id=v.id,
                sku=v.sku,
                name=v.name,
                attributes=v.attributes,
                price=v.price,
                stock=str(v.stock),
                is_new=False,
                options=dict(v.options),
            )
            for v in form.variants
        ]
        self.option_names = option_names([v.options for v in form.variants])
        self.images = [ImageRow(key=_key(), id=i.id, url=i.url, alt_text=i.alt_text) for i in form.images]
        self.form_key = _key()

    @rx.event
    async def load_form(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        self.reset()
        self.categories = await run(products.category_choices)
        self.brands = await run(products.brand_choices)
        ref = str(self.router.page.params.get("admin_product", "") or "")
        if ref and ref != "new":
            try:
                self._fill(await run(products.get_product, product_id=ref))
            except AdminError:
                self.not_found = True
        else:
            self.variants = [VariantRow(key=_key())]
            self.form_key = _key()
        self.is_loaded = True
        return None

    @rx.event
    async def recheck(self, name: str, value: str):
        """The field in error changed (a product field, or ``variants.<i>.<field>``): its error
        goes once it is right."""
        return await recheck_field(self, "product", name, value)

    # --- rows ------------------------------------------------------------------------------------

    @rx.event
    async def add_variant(self):
        if await require_admin(self) is None:
            return await refuse(self)
        self.variants = [*self.variants, VariantRow(key=_key())]
        return None

    @rx.event
    async def add_option(self, form: dict):
        """ "Add an option" (e.g. Colour): a new input on every variant row."""
        if await require_admin(self) is None:
            return await refuse(self)
        try:
            name = check_option_name(form_text(form, "option"), self.option_names)
        except AdminError as err:
            self.option_error = err.message
            return None
        self.option_names, self.option_error = [*self.option_names, name], ""
        return None

    @rx.event
    async def remove_option(self, name: str):
        """Drop an option from every variant (saved with the product)."""
        if await require_admin(self) is None:
            return await refuse(self)
        self.option_names = [n for n in self.option_names if n != name]
        return None

    @rx.event
    async def remove_variant(self, key: str):
        if await require_admin(self) is None:
            return await refuse(self)
        self.variants = [v for v in self.variants if v.key != key]
        return None

    @rx.event
    async def move_image(self, key: str, step: int):
        if await require_admin(self) is None:
            return await refuse(self)
        rows = list(self.images)
        i = next((n for n, r in enumerate(rows) if r.key == key), None)
        if i is None or not 0 <= i + step < len(rows):
            return None
        rows[i], rows[i + step] = rows[i + step], rows[i]
        self.images = rows
        return None

    @rx.event
    async def remove_image(self, key: str):
        if await require_admin(self) is None:
            return await refuse(self)
        self.images = [r for r in self.images if r.key != key]
        return None

    @rx.event
    async def upload_images(self, files: list[rx.UploadFile]):
        """Pictures dropped or chosen: checked (type by content, 5 MB) and stored in the upload
        folder; they join the product when it is saved."""
        if await require_admin(self) is None:
            return await refuse(self)
        self.image_error = ""
        upload_dir = rx.get_upload_dir()
        for file in files:
            data = await file.read(MAX_IMAGE_BYTES + 1) if hasattr(file, "read") else b""
            name = getattr(file, "name", None) or getattr(file, "filename", None) or "file"
            try:
                # up to 5 MB written to disk: in a worker thread, off the event loop
                url = await asyncio.to_thread(
                    products.store_upload, upload_dir=upload_dir, filename=str(name), data=data
                )
            except AdminError as err:
                self.image_error = err.message
                continue
            self.images = [*self.images, ImageRow(key=_key(), url=url)]
        return None

    # --- save ------------------------------------------------------------------------------------

    def _rows(self, form: dict) -> tuple[list[dict], list[dict]]:
        variants = []
        for i, row in enumerate(self.variants):
            values: dict = {"id": row.id}
            for name in field_names(VariantFields):
                values[name] = form_text(form, f"variants.{i}.{name}")
            # one input per option the product uses; the domain checks every row has each one
            values["attributes"] = {o: form_text(form, option_field(i, o)).strip() for o in self.option_names}
            if row.is_new:
                values["stock"] = form_text(form, f"variants.{i}.stock") or "0"
            variants.append(values)
        images = []
        for i, r in enumerate(self.images):
            picture = {"id": r.id, "url": r.url}  # the rows are kept here, only the text is typed
            for name in field_names(ImageFields):
                picture.setdefault(name, form_text(form, f"images.{i}.{name}"))
            images.append(picture)
        return variants, images

    @staticmethod
    def _product(form: dict) -> dict:
        """The product's own fields of the submitted form (a checkbox sends "on" or nothing)."""
        data = {name: form[name] for name in field_names(ProductFields) if name in form}
        data["featured"] = form.get("featured") in ("on", "true", True)
        return data

    @rx.event
    async def save(self, form: dict):
        user = await require_admin(self)
        if user is None:
            return await refuse(self)
        self.error = self.error_field = ""
        variants, images = self._rows(form)
        data = self._product(form)
        try:
            saved = await run(
                products.save_product,
                actor=Actor.of(user),
                product_id=self.product_id or None,
                data=data,
                variants=variants,
                images=images,
            )
        except AdminError as err:
            self.error, self.error_field = err.message, err.field
            return toast.error(err.message)
        created = not self.product_id
        self._fill(saved)
        if created:
            return [toast.success("Product created"), rx.redirect(f"{routes.ADMIN_PRODUCTS}/{saved.id}")]
        return toast.success("Product saved")
