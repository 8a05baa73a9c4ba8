"""Payments behind one interface: cash on delivery (the default, no network), Stripe and PayPal.

Use-cases, each taking the session and its collaborators as keyword arguments:

- :func:`create_intent` (the order's owner): starts the order's payment with its provider and
  returns the client secret a card form needs; :func:`confirm_payment` confirms it.
- :func:`refund` (admin/support): full or partial, never more than what is left; the payment
  (and the order's ``payment_status``) becomes ``refunded`` or ``partially_refunded``.
- :func:`mark_cod_paid` (admin): cash taken at delivery.
- :func:`pay_with_saved_card` (the order's owner): charges one of their saved Stripe cards
  (``saved_cards``: list, save through a SetupIntent, remove).
- :func:`handle_paypal_webhook`: PayPal's ``PAYMENT.CAPTURE.COMPLETED`` / ``DENIED`` /
  ``REFUNDED``, verified by PayPal's verify-webhook-signature call, stored once per event id
  as Stripe's are; both webhooks move payments by the same rules (``domain.payments``).
- :func:`handle_stripe_webhook`: checks ``Stripe-Signature``, then applies
  ``payment_intent.succeeded`` (payment and order paid, order pending -> processing),
  ``payment_intent.payment_failed`` and ``charge.refunded``. Every event is stored in
  ``payment_events`` under its Stripe id in the same transaction as its effect, so a replay
  (or two deliveries at once) changes nothing.

A refused operation raises :class:`marque_app.domain.payments.PaymentError` and leaves nothing
behind. Providers are picked by ``payments.payment_method`` ("cod", "stripe", "paypal") from
``providers`` (default: :func:`get_providers`, from ``MARQUE_PAYMENT_PROVIDERS``).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import stripe
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from marque_app.domain.checkout import PAYMENT_METHODS
from marque_app.domain.payments import (
    BAD_SIGNATURE,
    EVENT_MOVES,
    FAILED,
    NOT_FOUND,
    ORDER_NOT_FOUND,
    PAID,
    REFUNDABLE,
    REFUNDED,
    PaymentError,
    can_mark_failed,
    can_mark_paid,
    check_refund,
    from_cents,
    status_after_refund,
    unrecorded_refund,
)
from marque_app.models import Order, OrderStatus, Payment, PaymentStatus
from marque_app.models.order import OrderStatusHistory, PaymentEvent
from marque_app.models.types import utcnow
from marque_app.routes import CHECKOUT_PAYPAL_RETURN
from marque_app.settings import Settings, get_settings
from marque_app.views.payments import CardSetupView, PaymentView, SavedCardView

from . import saved_cards
from .base import IntentResult, PaymentProvider, RefundResult
from .cod import CashOnDelivery
from .paypal_provider import PayPalProvider
from .stripe_provider import StripeProvider

log = logging.getLogger(__name__)

__all__ = [
    "CardSetupView",
    "CashOnDelivery",
    "IntentResult",
    "IntentView",
    "PayPalProvider",
    "PaymentError",
    "PaymentProvider",
    "PaymentView",
    "RefundResult",
    "RefundView",
    "SavedCardView",
    "StripeProvider",
    "WebhookOutcome",
    "capture_paypal_return",
    "card_payments_enabled",
    "charge_difference",
    "confirm_payment",
    "create_intent",
    "get_providers",
    "handle_paypal_webhook",
    "handle_stripe_webhook",
    "mark_cod_paid",
    "offered_methods",
    "pay_with_saved_card",
    "payment_for_order",
    "paypal_enabled",
    "refund",
    "refund_payment",
    "refunded_total",
    "saved_cards",
    "start_new_order_payment",
]

PROVIDER_NAMES = PAYMENT_METHODS
LABELS = {"cod": "Cash on delivery", "stripe": "Card payments", "paypal": "PayPal"}


# --- public schemas -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IntentView:
    payment: PaymentView
    client_secret: str  # "" for cash on delivery and PayPal
    approve_url: str = ""  # PayPal: where the shopper approves the payment
    message: str = ""  # a saved card declined: Stripe's words


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


def paypal_enabled(settings: Settings | None = None) -> bool:
    """Whether checkout offers PayPal: listed in ``MARQUE_PAYMENT_PROVIDERS`` and its client id
    and secret set (none set: not offered)."""
    settings = settings or get_settings()
    names = {n.strip() for n in settings.payment_providers.split(",")}
    return "paypal" in names and bool(settings.paypal_client_id and settings.paypal_secret)


def offered_methods(settings: Settings | None = None) -> list[str]:
    """The payment methods checkout offers now, in the order it shows them."""
    settings = settings or get_settings()
    names = {n.strip() for n in settings.payment_providers.split(",")}
    return [
        m
        for m in PAYMENT_METHODS
        if (m == "cod" and "cod" in names)
        or (m == "stripe" and card_payments_enabled(settings))
        or (m == "paypal" and paypal_enabled(settings))
    ]


_PAYPAL: dict[tuple[str, str, str, str], PayPalProvider] = {}


def _paypal(settings: Settings) -> PayPalProvider:
    # One client per configuration, so its access token is reused between requests.
    base = settings.public_url.rstrip("/")
    key = (settings.paypal_client_id, settings.paypal_secret, settings.paypal_api_base, base)
    if key not in _PAYPAL:
        _PAYPAL[key] = PayPalProvider(
            client_id=settings.paypal_client_id,
            secret=settings.paypal_secret,
            api_base=settings.paypal_api_base,
            return_url=f"{base}{CHECKOUT_PAYPAL_RETURN}",
            cancel_url=f"{base}{CHECKOUT_PAYPAL_RETURN}?cancelled=1",
        )
    return _PAYPAL[key]


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
        elif name == "paypal" and paypal_enabled(settings):
            providers[name] = _paypal(settings)
        elif name == "paypal":
            log.warning("payments: paypal is enabled but MARQUE_PAYPAL_CLIENT_ID/SECRET are empty; PayPal is off")
        else:
            log.warning("payments: unknown provider %r in MARQUE_PAYMENT_PROVIDERS ignored", name)
    return providers


def _provider(providers: Mapping[str, PaymentProvider] | None, name: str) -> PaymentProvider:
    providers = get_providers() if providers is None else providers
    if name not in providers:
        label = LABELS.get(name, f"Payment method {name!r}")
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
    if not can_mark_paid(PaymentStatus(payment.status).value):
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
    if not can_mark_failed(PaymentStatus(payment.status).value):
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
        payment_method: "cod", "stripe" or "paypal"; default: the order's payment's method, else
            "stripe". PayPal's answer has the ``approve_url`` the shopper goes to.

    Raises:
        PaymentError: ``not_found`` (not this user's order), ``conflict`` (cancelled, already
            paid), ``unavailable`` (provider off), ``provider`` (Stripe refused or is down).
    """
    now = now or utcnow()
    order = _owned_order(session, order_id, user_id, lock=True)
    return _start(session, order, payment_method, providers, now=now)


def start_new_order_payment(
    *,
    session: Session,
    order_id: uuid.UUID,
    providers: Mapping[str, PaymentProvider] | None = None,
    now: datetime | None = None,
) -> IntentView:
    """Start the payment of an order checkout has just placed (a guest's too), with the method
    the shopper chose: checkout calls it right after placing, never with an order id from input.

    Raises:
        PaymentError: as :func:`create_intent`.
    """
    order = session.exec(select(Order).where(Order.id == order_id).with_for_update()).first()
    if order is None:
        raise PaymentError("not_found", ORDER_NOT_FOUND, field="order_id")
    return _start(session, order, None, providers, now=now or utcnow())


def _start(
    session: Session,
    order: Order,
    payment_method: str | None,
    providers: Mapping[str, PaymentProvider] | None,
    *,
    now: datetime,
) -> IntentView:
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
        raise PaymentError("invalid", f"Payment method must be {', '.join(PROVIDER_NAMES)}", field="payment_method")
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
    return IntentView(
        payment=_view(session, payment), client_secret=result.client_secret, approve_url=result.approve_url
    )


def pay_with_saved_card(
    *,
    session: Session,
    order_id: object,
    user_id: object,
    saved_card: str,
    providers: Mapping[str, PaymentProvider] | None = None,
    now: datetime | None = None,
) -> IntentView:
    """Pay one of the caller's waiting orders with one of their saved cards, now (the shopper is
    there: a PaymentIntent with their customer and the card, confirmed, off_session false).

    A declined card is recorded (the payment and the order's payment status ``failed``, Stripe's
    words in ``message``), so the shopper can try another card or way to pay.

    Raises:
        PaymentError: ``not_found`` (not their order or card), ``conflict`` (not waiting for
            payment, the card expired), ``unavailable`` (Stripe off), ``provider``.
    """
    now = now or utcnow()
    providers = get_providers() if providers is None else providers
    customer, card = saved_cards.owned_card(session=session, user_id=user_id, card_id=saved_card, providers=providers)
    stripe_provider = saved_cards.stripe_of(providers)
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
    if payment is None or payment.status not in (PaymentStatus.pending, PaymentStatus.failed):
        payment = Payment(
            order_id=order.id, payment_method="stripe", amount=order.total_amount, currency=order.currency
        )
        session.add(payment)
        session.flush()
    due = order.total_amount - _kept_by_other_payments(session, order.id, payment.id)
    payment.payment_method, payment.amount, payment.currency = "stripe", due, order.currency
    if payment.status == PaymentStatus.failed:  # a new attempt after a failed one
        payment.status = PaymentStatus.pending
        order.payment_status = PaymentStatus.pending
        session.add(order)
    result = stripe_provider.create_card_intent(
        amount=due,
        currency=order.currency,
        reference=str(payment.id),
        metadata={"order_id": str(order.id), "order_number": order.order_number, "payment_id": str(payment.id)},
        customer=customer,
        payment_method=card.id,
    )
    payment.payment_intent_id = result.intent_id or payment.payment_intent_id
    payment.gateway_response = {"intent": result.raw, "saved_card": {"brand": card.brand, "last4": card.last4}}
    session.add(payment)
    _apply(session, payment, order, result, now=now)
    session.commit()
    message = str(result.raw.get("decline_message") or "") if result.status == FAILED else ""
    return IntentView(payment=_view(session, payment), client_secret="", message=message)


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


def capture_paypal_return(
    *,
    session: Session,
    token: str,
    providers: Mapping[str, PaymentProvider] | None = None,
    now: datetime | None = None,
) -> tuple[PaymentView, str]:
    """The shopper came back from PayPal (``?token=<PayPal order id>``): capture what they
    approved. No owner check: the token is PayPal's, and capturing only completes a payment its
    payer approved at PayPal (a guest's too). Returns the payment and its order's number.

    Raises:
        PaymentError: ``not_found`` (no PayPal payment has this token), ``conflict`` (not
            approved yet, already paid), ``provider`` (PayPal declined or is down).
    """
    now = now or utcnow()
    token = (token or "").strip()
    payment = (
        session.exec(
            select(Payment)
            .where(Payment.payment_intent_id == token, Payment.payment_method == "paypal")
            .with_for_update()
        ).first()
        if token and len(token) <= 255
        else None
    )
    if payment is None:
        raise PaymentError("not_found", NOT_FOUND, field="token")
    order = session.exec(select(Order).where(Order.id == payment.order_id).with_for_update()).one()
    if payment.status == PaymentStatus.paid:
        return _view(session, payment), order.order_number  # the return page reloaded
    if payment.status not in (PaymentStatus.pending, PaymentStatus.failed):
        raise PaymentError("conflict", f"This payment is {PaymentStatus(payment.status).value}", field="token")
    result = _provider(providers, "paypal").confirm(token)
    _apply(session, payment, order, result, now=now)
    session.commit()
    return _view(session, payment), order.order_number


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

    return _handle_once(session, "stripe", event_id, kind, obj, _apply_event, now=now)


def _handle_once(
    session: Session,
    provider: str,
    event_id: str,
    kind: str,
    obj: dict,
    apply: Callable[..., str],
    *,
    now: datetime,
) -> WebhookOutcome:
    """A verified provider event applied once: a replay (its id recorded already, or delivered
    twice at once and the other delivery committed first) changes nothing and says so."""
    seen = session.exec(
        select(PaymentEvent.id).where(PaymentEvent.provider == provider, PaymentEvent.event_id == event_id)
    ).first()
    if seen is not None:
        log.info("%s webhook %s (%s) replayed: ignored", provider, event_id, kind)
        return WebhookOutcome(event_id=event_id, type=kind, result="replayed")
    record = PaymentEvent(
        provider=provider,
        event_id=event_id,
        kind=kind[:60],
        created_at=now,
        data={"type": kind, "object_id": obj.get("id"), "status": obj.get("status")},
    )
    result = apply(session, kind, obj, record, now=now)
    session.add(record)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # the same event (or refund) delivered twice at once: the other won
        return WebhookOutcome(event_id=event_id, type=kind, result="replayed")
    return WebhookOutcome(event_id=event_id, type=kind, result=result)


def _apply_event(session: Session, kind: str, obj: dict, record: PaymentEvent, *, now: datetime) -> str:
    move = EVENT_MOVES.get(("stripe", kind))
    if move is None:
        return "ignored"
    intent_id = str(obj.get("payment_intent") if move == REFUNDED else obj.get("id") or "")
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
    raw = {k: obj[k] for k in ("id", "status", "amount", "amount_received", "amount_refunded") if k in obj}
    if move == PAID:
        received = obj.get("amount_received")
        if isinstance(received, int) and from_cents(received) != payment.amount:
            log.warning(
                "stripe webhook: intent %s received %s, the payment is %s",
                intent_id,
                from_cents(received),
                payment.amount,
            )
    # charge.refunded: Stripe's amount_refunded is the running total.
    total = obj.get("amount_refunded")
    refunded = from_cents(total) if move == REFUNDED and isinstance(total, int) else None
    return _move(session, payment, move, record, raw=raw, provider_refunded=refunded, now=now)


def _move(
    session: Session,
    payment: Payment,
    move: str,
    record: PaymentEvent,
    *,
    raw: dict,
    provider_refunded: Decimal | None,
    now: datetime,
) -> str:
    """What a provider's event says happened, applied by the same rules for every provider:
    paid, failed, or refunded up to ``provider_refunded`` in all (what we have not recorded,
    such as a refund made in the provider's dashboard, is recorded with this event)."""
    order = session.exec(select(Order).where(Order.id == payment.order_id).with_for_update()).one()
    if move == PAID:
        return "applied" if _mark_paid(session, payment, order, now=now, raw=raw) else "ignored"
    if move == FAILED:
        return "applied" if _mark_failed(session, payment, order, now=now, raw=raw) else "ignored"
    if provider_refunded is None or PaymentStatus(payment.status).value not in REFUNDABLE:
        return "ignored"
    already = refunded_total(session, payment.id)
    new = unrecorded_refund(paid=payment.amount, recorded=already, provider_total=provider_refunded)
    if new <= 0:
        return "ignored"
    record.kind, record.amount = "refund", new
    _set_refund_status(session, payment, refunded=already + new, now=now)
    return "applied"


# --- the PayPal webhook -------------------------------------------------------------------------


def _paypal_payment(session: Session, resource: dict) -> Payment | None:
    """The payment a PayPal capture or refund is of: our payment id rides in ``custom_id``;
    else the PayPal order id (a capture's ``supplementary_data.related_ids.order_id``)."""
    custom = str(resource.get("custom_id") or "")
    try:
        pid = uuid.UUID(custom) if custom else None
    except ValueError:
        pid = None
    if pid is not None:
        payment = session.exec(
            select(Payment).where(Payment.id == pid, Payment.payment_method == "paypal").with_for_update()
        ).first()
        if payment is not None:
            return payment
    order_id = str(((resource.get("supplementary_data") or {}).get("related_ids") or {}).get("order_id") or "")
    if not order_id:
        return None
    return session.exec(
        select(Payment)
        .where(Payment.payment_intent_id == order_id, Payment.payment_method == "paypal")
        .with_for_update()
    ).first()


def handle_paypal_webhook(
    *,
    session: Session,
    payload: bytes,
    headers: Mapping[str, str],
    providers: Mapping[str, PaymentProvider] | None = None,
    webhook_id: str | None = None,
    now: datetime | None = None,
) -> WebhookOutcome:
    """Verify one PayPal event with PayPal (verify-webhook-signature) and apply it; the same
    event id is handled once.

    Raises:
        PaymentError: ``bad_signature`` (400: missing headers, or PayPal does not vouch for it),
            ``invalid`` (not a PayPal event), ``unavailable`` (PayPal off or no webhook id),
            ``provider`` (PayPal unreachable: PayPal delivers the event again later).
    """
    now = now or utcnow()
    webhook_id = get_settings().paypal_webhook_id if webhook_id is None else webhook_id
    provider = (get_providers() if providers is None else providers).get("paypal")
    if not webhook_id or not isinstance(provider, PayPalProvider):
        raise PaymentError("unavailable", "The PayPal webhook is not set up (MARQUE_PAYPAL_WEBHOOK_ID)")
    lowered = {k.lower(): v for k, v in headers.items()}
    if not lowered.get("paypal-transmission-id") or not lowered.get("paypal-transmission-sig"):
        raise PaymentError("bad_signature", "Missing PayPal-Transmission-Sig header", field="PayPal-Transmission-Sig")
    try:
        event = json.loads(payload)
    except ValueError:
        raise PaymentError("invalid", "The webhook body is not a JSON PayPal event") from None
    resource = event.get("resource") if isinstance(event, dict) else None
    event_id = str(event.get("id") or "") if isinstance(event, dict) else ""
    kind = str(event.get("event_type") or "") if isinstance(event, dict) else ""
    if not event_id or not kind or not isinstance(resource, dict):
        raise PaymentError("invalid", "The webhook body is not a PayPal event")
    if not provider.verify_webhook(headers=lowered, event=event, webhook_id=webhook_id):
        raise PaymentError(
            "bad_signature", "PayPal could not verify this event's signature", field="PayPal-Transmission-Sig"
        )

    return _handle_once(session, "paypal", event_id, kind, resource, _apply_paypal_event, now=now)


def _apply_paypal_event(session: Session, kind: str, resource: dict, record: PaymentEvent, *, now: datetime) -> str:
    move = EVENT_MOVES.get(("paypal", kind))
    if move is None:
        return "ignored"
    payment = _paypal_payment(session, resource)
    if payment is None:
        log.warning("paypal webhook %s: no payment for resource %r", kind, resource.get("id"))
        return "unknown_payment"
    record.payment_id = payment.id
    raw = {"id": resource.get("id"), "status": resource.get("status"), "amount": resource.get("amount")}
    refunded: Decimal | None = None
    if move == REFUNDED:
        refund_id = str(resource.get("id") or "")
        known = session.exec(
            select(PaymentEvent.id).where(PaymentEvent.provider == "paypal", PaymentEvent.event_id == refund_id)
        ).first()
        try:
            value = Decimal(str((resource.get("amount") or {}).get("value")))
        except (ArithmeticError, ValueError):
            return "ignored"
        if known is not None or not refund_id or not value.is_finite() or value <= 0:
            return "ignored"  # our own refund (recorded when it was made), or nothing to record
        # PayPal reports each refund, not a running total: the new total is ours plus this one.
        refunded = refunded_total(session, payment.id) + value
        record.data = {**(record.data or {}), "refund_id": refund_id}
    return _move(session, payment, move, record, raw=raw, provider_refunded=refunded, now=now)
