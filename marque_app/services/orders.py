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
        -> OrderDetail          # pending/processing only; stock put back with "restock" movements
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
    orders.order_detail(session=, order_id=) -> OrderDetail   # any order, no owner check (admin)

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

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.carriers import tracking_link
from marque_app.domain.cart import normalize_uuid
from marque_app.domain.checkout import (
    CheckoutError,
    CheckoutUnauthorized,
    InvalidCheckout,
    OrderConflict,
    OrderNotFound,
    check_email,
)
from marque_app.domain.order_changes import can_modify_items
from marque_app.domain.orders import (
    CANCELLED,
    DELIVERED,
    PENDING,
    PROCESSING,
    REFUNDED,
    SHIPPED,
    STATUS_LABELS,
    ReturnableLine,
    can_cancel,
    can_change_address,
    can_return,
    check_return_items,
    check_transition,
    looks_like_order_number,
    make_return_number,
    placement_sent,
    return_reason,
)
from marque_app.domain.orders import allowed_next as allowed_statuses
from marque_app.models import (
    InventoryMovement,
    Order,
    OrderItem,
    OrderStatusHistory,
    Payment,
    Product,
    ProductVariant,
    Return,
    ReturnItem,
    User,
)
from marque_app.models.enums import OrderStatus, PaymentStatus
from marque_app.models.types import utcnow
from marque_app.services import restocks
from marque_app.services.addresses import validate_order_address as validate_address
from marque_app.settings import get_settings
from marque_app.views.base import JsonView

__all__ = [
    "CheckoutError",
    "CheckoutUnauthorized",
    "InvalidCheckout",
    "OrderConflict",
    "OrderDetail",
    "OrderLineView",
    "OrderNotFound",
    "OrderPage",
    "OrderSummary",
    "ReturnItemView",
    "ReturnView",
    "TimelineEntry",
    "TrackingInfo",
    "allowed_statuses",
    "cancel_order",
    "change_address",
    "change_status",
    "get_guest_order",
    "get_order",
    "list_orders",
    "list_returns",
    "request_return",
    "tracking",
]


@dataclass(frozen=True)
class OrderLineView(JsonView):
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
class TimelineEntry(JsonView):
    status: str
    label: str  # "Order placed", "Shipped", ...
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class ReturnItemView(JsonView):
    order_item_id: str
    name: str
    quantity: int
    reason: str


@dataclass(frozen=True)
class ReturnView(JsonView):
    id: str
    return_number: str  # "RT-4K7P2M"
    status: str  # requested | approved | received | refunded | rejected
    reason: str
    comments: str
    requested_at: datetime
    items: list[ReturnItemView] = field(default_factory=list)


@dataclass(frozen=True)
class OrderDetail(JsonView):
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
    can_modify_items: bool = False  # PUT /orders/{ref}/modify-items (status and window)
    tracking_carrier: str = ""  # domain.carriers: "" when the number's carrier is unknown
    tracking_url: str = ""  # the carrier's page for the number, "" when unknown
    # what the order's confirmation went out as ("sms", "email", or "none" when nothing was
    # sent), kept with the order (domain.orders.placement_sent); "" when not known (an order
    # placed without senders, or before this was recorded)
    sent_channel: str = ""
    sent_to: str = ""


@dataclass(frozen=True)
class OrderSummary(JsonView):
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
class OrderPage(JsonView):
    items: list[OrderSummary]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class TrackingInfo(JsonView):
    order_number: str
    status: str
    status_label: str
    shipping_method: str
    tracking_number: str  # "" until shipped
    shipped_at: datetime | None
    delivered_at: datetime | None
    timeline: list[TimelineEntry] = field(default_factory=list)
    tracking_carrier: str = ""  # domain.carriers: "" when the number's carrier is unknown
    tracking_url: str = ""


MAX_PER_PAGE = 50


def _value(status) -> str:
    return getattr(status, "value", status)


# --------------------------------------------------------------------------------------------
# Finding an order


def _ref_filter(order_ref):
    ref = str(order_ref or "").strip()
    norm = normalize_uuid(ref)
    if norm:
        return Order.id == uuid.UUID(norm)
    if looks_like_order_number(ref):
        return Order.order_number == ref.upper()
    return None


def _uid(user_id) -> uuid.UUID:
    if isinstance(user_id, uuid.UUID):
        return user_id
    norm = normalize_uuid(str(user_id)) if user_id is not None else ""
    if not norm:
        raise CheckoutUnauthorized("Session expired, please log in")
    return uuid.UUID(norm)


def _own(session: Session, user_id, order_ref, *, lock: bool = False) -> Order:
    """The user's order (row-locked when ``lock``); another's answers like an unknown one."""
    uid = _uid(user_id)
    cond = _ref_filter(order_ref)
    if cond is None:
        raise OrderNotFound()
    q = sa.select(Order).where(cond, Order.user_id == uid)
    if lock:
        q = q.with_for_update(key_share=True)
    order = session.execute(q.execution_options(populate_existing=True)).scalars().first()
    if order is None:
        raise OrderNotFound()
    return order


def _by_id(session: Session, order_id, *, lock: bool = False) -> Order:
    norm = normalize_uuid(str(order_id)) if order_id is not None else ""
    if not norm:
        raise OrderNotFound()
    q = sa.select(Order).where(Order.id == uuid.UUID(norm))
    if lock:
        q = q.with_for_update(key_share=True)
    order = session.execute(q.execution_options(populate_existing=True)).scalars().first()
    if order is None:
        raise OrderNotFound()
    return order


# --------------------------------------------------------------------------------------------
# Views


def _timeline(session: Session, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[TimelineEntry]]:
    out: dict[uuid.UUID, list[TimelineEntry]] = {}
    for row in session.execute(
        sa.select(
            OrderStatusHistory.order_id,
            OrderStatusHistory.to_status,
            OrderStatusHistory.created_at,
            OrderStatusHistory.note,
        )
        .where(OrderStatusHistory.order_id.in_(order_ids))
        .order_by(OrderStatusHistory.created_at, OrderStatusHistory.id)
    ):
        out.setdefault(row[0], []).append(
            TimelineEntry(row[1], STATUS_LABELS.get(row[1], row[1]), row[2], row[3] or "")
        )
    return out


def _returns(session: Session, order_id: uuid.UUID, names: dict[uuid.UUID, str]) -> list[ReturnView]:
    rows = (
        session.execute(sa.select(Return).where(Return.order_id == order_id).order_by(Return.requested_at, Return.id))
        .scalars()
        .all()
    )
    if not rows:
        return []
    items: dict[uuid.UUID, list[ReturnItemView]] = {}
    for ri in session.execute(
        sa.select(ReturnItem)
        .where(ReturnItem.return_id.in_([r.id for r in rows]))
        .order_by(ReturnItem.created_at, ReturnItem.id)
    ).scalars():
        items.setdefault(ri.return_id, []).append(
            ReturnItemView(str(ri.order_item_id), names.get(ri.order_item_id, ""), ri.quantity, ri.reason)
        )
    return [
        ReturnView(
            str(r.id), r.return_number, r.status, r.reason, r.comments or "", r.requested_at, items.get(r.id, [])
        )
        for r in rows
    ]


def _detail(session: Session, order: Order) -> OrderDetail:
    items = (
        session.execute(
            sa.select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.created_at, OrderItem.id)
        )
        .scalars()
        .all()
    )
    names = {i.id: i.product_name for i in items}
    returns = _returns(session, order.id, names)
    returned: dict[str, int] = {}
    for r in returns:
        if r.status != "rejected":
            for ri in r.items:
                returned[ri.order_item_id] = returned.get(ri.order_item_id, 0) + ri.quantity
    payment = (
        session.execute(
            sa.select(Payment.payment_method).where(Payment.order_id == order.id).order_by(Payment.created_at.desc())
        ).scalar()
        or ""
    )
    email = order.guest_email or ""
    if order.user_id is not None:
        email = session.execute(sa.select(User.email).where(User.id == order.user_id)).scalar() or ""
    lines = []
    for i in items:
        snap = i.product_snapshot or {}
        lines.append(
            OrderLineView(
                id=str(i.id),
                sku_id=str(i.product_variant_id or snap.get("sku_id", "")),
                product_id=str(i.product_id or snap.get("product_id", "")),
                product_slug=snap.get("slug", ""),
                name=i.product_name,
                variant_label=snap.get("variant_label", ""),
                sku=i.product_sku,
                image_url=snap.get("image_url", ""),
                quantity=i.quantity,
                unit_price=i.unit_price,
                line_total=i.total_price,
                returned_quantity=returned.get(str(i.id), 0),
            )
        )
    status = _value(order.status)
    returnable = can_return(status) and any(line.quantity > line.returned_quantity for line in lines)
    timeline = _timeline(session, [order.id]).get(order.id, [])
    # what the confirmation went out as, kept in the first entry's note (checkout._record_sent)
    placed = next((entry for entry in timeline if entry.status == PENDING), None)
    sent_channel, sent_to = placement_sent(placed.note) if placed is not None else ("", "")
    return OrderDetail(
        id=str(order.id),
        order_number=order.order_number,
        created_at=order.created_at,
        updated_at=order.updated_at,
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        payment_status=_value(order.payment_status),
        payment_method=payment,
        lines=lines,
        subtotal=order.subtotal,
        discount=order.discount_amount,
        shipping=order.shipping_amount,
        tax=order.tax_amount,
        total=order.total_amount,
        currency=order.currency,
        coupon_code=order.coupon_code or "",
        shipping_address=dict(order.shipping_address or {}),
        billing_address=dict(order.billing_address or {}),
        shipping_method=order.shipping_method or "",
        tracking_number=order.tracking_number or "",
        tracking_carrier=tracking_link(order.tracking_number or "").carrier,
        tracking_url=tracking_link(order.tracking_number or "").url,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        cancelled_at=order.cancelled_at,
        email=email,
        timeline=timeline,
        can_cancel=can_cancel(status),
        can_change_address=can_change_address(status),
        can_return=returnable,
        returns=returns,
        can_modify_items=can_modify_items(
            status,
            placed_at=order.created_at,
            now=utcnow(),
            window_minutes=get_settings().order_modify_window_minutes,
        ),
        sent_channel=sent_channel,
        sent_to=sent_to,
    )


def order_detail(*, session: Session, order_id) -> OrderDetail:
    """Any order's detail by id (no owner check: for checkout's answer and the admin)."""
    return _detail(session, _by_id(session, order_id))


# --------------------------------------------------------------------------------------------
# Reading


def list_orders(*, session, user_id, page: int = 1, per_page: int = 10) -> OrderPage:
    """The user's orders, newest first (three queries)."""
    uid = _uid(user_id)
    per_page = max(1, min(int(per_page or 10), MAX_PER_PAGE))
    total = int(session.execute(sa.select(sa.func.count()).select_from(Order).where(Order.user_id == uid)).scalar_one())
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(int(page or 1), pages))
    rows = (
        session.execute(
            sa.select(Order)
            .where(Order.user_id == uid)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        .scalars()
        .all()
    )
    counts: dict[uuid.UUID, int] = {}
    images: dict[uuid.UUID, str] = {}
    if rows:
        for order_id, quantity, snap in session.execute(
            sa.select(OrderItem.order_id, OrderItem.quantity, OrderItem.product_snapshot)
            .where(OrderItem.order_id.in_([r.id for r in rows]))
            .order_by(OrderItem.order_id, OrderItem.created_at, OrderItem.id)
        ):
            counts[order_id] = counts.get(order_id, 0) + quantity
            if order_id not in images:
                images[order_id] = (snap or {}).get("image_url", "")
    items = [
        OrderSummary(
            id=str(o.id),
            order_number=o.order_number,
            created_at=o.created_at,
            status=_value(o.status),
            status_label=STATUS_LABELS.get(_value(o.status), _value(o.status)),
            payment_status=_value(o.payment_status),
            item_count=counts.get(o.id, 0),
            total=o.total_amount,
            currency=o.currency,
            first_image=images.get(o.id, ""),
        )
        for o in rows
    ]
    return OrderPage(items=items, page=page, pages=pages, total=total)


def get_order(*, session, user_id, order_ref) -> OrderDetail:
    """One of the user's orders by id or number. Raises OrderNotFound."""
    return _detail(session, _own(session, user_id, order_ref))


def get_guest_order(*, session, order_ref, email: str) -> OrderDetail:
    """A guest order by id or number and the e-mail it was placed with. Raises OrderNotFound."""
    cond = _ref_filter(order_ref)
    try:
        address = check_email(email)
    except InvalidCheckout:
        raise OrderNotFound() from None
    if cond is None:
        raise OrderNotFound()
    order = (
        session.execute(
            sa.select(Order).where(cond, Order.user_id.is_(None), sa.func.lower(Order.guest_email) == address)
        )
        .scalars()
        .first()
    )
    if order is None:
        raise OrderNotFound()
    return _detail(session, order)


def list_returns(*, session, user_id, order_ref) -> list[ReturnView]:
    order = _own(session, user_id, order_ref)
    names = dict(
        session.execute(sa.select(OrderItem.id, OrderItem.product_name).where(OrderItem.order_id == order.id)).all()
    )
    return _returns(session, order.id, names)


def tracking(*, session, user_id, order_ref) -> TrackingInfo:
    order = _own(session, user_id, order_ref)
    status = _value(order.status)
    return TrackingInfo(
        order_number=order.order_number,
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        shipping_method=order.shipping_method or "",
        tracking_number=order.tracking_number or "",
        tracking_carrier=tracking_link(order.tracking_number or "").carrier,
        tracking_url=tracking_link(order.tracking_number or "").url,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        timeline=_timeline(session, [order.id]).get(order.id, []),
    )


# --------------------------------------------------------------------------------------------
# Writing


def _history(session: Session, order: Order, *, from_status, to_status, note: str, actor_id, now: datetime) -> None:
    session.add(
        OrderStatusHistory(
            order_id=order.id,
            from_status=_value(from_status) if from_status else None,
            to_status=_value(to_status),
            note=note or None,
            actor_id=actor_id,
            created_at=now,
        )
    )


def _restock(session: Session, order: Order, *, actor_id, now: datetime, why: str) -> bool:
    """Put the order's tracked stock back (a fixed number of statements); True when a SKU came back in stock."""
    rows = session.execute(
        sa.select(
            OrderItem.product_variant_id,
            OrderItem.quantity,
            ProductVariant.product_id,
            ProductVariant.inventory_quantity,
        )
        .join(ProductVariant, ProductVariant.id == OrderItem.product_variant_id)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(OrderItem.order_id == order.id, Product.track_inventory)
        .order_by(ProductVariant.id)
        .with_for_update(of=ProductVariant, key_share=True)
    ).all()
    if not rows:
        return False
    per_variant: dict[uuid.UUID, list] = {}
    for variant_id, quantity, product_id, stock in rows:
        entry = per_variant.setdefault(variant_id, [0, product_id, stock])
        entry[0] += quantity
    v = ProductVariant.__table__
    session.execute(
        sa.update(v)
        .where(v.c.id == sa.bindparam("b_id"))
        .values(inventory_quantity=v.c.inventory_quantity + sa.bindparam("b_qty")),
        [{"b_id": vid, "b_qty": e[0]} for vid, e in sorted(per_variant.items())],
    )
    per_product: dict[uuid.UUID, int] = {}
    for e in per_variant.values():
        per_product[e[1]] = per_product.get(e[1], 0) + e[0]
    p = Product.__table__
    session.execute(
        sa.update(p)
        .where(p.c.id == sa.bindparam("b_id"))
        .values(inventory_quantity=p.c.inventory_quantity + sa.bindparam("b_qty")),
        [{"b_id": pid, "b_qty": qty} for pid, qty in sorted(per_product.items())],
    )
    session.execute(
        sa.insert(InventoryMovement.__table__),
        [
            {
                "id": uuid.uuid4(),
                "product_id": e[1],
                "product_variant_id": vid,
                "movement_type": "restock",
                "quantity_change": e[0],
                "quantity_after": e[2] + e[0],
                "reference_type": "order",
                "reference_id": order.id,
                "notes": f"{why} order {order.order_number}",
                "created_by": actor_id,
                "created_at": now,
            }
            for vid, e in per_variant.items()
        ],
    )
    restocks.mark_due(session=session, variant_ids=per_variant, now=now)  # the flush sends them
    return any(e[2] <= 0 for e in per_variant.values())


def _move(
    session: Session, order: Order, to_status: str, *, actor_id, note: str, tracking_number: str | None, now: datetime
) -> bool:
    """Apply a checked status change to a locked order; True when the catalog's stock flags changed."""
    current = _value(order.status)
    paid = _value(order.payment_status) == PaymentStatus.paid.value
    to = check_transition(current, to_status, paid=paid)
    restocked = False
    if to == SHIPPED:
        order.shipped_at = now
        if tracking_number:
            order.tracking_number = tracking_number.strip()[:100]
    elif to == DELIVERED:
        order.delivered_at = now
    elif to == CANCELLED:
        order.cancelled_at = now
        order.cancelled_reason = note or None
        order.cancelled_by = actor_id
    if to == CANCELLED or (to == REFUNDED and current in (PENDING, PROCESSING)):
        restocked = _restock(
            session, order, actor_id=actor_id, now=now, why="Cancelled" if to == CANCELLED else "Refunded"
        )
    order.status = OrderStatus(to)
    order.updated_at = now
    session.add(order)
    session.execute(sa.update(OrderItem).where(OrderItem.order_id == order.id).values(status=OrderStatus(to)))
    _history(
        session, order, from_status=current, to_status=to, note=note or STATUS_LABELS[to], actor_id=actor_id, now=now
    )
    return restocked


def _finish(session: Session, order: Order, restocked: bool, *, sms, mailer) -> OrderDetail:
    if restocked:
        from marque_app.services import cache

        cache.invalidate_products()
    if sms is not None or mailer is not None:
        from marque_app.services.notifications import notify_status

        notify_status(
            session=session,
            user_id=order.user_id,
            guest_email=order.guest_email,
            order_number=order.order_number,
            status=_value(order.status),
            tracking_number=order.tracking_number,
            sms=sms,
            mailer=mailer,
        )
    return _detail(session, order)


def cancel_order(
    *, session, user_id, order_ref, reason: str = "", sms=None, mailer=None, now: datetime | None = None
) -> OrderDetail:
    """Cancel a pending or processing order; the stock goes back. Raises OrderConflict."""
    now = now or utcnow()
    try:
        order = _own(session, user_id, order_ref, lock=True)
        if not can_cancel(order.status):
            raise OrderConflict(f"This order is {_value(order.status)} and can no longer be cancelled", field="status")
        note = (reason or "").strip()[:500] or "Cancelled by the customer"
        restocked = _move(session, order, CANCELLED, actor_id=order.user_id, note=note, tracking_number=None, now=now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _finish(session, order, restocked, sms=sms, mailer=mailer)


def change_address(
    *,
    session,
    user_id,
    order_ref,
    shipping_address: dict[str, Any],
    billing_address: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> OrderDetail:
    """Change the addresses until the order ships. Raises OrderConflict, InvalidCheckout."""
    now = now or utcnow()
    ship = validate_address(shipping_address, prefix="shipping_address")
    bill = validate_address(billing_address, prefix="billing_address") if billing_address else None
    try:
        order = _own(session, user_id, order_ref, lock=True)
        if not can_change_address(order.status):
            raise OrderConflict(
                f"This order is {_value(order.status)}; its address can no longer be changed", field="status"
            )
        order.shipping_address = ship
        if bill is not None:
            order.billing_address = bill
        order.updated_at = now
        session.add(order)
        _history(
            session,
            order,
            from_status=order.status,
            to_status=order.status,
            note="Shipping address changed",
            actor_id=order.user_id,
            now=now,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _detail(session, order)


def _returnable_lines(session: Session, order_id: uuid.UUID, lines: dict[str, OrderItem]) -> dict[str, ReturnableLine]:
    """The order's lines with how many of each returns that were not rejected already ask for."""
    already: dict[str, int] = {}
    for item_id, quantity in session.execute(
        sa.select(ReturnItem.order_item_id, sa.func.sum(ReturnItem.quantity))
        .join(Return, Return.id == ReturnItem.return_id)
        .where(Return.order_id == order_id, Return.status != "rejected")
        .group_by(ReturnItem.order_item_id)
    ):
        already[str(item_id)] = int(quantity or 0)
    return {k: ReturnableLine(i.product_name, i.quantity, already.get(k, 0)) for k, i in lines.items()}


def request_return(
    *, session, user_id, order_ref, items: list[tuple[str, int, str]], comments: str = "", now: datetime | None = None
) -> ReturnView:
    """Ask to return items of a delivered order: ``items`` = [(order_item_id, quantity, reason)].

    Raises:
        OrderNotFound: not the user's order.
        OrderConflict: the order is not delivered.
        InvalidCheckout: no items, an item not of this order, a quantity above what is left to
            return, a missing reason (``field="items"``).
    """
    now = now or utcnow()
    comments = (comments or "").strip()[:2000]
    try:
        order = _own(session, user_id, order_ref, lock=True)
        if not can_return(order.status):
            raise OrderConflict("Only a delivered order can be returned", field="status")
        lines = {
            str(i.id): i for i in session.execute(sa.select(OrderItem).where(OrderItem.order_id == order.id)).scalars()
        }
        wanted = check_return_items(items, _returnable_lines(session, order.id, lines))
        ret = None
        for _ in range(8):
            number = make_return_number()
            taken = session.execute(sa.select(Return.id).where(Return.return_number == number)).first()
            if taken is None:
                ret = Return(
                    order_id=order.id,
                    return_number=number,
                    reason=return_reason(wanted),
                    comments=comments or None,
                    requested_at=now,
                    created_at=now,
                )
                break
        if ret is None:
            raise CheckoutError("Could not number the return, please try again")
        session.add(ret)
        session.flush()
        session.execute(
            sa.insert(ReturnItem.__table__),
            [
                {
                    "id": uuid.uuid4(),
                    "return_id": ret.id,
                    "order_item_id": lines[key].id,
                    "quantity": quantity,
                    "reason": reason,
                    "created_at": now,
                }
                for key, (quantity, reason) in wanted.items()
            ],
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    views = _returns(session, order.id, {i.id: i.product_name for i in lines.values()})
    return next(r for r in views if r.id == str(ret.id))


def change_status(
    *,
    session,
    order_id,
    to_status,
    actor_id=None,
    note: str = "",
    tracking_number: str | None = None,
    sms=None,
    mailer=None,
    now: datetime | None = None,
) -> OrderDetail:
    """Move an order along the state machine (admin). Raises OrderNotFound, OrderConflict.

    Cancelling (and refunding an order that never shipped) puts the stock back with "restock"
    movements; shipping sets ``shipped_at`` and the tracking number; delivering sets
    ``delivered_at``. The customer is told by SMS or e-mail (see the module docstring).
    """
    now = now or utcnow()
    actor = None
    if actor_id is not None:
        norm = normalize_uuid(str(actor_id))
        actor = uuid.UUID(norm) if norm else None
    try:
        order = _by_id(session, order_id, lock=True)
        restocked = _move(
            session,
            order,
            _value(to_status),
            actor_id=actor,
            note=(note or "").strip()[:2000],
            tracking_number=tracking_number,
            now=now,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _finish(session, order, restocked, sms=sms, mailer=mailer)


__all__ += ["order_detail"]
