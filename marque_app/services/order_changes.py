"""Changing a placed order's items (the shopper's own order, or any order for the admin).

One transaction: the order row locked, the change checked against the rules of
:mod:`marque_app.domain.order_changes` (status, window, quantities), the SKUs whose quantity
changes locked in id order as checkout locks them, the stock taken or put back with ``sale`` /
``restock`` inventory movements, the lines rewritten, the totals recomputed with the checkout's
own :func:`marque_app.domain.checkout.checkout_totals` (the order's shipping method, tax rate
and coupon), the payment adjusted through its provider (:func:`domain.order_changes.payment_adjustment`),
and a timeline entry. A refused change writes nothing. API::

    from marque_app.services import order_changes

    order_changes.modify_items(
        session=, order_ref=, changes=[(sku_id, new_quantity), ...], actor_id=, as_admin=False,
        idempotency_key=None, providers=None, settings=None, now=None,
    ) -> ModifyResult(order: OrderDetail, payment: PaymentChange(action, amount, client_secret,
                      payment_id), replayed)

``as_admin`` lets the caller change any order; otherwise only ``actor_id``'s own (another's
answers like an unknown one). The same ``idempotency_key`` from the same caller for the same
order applies once (also when two requests race: the second waits on the first's claim) and
answers the first change again; the key with another body is a conflict.

Raises:
    OrderNotFound (404), OrderConflict (409: status, window, a refunded payment, a reused key),
    InvalidCheckout (422: bad items, the coupon's minimum), SoldOut (409, with ``items``),
    PaymentError (the provider refused: 502).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.cart import normalize_uuid
from marque_app.domain.checkout import (
    CouponTerms,
    OrderConflict,
    OrderNotFound,
    SoldOut,
    SoldOutItem,
    check_idempotency_key,
    checkout_totals,
)
from marque_app.domain.order_changes import (
    EXTRA_CHARGE,
    NEW_AMOUNT,
    PARTIAL_REFUND,
    PaymentAdjustment,
    change_note,
    check_item_changes,
    check_modifiable,
    coupon_still_applies,
    payment_adjustment,
    stock_deltas,
)
from marque_app.models import (
    Coupon,
    CouponUsage,
    InventoryMovement,
    Order,
    OrderItem,
    OrderStatusHistory,
)
from marque_app.models.types import utcnow
from marque_app.services import checkout, orders
from marque_app.services.cart_ops import claim_operation, find_operation, store_response
from marque_app.services.skus import take_units
from marque_app.settings import Settings, get_settings
from marque_app.views.base import JsonView

__all__ = ["ModifyResult", "PaymentChange", "modify_items", "modify_own_items", "result_message"]


@dataclass(frozen=True)
class PaymentChange(JsonView):
    """How the payment followed the change.

    ``action``: ``none``; ``new_amount`` (the unpaid payment now asks for ``amount``: cash on
    delivery, or a card payment not yet taken); ``partial_refund`` (``amount`` given back);
    ``extra_charge`` (a new payment of ``amount``: a card payment's ``client_secret`` finishes it).
    """

    action: str
    amount: Decimal
    client_secret: str = ""
    payment_id: str = ""


@dataclass(frozen=True)
class ModifyResult(JsonView):
    order: orders.OrderDetail
    payment: PaymentChange
    replayed: bool = False


def _value(status: object) -> str:
    return str(getattr(status, "value", status))


def _request_hash(changes: Sequence[tuple[Any, Any]]) -> str:
    body = [[str(sku), qty] for sku, qty in changes]
    return hashlib.sha256(json.dumps(body, default=str).encode()).hexdigest()


def _actor(actor_id: object) -> uuid.UUID:
    if isinstance(actor_id, uuid.UUID):
        return actor_id
    norm = normalize_uuid(str(actor_id)) if actor_id is not None else ""
    if not norm:
        raise checkout.CheckoutUnauthorized("Session expired, please log in")
    return uuid.UUID(norm)


def _locked_order(session: Session, order_ref: object, *, actor: uuid.UUID, as_admin: bool) -> Order:
    ref = str(order_ref or "").strip()
    norm = normalize_uuid(ref)
    if norm:
        cond = Order.id == uuid.UUID(norm)
    elif ref:
        cond = Order.order_number == ref.upper()
    else:
        raise OrderNotFound()
    query = sa.select(Order).where(cond)
    if not as_admin:
        query = query.where(Order.user_id == actor)
    order = (
        session.execute(query.with_for_update(key_share=True).execution_options(populate_existing=True))
        .scalars()
        .first()
    )
    if order is None:
        raise OrderNotFound()
    return order


def _coupon_terms(session: Session, order: Order) -> tuple[Coupon | None, CouponTerms | None]:
    if not order.coupon_code:
        return None, None
    from marque_app.services import coupons as coupon_service

    row = session.execute(sa.select(Coupon).where(Coupon.code == order.coupon_code)).scalars().first()
    return (row, coupon_service.terms_of(row)) if row is not None else (None, None)


def _replay(
    session: Session, *, actor: uuid.UUID, op_id: str, request_hash: str, providers: Mapping[str, Any] | None
) -> ModifyResult | None:
    stored = find_operation(session, user_id=actor, op_id=op_id)
    if stored is None:
        return None
    if stored.request_hash != request_hash:
        raise OrderConflict("This Idempotency-Key was already used for a different change", field="Idempotency-Key")
    data = (stored.response or {}).get("payment") or {}
    order_id = (stored.response or {}).get("order_id")
    session.rollback()
    payment = PaymentChange(
        action=data.get("action", "none"),
        amount=Decimal(str(data.get("amount", "0.00"))),
        payment_id=data.get("payment_id", ""),
    )
    if payment.action == EXTRA_CHARGE and payment.payment_id:
        payment = PaymentChange(
            payment.action,
            payment.amount,
            client_secret=_client_secret(session, payment.payment_id, providers=providers),
            payment_id=payment.payment_id,
        )
    return ModifyResult(order=orders.order_detail(session=session, order_id=order_id), payment=payment, replayed=True)


def _client_secret(session: Session, payment_id: str, *, providers: Mapping[str, Any] | None) -> str:
    """The client secret of an extra payment's intent, asked of the provider again (the same
    reference and amount: Stripe answers the same intent); it is never stored."""
    from marque_app.models import Payment
    from marque_app.models.enums import PaymentStatus
    from marque_app.services import payments

    row = session.get(Payment, uuid.UUID(payment_id))
    if row is None or PaymentStatus(row.status) != PaymentStatus.pending:
        return ""
    provider = (payments.get_providers() if providers is None else providers).get(row.payment_method)
    if provider is None:
        return ""
    order = session.get(Order, row.order_id)
    result = provider.create_intent(
        amount=row.amount,
        currency=row.currency,
        reference=str(row.id),
        metadata={
            "order_id": str(row.order_id),
            "order_number": order.order_number if order else "",
            "payment_id": str(row.id),
            "reason": "order_items_changed",
        },
    )
    return result.client_secret


def modify_items(
    *,
    session: Session,
    order_ref: object,
    changes: Sequence[tuple[Any, Any]],
    actor_id: object,
    as_admin: bool = False,
    idempotency_key: str | None = None,
    providers: Mapping[str, Any] | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> ModifyResult:
    """Change the order's items (see the module docstring)."""
    s = settings or get_settings()
    now = now or utcnow()
    actor = _actor(actor_id)
    key = check_idempotency_key(idempotency_key)
    changes = list(changes or [])
    request_hash = _request_hash(changes)
    try:
        order = _locked_order(session, order_ref, actor=actor, as_admin=as_admin)
        op_id = f"order-items:{order.id}:{key}" if key else ""
        if key and not claim_operation(
            session, user_id=actor, op_id=op_id, kind="order_items", request_hash=request_hash
        ):
            # Applied before (or by a twin that has just committed): answer that change.
            replay = _replay(session, actor=actor, op_id=op_id, request_hash=request_hash, providers=providers)
            if replay is not None:
                return replay
            raise OrderConflict("This change is being applied; try again in a moment", field="Idempotency-Key")
        result = _apply(session, order, changes, actor=actor, providers=providers, s=s, now=now)
        if key:
            store_response(
                session,
                user_id=actor,
                op_id=op_id,
                # never the client secret: a replay asks the provider for it again
                response={"order_id": str(order.id), "payment": {**result[0].to_dict(), "client_secret": ""}},
                status_code=200,
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    payment, stock_flags_changed = result
    if stock_flags_changed:
        from marque_app.services import cache

        cache.invalidate_products()
    return ModifyResult(order=orders.order_detail(session=session, order_id=order.id), payment=payment)


def _apply(
    session: Session,
    order: Order,
    changes: list[tuple[Any, Any]],
    *,
    actor: uuid.UUID,
    providers: Mapping[str, Any] | None,
    s: Settings,
    now: datetime,
) -> tuple[PaymentChange, bool]:
    check_modifiable(order.status, placed_at=order.created_at, now=now, window_minutes=s.order_modify_window_minutes)
    items = list(
        session.execute(
            sa.select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.created_at, OrderItem.id)
        ).scalars()
    )
    by_sku: dict[str, OrderItem] = {}
    for item in items:
        if item.product_variant_id is not None:
            by_sku[str(item.product_variant_id)] = item
    before = {sku: item.quantity for sku, item in by_sku.items()}
    after = check_item_changes(changes, before)
    deltas = stock_deltas(before, after)
    skus = checkout.read_skus(session, deltas.keys(), lock=True)

    # Stock: every unit asked for must be sellable now (domain.stock via SkuRow.available()).
    short: list[SoldOutItem] = []
    for sku_id, delta in deltas.items():
        sku = skus.get(sku_id)
        if delta <= 0:
            continue
        if sku is None or not sku.is_active:
            name = sku.product_name if sku else "An item"
            short.append(SoldOutItem(sku_id, name, after[sku_id], before.get(sku_id, 0)))
        elif sku.available() < delta:
            short.append(SoldOutItem(sku_id, sku.product_name, after[sku_id], before.get(sku_id, 0) + sku.available()))
    if short:
        raise SoldOut(short)
    stock_flags_changed = _move_stock(session, order, deltas, skus, actor=actor, now=now)

    # Lines: kept ones keep their price; added SKUs are priced now.
    named: dict[str, tuple[str, int, int]] = {}
    new_lines: list[dict[str, Any]] = []
    for sku_id in deltas:
        quantity = after.get(sku_id, 0)
        item = by_sku.get(sku_id)
        if item is not None:
            named[sku_id] = (item.product_name, item.quantity, quantity)
            if quantity == 0:
                session.delete(item)
            else:
                item.quantity = quantity
                item.total_price = (item.unit_price * quantity).quantize(Decimal("0.01"))
                session.add(item)
            continue
        sku = skus[sku_id]
        line = checkout.quote_line(session, sku, quantity)
        named[sku_id] = (line.name, 0, quantity)
        new_lines.append(
            {
                "id": uuid.uuid4(),
                "order_id": order.id,
                "product_id": sku.product_id,
                "product_variant_id": sku.id,
                "product_name": line.name[:255],
                "product_sku": sku.sku,
                "product_snapshot": checkout.line_snapshot(line, sku),
                "quantity": quantity,
                "unit_price": line.unit_price,
                "total_price": line.line_total,
                "status": order.status,
                "created_at": now,
            }
        )
    session.flush()
    if new_lines:
        session.execute(sa.insert(OrderItem.__table__), new_lines)

    # Totals: the checkout's own rule on the new lines.
    priced = [(item.unit_price, after[sku]) for sku, item in by_sku.items() if after.get(sku)]
    priced += [(line["unit_price"], line["quantity"]) for line in new_lines]
    priced += [(item.unit_price, item.quantity) for item in items if item.product_variant_id is None]
    coupon_row, terms = _coupon_terms(session, order)
    subtotal = sum((Decimal(p) * q for p, q in priced), Decimal("0"))
    coupon_still_applies(terms, subtotal=subtotal, currency=order.currency)
    totals = checkout_totals(
        priced,
        method=checkout.shipping_method(order.shipping_method, settings=s),
        tax_rate=order.tax_rate,
        free_shipping_over=s.free_shipping_over,
        coupon=terms,
    )
    old_total = order.total_amount
    order.subtotal, order.discount_amount = totals.subtotal, totals.discount
    order.shipping_amount, order.tax_amount, order.total_amount = totals.shipping, totals.tax, totals.total
    order.updated_at = now
    session.add(order)
    if coupon_row is not None:
        session.execute(
            sa.update(CouponUsage.__table__)
            .where(CouponUsage.__table__.c.order_id == order.id, CouponUsage.__table__.c.coupon_id == coupon_row.id)
            .values(discount_amount=totals.discount)
        )
    session.add(
        OrderStatusHistory(
            order_id=order.id,
            from_status=_value(order.status),
            to_status=_value(order.status),
            note=change_note(named, old_total=old_total, new_total=totals.total, currency=order.currency),
            actor_id=actor,
            created_at=now,
        )
    )
    # The payment last: a provider call is the one step that cannot be rolled back.
    return _adjust_payment(session, order, totals.total, actor=actor, providers=providers, now=now), stock_flags_changed


def _move_stock(
    session: Session,
    order: Order,
    deltas: dict[str, int],
    skus: dict[str, checkout.SkuRow],
    *,
    actor: uuid.UUID,
    now: datetime,
) -> bool:
    """Take (delta > 0) or put back the tracked SKUs' units with their movements; True when a
    SKU sold out or came back (the listings' in-stock flags change)."""
    tracked = [(sku_id, d) for sku_id, d in deltas.items() if sku_id in skus and skus[sku_id].track_inventory]
    if not tracked:
        return False
    # units put back (a line lowered or removed): take_units makes those SKUs' alerts due
    if not take_units(session, [(skus[sku_id], d) for sku_id, d in tracked], now=now):
        # The rows are locked: not expected. Refuse rather than oversell.
        sku_id, d = tracked[0]
        raise SoldOut([SoldOutItem(sku_id, skus[sku_id].product_name, d, 0)])
    session.execute(
        sa.insert(InventoryMovement.__table__),
        [
            {
                "id": uuid.uuid4(),
                "product_id": skus[sku_id].product_id,
                "product_variant_id": skus[sku_id].id,
                "movement_type": "sale" if d > 0 else "restock",
                "quantity_change": -d,
                "quantity_after": skus[sku_id].stock - d,
                "reference_type": "order",
                "reference_id": order.id,
                "notes": f"Items changed, order {order.order_number}",
                "created_by": actor,
                "created_at": now,
            }
            for sku_id, d in tracked
        ],
    )
    return any((skus[k].stock - d <= 0) != (skus[k].stock <= 0) for k, d in tracked)


def _adjust_payment(
    session: Session,
    order: Order,
    new_total: Decimal,
    *,
    actor: uuid.UUID,
    providers: Mapping[str, Any] | None,
    now: datetime,
) -> PaymentChange:
    from marque_app.models.enums import PaymentStatus
    from marque_app.services import payments

    payment = payments.payment_for_order(session, order.id, lock=True)
    if payment is None:
        return PaymentChange("none", Decimal("0.00"))
    status = PaymentStatus(payment.status).value
    if status in ("paid", "partially_refunded"):
        refunded = payments.refunded_total(session, payment.id)
    else:
        refunded = Decimal("0.00")
    adjustment: PaymentAdjustment = payment_adjustment(
        payment_status=status, paid_amount=payment.amount, refunded=refunded, new_total=new_total
    )
    if adjustment.action == NEW_AMOUNT:
        payment.amount = adjustment.amount
        session.add(payment)
        return PaymentChange(NEW_AMOUNT, adjustment.amount, payment_id=str(payment.id))
    if adjustment.action == PARTIAL_REFUND:
        payments.refund_payment(
            session=session, payment=payment, amount=adjustment.amount, actor_id=actor, providers=providers, now=now
        )
        return PaymentChange(PARTIAL_REFUND, adjustment.amount, payment_id=str(payment.id))
    if adjustment.action == EXTRA_CHARGE:
        extra, intent = payments.charge_difference(
            session=session, order=order, method=payment.payment_method, amount=adjustment.amount, providers=providers
        )
        return PaymentChange(
            EXTRA_CHARGE, adjustment.amount, client_secret=intent.client_secret, payment_id=str(extra.id)
        )
    return PaymentChange("none", Decimal("0.00"), payment_id=str(payment.id))


def modify_own_items(
    *,
    session: Session,
    user_id: object,
    order_ref: object,
    changes: Sequence[tuple[Any, Any]],
    idempotency_key: str | None = None,
    providers: Mapping[str, Any] | None = None,
) -> ModifyResult:
    """The shopper's own order (the order page): :func:`modify_items` without admin rights."""
    return modify_items(
        session=session,
        order_ref=order_ref,
        changes=changes,
        actor_id=user_id,
        idempotency_key=idempotency_key,
        providers=providers,
    )


def result_message(result: ModifyResult) -> str:
    """What the page says after a change: the new total and what the payment did."""
    from marque_app.domain.money import format_money

    currency = result.order.currency
    total = format_money(result.order.total, currency)
    amount = format_money(result.payment.amount, currency)
    action = result.payment.action
    if action == PARTIAL_REFUND:
        return f"Order updated: the new total is {total}; {amount} is refunded to your card"
    if action == EXTRA_CHARGE:
        return f"Order updated: the new total is {total}; {amount} more is due"
    return f"Order updated: the new total is {total}"
