"""PayPal against the real database and the local fake PayPal over HTTP: orders, approval and
capture, refunds, and the webhook (verified by PayPal's call, replay-safe)."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from sqlmodel import select

from marque_app.api.errors import http_status
from marque_app.domain.payments import PaymentError
from marque_app.models import OrderStatus, PaymentStatus
from marque_app.models.order import PaymentEvent
from marque_app.services import payments
from marque_app.services.payments import CashOnDelivery, PayPalProvider
from tests.cartutil import make_user
from tests.paypal_fake import CLIENT_ID, SECRET, WEBHOOK_ID, FakePayPal
from tests.payutil import make_order

RETURN = "http://127.0.0.1:9/checkout/paypal/return"


@pytest.fixture(scope="module")
def fake():
    with FakePayPal() as server:
        yield server


@pytest.fixture
def providers(fake):
    paypal = PayPalProvider(client_id=CLIENT_ID, secret=SECRET, api_base=fake.url, return_url=RETURN)
    return {"cod": CashOnDelivery(), "paypal": paypal}


@pytest.fixture
def buyer(session):
    return make_user(session)


def _start(session, buyer, providers, total="64.50"):
    order, payment = make_order(session, buyer, total=total, method="paypal")
    view = payments.create_intent(session=session, order_id=order.id, user_id=buyer.id, providers=providers)
    return order, payment, view


def _webhook(session, fake, providers, kind, resource, **kwargs):
    event = fake.event(kind, resource, **kwargs)
    body = json.dumps(event).encode()
    outcome = payments.handle_paypal_webhook(
        session=session, payload=body, headers=fake.sign(event), providers=providers, webhook_id=WEBHOOK_ID
    )
    return event, body, outcome


def test_an_order_is_created_with_the_amount_our_payment_id_and_the_return_url(session, buyer, providers, fake):
    order, payment, view = _start(session, buyer, providers)
    paypal_order = fake.orders[view.payment.intent_id]
    unit = paypal_order["purchase_units"][0]
    assert unit["amount"] == {"currency_code": "USD", "value": "64.50"}
    assert unit["custom_id"] == str(payment.id)
    assert paypal_order["_return_url"] == RETURN
    assert view.approve_url == f"{fake.url}/checkoutnow?token={view.payment.intent_id}"
    assert view.client_secret == "" and view.payment.status == "pending" and view.payment.provider == "paypal"
    create = next(r for r in reversed(fake.requests) if r["path"] == "/v2/checkout/orders")
    assert create["headers"]["paypal-request-id"] == f"marque-order-{payment.id}-64.50"
    assert create["headers"]["authorization"].startswith("Bearer A21AA")
    # A retry: the same PayPal order (PayPal-Request-Id).
    again = payments.create_intent(session=session, order_id=order.id, user_id=buyer.id, providers=providers)
    assert again.payment.intent_id == view.payment.intent_id


def test_approve_then_capture_pays_the_order(session, buyer, providers, fake):
    order, payment, view = _start(session, buyer, providers)
    # Not approved yet: a clear conflict, nothing changes.
    with pytest.raises(PaymentError) as err:
        payments.confirm_payment(
            session=session, payment_intent_id=view.payment.intent_id, user_id=buyer.id, providers=providers
        )
    assert http_status(err.value) == 409 and "not approved" in err.value.message
    session.rollback()
    # The shopper follows the approve link; PayPal sends them back with ?token=<order id>.
    r = httpx.get(view.approve_url, follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"].startswith(f"{RETURN}?token={view.payment.intent_id}")
    paid = payments.confirm_payment(
        session=session, payment_intent_id=view.payment.intent_id, user_id=buyer.id, providers=providers
    )
    assert paid.status == "paid"
    session.refresh(order)
    assert order.payment_status == PaymentStatus.paid and order.status == OrderStatus.processing
    # Capturing twice (the return page reloaded) is a conflict, never a second charge.
    with pytest.raises(PaymentError) as err:
        payments.confirm_payment(
            session=session, payment_intent_id=view.payment.intent_id, user_id=buyer.id, providers=providers
        )
    assert http_status(err.value) == 409
    assert len(fake.orders[view.payment.intent_id]["purchase_units"][0]["payments"]["captures"]) == 1


def test_a_declined_buyer_says_so(session, buyer, providers, fake):
    order, payment, view = _start(session, buyer, providers)
    fake.approve(view.payment.intent_id, decline=True)
    with pytest.raises(PaymentError) as err:
        payments.confirm_payment(
            session=session, payment_intent_id=view.payment.intent_id, user_id=buyer.id, providers=providers
        )
    assert http_status(err.value) == 502 and "PayPal declined" in err.value.message
    session.rollback()
    session.refresh(payment)
    assert payment.status == PaymentStatus.pending


def test_an_expired_token_is_renewed_once(session, buyer, providers, fake):
    _start(session, buyer, providers)
    fake.revoke_tokens()
    order, payment, view = _start(session, buyer, providers)
    assert view.payment.intent_id in fake.orders
    assert [r["path"] for r in fake.requests[-3:]] == ["/v2/checkout/orders", "/v1/oauth2/token", "/v2/checkout/orders"]


def test_wrong_credentials_are_a_clear_502(session, buyer, fake):
    wrong = {"paypal": PayPalProvider(client_id=CLIENT_ID, secret="nope", api_base=fake.url)}
    order, payment = make_order(session, buyer, method="paypal")
    with pytest.raises(PaymentError) as err:
        payments.create_intent(session=session, order_id=order.id, user_id=buyer.id, providers=wrong)
    assert http_status(err.value) == 502 and "credentials" in err.value.message


def test_partial_then_full_refund_of_the_capture(session, buyer, providers, fake):
    order, payment, view = _start(session, buyer, providers, total="30.00")
    fake.approve(view.payment.intent_id)
    payments.confirm_payment(
        session=session, payment_intent_id=view.payment.intent_id, user_id=buyer.id, providers=providers
    )
    part = payments.refund(session=session, order_id=order.id, amount="10.00", providers=providers)
    assert part.payment.status == "partially_refunded" and part.amount == "10.00"
    assert fake.refunds[part.refund_id]["amount"] == {"value": "10.00", "currency_code": "USD"}
    rest = payments.refund(session=session, order_id=order.id, providers=providers)
    assert rest.amount == "20.00" and rest.payment.status == "refunded"
    assert fake.capture_of(view.payment.intent_id)["status"] == "REFUNDED"
    with pytest.raises(PaymentError) as err:
        payments.refund(session=session, order_id=order.id, amount="1.00", providers=providers)
    assert http_status(err.value) == 409


def test_webhook_completed_pays_once_and_a_replay_changes_nothing(session, buyer, providers, fake):
    order, payment, view = _start(session, buyer, providers)
    fake.approve(view.payment.intent_id)
    fake._capture(fake.orders[view.payment.intent_id])  # captured at PayPal (the shopper closed the tab)
    capture = fake.capture_of(view.payment.intent_id)
    event, body, outcome = _webhook(session, fake, providers, "PAYMENT.CAPTURE.COMPLETED", capture)
    assert outcome.result == "applied"
    session.refresh(order)
    assert order.payment_status == PaymentStatus.paid and order.status == OrderStatus.processing
    again = payments.handle_paypal_webhook(
        session=session, payload=body, headers=fake.sign(event), providers=providers, webhook_id=WEBHOOK_ID
    )
    assert again.result == "replayed"
    rows = session.exec(select(PaymentEvent).where(PaymentEvent.event_id == event["id"])).all()
    assert len(rows) == 1 and rows[0].payment_id == payment.id


def test_webhook_denied_fails_the_payment(session, buyer, providers, fake):
    order, payment, view = _start(session, buyer, providers)
    resource = {
        "id": "CAPDENIED0001",
        "status": "DECLINED",
        "custom_id": str(payment.id),
        "supplementary_data": {"related_ids": {"order_id": view.payment.intent_id}},
    }
    _, _, outcome = _webhook(session, fake, providers, "PAYMENT.CAPTURE.DENIED", resource)
    assert outcome.result == "applied"
    session.refresh(order)
    assert order.payment_status == PaymentStatus.failed


def test_webhook_refunded_records_a_dashboard_refund_once_and_ours_not_twice(session, buyer, providers, fake):
    order, payment, view = _start(session, buyer, providers, total="40.00")
    fake.approve(view.payment.intent_id)
    payments.confirm_payment(
        session=session, payment_intent_id=view.payment.intent_id, user_id=buyer.id, providers=providers
    )
    ours = payments.refund(session=session, order_id=order.id, amount="5.00", providers=providers)
    refund = {k: v for k, v in fake.refunds[ours.refund_id].items() if not k.startswith("_")}
    _, _, outcome = _webhook(session, fake, providers, "PAYMENT.CAPTURE.REFUNDED", refund)
    assert outcome.result == "ignored"  # recorded when it was made
    assert payments.refunded_total(session, payment.id) == Decimal("5.00")

    dashboard = {k: v for k, v in fake.dashboard_refund(view.payment.intent_id, "15.00").items() if k[0] != "_"}
    event, body, outcome = _webhook(session, fake, providers, "PAYMENT.CAPTURE.REFUNDED", dashboard)
    assert outcome.result == "applied"
    assert payments.refunded_total(session, payment.id) == Decimal("20.00")
    session.refresh(payment)
    assert payment.status == PaymentStatus.partially_refunded
    again = payments.handle_paypal_webhook(
        session=session, payload=body, headers=fake.sign(event), providers=providers, webhook_id=WEBHOOK_ID
    )
    assert again.result == "replayed" and payments.refunded_total(session, payment.id) == Decimal("20.00")


@pytest.mark.parametrize("how", ["tampered", "other_webhook", "no_headers"])
def test_a_bad_signature_is_refused_and_changes_nothing(session, buyer, providers, fake, how):
    order, payment, view = _start(session, buyer, providers)
    event = fake.event(
        "PAYMENT.CAPTURE.COMPLETED",
        {"id": "CAPX", "status": "COMPLETED", "custom_id": str(payment.id), "amount": {"value": "64.50"}},
    )
    headers = fake.sign(event, webhook_id="WH-SOMEONEELSE" if how == "other_webhook" else WEBHOOK_ID)
    if how == "tampered":
        event["resource"]["amount"]["value"] = "0.01"
    if how == "no_headers":
        headers = {}
    body = json.dumps(event).encode()
    with pytest.raises(PaymentError) as err:
        payments.handle_paypal_webhook(
            session=session, payload=body, headers=headers, providers=providers, webhook_id=WEBHOOK_ID
        )
    assert http_status(err.value) == 400
    session.rollback()
    session.refresh(order)
    assert order.payment_status == PaymentStatus.pending
    assert session.exec(select(PaymentEvent).where(PaymentEvent.event_id == event["id"])).first() is None


def test_unknown_payment_and_other_events_are_acknowledged(session, providers, fake):
    _, _, outcome = _webhook(session, fake, providers, "PAYMENT.CAPTURE.COMPLETED", {"id": "CAPNONE", "custom_id": ""})
    assert outcome.result == "unknown_payment"
    _, _, outcome = _webhook(session, fake, providers, "CHECKOUT.ORDER.APPROVED", {"id": "ORDERX"})
    assert outcome.result == "ignored"


def test_paypal_off_is_503(session, buyer):
    order, payment = make_order(session, buyer, method="paypal")
    with pytest.raises(PaymentError) as err:
        payments.create_intent(
            session=session, order_id=order.id, user_id=buyer.id, providers={"cod": CashOnDelivery()}
        )
    assert http_status(err.value) == 503 and err.value.message == "PayPal is not available right now"
    with pytest.raises(PaymentError) as err:
        payments.handle_paypal_webhook(session=session, payload=b"{}", headers={}, providers={}, webhook_id="")
    assert http_status(err.value) == 503
