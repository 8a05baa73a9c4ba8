"""Orders for the admin: the filtered list, one order's detail, status moves along the state
machine, the tracking number, admin notes, refunds and cash-on-delivery payments.

The writes call the owners' services (``services.orders.change_status``,
``services.payments.refund`` / ``mark_cod_paid``), which commit: the activity row is added to the
session first, so it is committed with the change, or rolled back with a refusal. Refusals are
:class:`AdminError` (409 a move the state machine forbids, 404 unknown order, 422 bad field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.admin import AdminError, Page, Paging
from marque_app.domain.checkout import CheckoutError
from marque_app.domain.labels import PAYMENT_STATUS, label, payment_text
from marque_app.domain.money import format_money
from marque_app.domain.orders import STATUS_LABELS, STATUSES, allowed_next
from marque_app.domain.payments import PaymentError, refund_offer
from marque_app.models import Order, OrderItem, User, utcnow
from marque_app.models.enums import PaymentStatus
from marque_app.services import orders as order_service
from marque_app.services import payments

from .activity import Actor, record
from .products import as_uuid

PAYMENT_STATUSES = tuple(s.value for s in PaymentStatus)
MAX_NOTE = 2000


def _value(v) -> str:
    return getattr(v, "value", v)


# The refusals of the other services that are a conflict for the admin (the rest: invalid).
_CONFLICTS = frozenset({"conflict", "sold_out", "price_changed", "insufficient_stock"})


def admin_error(err: Exception) -> AdminError:
    """A refusal of the orders or payments services, as the admin's error."""
    code = getattr(err, "kind", "")
    kind = "not_found" if code == "not_found" else "conflict" if code in _CONFLICTS else "invalid"
    return AdminError(kind, getattr(err, "message", str(err)), field=getattr(err, "field", "") or "")


@dataclass(frozen=True)
class OrderRow:
    id: str
    order_number: str
    created_at: str  # "2026-11-21 15:40 UTC"
    customer: str  # the account's or the guest's e-mail
    status: str
    status_label: str
    payment_status: str
    item_count: int
    total: str
    currency: str
    tracking_number: str
    payment_label: str = ""  # "Awaiting payment" (domain.labels)
    total_text: str = ""  # "$211.32" (domain.money.format_money, as the shop shows it)


@dataclass(frozen=True)
class AdminOrder:
    """One order as the admin's detail page shows it."""

    id: str
    order_number: str
    created_at: str
    status: str
    status_label: str
    payment_status: str
    payment_method: str
    email: str
    customer_id: str
    subtotal: str
    discount: str
    shipping: str
    tax: str
    total: str
    currency: str
    coupon_code: str
    shipping_address: str  # one line
    shipping_method: str
    tracking_number: str
    admin_notes: str
    # {name, sku_id, variant_label, sku, quantity, unit_price, line_total}
    lines: list[dict] = field(default_factory=list)
    timeline: list[dict] = field(default_factory=list)  # {label, at, note}
    next_statuses: list[str] = field(default_factory=list)
    can_mark_paid: bool = False
    can_refund: bool = False
    can_modify_items: bool = False
    tracking_url: str = ""  # the carrier's page for the number (domain.carriers), "" when unknown
    payment_label: str = ""  # "Awaiting payment (cash on delivery)"
    # the amounts as the shop shows them: {subtotal, discount, shipping, tax, total} -> "$211.32"
    money: dict[str, str] = field(default_factory=dict)
    refund_label: str = ""  # "Refund" or "Mark refunded in cash" (domain.payments.refund_offer)
    refund_hint: str = ""  # what the refund does, or why there is none


def parse_day(value: object, name: str) -> date | None:
    """A "YYYY-MM-DD" filter, or None when empty. Raises AdminError (422)."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AdminError(
            "invalid", f"{name.replace('_', ' ').capitalize()} must be a date (YYYY-MM-DD)", field=name
        ) from None


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


MAX_ACCOUNT_IDS = 200  # more accounts match an e-mail search: a subquery instead of a list


def list_orders(
    *,
    session: Session,
    paging: Paging = Paging(),
    status: str = "",
    payment_status: str = "",
    q: str = "",
    date_from: str = "",
    date_to: str = "",
) -> Page:
    """Orders newest first, filtered by status, payment status, number or e-mail, dates (UTC days,
    both included). Two queries (three with a search)."""
    if status and status not in STATUSES:
        raise AdminError("invalid", f"Status must be one of {', '.join(STATUSES)}", field="status")
    if payment_status and payment_status not in PAYMENT_STATUSES:
        raise AdminError(
            "invalid", f"Payment status must be one of {', '.join(PAYMENT_STATUSES)}", field="payment_status"
        )
    start, end = parse_day(date_from, "date_from"), parse_day(date_to, "date_to")
    if start and end and end < start:
        raise AdminError("invalid", "The end date comes before the start date", field="date_to")
    email = sa.func.coalesce(User.email, Order.guest_email, "")
    where = []
    if status:
        where.append(Order.status == status)
    if payment_status:
        where.append(Order.payment_status == payment_status)
    if q.strip():
        needle = q.strip().lower()
        # Indexed "contains" (pg_trgm on PostgreSQL, migration 0009) rather than one over the
        # joined e-mail, which no index can serve: the matching accounts are looked up first, so
        # the planner sees a short id list (a subquery here made it walk every order by date).
        accounts = sa.select(User.id).where(sa.func.lower(User.email).contains(needle, autoescape=True))
        ids = session.execute(accounts.limit(MAX_ACCOUNT_IDS + 1)).scalars().all()
        where.append(
            sa.or_(
                sa.func.lower(Order.order_number).contains(needle, autoescape=True),
                sa.func.lower(Order.guest_email).contains(needle, autoescape=True),
                Order.user_id.in_(ids if len(ids) <= MAX_ACCOUNT_IDS else accounts),
            )
        )
    if start:
        where.append(Order.created_at >= day_start(start))
    if end:
        where.append(Order.created_at < day_start(end + timedelta(days=1)))
    # The count reads orders alone; the page counts its 20 orders' items with a correlated subquery (never an aggregate over every order line).
    total = session.execute(sa.select(sa.func.count()).select_from(Order).where(*where)).scalar_one()
    item_count = (
        sa.select(sa.func.coalesce(sa.func.sum(OrderItem.quantity), 0))
        .where(OrderItem.order_id == Order.id)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(Order, email.label("email"), item_count)
        .outerjoin(User, User.id == Order.user_id)
        .where(*where)
        .order_by(Order.created_at.desc(), Order.id)
        .offset(paging.offset)
        .limit(paging.per_page)
    ).all()
    out = [
        OrderRow(
            id=str(o.id),
            order_number=o.order_number,
            created_at=o.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            customer=mail or "",
            status=_value(o.status),
            status_label=STATUS_LABELS.get(_value(o.status), ""),
            payment_status=_value(o.payment_status),
            item_count=int(n or 0),
            total=f"{o.total_amount:.2f}",
            currency=o.currency,
            tracking_number=o.tracking_number or "",
            payment_label=label(PAYMENT_STATUS, o.payment_status),
            total_text=format_money(o.total_amount, o.currency),
        )
        for o, mail, n in rows
    ]
    return Page(out, total, paging.page, paging.per_page)


def _address_line(a: dict[str, Any]) -> str:
    parts = [
        f"{a.get('first_name', '')} {a.get('last_name', '')}".strip(),
        a.get("address_line_1", ""),
        a.get("address_line_2", ""),
        a.get("city", ""),
        a.get("state", ""),
        a.get("postal_code", ""),
        a.get("country", ""),
        a.get("phone", ""),
    ]
    return ", ".join(p for p in parts if p)


def _order(session: Session, order_id: object) -> Order:
    order = session.get(Order, as_uuid(order_id, what="Order"))
    if order is None:
        raise AdminError("not_found", "Order not found")
    return order


def get_order(*, session: Session, order_id: object) -> AdminOrder:
    order = _order(session, order_id)
    d = order_service.order_detail(session=session, order_id=order.id)
    paid = d.payment_status == PaymentStatus.paid.value
    offer = refund_offer(method=d.payment_method, status=d.payment_status)
    return AdminOrder(
        id=d.id,
        order_number=d.order_number,
        created_at=d.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        status=d.status,
        status_label=d.status_label,
        payment_status=d.payment_status,
        payment_method=d.payment_method,
        email=d.email,
        customer_id=str(order.user_id or ""),
        subtotal=f"{d.subtotal:.2f}",
        discount=f"{d.discount:.2f}",
        shipping=f"{d.shipping:.2f}",
        tax=f"{d.tax:.2f}",
        total=f"{d.total:.2f}",
        currency=d.currency,
        coupon_code=d.coupon_code,
        shipping_address=_address_line(d.shipping_address),
        shipping_method=d.shipping_method,
        tracking_number=d.tracking_number,
        tracking_url=d.tracking_url,
        admin_notes=order.admin_notes or "",
        lines=[
            {
                "name": li.name,
                "sku_id": li.sku_id,
                "variant_label": li.variant_label,
                "sku": li.sku,
                "quantity": li.quantity,
                "unit_price": f"{li.unit_price:.2f}",
                "line_total": f"{li.line_total:.2f}",
                "unit_price_text": format_money(li.unit_price, d.currency),
                "line_total_text": format_money(li.line_total, d.currency),
            }
            for li in d.lines
        ],
        timeline=[{"label": t.label, "at": t.at.strftime("%Y-%m-%d %H:%M UTC"), "note": t.note} for t in d.timeline],
        next_statuses=list(allowed_next(d.status, paid=paid)),
        can_mark_paid=d.payment_method == "cod"
        and d.payment_status == PaymentStatus.pending.value
        and d.status not in ("cancelled", "refunded"),
        can_refund=offer.allowed,
        can_modify_items=d.can_modify_items,
        payment_label=payment_text(d.payment_status, d.payment_method),
        money={
            "subtotal": format_money(d.subtotal, d.currency),
            "discount": format_money(d.discount, d.currency),
            "shipping": format_money(d.shipping, d.currency),
            "tax": format_money(d.tax, d.currency),
            "total": format_money(d.total, d.currency),
        },
        refund_label=offer.label,
        refund_hint=offer.hint,
    )


def _text(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise AdminError("invalid", f"{name.replace('_', ' ').capitalize()} must be text", field=name)
    value = value.strip()
    if len(value) > limit:
        raise AdminError("invalid", f"{name.replace('_', ' ').capitalize()} is at most {limit} characters", field=name)
    return value


def change_status(
    *,
    session: Session,
    actor: Actor,
    order_id: object,
    data: dict[str, Any],
    sms=None,
    mailer=None,
    now: datetime | None = None,
) -> AdminOrder:
    """Move an order to ``data["status"]`` (with ``note``, and ``tracking_number`` when shipping).

    Raises:
        AdminError: 409 a move the state machine forbids (nothing saved), 404, 422 a bad field.
    """
    now = now or utcnow()
    to = _text(data, "status", 20)
    if to not in STATUSES:
        raise AdminError("invalid", "Choose a status", field="status")
    note = _text(data, "note", MAX_NOTE)
    tracking = _text(data, "tracking_number", 100)
    order = _order(session, order_id)
    current = _value(order.status)
    if tracking and to != "shipped":
        raise AdminError("invalid", "A tracking number goes with the move to shipped", field="tracking_number")
    if to == "shipped" and to in allowed_next(current) and not (tracking or order.tracking_number):
        # the customer is told the tracking number when the order ships: page and API both ask for it
        raise AdminError("invalid", "Enter the tracking number to ship the order", field="tracking_number")
    record(
        session=session,
        actor=actor,
        action="order.status",
        entity_type="order",
        entity_id=order.id,
        summary=f"Order {order.order_number}: {current} -> {to}"
        + (f", tracking {tracking}" if tracking else "")
        + (f" ({note[:200]})" if note else ""),
        details={"from": current, "to": to},
        now=now,
    )
    try:
        order_service.change_status(
            session=session,
            order_id=order.id,
            to_status=to,
            actor_id=actor.id,
            note=note,
            tracking_number=tracking or None,
            sms=sms,
            mailer=mailer,
            now=now,
        )
    except CheckoutError as err:
        session.rollback()
        raise admin_error(err) from None
    return get_order(session=session, order_id=order.id)


def set_tracking(
    *, session: Session, actor: Actor, order_id: object, data: dict[str, Any], now: datetime | None = None
) -> AdminOrder:
    """Set or correct the tracking number of a processing, shipped or delivered order."""
    tracking = _text(data, "tracking_number", 100)
    if not tracking:
        raise AdminError("invalid", "Enter the tracking number", field="tracking_number")
    order = _order(session, order_id)
    if _value(order.status) not in ("processing", "shipped", "delivered"):
        raise AdminError(
            "conflict", f"An order that is {_value(order.status)} has no tracking number", field="tracking_number"
        )
    old = order.tracking_number or ""
    order.tracking_number = tracking
    order.updated_at = now or utcnow()
    session.add(order)
    record(
        session=session,
        actor=actor,
        action="order.tracking",
        entity_type="order",
        entity_id=order.id,
        summary=f"Order {order.order_number}: tracking {old or '(none)'} -> {tracking}",
        now=now,
    )
    session.commit()
    return get_order(session=session, order_id=order.id)


def add_note(
    *, session: Session, actor: Actor, order_id: object, data: dict[str, Any], now: datetime | None = None
) -> AdminOrder:
    """Append an admin note (kept with its author and time; the customer never sees it)."""
    now = now or utcnow()
    note = _text(data, "note", MAX_NOTE)
    if not note:
        raise AdminError("invalid", "Write the note", field="note")
    order = _order(session, order_id)
    line = f"[{now.strftime('%Y-%m-%d %H:%M UTC')} {actor.email}] {note}"
    order.admin_notes = f"{order.admin_notes}\n{line}" if order.admin_notes else line
    session.add(order)
    record(
        session=session,
        actor=actor,
        action="order.note",
        entity_type="order",
        entity_id=order.id,
        summary=f"Note on order {order.order_number}: {note[:200]}",
        now=now,
    )
    session.commit()
    return get_order(session=session, order_id=order.id)


def parse_amount(value: object) -> Decimal | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except ArithmeticError:
        raise AdminError("invalid", "The amount must be a number such as 12.50", field="amount") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise AdminError("invalid", "The amount must be positive with at most 2 decimals", field="amount")
    return amount


def refund(
    *,
    session: Session,
    actor: Actor,
    order_id: object,
    data: dict[str, Any],
    providers=None,
    now: datetime | None = None,
) -> AdminOrder:
    """Refund through the payment interface: ``amount`` (empty: all that is left)."""
    amount = parse_amount(data.get("amount"))
    order = _order(session, order_id)
    record(
        session=session,
        actor=actor,
        action="order.refund",
        entity_type="order",
        entity_id=order.id,
        summary=f"Refunded {amount if amount is not None else 'the rest'} {order.currency} "
        f"of order {order.order_number}",
        now=now,
    )
    try:
        payments.refund(
            session=session, order_id=order.id, amount=amount, actor_id=actor.id, providers=providers, now=now
        )
    except PaymentError as err:
        session.rollback()
        raise admin_error(err) from None
    return get_order(session=session, order_id=order.id)


def mark_paid(*, session: Session, actor: Actor, order_id: object, now: datetime | None = None) -> AdminOrder:
    """Cash on delivery: the cash was taken."""
    order = _order(session, order_id)
    record(
        session=session,
        actor=actor,
        action="order.paid",
        entity_type="order",
        entity_id=order.id,
        summary=f"Marked order {order.order_number} paid (cash on delivery)",
        now=now,
    )
    try:
        payments.mark_cod_paid(session=session, order_id=order.id, actor_id=actor.id, now=now)
    except PaymentError as err:
        session.rollback()
        raise admin_error(err) from None
    return get_order(session=session, order_id=order.id)


def modify_items(
    *,
    session: Session,
    actor: Actor,
    order_id: object,
    changes: list[tuple[str, int]],
    idempotency_key: str | None = None,
    providers=None,
    now: datetime | None = None,
) -> AdminOrder:
    """Change any order's items (``services.order_changes``, with the admin's rights), recorded
    in the activity log in the same transaction.

    Raises:
        AdminError: 404, 409 (status, window, sold out, the provider refused), 422 (bad items).
    """
    from marque_app.domain.checkout import CheckoutError
    from marque_app.services import order_changes

    order = _order(session, order_id)
    record(
        session=session,
        actor=actor,
        action="order.items",
        entity_type="order",
        entity_id=order.id,
        summary=f"Changed the items of order {order.order_number}",
        details={"changes": [[str(sku), qty] for sku, qty in changes]},
        now=now,
    )
    try:
        order_changes.modify_items(
            session=session,
            order_ref=order.id,
            changes=changes,
            actor_id=actor.id,
            as_admin=True,
            idempotency_key=idempotency_key,
            providers=providers,
            now=now,
        )
    except (CheckoutError, PaymentError) as err:
        session.rollback()
        raise admin_error(err) from None
    return get_order(session=session, order_id=order.id)
