"""Payments behind one interface: cash on delivery (the default, no network) and Stripe.

Use-cases, each taking the session and its collaborators as keyword arguments:

- :func:`create_intent` (the order's owner): starts the order's payment with its provider and
  returns the client secret a card form needs; :func:`confirm_payment` confirms it.
- :func:`refund` (admin/support): full or partial, never more than what is left; the payment
  (and the order's ``payment_status``) becomes ``refunded`` or ``partially_refunded``.
- :func:`mark_cod_paid` (admin): cash taken at delivery.
- :func:`handle_stripe_webhook`: checks ``Stripe-Signature``, then applies
  ``payment_intent.succeeded`` (payment and order paid, order pending -> processing),
  ``payment_intent.payment_failed`` and ``charge.refunded``. Every event is stored in
  ``payment_events`` under its Stripe id in the same transaction as its effect, so a replay
  (or two deliveries at once) changes nothing.

A refused operation raises :class:`marque_app.domain.payments.PaymentError` and leaves nothing
behind. Providers are picked by ``payments.payment_method`` ("cod", "stripe") from
``providers`` (default: :func:`get_providers`, from ``MARQUE_PAYMENT_PROVIDERS``).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import stripe
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from marque_app.domain.payments import (
    BAD_SIGNATURE,
    FAILED,
    NOT_FOUND,
    ORDER_NOT_FOUND,
    PAID,
    REFUNDABLE,
    PaymentError,
    check_refund,
    from_cents,
    status_after_refund,
)
from marque_app.models import Order, OrderStatus, Payment, PaymentStatus
from marque_app.models.order import OrderStatusHistory, PaymentEvent
from marque_app.models.types import utcnow
from marque_app.settings import Settings, get_settings
from marque_app.views.payments import PaymentView

from .base import IntentResult, PaymentProvider, RefundResult
from .cod import CashOnDelivery
from .stripe_provider import StripeProvider

log = logging.getLogger(__name__)

__all__ = [
    "CashOnDelivery",
    "IntentResult",
    "IntentView",
    "PaymentError",
    "PaymentProvider",
    "PaymentView",
    "RefundResult",
    "RefundView",
    "StripeProvider",
    "WebhookOutcome",
    "card_payments_enabled",
    "charge_difference",
    "confirm_payment",
    "create_intent",
    "get_providers",
    "handle_stripe_webhook",
    "mark_cod_paid",
    "payment_for_order",
    "refund",
    "refund_payment",
    "refunded_total",
]

PROVIDER_NAMES = ("cod", "stripe")


# --- public schemas -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IntentView:
    payment: PaymentView
    client_secret: str  # "" for cash on delivery


@dataclass(frozen=True)
class RefundView:
    payment: PaymentView
    refund_id: str
    amount: str


@dataclass(frozen=True)
class WebhookOutcome:
    event_id: str
    type: str
    result: str  # applied, replayed, ignored, unknown_payment


# --- providers ----------------------------------------------------------------------------------


def card_payments_enabled(settings: Settings | None = None) -> bool:
    """Whether checkout offers card payments: Stripe is an enabled provider and has a key
    (the same rule :func:`get_providers` builds the providers by)."""
    settings = settings or get_settings()
    names = {n.strip() for n in settings.payment_providers.split(",")}
    return "stripe" in names and bool(settings.stripe_secret_key)


def get_providers(settings: Settings | None = None) -> dict[str, PaymentProvider]:
    """The enabled providers (``MARQUE_PAYMENT_PROVIDERS``), built from the settings."""
    settings = settings or get_settings()
    names = [n.strip() for n in settings.payment_providers.split(",") if n.strip()]
    providers: dict[str, PaymentProvider] = {}
    for name in names:
        if name == "cod":
            providers[name] = CashOnDelivery()
        elif name == "stripe" and settings.stripe_secret_key:
            providers[name] = StripeProvider(api_key=settings.stripe_secret_key, api_base=settings.stripe_api_base)
        elif name == "stripe":
            log.warning("payments: stripe is enabled but MARQUE_STRIPE_SECRET_KEY is empty; card payments are off")
        else:
            log.warning("payments: unknown provider %r in MARQUE_PAYMENT_PROVIDERS ignored", name)
    return providers


def _provider(providers: Mapping[str, PaymentProvider] | None, name: str) -> PaymentProvider:
    providers = get_providers() if providers is None else providers
    if name not in providers:
        label = {"stripe": "Card payments", "cod": "Cash on delivery"}.get(name, f"Payment method {name!r}")
        raise PaymentError("unavailable", f"{label} is not available right now", field="payment_method")
    return providers[name]


# --- reading ------------------------------------------------------------------------------------


def _uuid(value: object, *, message: str, field: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise PaymentError("not_found", message, field=field) from None


def refunded_total(session: Session, payment_id: uuid.UUID) -> Decimal:
    """What was refunded of a payment so far (the sum of its refund events)."""
    total = session.exec(
        select(sa.func.coalesce(sa.func.sum(PaymentEvent.amount), 0)).where(
            PaymentEvent.payment_id == payment_id, PaymentEvent.kind == "refund"
        )
    ).one()
    return Decimal(total).quantize(Decimal("0.01"))


def _view(session: Session, payment: Payment) -> PaymentView:
    return PaymentView(
        payment_id=str(payment.id),
        order_id=str(payment.order_id),
        provider=payment.payment_method,
        intent_id=payment.payment_intent_id or "",
        status=PaymentStatus(payment.status).value,
        amount=f"{payment.amount:.2f}",
        refunded=f"{refunded_total(session, payment.id):.2f}",
        currency=payment.currency,
    )


def payment_for_order(session: Session, order_id: uuid.UUID, *, lock: bool = False) -> Payment | None:
    """The order's current payment (the newest row)."""
    query = select(Payment).where(Payment.order_id == order_id).order_by(Payment.created_at.desc(), Payment.id)
    if lock:
        query = query.with_for_update()
    return session.exec(query.limit(1)).first()


def _kept_by_other_payments(session: Session, order_id: uuid.UUID, payment_id: uuid.UUID) -> Decimal:
    """What the order's other paid payments took, less their refunds."""
    rows = session.exec(
        select(Payment.id, Payment.amount).where(
            Payment.order_id == order_id,
            Payment.id != payment_id,
            Payment.status.in_([PaymentStatus.paid, PaymentStatus.partially_refunded]),
        )
    ).all()
    return sum((amount - refunded_total(session, pid) for pid, amount in rows), Decimal("0.00"))


def _owned_order(session: Session, order_id: object, user_id: object, *, lock: bool = False) -> Order:
    oid = _uuid(order_id, message=ORDER_NOT_FOUND, field="order_id")
    query = select(Order).where(Order.id == oid)
    if lock:
        query = query.with_for_update()
    order = session.exec(query).first()
    # Another shopper's order is "not found": its existence is none of the caller's business.
    if order is None or user_id is None or str(order.user_id) != str(user_id):
        raise PaymentError("not_found", ORDER_NOT_FOUND, field="order_id")
    return order


# --- status moves -------------------------------------------------------------------------------


def _mark_paid(session: Session, payment: Payment, order: Order, *, now: datetime, raw: dict | None = None) -> bool:
    """Payment and order paid; a pending order moves on to processing. False if nothing changed."""
    if payment.status != PaymentStatus.pending and payment.status != PaymentStatus.failed:
        return False  # already paid (or refunded since): a late or repeated success changes nothing
    payment.status = PaymentStatus.paid
    payment.processed_at = now
    if raw:
        payment.gateway_response = {**(payment.gateway_response or {}), "last": raw}
    order.payment_status = PaymentStatus.paid
    if order.status == OrderStatus.pending:
        # A plain move in this transaction (not orders.change_status, which commits and
        # notifies on its own), with its timeline entry.
        order.status = OrderStatus.processing
        session.add(
            OrderStatusHistory(
                order_id=order.id,
                from_status=OrderStatus.pending.value,
                to_status=OrderStatus.processing.value,
                note="Payment received",
                created_at=now,
            )
        )
    order.updated_at = now
    session.add_all([payment, order])
    return True


def _mark_failed(session: Session, payment: Payment, order: Order, *, now: datetime, raw: dict | None = None) -> bool:
    if payment.status != PaymentStatus.pending:
        return False  # a failure reported after a success (an earlier attempt) changes nothing
    payment.status = PaymentStatus.failed
    payment.processed_at = now
    if raw:
        payment.gateway_response = {**(payment.gateway_response or {}), "last": raw}
    if order.payment_status == PaymentStatus.pending:
        order.payment_status = PaymentStatus.failed
        order.updated_at = now
    session.add_all([payment, order])
    return True


def _apply(session: Session, payment: Payment, order: Order, result: IntentResult, *, now: datetime) -> None:
    if result.status == PAID:
        _mark_paid(session, payment, order, now=now, raw=result.raw)
    elif result.status == FAILED:
        _mark_failed(session, payment, order, now=now, raw=result.raw)
    elif result.raw:
        payment.gateway_response = {**(payment.gateway_response or {}), "last": result.raw}
        session.add(payment)


# --- use-cases ----------------------------------------------------------------------------------


def create_intent(
    *,
    session: Session,
    order_id: object,
    user_id: object,
    payment_method: str | None = None,
    providers: Mapping[str, PaymentProvider] | None = None,
    now: datetime | None = None,
) -> IntentView:
    """Start paying an order: its payment row gets the provider's intent.

    Args:
        order_id: the order; it must belong to ``user_id``.
        payment_method: "cod" or "stripe"; default: the order's payment's method, else "stripe".

    Raises:
        PaymentError: ``not_found`` (not this user's order), ``conflict`` (cancelled, already
            paid), ``unavailable`` (provider off), ``provider`` (Stripe refused or is down).
    """
    now = now or utcnow()
    order = _owned_order(session, order_id, user_id, lock=True)
    if order.status == OrderStatus.cancelled:
        raise PaymentError("conflict", "This order was cancelled", field="order_id")
    if order.payment_status not in (PaymentStatus.pending, PaymentStatus.failed):
        raise PaymentError(
            "conflict",
            f"This order's payment is {PaymentStatus(order.payment_status).value}, not waiting for payment",
            field="order_id",
        )
    payment = payment_for_order(session, order.id, lock=True)
    if payment_method is not None and payment_method not in PROVIDER_NAMES:
        raise PaymentError("invalid", "Payment method must be cod or stripe", field="payment_method")
    method = payment_method or (payment.payment_method if payment else "stripe")
    provider = _provider(providers, method)
    if payment is None or payment.status not in (PaymentStatus.pending, PaymentStatus.failed):
        payment = Payment(order_id=order.id, payment_method=method, amount=order.total_amount, currency=order.currency)
        session.add(payment)
        session.flush()
    payment.payment_method = method
    # What is still due: the total less what earlier payments of this order took and kept (an
    # order whose items grew after it was paid has a second payment of the difference).
    due = order.total_amount - _kept_by_other_payments(session, order.id, payment.id)
    payment.amount = due
    payment.currency = order.currency
    result = provider.create_intent(
        amount=due,
        currency=order.currency,
        reference=str(payment.id),
        metadata={"order_id": str(order.id), "order_number": order.order_number, "payment_id": str(payment.id)},
    )
    payment.payment_intent_id = result.intent_id
    payment.gateway_response = {"intent": result.raw}
    if payment.status == PaymentStatus.failed:  # a new attempt after a failed one
        payment.status = PaymentStatus.pending
        order.payment_status = PaymentStatus.pending
        session.add(order)
    session.add(payment)
    _apply(session, payment, order, result, now=now)
    session.commit()
    return IntentView(payment=_view(session, payment), client_secret=result.client_secret)


def confirm_payment(
    *,
    session: Session,
    payment_intent_id: str,
    user_id: object,
    payment_method: str | None = None,
    providers: Mapping[str, PaymentProvider] | None = None,
    now: datetime | None = None,
) -> PaymentView:
    """Confirm an intent of the caller's order (with a ``pm_...`` for cards).

    Raises:
        PaymentError: ``not_found`` (unknown intent, another's order), ``conflict`` (not
            pending), ``provider`` (declined: Stripe's words).
    """
    now = now or utcnow()
    intent_id = (payment_intent_id or "").strip()
    payment = session.exec(select(Payment).where(Payment.payment_intent_id == intent_id)).first() if intent_id else None
    if payment is None:
        raise PaymentError("not_found", NOT_FOUND, field="payment_intent_id")
    order = _owned_order(session, payment.order_id, user_id, lock=True)
    if payment.status not in (PaymentStatus.pending, PaymentStatus.failed):
        raise PaymentError(
            "conflict", f"This payment is {PaymentStatus(payment.status).value} already", field="payment_intent_id"
        )
    result = _provider(providers, payment.payment_method).confirm(intent_id, payment_method)
    _apply(session, payment, order, result, now=now)
    session.commit()
    return _view(session, payment)


def refund(
    *,
    session: Session,
    order_id: object | None = None,
    payment_id: object | None = None,
    amount: Decimal | str | None = None,
    actor_id: object | None = None,
    providers: Mapping[str, PaymentProvider] | None = None,
    now: datetime | None = None,
) -> RefundView:
    """Refund a paid payment, in full (``amount`` None) or in part; never more than is left.

    Call with ``order_id`` (its current payment) or ``payment_id``. Role checks are the
    caller's (the API admits admin and support).

    Raises:
        PaymentError: ``not_found``, ``conflict`` (not paid, already refunded), ``invalid``
            (amount not positive or more than what is left), ``provider``.
    """
    now = now or utcnow()
    if payment_id is not None:
        pid = _uuid(payment_id, message=NOT_FOUND, field="payment_id")
        payment = session.exec(select(Payment).where(Payment.id == pid).with_for_update()).first()
    elif order_id is not None:
        oid = _uuid(order_id, message=ORDER_NOT_FOUND, field="order_id")
        payment = payment_for_order(session, oid, lock=True)
        if payment is None and session.get(Order, oid) is None:
            raise PaymentError("not_found", ORDER_NOT_FOUND, field="order_id")
    else:
        raise PaymentError("invalid", "Give an order_id or a payment_id", field="order_id")
    if payment is None:
        raise PaymentError("not_found", NOT_FOUND, field="payment_id" if payment_id is not None else "order_id")
    result, value = refund_payment(
        session=session, payment=payment, amount=amount, actor_id=actor_id, providers=providers, now=now
    )
    session.commit()
    return RefundView(payment=_view(session, payment), refund_id=result.refund_id, amount=f"{value:.2f}")


def refund_payment(
    *,
    session: Session,
    payment: Payment,
    amount: Decimal | str | None,
    actor_id: object | None = None,
    providers: Mapping[str, PaymentProvider] | None = None,
    now: datetime | None = None,
) -> tuple[RefundResult, Decimal]:
    """Refund ``amount`` (None: the rest) of a locked payment through its provider and record it
    (a ``refund`` event, the payment's and the order's status); not committed, so a caller such
    as changing an order's items keeps it in its own transaction. Returns the provider's answer
    and the amount.

    Raises:
        PaymentError: as :func:`refund`.
    """
    now = now or utcnow()
    already = refunded_total(session, payment.id)
    value = check_refund(
        status=PaymentStatus(payment.status).value, paid=payment.amount, refunded=already, amount=amount
    )
    actor = _uuid(actor_id, message="Unknown user", field="actor_id") if actor_id else None
    result = _provider(providers, payment.payment_method).refund(payment, value)
    session.add(
        PaymentEvent(
            payment_id=payment.id,
            provider=payment.payment_method,
            event_id=result.refund_id,
            kind="refund",
            amount=value,
            actor_id=actor,
            data=result.raw,
            created_at=now,
        )
    )
    _set_refund_status(session, payment, refunded=already + value, now=now)
    return result, value


def charge_difference(
    *,
    session: Session,
    order: Order,
    method: str,
    amount: Decimal,
    providers: Mapping[str, PaymentProvider] | None = None,
) -> tuple[Payment, IntentResult]:
    """A new pending payment of ``amount`` for a paid order whose total grew, started with its
    provider (a card payment gets a new PaymentIntent and its client secret); the order's
    payment status is pending again until it is paid. Not committed.

    Raises:
        PaymentError: ``unavailable`` (provider off), ``provider`` (Stripe refused or is down).
    """
    provider = _provider(providers, method)
    payment = Payment(order_id=order.id, payment_method=method, amount=amount, currency=order.currency)
    session.add(payment)
    session.flush()
    result = provider.create_intent(
        amount=amount,
        currency=order.currency,
        reference=str(payment.id),
        metadata={
            "order_id": str(order.id),
            "order_number": order.order_number,
            "payment_id": str(payment.id),
            "reason": "order_items_changed",
        },
    )
    payment.payment_intent_id = result.intent_id
    payment.gateway_response = {"intent": result.raw}
    order.payment_status = PaymentStatus.pending
    session.add_all([payment, order])
    return payment, result


def _set_refund_status(session: Session, payment: Payment, *, refunded: Decimal, now: datetime) -> None:
    status = PaymentStatus(status_after_refund(paid=payment.amount, refunded=refunded))
    payment.status = status
    session.add(payment)
    order = session.get(Order, payment.order_id)
    if order is not None:
        order.payment_status = status
        order.updated_at = now
        session.add(order)


def mark_cod_paid(
    *, session: Session, order_id: object, actor_id: object | None = None, now: datetime | None = None
) -> PaymentView:
    """Cash on delivery: the cash was taken (the admin marks it, usually on delivery).

    Raises:
        PaymentError: ``not_found``; ``conflict`` when the payment is not a pending cash one.
    """
    now = now or utcnow()
    oid = _uuid(order_id, message=ORDER_NOT_FOUND, field="order_id")
    order = session.exec(select(Order).where(Order.id == oid).with_for_update()).first()
    payment = payment_for_order(session, oid, lock=True) if order else None
    if order is None or payment is None:
        raise PaymentError("not_found", ORDER_NOT_FOUND if order is None else NOT_FOUND, field="order_id")
    if payment.payment_method != "cod":
        raise PaymentError("conflict", "This order is not paid in cash on delivery", field="order_id")
    if payment.status == PaymentStatus.paid:
        return _view(session, payment)  # marking twice is harmless
    if not _mark_paid(session, payment, order, now=now, raw={"marked_by": str(actor_id or ""), "method": "cash"}):
        raise PaymentError("conflict", f"This payment is {PaymentStatus(payment.status).value}", field="order_id")
    session.commit()
    return _view(session, payment)


# --- the Stripe webhook -------------------------------------------------------------------------


def handle_stripe_webhook(
    *,
    session: Session,
    payload: bytes,
    signature: str | None,
    secret: str | None = None,
    now: datetime | None = None,
    tolerance: int = 300,
) -> WebhookOutcome:
    """Verify and apply one Stripe event; a replayed event id changes nothing.

    Raises:
        PaymentError: ``bad_signature`` (400: missing, wrong or stale ``Stripe-Signature``),
            ``invalid`` (400-worthy: not a Stripe event), ``unavailable`` (no webhook secret).
    """
    now = now or utcnow()
    secret = get_settings().stripe_webhook_secret if secret is None else secret
    if not secret:
        raise PaymentError("unavailable", "The Stripe webhook is not set up (MARQUE_STRIPE_WEBHOOK_SECRET)")
    if not signature:
        raise PaymentError("bad_signature", "Missing Stripe-Signature header", field="Stripe-Signature")
    try:
        stripe.Webhook.construct_event(payload, signature, secret, tolerance=tolerance)
    except stripe.SignatureVerificationError:
        raise PaymentError("bad_signature", BAD_SIGNATURE, field="Stripe-Signature") from None
    except ValueError:
        raise PaymentError("invalid", "The webhook body is not a JSON Stripe event") from None
    event = json.loads(payload)
    event_id, kind = str(event.get("id") or ""), str(event.get("type") or "")
    obj = (event.get("data") or {}).get("object") or {}
    if not event_id.startswith("evt_") or not isinstance(obj, dict):
        raise PaymentError("invalid", "The webhook body is not a Stripe event")

    seen = session.exec(
        select(PaymentEvent.id).where(PaymentEvent.provider == "stripe", PaymentEvent.event_id == event_id)
    ).first()
    if seen is not None:
        log.info("stripe webhook %s (%s) replayed: ignored", event_id, kind)
        return WebhookOutcome(event_id=event_id, type=kind, result="replayed")

    record = PaymentEvent(
        provider="stripe",
        event_id=event_id,
        kind=kind[:60],
        created_at=now,
        data={"type": kind, "object_id": obj.get("id"), "status": obj.get("status")},
    )
    result = _apply_event(session, kind, obj, record, now=now)
    session.add(record)
    try:
        session.commit()
    except IntegrityError:
        # The same event delivered twice at once: the other delivery won, this one changes nothing.
        session.rollback()
        return WebhookOutcome(event_id=event_id, type=kind, result="replayed")
    return WebhookOutcome(event_id=event_id, type=kind, result=result)


def _apply_event(session: Session, kind: str, obj: dict, record: PaymentEvent, *, now: datetime) -> str:
    if kind in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        intent_id = str(obj.get("id") or "")
    elif kind == "charge.refunded":
        intent_id = str(obj.get("payment_intent") or "")
    else:
        return "ignored"
    payment = (
        session.exec(select(Payment).where(Payment.payment_intent_id == intent_id).with_for_update()).first()
        if intent_id
        else None
    )
    if payment is None:
        # Answered 200 all the same: Stripe would retry a non-2xx for days.
        log.warning("stripe webhook %s: no payment has intent %r", kind, intent_id)
        return "unknown_payment"
    record.payment_id = payment.id
    order = session.exec(select(Order).where(Order.id == payment.order_id).with_for_update()).one()
    raw = {k: obj[k] for k in ("id", "status", "amount", "amount_received", "amount_refunded") if k in obj}
    if kind == "payment_intent.succeeded":
        received = obj.get("amount_received")
        if isinstance(received, int) and from_cents(received) != payment.amount:
            log.warning(
                "stripe webhook: intent %s received %s, the payment is %s",
                intent_id,
                from_cents(received),
                payment.amount,
            )
        return "applied" if _mark_paid(session, payment, order, now=now, raw=raw) else "ignored"
    if kind == "payment_intent.payment_failed":
        return "applied" if _mark_failed(session, payment, order, now=now, raw=raw) else "ignored"
    # charge.refunded: Stripe's amount_refunded is the running total; what we have not yet
    # recorded (a refund made in Stripe's dashboard) is recorded with this event.
    total = obj.get("amount_refunded")
    if not isinstance(total, int) or PaymentStatus(payment.status).value not in REFUNDABLE:
        return "ignored"
    already = refunded_total(session, payment.id)
    stripe_total = min(from_cents(total), payment.amount)
    if stripe_total <= already:
        return "ignored"
    record.kind, record.amount = "refund", stripe_total - already
    _set_refund_status(session, payment, refunded=stripe_total, now=now)
    return "applied"
