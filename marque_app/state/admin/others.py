"""Admin categories, brands, inventory, customers, coupons and the activity log.

Thin: each handler checks the admin (``require_admin``) and calls one service. List filters and
pages live in the URL; a filter form redirects to the new URL, whose ``on_load`` reads it.
"""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.domain.admin import AdminError, paging
from marque_app.services.admin import Actor, activity, coupons, customers, inventory, taxonomy
from marque_app.services.admin.activity import ActivityView
from marque_app.services.admin.coupons import CouponView
from marque_app.services.admin.customers import CustomerDetail, CustomerRow
from marque_app.services.admin.inventory import LowStockRow, MovementView
from marque_app.services.admin.products import Choice, category_choices
from marque_app.services.admin.taxonomy import BrandView, CategoryView

from .base import form_text, query, recheck_field, refuse, require_admin, run, toast, url_with

PER_PAGE = 20


def _paging(state: rx.State):
    try:
        return paging(query(state, "page"), None, PER_PAGE)
    except AdminError:
        return paging(None, None, PER_PAGE)


class _Failure:
    """Sets ``error``/``error_field`` from an AdminError and answers a toast."""

    @staticmethod
    def of(state, err: AdminError):
        state.error, state.error_field = err.message, err.field
        return toast.error(err.message)


async def _edit(state, item_id: str, empty):
    """Put one listed row (or a blank one for "New") into the edit form of a list-and-form page
    (categories, brands, coupons): ``items``, ``draft``, ``form_key``, ``error``, ``error_field``."""
    if await require_admin(state) is None:
        return await refuse(state)
    state.draft = next((row for row in state.items if row.id == item_id), empty)
    state.form_key, state.error, state.error_field = item_id or "new", "", ""
    return None


async def _save(state, form: dict, save_fn, id_arg: str, saved_text, reload):
    """Save the edit form of a list-and-form page through ``save_fn`` (the draft's id as
    ``id_arg``, None for a new row); a refusal stays on the form with its field marked."""
    user = await require_admin(state)
    if user is None:
        return await refuse(state)
    data = dict(form)
    data["is_active"] = form.get("is_active") in ("on", "true", True)
    try:
        saved = await run(save_fn, actor=Actor.of(user), data=data, **{id_arg: state.draft.id or None})
    except AdminError as err:
        return _Failure.of(state, err)
    return [toast.success(saved_text(saved)), reload]


# --- categories and brands ------------------------------------------------------------------------


class AdminCategoriesState(rx.State):
    items: list[CategoryView] = []
    parents: list[Choice] = []
    draft: CategoryView = CategoryView()
    form_key: str = "new"
    error: str = ""
    error_field: str = ""

    @rx.event
    async def recheck(self, name: str, value: str):
        """The field in error changed: its error goes once it is right."""
        return await recheck_field(self, "category", name, value)

    @rx.event
    async def load_categories(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        self.items = await run(taxonomy.list_categories, q=query(self, "q"))
        self.parents = await run(category_choices)
        self.draft, self.form_key, self.error, self.error_field = CategoryView(), "new", "", ""
        return None

    @rx.event
    async def edit(self, category_id: str):
        return await _edit(self, category_id, CategoryView())

    @rx.event
    async def save(self, form: dict):
        return await _save(
            self,
            form,
            taxonomy.save_category,
            "category_id",
            lambda c: f"Category {c.name} saved",
            AdminCategoriesState.load_categories,
        )


class AdminBrandsState(rx.State):
    items: list[BrandView] = []
    draft: BrandView = BrandView()
    form_key: str = "new"
    error: str = ""
    error_field: str = ""

    @rx.event
    async def recheck(self, name: str, value: str):
        """The field in error changed: its error goes once it is right."""
        return await recheck_field(self, "brand", name, value)

    @rx.event
    async def load_brands(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        self.items = await run(taxonomy.list_brands, q=query(self, "q"))
        self.draft, self.form_key, self.error, self.error_field = BrandView(), "new", "", ""
        return None

    @rx.event
    async def edit(self, brand_id: str):
        return await _edit(self, brand_id, BrandView())

    @rx.event
    async def save(self, form: dict):
        return await _save(
            self, form, taxonomy.save_brand, "brand_id", lambda b: f"Brand {b.name} saved", AdminBrandsState.load_brands
        )


# --- inventory ------------------------------------------------------------------------------------


class AdminInventoryState(rx.State):
    low: list[LowStockRow] = []
    low_total: int = 0
    movements: list[MovementView] = []
    movements_total: int = 0
    page: int = 1
    pages: int = 0
    q: str = ""
    product_id: str = ""
    variant_id: str = ""
    sku: str = ""  # the adjustment form's SKU (filled from a row's "Adjust")
    form_key: str = "adjust"
    error: str = ""
    error_field: str = ""
    last_stock: str = ""

    @rx.var
    def prev_url(self) -> str:
        return url_with(
            routes.ADMIN_INVENTORY,
            {
                "q": self.q,
                "product_id": self.product_id,
                "variant_id": self.variant_id,
                "page": self.page - 1 if self.page > 2 else "",
            },
        )

    @rx.var
    def next_url(self) -> str:
        return url_with(
            routes.ADMIN_INVENTORY,
            {"q": self.q, "product_id": self.product_id, "variant_id": self.variant_id, "page": self.page + 1},
        )

    @rx.event
    async def recheck(self, name: str, value: str):
        """The field in error changed: its error goes once it is right."""
        return await recheck_field(self, "adjustment", name, value)

    @rx.event
    async def load_inventory(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        self.q, self.product_id, self.variant_id = (
            query(self, "q"),
            query(self, "product_id"),
            query(self, "variant_id"),
        )
        sku = query(self, "sku") or self.sku
        if sku != self.sku or not self.form_key:
            # the form's inputs are uncontrolled: a new key remounts them with the new SKU
            self.sku, self.form_key = sku, f"adjust-load-{sku}"
        self.error = self.error_field = ""
        low = await run(inventory.low_stock, q=self.q, paging=paging(None, 50))
        self.low, self.low_total = low.items, low.total
        try:
            moves = await run(
                inventory.movements,
                paging=_paging(self),
                product_id=self.product_id or None,
                variant_id=self.variant_id or None,
            )
        except AdminError as err:
            self.movements, self.movements_total, self.page, self.pages = [], 0, 1, 0
            self.error = err.message
            return None
        self.movements, self.movements_total = moves.items, moves.total
        self.page, self.pages = moves.page, moves.pages
        return None

    @rx.event
    async def pick(self, sku: str):
        if await require_admin(self) is None:
            return await refuse(self)
        self.sku, self.form_key = sku, f"adjust-{sku}"
        return None

    @rx.event
    async def adjust(self, form: dict):
        user = await require_admin(self)
        if user is None:
            return await refuse(self)
        self.error = self.error_field = ""
        sku = form_text(form, "sku").strip()
        variant_id = await run(inventory.find_variant_id, sku=sku) if sku else ""
        if not variant_id:
            return _Failure.of(self, AdminError("invalid", "Unknown SKU" if sku else "SKU is required", field="sku"))
        try:
            result = await run(inventory.adjust_stock, actor=Actor.of(user), variant_id=variant_id, data=form)
        except AdminError as err:
            return _Failure.of(self, err)
        self.last_stock = f"{result.sku}: {result.stock} in stock"
        self.sku, self.form_key = result.sku, f"adjust-{result.movement.id}"
        return [toast.success(f"Stock of {result.sku} is now {result.stock}"), AdminInventoryState.load_inventory]


# --- customers ------------------------------------------------------------------------------------


class AdminCustomersState(rx.State):
    items: list[CustomerRow] = []
    total: int = 0
    page: int = 1
    pages: int = 0
    q: str = ""

    @rx.var
    def prev_url(self) -> str:
        return url_with(routes.ADMIN_CUSTOMERS, {"q": self.q, "page": self.page - 1 if self.page > 2 else ""})

    @rx.var
    def next_url(self) -> str:
        return url_with(routes.ADMIN_CUSTOMERS, {"q": self.q, "page": self.page + 1})

    @rx.event
    async def load_customers(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        self.q = query(self, "q")
        result = await run(customers.search_customers, q=self.q, paging=_paging(self))
        self.items, self.total, self.page, self.pages = result.items, result.total, result.page, result.pages
        return None


class AdminCustomerState(rx.State):
    customer: CustomerDetail = CustomerDetail()
    not_found: bool = False
    error: str = ""
    form_key: str = "note"

    @rx.event
    async def load_customer(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        self.reset()
        try:
            self.customer = await run(
                customers.get_customer, user_id=str(self.router.page.params.get("admin_customer", "") or "")
            )
        except AdminError:
            self.not_found = True
        return None

    @rx.event
    async def add_note(self, form: dict):
        user = await require_admin(self)
        if user is None:
            return await refuse(self)
        try:
            self.customer = await run(customers.add_note, actor=Actor.of(user), user_id=self.customer.id, data=form)
        except AdminError as err:
            self.error = err.message
            return toast.error(err.message)
        self.error, self.form_key = "", f"note-{len(self.customer.notes)}"
        return toast.success("Note added")


# --- coupons --------------------------------------------------------------------------------------


class AdminCouponsState(rx.State):
    items: list[CouponView] = []
    total: int = 0
    page: int = 1
    pages: int = 0
    q: str = ""
    active: str = ""
    draft: CouponView = CouponView()
    form_key: str = "new"
    error: str = ""
    error_field: str = ""

    @rx.var
    def prev_url(self) -> str:
        return url_with(
            routes.ADMIN_COUPONS, {"q": self.q, "active": self.active, "page": self.page - 1 if self.page > 2 else ""}
        )

    @rx.var
    def next_url(self) -> str:
        return url_with(routes.ADMIN_COUPONS, {"q": self.q, "active": self.active, "page": self.page + 1})

    @rx.event
    async def recheck(self, name: str, value: str):
        """The field in error changed: its error goes once it is right."""
        return await recheck_field(self, "coupon", name, value)

    @rx.event
    async def load_coupons(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        self.q, self.active = query(self, "q"), query(self, "active")
        result = await run(coupons.list_coupons, q=self.q, active=self.active, paging=_paging(self))
        self.items, self.total, self.page, self.pages = result.items, result.total, result.page, result.pages
        self.draft, self.form_key, self.error, self.error_field = CouponView(), "new", "", ""
        return None

    @rx.event
    async def edit(self, coupon_id: str):
        return await _edit(self, coupon_id, CouponView())

    @rx.event
    async def save(self, form: dict):
        return await _save(
            self,
            form,
            coupons.save_coupon,
            "coupon_id",
            lambda c: f"Coupon {c.code} saved",
            AdminCouponsState.load_coupons,
        )

    @rx.event
    async def deactivate(self, coupon_id: str):
        user = await require_admin(self)
        if user is None:
            return await refuse(self)
        try:
            saved = await run(coupons.deactivate_coupon, actor=Actor.of(user), coupon_id=coupon_id)
        except AdminError as err:
            return toast.error(err.message)
        return [toast.success(f"Coupon {saved.code} deactivated"), AdminCouponsState.load_coupons]


# --- activity log ---------------------------------------------------------------------------------


class AdminActivityState(rx.State):
    items: list[ActivityView] = []
    total: int = 0
    page: int = 1
    pages: int = 0
    entity_type: str = ""
    actor: str = ""
    q: str = ""

    @rx.var
    def prev_url(self) -> str:
        return url_with(
            routes.ADMIN_ACTIVITY,
            {
                "entity_type": self.entity_type,
                "actor": self.actor,
                "q": self.q,
                "page": self.page - 1 if self.page > 2 else "",
            },
        )

    @rx.var
    def next_url(self) -> str:
        return url_with(
            routes.ADMIN_ACTIVITY,
            {"entity_type": self.entity_type, "actor": self.actor, "q": self.q, "page": self.page + 1},
        )

    @rx.event
    async def load_activity(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        self.entity_type, self.actor, self.q = query(self, "entity_type"), query(self, "actor"), query(self, "q")
        result = await run(
            activity.list_activity, paging=_paging(self), entity_type=self.entity_type, actor=self.actor, q=self.q
        )
        self.items, self.total, self.page, self.pages = result.items, result.total, result.page, result.pages
        return None


class AdminFilterState(rx.State):
    """The filter forms of the simple lists: the filters go into the URL."""

    @rx.event
    async def apply(self, form: dict):
        if await require_admin(self) is None:
            return await refuse(self)
        base = form_text(form, "_base")
        if base not in {
            routes.ADMIN_CUSTOMERS,
            routes.ADMIN_COUPONS,
            routes.ADMIN_ACTIVITY,
            routes.ADMIN_INVENTORY,
            routes.ADMIN_CATEGORIES,
            routes.ADMIN_BRANDS,
        }:
            return None
        return rx.redirect(url_with(base, {k: form_text(form, k).strip() for k in form if not k.startswith("_")}))
