"""Orders after checkout: the shopper's list and detail, cancel, change address, returns,
tracking, and the status change the admin uses.

CONTRACT READY

Every function takes its collaborators as keyword arguments: ``session``, ``now`` (default UTC
now), ``sms``/``mailer`` (the log-in issue's senders, ``auth.get_sms_sender()`` /
``auth.get_email_sender()``; None sends nothing). Money is ``Decimal``; ``to_dict()`` gives
JSON-ready dicts. ``order_ref`` is the order's id (uuid) or its number ("MQ-7K4P9X", any case).
Another customer's order answers exactly like an unknown one. Failures raise
:class:`CheckoutError` subclasses (``marque_app.domain.checkout``) with ``message``, ``field``,
``status``: ``OrderNotFound`` (404), ``OrderConflict`` (409: the status does not allow it),
``InvalidCheckout`` (422: bad address field, bad return item/quantity/reason),
``CheckoutUnauthorized`` (401). Writes commit; a refused one writes nothing. API::

    from marque_app.services import orders

    orders.list_orders(session=, user_id=, page=1, per_page=10)
        -> OrderPage(items: [OrderSummary(id, order_number, created_at, status, status_label,
                     payment_status, item_count, total, currency, first_image)], page, pages, total)
    orders.get_order(session=, user_id=, order_ref=) -> OrderDetail
    orders.get_guest_order(session=, order_ref=, email=) -> OrderDetail   # guest look-up
    orders.cancel_order(session=, user_id=, order_ref=, reason="", sms=None, mailer=None, now=None)
        -> OrderDetail          # pending/processing only; stock put back with "return" movements
    orders.change_address(session=, user_id=, order_ref=, shipping_address={...},
                          billing_address=None, now=None) -> OrderDetail     # until shipped
    orders.request_return(session=, user_id=, order_ref=, items=[(order_item_id, qty, reason)],
                          comments="", now=None) -> ReturnView               # delivered orders
    orders.list_returns(session=, user_id=, order_ref=) -> list[ReturnView]
    orders.tracking(session=, user_id=, order_ref=) -> TrackingInfo
    orders.change_status(session=, order_id=, to_status=, actor_id=None, note="",
                         tracking_number=None, sms=None, mailer=None, now=None) -> OrderDetail
        # for the admin: follows domain.orders.TRANSITIONS (pending -> processing -> shipped ->
        # delivered; pending/processing -> cancelled; delivered, or paid -> refunded). Cancelling
        # puts the stock back; shipping sets shipped_at (+ tracking); delivered sets
        # delivered_at. Adds a timeline entry and notifies the customer (SMS to the user's
        # phone when they have one, else e-mail; guests by e-mail). OrderConflict when the
        # move is not allowed.
    orders.allowed_statuses(status, paid=False) -> tuple[str, ...]   # for admin buttons

OrderDetail(id, order_number, created_at, updated_at, status, status_label, payment_status,
payment_method, lines: [OrderLineView(id, sku_id, product_id, product_slug, name, variant_label,
sku, image_url, quantity, unit_price, line_total, returned_quantity)], subtotal, discount,
shipping, tax, total, currency, coupon_code, shipping_address: dict, billing_address: dict,
shipping_method, tracking_number, shipped_at, delivered_at, cancelled_at, email, timeline:
[TimelineEntry(status, label, at, note)], can_cancel, can_change_address, can_return,
returns: [ReturnView(id, return_number, status, reason, comments, requested_at,
items: [ReturnItemView(order_item_id, name, quantity, reason)])]).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from marque_app.domain.checkout import (
    CheckoutError,
    CheckoutUnauthorized,
    InvalidCheckout,
    OrderConflict,
    OrderNotFound,
)
from marque_app.domain.orders import allowed_next as allowed_statuses
from marque_app.services.checkout import _Dict

__all__ = [
    "CheckoutError", "CheckoutUnauthorized", "InvalidCheckout", "OrderConflict", "OrderDetail", "OrderLineView",
    "OrderNotFound", "OrderPage", "OrderSummary", "ReturnItemView", "ReturnView", "TimelineEntry",
    "TrackingInfo", "allowed_statuses", "cancel_order", "change_address", "change_status", "get_guest_order",
    "get_order", "list_orders", "list_returns", "request_return", "tracking",
]


@dataclass(frozen=True)
class OrderLineView(_Dict):
    id: str
    sku_id: str
    product_id: str
    product_slug: str
    name: str
    variant_label: str
    sku: str
    image_url: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    returned_quantity: int = 0  # already asked back in returns


@dataclass(frozen=True)
class TimelineEntry(_Dict):
    status: str
    label: str  # "Order placed", "Shipped", ...
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class ReturnItemView(_Dict):
    order_item_id: str
    name: str
    quantity: int
    reason: str


@dataclass(frozen=True)
class ReturnView(_Dict):
    id: str
    return_number: str  # "RT-4K7P2M"
    status: str  # requested | approved | received | refunded | rejected
    reason: str
    comments: str
    requested_at: datetime
    items: list[ReturnItemView] = field(default_factory=list)


@dataclass(frozen=True)
class OrderDetail(_Dict):
    id: str
    order_number: str
    created_at: datetime
    updated_at: datetime
    status: str
    status_label: str
    payment_status: str
    payment_method: str
    lines: list[OrderLineView]
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    currency: str
    coupon_code: str
    shipping_address: dict[str, Any]
    billing_address: dict[str, Any]
    shipping_method: str
    tracking_number: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    email: str  # the guest's e-mail or the account's
    timeline: list[TimelineEntry] = field(default_factory=list)
    can_cancel: bool = False
    can_change_address: bool = False
    can_return: bool = False
    returns: list[ReturnView] = field(default_factory=list)


@dataclass(frozen=True)
class OrderSummary(_Dict):
    id: str
    order_number: str
    created_at: datetime
    status: str
    status_label: str
    payment_status: str
    item_count: int
    total: Decimal
    currency: str
    first_image: str = ""


@dataclass(frozen=True)
class OrderPage(_Dict):
    items: list[OrderSummary]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class TrackingInfo(_Dict):
    order_number: str
    status: str
    status_label: str
    shipping_method: str
    tracking_number: str  # "" until shipped
    shipped_at: datetime | None
    delivered_at: datetime | None
    timeline: list[TimelineEntry] = field(default_factory=list)


def list_orders(*, session, user_id, page: int = 1, per_page: int = 10) -> OrderPage:
    """The user's orders, newest first."""
    raise NotImplementedError


def get_order(*, session, user_id, order_ref) -> OrderDetail:
    """One of the user's orders by id or number. Raises OrderNotFound."""
    raise NotImplementedError


def get_guest_order(*, session, order_ref, email: str) -> OrderDetail:
    """A guest order by id or number and the e-mail it was placed with. Raises OrderNotFound."""
    raise NotImplementedError


def cancel_order(*, session, user_id, order_ref, reason: str = "", sms=None, mailer=None,
                 now: datetime | None = None) -> OrderDetail:
    """Cancel a pending or processing order; the stock goes back. Raises OrderConflict."""
    raise NotImplementedError


def change_address(*, session, user_id, order_ref, shipping_address: dict[str, Any],
                   billing_address: dict[str, Any] | None = None, now: datetime | None = None) -> OrderDetail:
    """Change the addresses until the order ships. Raises OrderConflict, InvalidCheckout."""
    raise NotImplementedError


def request_return(*, session, user_id, order_ref, items: list[tuple[str, int, str]], comments: str = "",
                   now: datetime | None = None) -> ReturnView:
    """Ask to return items of a delivered order: ``items`` = [(order_item_id, quantity, reason)]."""
    raise NotImplementedError


def list_returns(*, session, user_id, order_ref) -> list[ReturnView]:
    raise NotImplementedError


def tracking(*, session, user_id, order_ref) -> TrackingInfo:
    raise NotImplementedError


def change_status(*, session, order_id, to_status, actor_id=None, note: str = "", tracking_number: str | None = None,
                  sms=None, mailer=None, now: datetime | None = None) -> OrderDetail:
    """Move an order along the state machine (admin). Raises OrderNotFound, OrderConflict."""
    raise NotImplementedError


_ = (InvalidCheckout, CheckoutUnauthorized, Decimal)
