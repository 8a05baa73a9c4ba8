"""The shopper's orders: /account/orders (paged list) and /account/orders/[ref] (one order).

Every handler checks the user with the one guard first (``AuthState.require_user``), and every
service call is scoped to that user: another user's order number answers "not found", exactly
like an unknown one, so the page cannot tell them apart.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import reflex as rx
from sqlalchemy.exc import OperationalError

from marque_app import routes
from marque_app.domain.checkout import PAYMENT_METHOD_LABELS, CheckoutError, CheckoutUnauthorized, OrderNotFound
from marque_app.domain.labels import RETURN_REASON
from marque_app.domain.money import format_money
from marque_app.domain.orders import STATUS_LABELS, confirmation_note, returnable_quantity
from marque_app.domain.payments import PaymentError
from marque_app.services import auth as auth_services
from marque_app.services import order_changes
from marque_app.services import orders as orders_services
from marque_app.settings import get_settings
from marque_app.state.auth import AuthState, call_service, holds_user_data
from marque_app.state.cart import OFFLINE, SERVER_ERROR
from marque_app.state.checkout import (
    ADDRESS_NAMES,
    address_errors,
    address_from_form,
    address_lines,
)

PAGE_SIZE = 10
RETURN_REASONS = tuple(RETURN_REASON.items())  # the one table of their words (domain.labels)


@dataclass(frozen=True)
class OrderRowView:
    number: str = ""
    href: str = ""
    date: str = ""
    status: str = ""
    status_label: str = ""
    total: str = ""
    item_count: int = 0


@dataclass(frozen=True)
class OrderLineView:
    id: str = ""
    sku_id: str = ""
    name: str = ""
    sku: str = ""
    variant_label: str = ""
    quantity: int = 0
    unit_price: str = ""
    line_total: str = ""
    returnable: int = 0  # how many may still be returned
    return_options: list[str] = field(default_factory=list)  # "0".."returnable"


@dataclass(frozen=True)
class TimelineStepView:
    label: str = ""
    date: str = ""
    state: str = "todo"  # done, current, todo, stopped


@dataclass(frozen=True)
class ReturnRowView:
    number: str = ""
    status: str = ""
    date: str = ""
    contents: str = ""


@dataclass(frozen=True)
class OrderView:
    number: str = ""
    date: str = ""
    status: str = ""
    status_label: str = ""
    payment_status: str = ""
    payment_method: str = ""
    lines: list[OrderLineView] = field(default_factory=list)
    subtotal: str = ""
    discount: str = ""
    has_discount: bool = False
    shipping: str = ""
    tax: str = ""
    total: str = ""
    coupon_code: str = ""
    shipping_method: str = ""
    tracking_number: str = ""
    tracking_carrier: str = ""
    tracking_url: str = ""  # the carrier's page ("" when the carrier is unknown: the plain number)
    ship_to: list[str] = field(default_factory=list)
    bill_to: list[str] = field(default_factory=list)
    shipping_address: dict[str, str] = field(default_factory=dict)
    timeline: list[TimelineStepView] = field(default_factory=list)
    sent_note: str = ""  # what the confirmation went out as (domain.orders.confirmation_note), "" when not known
    cancelled_reason: str = ""
    returns: list[ReturnRowView] = field(default_factory=list)
    can_cancel: bool = False
    can_change_address: bool = False
    can_return: bool = False
    can_modify_items: bool = False


REASON_CODES = tuple(code for code, _ in RETURN_REASONS)
#: the steps of an order that goes well, in order
PATH = ("pending", "processing", "shipped", "delivered")


def show_date(at: datetime | None) -> str:
    """``Nov 21, 2026`` (UTC)."""
    return f"{at:%b} {at.day}, {at.year}" if at else ""


def show_time(at: datetime | None) -> str:
    return f"{at:%b} {at.day}, {at:%Y %H:%M} UTC" if at else ""


def timeline_view(status: str, entries: list) -> list[TimelineStepView]:
    """The order's path: the steps done (with their dates), the current one, those to come;
    a cancelled or refunded order ends where it stopped."""
    seen: dict[str, datetime] = {}
    for entry in entries:
        seen.setdefault(entry.status, entry.at)
    steps: list[TimelineStepView] = []
    if status in PATH:
        here = PATH.index(status)
        for i, step in enumerate(PATH):
            state = "done" if i < here else "current" if i == here else "todo"
            steps.append(TimelineStepView(STATUS_LABELS[step], show_time(seen.get(step)), state))
        return steps
    for step in PATH:
        if step in seen:
            steps.append(TimelineStepView(STATUS_LABELS[step], show_time(seen[step]), "done"))
    steps.append(TimelineStepView(STATUS_LABELS.get(status, status.title()), show_time(seen.get(status)), "stopped"))
    return steps


def row_view(summary) -> OrderRowView:
    return OrderRowView(
        number=summary.order_number,
        href=routes.order_url(summary.order_number),
        date=show_date(summary.created_at),
        status=summary.status,
        status_label=summary.status_label,
        total=format_money(summary.total, summary.currency or get_settings().currency),
        item_count=summary.item_count,
    )


def order_view(order) -> OrderView:
    currency = order.currency or get_settings().currency
    lines = []
    for line in order.lines:
        returnable = returnable_quantity(line.quantity, line.returned_quantity, order_returnable=order.can_return)
        lines.append(
            OrderLineView(
                id=str(line.id),
                sku_id=line.sku_id,
                name=line.name,
                sku=line.sku,
                variant_label=line.variant_label or "",
                quantity=line.quantity,
                unit_price=format_money(line.unit_price, currency),
                line_total=format_money(line.line_total, currency),
                returnable=returnable,
                return_options=[str(n) for n in range(returnable + 1)],
            )
        )
    address = {k: str(v) for k, v in (order.shipping_address or {}).items() if v is not None}
    return OrderView(
        number=order.order_number,
        date=show_date(order.created_at),
        status=order.status,
        status_label=order.status_label,
        payment_status=order.payment_status,
        payment_method=PAYMENT_METHOD_LABELS.get(order.payment_method, "Card"),
        lines=lines,
        subtotal=format_money(order.subtotal, currency),
        discount=format_money(order.discount, currency),
        has_discount=order.discount > 0,
        shipping="Free" if order.shipping == 0 else format_money(order.shipping, currency),
        tax=format_money(order.tax, currency),
        total=format_money(order.total, currency),
        coupon_code=order.coupon_code or "",
        shipping_method=(order.shipping_method or "").title(),
        tracking_number=order.tracking_number or "",
        tracking_carrier=order.tracking_carrier,
        tracking_url=order.tracking_url,
        ship_to=address_lines(order.shipping_address or {}),
        bill_to=address_lines(order.billing_address or {}),
        shipping_address={name: address.get(name, "") for name in ADDRESS_NAMES},
        timeline=timeline_view(order.status, order.timeline),
        sent_note=confirmation_note(order.sent_channel, order.sent_to),
        returns=[
            ReturnRowView(
                number=r.return_number,
                status=r.status.title(),
                date=show_date(r.requested_at),
                contents=", ".join(f"{i.quantity} × {i.name}" for i in r.items),
            )
            for r in order.returns
        ],
        can_cancel=order.can_cancel,
        can_change_address=order.can_change_address,
        can_return=order.can_return and any(line.returnable > 0 for line in lines),
        can_modify_items=order.can_modify_items,
    )


def return_items(form: dict, lines: list[OrderLineView]) -> list[tuple[str, int, str]]:
    """The (order item id, quantity, reason) chosen in the return form; unknown values dropped."""
    items = []
    for line in lines:
        raw = form.get(f"qty_{line.id}")
        qty = int(raw) if isinstance(raw, str) and raw.isdigit() else 0
        reason = form.get(f"reason_{line.id}")
        if qty > 0:
            items.append((line.id, min(qty, line.returnable), reason if reason in REASON_CODES else "other"))
    return items


def item_changes(form: dict, lines: list[OrderLineView]) -> list[tuple[str, int]]:
    """The (sku id, new quantity) of the lines whose quantity the items form changed (``qty_<sku>``,
    0 removes); a value that is not a whole number from 0 to 99 keeps the line as it is."""
    changes = []
    for line in lines:
        raw = form.get(f"mq_{line.sku_id}")
        text = raw.strip() if isinstance(raw, str) else ""
        if not line.sku_id or not text.isdigit() or int(text) > 99:
            continue
        if int(text) != line.quantity:
            changes.append((line.sku_id, int(text)))
    return changes


@holds_user_data
class OrdersState(rx.State):
    rows: list[OrderRowView] = []
    page: int = 1
    pages: int = 1
    total_orders: int = 0
    list_loaded: bool = False
    order: OrderView = OrderView()
    status: str = "loading"  # loading, found, missing
    dialog: str = ""  # "cancel", "address", "return" or "" (closed)
    action_error: str = ""
    action_error_field: str = ""
    busy: bool = False
    form_key: int = 0
    _items_key: str = ""  # the items dialog's Idempotency-Key: a double submit applies once

    @rx.var
    def has_rows(self) -> bool:
        return bool(self.rows)

    @rx.var
    def prev_href(self) -> str:
        return f"{routes.ACCOUNT_ORDERS}?page={self.page - 1}" if self.page > 1 else ""

    @rx.var
    def next_href(self) -> str:
        return f"{routes.ACCOUNT_ORDERS}?page={self.page + 1}" if self.page < self.pages else ""

    @rx.var
    def page_label(self) -> str:
        return f"Page {self.page} of {self.pages}"

    # --- loading -----------------------------------------------------------------------------

    async def _user(self):
        """(the logged-in user, None) or (None, the refusal events to return)."""
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            self.reset()
            return None, auth.refusal()
        return user, None

    @rx.event
    async def load_orders(self):
        """/account/orders?page=N (after ``AuthState.guard_page``): one page of the user's orders."""
        user, refused = await self._user()
        if user is None:
            return refused
        raw = str(self.router.url.query_parameters.get("page") or "1")
        page = int(raw) if raw.isdigit() and 0 < int(raw) < 100000 else 1
        try:
            result = await call_service(orders_services.list_orders, user_id=user.id, page=page, per_page=PAGE_SIZE)
        except OperationalError:
            return rx.toast.error(OFFLINE)
        self.rows = [row_view(s) for s in result.items]
        self.page, self.pages, self.total_orders = result.page, max(1, result.pages), result.total
        self.list_loaded = True
        return None

    @rx.event
    async def load_order(self):
        """/account/orders/[ref]: one of the user's orders; another's or an unknown one is the
        not-found page."""
        ref = str(self.ref or "").strip()
        if self.order.number != ref.upper():
            self.status = "loading"
            self.order = OrderView()
        self.dialog = ""
        user, refused = await self._user()
        if user is None:
            return refused
        try:
            order = await call_service(orders_services.get_order, user_id=user.id, order_ref=ref)
        except (OrderNotFound, CheckoutError):
            self.order, self.status = OrderView(), "missing"
            return None
        except OperationalError:
            return rx.toast.error(OFFLINE)
        self.order, self.status = order_view(order), "found"
        return None

    # --- actions -------------------------------------------------------------------------------

    async def _act(self, fn, done, **kwargs):
        """Run an order action for the logged-in user on this order; show the order as it is
        after it (or the reason it was refused, next to the form)."""
        user, refused = await self._user()
        if user is None:
            return refused
        self.action_error = self.action_error_field = ""
        self.busy = True
        try:
            result = await call_service(fn, user_id=user.id, order_ref=self.order.number, **kwargs)
        except CheckoutUnauthorized:
            self.busy = False
            return (await self.get_state(AuthState)).refusal()
        except OrderNotFound:
            self.busy = False
            self.order, self.status, self.dialog = OrderView(), "missing", ""
            return None
        except CheckoutError as err:
            self.busy = False
            self.action_error = err.message
            self.action_error_field = (err.field or "").rpartition(".")[2]
            try:  # the order may have moved on (shipped meanwhile): show it as it is
                order = await call_service(orders_services.get_order, user_id=user.id, order_ref=self.order.number)
                self.order = order_view(order)
            except CheckoutError:
                pass
            return rx.toast.error(err.message)
        except PaymentError as err:  # changing items: the payment provider refused the adjustment
            self.busy = False
            self.action_error = err.message
            return rx.toast.error(err.message)
        except OperationalError:
            self.busy = False
            self.action_error = OFFLINE
            return rx.toast.error(OFFLINE)
        except Exception:  # noqa: BLE001
            self.busy = False
            self.action_error = SERVER_ERROR
            return rx.toast.error(SERVER_ERROR)
        order = await call_service(orders_services.get_order, user_id=user.id, order_ref=self.order.number)
        self.order = order_view(order)
        self.busy = False
        self.dialog = ""
        return rx.toast.success(done(result) if callable(done) else done)

    @rx.event
    async def cancel_order(self, form: dict):
        reason = form.get("reason")
        return await self._act(
            orders_services.cancel_order,
            "Order cancelled",
            reason=reason.strip()[:500] if isinstance(reason, str) else "",
            sms=auth_services.get_sms_sender(),
            mailer=auth_services.get_email_sender(),
        )

    @rx.event
    async def change_address(self, form: dict):
        address = address_from_form({f"x_{k}": v for k, v in form.items()}, "x")
        errors = address_errors(address, "x")
        if errors:
            key, message = next(iter(errors.items()))
            self.action_error, self.action_error_field = message, key[2:]
            return None
        return await self._act(orders_services.change_address, "Shipping address changed", shipping_address=address)

    @rx.event
    async def request_return(self, form: dict):
        items = return_items(form, self.order.lines)
        if not items:
            self.action_error = "Choose at least one item and how many to return"
            return None
        comments = form.get("comments")
        return await self._act(
            orders_services.request_return,
            "Return requested",
            items=items,
            comments=comments.strip()[:1000] if isinstance(comments, str) else "",
        )

    @rx.event
    async def modify_items(self, form: dict):
        """The items dialog: new quantities (0 removes) through ``order_changes``."""
        changes = item_changes(form, self.order.lines)
        if not changes:
            self.action_error = "Change a quantity first (0 removes the item)"
            return None
        return await self._act(
            order_changes.modify_own_items,
            order_changes.result_message,
            changes=changes,
            idempotency_key=self._items_key or None,
        )

    # --- dialogs -----------------------------------------------------------------------------

    @rx.event
    def open_dialog(self, name: str):
        self.dialog = name if name in ("cancel", "address", "return", "items") else ""
        self._items_key = uuid.uuid4().hex if name == "items" else ""
        self.action_error = self.action_error_field = ""
        self.form_key += 1

    @rx.event
    def set_dialog_open(self, is_open: bool):
        if not is_open:
            self.dialog = ""
