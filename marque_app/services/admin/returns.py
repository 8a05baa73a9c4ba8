"""Returns for the admin (shoppers ask through ``services.orders.request_return``), and review
moderation.

A return moves requested -> approved -> received -> refunded, or requested -> rejected
(``RETURN_STATUSES``). Receiving puts tracked stock back with "return" inventory movements;
refunding goes through ``services.payments.refund`` (default amount: the returned lines' price).
Each write records its activity row in the same transaction; a refused one writes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.admin import AdminError, Page, Paging
from marque_app.domain.labels import RETURN_STATUS, label, return_reason_text
from marque_app.domain.money import format_money
from marque_app.domain.payments import PaymentError
from marque_app.domain.returns import MOVES, ReturnActions, refusal, return_actions
from marque_app.domain.reviews import ReviewError
from marque_app.models import (
    InventoryMovement,
    Order,
    OrderItem,
    Payment,
    Product,
    ProductReview,
    ProductVariant,
    Return,
    ReturnItem,
    User,
    utcnow,
)
from marque_app.models.enums import RETURN_STATUSES
from marque_app.services import payments, restocks, reviews

from .activity import Actor, record
from .orders import admin_error, parse_amount
from .products import as_uuid


@dataclass(frozen=True)
class ReturnRow:
    id: str
    return_number: str
    order_id: str
    order_number: str
    status: str
    reason: str
    comments: str
    item_count: int
    value: str  # the returned lines' price
    refund_amount: str
    requested_at: str
    items: list[dict] = field(default_factory=list)  # {name, sku, quantity, reason}
    actions: list[str] = field(default_factory=list)  # approve / reject / receive / refund: domain.returns
    customer: str = ""  # the account's or the guest's e-mail
    status_label: str = ""  # domain.labels
    reason_label: str = ""
    value_text: str = ""  # "$25.00" (domain.money.format_money)
    refund_text: str = ""
    refund_label: str = ""  # "Refund", or "Mark refunded in cash" for cash on delivery
    action_hint: str = ""  # why there is no refund (or what the offered one does)


def _payment_methods(session: Session, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each order's payment method (its latest payment's), for the refund rule."""
    methods: dict[uuid.UUID, str] = {}
    if order_ids:
        for order_id, method in session.execute(
            sa.select(Payment.order_id, Payment.payment_method)
            .where(Payment.order_id.in_(order_ids))
            .order_by(Payment.created_at, Payment.id)
        ):
            methods[order_id] = method
    return methods


def _rows(session: Session, returns: list[tuple[Return, str, str, object, str]]) -> list[ReturnRow]:
    ids = [r.id for r, *_ in returns]
    methods = _payment_methods(session, list({r.order_id for r, *_ in returns}))
    items: dict[uuid.UUID, list[dict]] = {}
    value: dict[uuid.UUID, Decimal] = {}
    if ids:
        for ri, name, sku, price in session.execute(
            sa.select(ReturnItem, OrderItem.product_name, OrderItem.product_sku, OrderItem.unit_price)
            .join(OrderItem, OrderItem.id == ReturnItem.order_item_id)
            .where(ReturnItem.return_id.in_(ids))
            .order_by(ReturnItem.created_at, ReturnItem.id)
        ):
            items.setdefault(ri.return_id, []).append(
                {
                    "name": name,
                    "sku": sku,
                    "quantity": ri.quantity,
                    "reason": ri.reason,
                    "reason_label": return_reason_text(ri.reason),
                }
            )
            value[ri.return_id] = value.get(ri.return_id, Decimal("0")) + price * ri.quantity
    out = []
    for r, number, email, payment_status, currency in returns:
        allowed = return_actions(
            r.status,
            payment_method=methods.get(r.order_id, ""),
            payment_status=str(getattr(payment_status, "value", payment_status)),
        )
        total = value.get(r.id, Decimal("0"))
        out.append(_row(r, number, email, currency, total, items.get(r.id, []), allowed))
    return out


def _row(
    r: Return, number: str, email: str, currency: str, total: Decimal, items: list[dict], allowed: ReturnActions
) -> ReturnRow:
    return ReturnRow(
        id=str(r.id),
        return_number=r.return_number,
        order_id=str(r.order_id),
        order_number=number,
        status=r.status,
        reason=r.reason,
        comments=r.comments or "",
        item_count=sum(i["quantity"] for i in items),
        value=f"{total:.2f}",
        refund_amount="" if r.refund_amount is None else f"{r.refund_amount:.2f}",
        requested_at=r.requested_at.strftime("%Y-%m-%d %H:%M UTC"),
        items=items,
        actions=list(allowed.actions),
        customer=email or "",
        status_label=label(RETURN_STATUS, r.status),
        reason_label=return_reason_text(r.reason),
        value_text=format_money(total, currency),
        refund_text="" if r.refund_amount is None else format_money(r.refund_amount, currency),
        refund_label=allowed.refund_label,
        action_hint=allowed.hint,
    )


def _select():
    email = sa.func.coalesce(User.email, Order.guest_email, "")
    return (
        sa.select(Return, Order.order_number, email, Order.payment_status, Order.currency)
        .join(Order, Order.id == Return.order_id)
        .outerjoin(User, User.id == Order.user_id)
    ), email


def list_returns(*, session: Session, paging: Paging = Paging(), status: str = "", q: str = "") -> Page:
    """Returns, newest first, with a status filter; ``q`` finds a return or order number or the
    customer's e-mail."""
    if status and status not in RETURN_STATUSES:
        raise AdminError("invalid", f"Status must be one of {', '.join(RETURN_STATUSES)}", field="status")
    stmt, email = _select()
    if status:
        stmt = stmt.where(Return.status == status)
    if q.strip():
        needle = q.strip().lower()
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Return.return_number).contains(needle, autoescape=True),
                sa.func.lower(Order.order_number).contains(needle, autoescape=True),
                sa.func.lower(email).contains(needle, autoescape=True),
            )
        )
    total = session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(Return.requested_at.desc(), Return.id).offset(paging.offset).limit(paging.per_page)
    ).all()
    return Page(_rows(session, [tuple(r) for r in rows]), total, paging.page, paging.per_page)


def get_return(*, session: Session, return_id: object) -> ReturnRow:
    row = session.execute(_select()[0].where(Return.id == as_uuid(return_id, what="Return"))).first()
    if row is None:
        raise AdminError("not_found", "Return not found")
    return _rows(session, [tuple(row)])[0]


def _locked(session: Session, return_id: object) -> tuple[Return, Order]:
    rid = as_uuid(return_id, what="Return")
    ret = (
        session.execute(
            sa.select(Return).where(Return.id == rid).with_for_update().execution_options(populate_existing=True)
        )
        .scalars()
        .first()
    )
    if ret is None:
        raise AdminError("not_found", "Return not found")
    order = session.get(Order, ret.order_id)
    assert order is not None  # return.order_id is a foreign key to it
    return ret, order


def _restock(session: Session, ret: Return, order: Order, *, actor: Actor, now: datetime) -> None:
    rows = session.execute(
        sa.select(ReturnItem.quantity, ProductVariant, Product)
        .join(OrderItem, OrderItem.id == ReturnItem.order_item_id)
        .join(ProductVariant, ProductVariant.id == OrderItem.product_variant_id)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(ReturnItem.return_id == ret.id, Product.track_inventory)
        .order_by(ProductVariant.id)
        .with_for_update(of=ProductVariant)
    ).all()
    for quantity, variant, product in rows:
        variant.inventory_quantity += quantity
        product.inventory_quantity = (product.inventory_quantity or 0) + quantity
        session.add_all([variant, product])
        session.add(
            InventoryMovement(
                product_id=product.id,
                product_variant_id=variant.id,
                movement_type="return",
                quantity_change=quantity,
                quantity_after=variant.inventory_quantity,
                reference_type="return",
                reference_id=ret.id,
                notes=f"Return {ret.return_number} of order {order.order_number}",
                created_by=actor.id,
                created_at=now,
            )
        )
    # the returned units are back on sale: their SKUs' waiting alerts are due (the flush sends them)
    restocks.mark_due(session=session, variant_ids=[variant.id for _q, variant, _p in rows], now=now)


def act(
    *,
    session: Session,
    actor: Actor,
    return_id: object,
    action: str,
    data: dict[str, Any] | None = None,
    providers=None,
    now: datetime | None = None,
) -> ReturnRow:
    """``approve``, ``reject``, ``receive`` (restock) or ``refund`` (``data["amount"]``, default
    the returned lines' price) a return.

    Raises:
        AdminError: 409 the return's status does not allow it; 404; 422 bad action or amount;
            a refused refund (payment not paid, more than is left) as its own status.
    """
    now = now or utcnow()
    data = data or {}
    if action not in MOVES:
        raise AdminError("invalid", "Action must be approve, reject, receive or refund", field="action")
    amount = parse_amount(data.get("amount")) if action == "refund" else None
    try:
        ret, order = _locked(session, return_id)
        frm, to = MOVES[action]
        why = refusal(
            action,
            ret.status,
            payment_method=_payment_methods(session, [order.id]).get(order.id, ""),
            payment_status=str(getattr(order.payment_status, "value", order.payment_status)),
        )
        if why is not None:  # the rule the page asked (domain.returns): nothing is recorded
            raise AdminError("conflict", why, field="status")
        summary = f"Return {ret.return_number} of order {order.order_number}: {frm} -> {to}"
        if action == "receive":
            _restock(session, ret, order, actor=actor, now=now)
        if action == "refund":
            if amount is None:
                amount = Decimal(get_return(session=session, return_id=ret.id).value)
            ret.refund_amount = amount
            summary += f", refunded {format_money(amount, order.currency)}"
        ret.status = to
        ret.processed_at = now
        session.add(ret)
        record(
            session=session,
            actor=actor,
            action=f"return.{action}",
            entity_type="return",
            entity_id=ret.id,
            summary=summary,
            details={"order": order.order_number},
            now=now,
        )
        if action == "refund":
            payments.refund(
                session=session, order_id=order.id, amount=amount, actor_id=actor.id, providers=providers, now=now
            )  # commits the return and the log too
        else:
            session.commit()
    except PaymentError as err:
        session.rollback()
        raise admin_error(err) from None
    except BaseException:
        session.rollback()
        raise
    return get_return(session=session, return_id=ret.id)


# --- review moderation --------------------------------------------------------------------------


def moderation_queue(*, session: Session, status: str = "pending", paging: Paging = Paging(), q: str = ""):
    """Reviews of ``status``, oldest first; ``q``: part of the product name, the title or the e-mail."""
    try:
        return reviews.list_reviews_for_moderation(
            session=session, status=status or "pending", page=paging.page, per_page=paging.per_page, q=q
        )
    except ReviewError as err:
        raise admin_error(err) from None


def moderate(*, session: Session, actor: Actor, review_id: object, status: str, now: datetime | None = None):
    """Approve or reject a review (the product's rating follows); logged with the change."""
    if status not in ("approved", "rejected", "pending"):
        raise AdminError("invalid", "Status must be approved or rejected", field="status")
    rid = as_uuid(review_id, what="Review")
    about = session.execute(
        sa.select(Product.name, ProductReview.rating)
        .join(Product, Product.id == ProductReview.product_id)
        .where(ProductReview.id == rid)
    ).first()  # None: moderate_review below answers the 404 and the log row is rolled back
    what = f"{about[1]}-star review of {about[0]}" if about else f"Review {str(rid)[:8]}"
    record(
        session=session,
        actor=actor,
        action=f"review.{status}",
        entity_type="review",
        entity_id=rid,
        summary=f"{what[:1].upper()}{what[1:]} {status}",
        now=now,
    )
    try:
        return reviews.moderate_review(session=session, review_id=rid, status=status, actor_id=actor.id, now=now)
    except ReviewError as err:
        session.rollback()
        raise admin_error(err) from None
    except BaseException:
        session.rollback()
        raise
