"""Payments against the real database: cash on delivery, Stripe through a local fake Stripe
server (its wire format), refunds, and the webhook (signatures, replays)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlmodel import select

from marque_app.api.errors import http_status
from marque_app.domain.payments import PaymentError
from marque_app.models import OrderStatus, PaymentStatus
from marque_app.models.order import OrderStatusHistory, PaymentEvent
from marque_app.services import payments
from marque_app.services.payments import CashOnDelivery, StripeProvider
from tests.cartutil import make_user
from tests.payutil import make_order
from tests.stripe_fake import API_KEY, WEBHOOK_SECRET, FakeStripe, event, sign


@pytest.fixture(scope="module")
def fake():
    with FakeStripe() as server:
        yield server


@pytest.fixture
def providers(fake):
    return {"cod": CashOnDelivery(), "stripe": StripeProvider(api_key=API_KEY, api_base=fake.url)}


@pytest.fixture
def buyer(session):
    return make_user(session)


def _events(session, payment_id):
    return session.exec(select(PaymentEvent).where(PaymentEvent.payment_id == payment_id)).all()


def _reload(session, *rows):
    for row in rows:
        session.refresh(row)


# --- cash on delivery ---------------------------------------------------------------------------


def test_cash_on_delivery_is_pending_until_the_admin_marks_it_paid(session, buyer):
    order, payment = make_order(session, buyer, method="cod")
    # No network: the cod provider alone, no Stripe settings at all.
    view = payments.create_intent(
        session=session, order_id=order.id, user_id=buyer.id, providers={"cod": CashOnDelivery()}
    )
    assert view.client_secret == ""
    assert view.payment.status == "pending" and view.payment.provider == "cod"
    assert view.payment.intent_id == f"cod_{payment.id}"
    _reload(session, order, payment)
    assert order.payment_status == PaymentStatus.pending and order.status == OrderStatus.pending

    paid = payments.mark_cod_paid(session=session, order_id=order.id, actor_id=buyer.id)
    _reload(session, order, payment)
    assert paid.status == "paid" and payment.status == PaymentStatus.paid and payment.processed_at is not None
    assert order.payment_status == PaymentStatus.paid and order.status == OrderStatus.processing
    # Marking twice changes nothing.
    assert payments.mark_cod_paid(session=session, order_id=order.id).status == "paid"


def test_cod_refund_is_recorded(session, buyer):
    order, payment = make_order(
        session, buyer, method="cod", total="30.00", payment_status=PaymentStatus.paid, status=OrderStatus.delivered
    )
    result = payments.refund(
        session=session, order_id=order.id, amount="10.00", actor_id=buyer.id, providers={"cod": CashOnDelivery()}
    )
    assert result.amount == "10.00" and result.payment.status == "partially_refunded"
    assert result.payment.refunded == "10.00"
    (row,) = _events(session, payment.id)
    assert row.kind == "refund" and row.amount == Decimal("10.00") and row.actor_id == buyer.id


# --- Stripe, through the fake server ------------------------------------------------------------


def test_stripe_intent_sends_cents_currency_metadata_and_an_idempotency_key(session, buyer, providers, fake):
    order, payment = make_order(session, buyer, total="48.99")
    view = payments.create_intent(session=session, order_id=order.id, user_id=buyer.id, providers=providers)
    request = fake.requests[-1]
    assert request["path"] == "/v1/payment_intents"
    assert request["params"]["amount"] == "4899" and request["params"]["currency"] == "usd"
    assert request["params"]["metadata"]["order_id"] == str(order.id)
    assert request["headers"]["idempotency-key"] == f"marque-intent-{payment.id}-4899"
    assert view.client_secret.startswith(view.payment.intent_id + "_secret_")
    _reload(session, payment)
    assert payment.payment_intent_id == view.payment.intent_id and payment.status == PaymentStatus.pending
    assert "client_secret" not in str(payment.gateway_response)  # never stored

    # Asked again (a retry): the same intent, thanks to the idempotency key.
    again = payments.create_intent(session=session, order_id=order.id, user_id=buyer.id, providers=providers)
    assert again.payment.intent_id == view.payment.intent_id


def test_confirm_with_a_card_pays_the_order(session, buyer, providers):
    order, payment = make_order(session, buyer)
    intent = payments.create_intent(session=session, order_id=order.id, user_id=buyer.id, providers=providers)
    view = payments.confirm_payment(
        session=session,
        payment_intent_id=intent.payment.intent_id,
        user_id=buyer.id,
        payment_method="pm_card_visa",
        providers=providers,
    )
    _reload(session, order, payment)
    assert view.status == "paid" and payment.status == PaymentStatus.paid
    assert order.payment_status == PaymentStatus.paid and order.status == OrderStatus.processing
    (step,) = session.exec(select(OrderStatusHistory).where(OrderStatusHistory.order_id == order.id)).all()
    assert (step.from_status, step.to_status, step.note) == ("pending", "processing", "Payment received")


def test_a_declined_card_says_so_and_changes_nothing(session, buyer, providers):
    order, payment = make_order(session, buyer)
    intent = payments.create_intent(session=session, order_id=order.id, user_id=buyer.id, providers=providers)
    with pytest.raises(PaymentError) as err:
        payments.confirm_payment(
            session=session,
            payment_intent_id=intent.payment.intent_id,
            user_id=buyer.id,
            payment_method="pm_card_chargeDeclined",
            providers=providers,
        )
    assert http_status(err.value) == 502 and err.value.message == "Your card was declined."
    session.rollback()
    _reload(session, order, payment)
    assert payment.status == PaymentStatus.pending and order.status == OrderStatus.pending


def test_only_the_owner_may_pay_a_pending_order(session, buyer, providers):
    other = make_user(session)
    order, payment = make_order(session, buyer)
    with pytest.raises(PaymentError) as err:
        payments.create_intent(session=session, order_id=order.id, user_id=other.id, providers=providers)
    assert http_status(err.value) == 404
    with pytest.raises(PaymentError) as err:
        payments.create_intent(session=session, order_id="not-a-uuid", user_id=buyer.id, providers=providers)
    assert http_status(err.value) == 404

    cancelled, _ = make_order(session, buyer, status=OrderStatus.cancelled)
    with pytest.raises(PaymentError, match="cancelled"):
        payments.create_intent(session=session, order_id=cancelled.id, user_id=buyer.id, providers=providers)
    paid, _ = make_order(session, buyer, payment_status=PaymentStatus.paid)
    with pytest.raises(PaymentError, match="not waiting for payment"):
        payments.create_intent(session=session, order_id=paid.id, user_id=buyer.id, providers=providers)
    session.rollback()
    _reload(session, payment)
    assert payment.payment_intent_id is None


def test_stripe_off_is_a_clear_error(session, buyer):
    order, _ = make_order(session, buyer)
    with pytest.raises(PaymentError, match="Card payments is not available") as err:
        payments.create_intent(
            session=session, order_id=order.id, user_id=buyer.id, providers={"cod": CashOnDelivery()}
        )
    assert http_status(err.value) == 503


def _paid_by_card(session, buyer, providers, total="50.00"):
    order, payment = make_order(session, buyer, total=total)
    intent = payments.create_intent(session=session, order_id=order.id, user_id=buyer.id, providers=providers)
    payments.confirm_payment(
        session=session,
        payment_intent_id=intent.payment.intent_id,
        user_id=buyer.id,
        payment_method="pm_card_visa",
        providers=providers,
    )
    _reload(session, order, payment)
    return order, payment


def test_partial_then_full_refund_and_never_more_than_paid(session, buyer, providers, fake):
    order, payment = _paid_by_card(session, buyer, providers)
    first = payments.refund(session=session, order_id=order.id, amount=Decimal("20.00"), providers=providers)
    assert fake.requests[-1]["path"] == "/v1/refunds"
    assert fake.requests[-1]["params"] == {"payment_intent": payment.payment_intent_id, "amount": "2000"}
    assert first.refund_id.startswith("re_") and first.payment.status == "partially_refunded"

    with pytest.raises(PaymentError, match=r"cannot be more than the 30\.00 left") as err:
        payments.refund(session=session, order_id=order.id, amount="30.01", providers=providers)
    assert http_status(err.value) == 422 and err.value.field == "amount"
    session.rollback()

    rest = payments.refund(session=session, payment_id=payment.id, providers=providers)  # the rest
    assert rest.amount == "30.00" and rest.payment.status == "refunded" and rest.payment.refunded == "50.00"
    _reload(session, order, payment)
    assert order.payment_status == PaymentStatus.refunded
    with pytest.raises(PaymentError, match="already refunded in full"):
        payments.refund(session=session, order_id=order.id, amount="1.00", providers=providers)
    session.rollback()
    assert sorted(e.amount for e in _events(session, payment.id)) == [Decimal("20.00"), Decimal("30.00")]


@pytest.mark.parametrize("amount", ["0", "-5", "1.001", "abc", 2.5])
def test_a_bad_refund_amount_is_refused(session, buyer, providers, amount):
    order, payment = _paid_by_card(session, buyer, providers, total="10.00")
    with pytest.raises(PaymentError) as err:
        payments.refund(session=session, order_id=order.id, amount=amount, providers=providers)
    assert http_status(err.value) == 422 and err.value.field == "amount"
    session.rollback()
    assert _events(session, payment.id) == []


def test_an_unpaid_payment_cannot_be_refunded(session, buyer, providers):
    order, payment = make_order(session, buyer)
    with pytest.raises(PaymentError, match="Only a paid payment") as err:
        payments.refund(session=session, order_id=order.id, providers=providers)
    assert http_status(err.value) == 409
    with pytest.raises(PaymentError) as err:
        payments.refund(session=session, order_id=uuid.uuid4(), providers=providers)
    assert http_status(err.value) == 404


# --- the webhook --------------------------------------------------------------------------------


def _hook(session, body: bytes, signature: str | None = None):
    return payments.handle_stripe_webhook(
        session=session,
        payload=body,
        signature=sign(body) if signature is None else signature,
        secret=WEBHOOK_SECRET,
    )


def _intent_obj(payment, status="succeeded"):
    cents = int(payment.amount * 100)
    return {
        "id": payment.payment_intent_id,
        "object": "payment_intent",
        "amount": cents,
        "amount_received": cents if status == "succeeded" else 0,
        "currency": "usd",
        "status": status,
    }


def _with_intent(session, buyer, providers, total="48.00"):
    order, payment = make_order(session, buyer, total=total)
    payments.create_intent(session=session, order_id=order.id, user_id=buyer.id, providers=providers)
    _reload(session, payment)
    return order, payment


def test_succeeded_webhook_pays_the_order_and_a_replay_changes_nothing(session, buyer, providers, fake):
    order, payment = _with_intent(session, buyer, providers)
    fake.succeed(payment.payment_intent_id)  # paid in the browser with Stripe.js
    body = event("payment_intent.succeeded", _intent_obj(payment))
    assert _hook(session, body).result == "applied"
    _reload(session, order, payment)
    assert payment.status == PaymentStatus.paid and order.payment_status == PaymentStatus.paid
    assert order.status == OrderStatus.processing

    # Meanwhile the order moves on; the replay must not touch it.
    payments.refund(session=session, order_id=order.id, amount="8.00", providers=providers)
    before = len(_events(session, payment.id))
    replay = _hook(session, body)
    assert replay.result == "replayed"
    _reload(session, order, payment)
    assert payment.status == PaymentStatus.partially_refunded and len(_events(session, payment.id)) == before


def test_failed_then_succeeded_and_a_late_failure_replay(session, buyer, providers):
    order, payment = _with_intent(session, buyer, providers)
    failed = event("payment_intent.payment_failed", _intent_obj(payment, "requires_payment_method"))
    assert _hook(session, failed).result == "applied"
    _reload(session, order, payment)
    assert payment.status == PaymentStatus.failed and order.payment_status == PaymentStatus.failed
    assert order.status == OrderStatus.pending

    assert _hook(session, event("payment_intent.succeeded", _intent_obj(payment))).result == "applied"
    assert _hook(session, failed).result == "replayed"
    # A new failure event of an earlier attempt does not undo the success either.
    late = event("payment_intent.payment_failed", _intent_obj(payment, "requires_payment_method"))
    assert _hook(session, late).result == "ignored"
    _reload(session, order, payment)
    assert payment.status == PaymentStatus.paid and order.payment_status == PaymentStatus.paid


@pytest.mark.parametrize("how", ["wrong secret", "tampered body", "no header", "garbage header", "stale"])
def test_a_bad_signature_is_refused_and_changes_nothing(session, buyer, providers, how):
    order, payment = _with_intent(session, buyer, providers)
    body = event("payment_intent.succeeded", _intent_obj(payment))
    signature = {
        "wrong secret": sign(body, secret="whsec_someoneelse"),
        "tampered body": sign(body.replace(b'"succeeded"', b'"succeeded" ')),
        "no header": "",
        "garbage header": "hello",
        "stale": sign(body, timestamp=1_000_000_000),
    }[how]
    with pytest.raises(PaymentError) as err:
        _hook(session, body, signature)
    assert http_status(err.value) == 400 and "signature" in err.value.message.lower()
    session.rollback()
    _reload(session, order, payment)
    assert payment.status == PaymentStatus.pending and order.status == OrderStatus.pending
    assert _events(session, payment.id) == []


def test_unknown_intent_is_acknowledged_and_logged(session, caplog):
    body = event(
        "payment_intent.succeeded",
        {
            "id": "pi_nobodyknows",
            "object": "payment_intent",
            "amount": 100,
            "amount_received": 100,
            "status": "succeeded",
        },
    )
    assert _hook(session, body).result == "unknown_payment"
    assert "pi_nobodyknows" in caplog.text
    assert _hook(session, body).result == "replayed"


def test_charge_refunded_records_a_dashboard_refund_once(session, buyer, providers):
    order, payment = _paid_by_card(session, buyer, providers, total="40.00")
    # Our own refund first: Stripe's webhook for it must not count it twice.
    payments.refund(session=session, order_id=order.id, amount="10.00", providers=providers)
    charge = {
        "id": "ch_x",
        "object": "charge",
        "payment_intent": payment.payment_intent_id,
        "amount": 4000,
        "amount_refunded": 1000,
        "refunded": False,
    }
    assert _hook(session, event("charge.refunded", charge)).result == "ignored"
    assert payments.refunded_total(session, payment.id) == Decimal("10.00")
    # Then the rest refunded in Stripe's dashboard.
    full = event("charge.refunded", {**charge, "amount_refunded": 4000, "refunded": True})
    assert _hook(session, full).result == "applied"
    assert _hook(session, full).result == "replayed"
    _reload(session, order, payment)
    assert payments.refunded_total(session, payment.id) == Decimal("40.00")
    assert payment.status == PaymentStatus.refunded and order.payment_status == PaymentStatus.refunded


def test_other_event_types_are_acknowledged(session):
    body = event("customer.created", {"id": "cus_1", "object": "customer"})
    assert _hook(session, body).result == "ignored"
