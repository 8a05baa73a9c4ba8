"""Admin orders: the filtered list (filters in the URL) and one order's page (status moves with
tracking, notes, refund, cash taken). Thin: every load and handler checks the admin first."""

from __future__ import annotations

import uuid

import reflex as rx

from marque_app import routes
from marque_app.domain.admin import AdminError, paging
from marque_app.domain.labels import PAYMENT_STATUS, label
from marque_app.domain.orders import STATUS_LABELS
from marque_app.services.admin import Actor
from marque_app.services.admin import orders as admin_orders
from marque_app.services.admin.orders import PAYMENT_STATUSES, AdminOrder, OrderRow
from marque_app.services.admin.products import Choice
from marque_app.services.auth import get_email_sender, get_sms_sender

from .base import form_text, query, refuse, require_admin, run, toast, url_with

PER_PAGE = 20
FILTERS = ("q", "status", "payment_status", "date_from", "date_to")
PAYMENT_CHOICES = [("", "Any payment")] + [(p, label(PAYMENT_STATUS, p)) for p in PAYMENT_STATUSES]


class AdminOrdersState(rx.State):
    items: list[OrderRow] = []
    total: int = 0
    page: int = 1
    pages: int = 0
    filters: dict[str, str] = {k: "" for k in FILTERS}
    filter_key: str = ""  # the filter inputs are uncontrolled: a new key remounts them with the URL's values
    error: str = ""
    error_field: str = ""

    def _url(self, page: int) -> str:
        return url_with(routes.ADMIN_ORDERS, {**self.filters, "page": page if page > 1 else ""})

    @rx.var
    def prev_url(self) -> str:
        return self._url(self.page - 1)

    @rx.var
    def next_url(self) -> str:
        return self._url(self.page + 1)

    @rx.event
    async def load_orders(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        self.filters = {k: query(self, k) for k in FILTERS}
        self.filter_key = "&".join(f"{k}={v}" for k, v in self.filters.items())
        try:
            pg = paging(query(self, "page"), None, PER_PAGE)
        except AdminError:
            pg = paging(None, None, PER_PAGE)
        try:
            result = await run(admin_orders.list_orders, paging=pg, **self.filters)
        except AdminError as err:
            self.items, self.total, self.pages = [], 0, 0
            self.error, self.error_field = err.message, err.field
            return None
        self.items, self.total, self.page, self.pages = result.items, result.total, result.page, result.pages
        self.error, self.error_field = "", ""
        return None

    @rx.event
    async def apply(self, form: dict):
        if await require_admin(self) is None:
            return await refuse(self)
        return rx.redirect(url_with(routes.ADMIN_ORDERS, {k: form_text(form, k).strip() for k in FILTERS}))


class AdminOrderState(rx.State):
    order: AdminOrder = AdminOrder(
        id="",
        order_number="",
        created_at="",
        status="",
        status_label="",
        payment_status="",
        payment_method="",
        email="",
        customer_id="",
        subtotal="",
        discount="",
        shipping="",
        tax="",
        total="",
        currency="",
        coupon_code="",
        shipping_address="",
        shipping_method="",
        tracking_number="",
        admin_notes="",
    )
    not_found: bool = False
    _items_key: str = ""  # the items form's Idempotency-Key: a double submit applies once
    error: str = ""
    error_field: str = ""
    form_key: int = 0

    @rx.var
    def next_choices(self) -> list[Choice]:
        """The moves the state machine allows from the order's status, for the status select."""
        return [Choice(value=s, label=STATUS_LABELS.get(s, s)) for s in self.order.next_statuses]

    @rx.event
    async def load_order(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        self.reset()
        try:
            self.order = await run(
                admin_orders.get_order, order_id=str(self.router.page.params.get("admin_order", "") or "")
            )
        except AdminError:
            self.not_found = True
        return None

    def _failed(self, err: AdminError):
        self.error, self.error_field = err.message, err.field
        return toast.error(err.message)

    async def _write(self, fn, message: str, **kwargs):
        user = await require_admin(self)
        if user is None:
            return await refuse(self)
        try:
            self.order = await run(fn, actor=Actor.of(user), order_id=self.order.id, **kwargs)
        except AdminError as err:
            return self._failed(err)
        self.error, self.error_field, self.form_key = "", "", self.form_key + 1
        return toast.success(message)

    @rx.event
    async def change_status(self, form: dict):
        data = {k: form_text(form, k).strip() for k in ("status", "note", "tracking_number")}
        return await self._write(
            admin_orders.change_status, "Status changed", data=data, sms=get_sms_sender(), mailer=get_email_sender()
        )

    @rx.event
    async def set_tracking(self, form: dict):
        return await self._write(
            admin_orders.set_tracking,
            "Tracking number saved",
            data={"tracking_number": form_text(form, "tracking_number")},
        )

    @rx.event
    async def add_note(self, form: dict):
        return await self._write(admin_orders.add_note, "Note added", data={"note": form_text(form, "note")})

    @rx.event
    async def refund(self, form: dict):
        return await self._write(admin_orders.refund, "Refund made", data={"amount": form_text(form, "amount")})

    @rx.event
    async def mark_paid(self):
        return await self._write(admin_orders.mark_paid, "Marked paid")

    @rx.event
    async def modify_items(self, form: dict):
        """New quantities of the lines (0 removes) and an added SKU, through ``order_changes``."""
        if await require_admin(self) is None:
            return await refuse(self)
        changes = admin_item_changes(form, self.order.lines)
        if not changes:
            self.error, self.error_field = "Change a quantity or add a SKU first", "items"
            return None
        if not self._items_key:
            self._items_key = uuid.uuid4().hex
        done = await self._write(
            admin_orders.modify_items, "Items changed", changes=changes, idempotency_key=self._items_key
        )
        if not self.error:
            self._items_key = ""  # applied: the next change is another one
        return done


def admin_item_changes(form: dict, lines: list[dict]) -> list[tuple[str, int]]:
    """The changes of the admin's items form: ``mq_<sku id>`` per line that differs, and
    ``add_sku`` with ``add_quantity`` (default 1). Values that are no whole numbers are left out
    (the service checks the range and the SKU)."""
    changes: list[tuple[str, int]] = []
    for line in lines:
        sku_id = str(line.get("sku_id") or "")
        text = form_text(form, f"mq_{sku_id}").strip()
        if sku_id and text.isdigit() and int(text) != int(line.get("quantity") or 0):
            changes.append((sku_id, int(text)))
    added = form_text(form, "add_sku").strip()
    if added:
        qty = form_text(form, "add_quantity").strip() or "1"
        changes.append((added, int(qty) if qty.isdigit() else -1))
    return changes
