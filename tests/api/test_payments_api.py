"""The payments REST API through an HTTP client, on this run's database, Stripe faked locally."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from marque_app.api import create_api
from marque_app.models import Order, OrderStatus, Payment, PaymentStatus, UserRole
from marque_app.models.order import PaymentEvent
from marque_app.settings import get_settings
from tests.cartutil import bearer as _headers
from tests.cartutil import make_user
from tests.payutil import make_order
from tests.stripe_fake import API_KEY, WEBHOOK_SECRET, FakeStripe, event, sign

API = "/api/v1/payments"


@pytest.fixture(scope="module")
def fake():
    with FakeStripe() as server:
        yield server


@pytest.fixture
def client(db_url, engine, monkeypatch, fake) -> Iterator[TestClient]:
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setenv("MARQUE_RATE_LIMIT_API", "10000/15minutes")
    monkeypatch.setenv("MARQUE_PAYMENT_PROVIDERS", "cod,stripe")
    monkeypatch.setenv("MARQUE_STRIPE_SECRET_KEY", API_KEY)
    monkeypatch.setenv("MARQUE_STRIPE_API_BASE", fake.url)
    monkeypatch.setenv("MARQUE_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    get_settings.cache_clear()
    with TestClient(create_api(engine=lambda: engine)) as test_client:
        yield test_client
    get_settings.cache_clear()


@pytest.fixture
def buyer(db):
    user = make_user(db)
    return user, _headers(user)


def _fresh(db, model, ident):
    db.expire_all()
    return db.get(model, ident)


def test_card_payment_end_to_end_with_the_webhook(client, db, buyer, fake):
    user, headers = buyer
    order, payment = make_order(db, user, total="64.50")
    r = client.post(f"{API}/create-intent", json={"order_id": str(order.id)}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    intent_id = body["payment"]["intent_id"]
    assert body["client_secret"].startswith(intent_id) and body["payment"]["amount"] == "64.50"
    assert fake.intents[intent_id]["amount"] == 6450

    fake.succeed(intent_id)
    payload = event("payment_intent.succeeded", {**fake.intents[intent_id]})
    r = client.post(f"{API}/stripe/webhook", content=payload, headers={"Stripe-Signature": sign(payload)})
    assert r.status_code == 200 and r.json()["result"] == "applied"
    assert _fresh(db, Order, order.id).status == OrderStatus.processing
    assert _fresh(db, Payment, payment.id).status == PaymentStatus.paid

    r = client.post(f"{API}/stripe/webhook", content=payload, headers={"Stripe-Signature": sign(payload)})
    assert r.status_code == 200 and r.json()["result"] == "replayed"


def test_webhook_with_a_bad_signature_is_400_and_changes_nothing(client, db, buyer, fake):
    user, headers = buyer
    order, payment = make_order(db, user)
    intent_id = client.post(f"{API}/create-intent", json={"order_id": str(order.id)}, headers=headers).json()[
        "payment"
    ]["intent_id"]
    fake.succeed(intent_id)
    payload = event("payment_intent.succeeded", {**fake.intents[intent_id]})
    for signature in (sign(payload, secret="whsec_wrong"), "t=1,v1=deadbeef", None):
        h = {"Stripe-Signature": signature} if signature else {}
        r = client.post(f"{API}/stripe/webhook", content=payload, headers=h)
        assert r.status_code == 400, r.text
        assert "signature" in r.json()["detail"].lower() and r.json()["field"] == "Stripe-Signature"
    assert _fresh(db, Payment, payment.id).status == PaymentStatus.pending
    assert _fresh(db, Order, order.id).status == OrderStatus.pending
    assert db.exec(select(PaymentEvent).where(PaymentEvent.payment_id == payment.id)).all() == []


def test_confirm_and_a_declined_card(client, db, buyer):
    user, headers = buyer
    order, payment = make_order(db, user)
    intent_id = client.post(f"{API}/create-intent", json={"order_id": str(order.id)}, headers=headers).json()[
        "payment"
    ]["intent_id"]
    r = client.post(
        f"{API}/confirm",
        json={"payment_intent_id": intent_id, "payment_method": "pm_card_chargeDeclined"},
        headers=headers,
    )
    assert r.status_code == 502 and r.json()["detail"] == "Your card was declined."
    assert _fresh(db, Payment, payment.id).status == PaymentStatus.pending
    r = client.post(
        f"{API}/confirm", json={"payment_intent_id": intent_id, "payment_method": "pm_card_visa"}, headers=headers
    )
    assert r.status_code == 200 and r.json()["status"] == "paid"


def test_only_the_owner_and_only_logged_in(client, db, buyer):
    user, headers = buyer
    order, _ = make_order(db, user)
    assert client.post(f"{API}/create-intent", json={"order_id": str(order.id)}).status_code == 401
    r = client.post(f"{API}/create-intent", json={"order_id": str(order.id)}, headers=_headers(make_user(db)))
    assert r.status_code == 404 and r.json() == {"detail": "Order not found", "field": "order_id"}


def test_bad_input_is_422_with_a_field(client, db, buyer):
    user, headers = buyer
    r = client.post(f"{API}/create-intent", json={}, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "order_id"
    order, payment = make_order(db, user)
    r = client.post(
        f"{API}/create-intent", json={"order_id": str(order.id), "payment_method": "bitcoin"}, headers=headers
    )
    assert r.status_code == 422 and r.json() == {
        "detail": "Payment method must be cod, stripe, paypal",
        "field": "payment_method",
    }
    assert _fresh(db, Payment, payment.id).payment_intent_id is None


def test_cash_on_delivery_intent(client, db, buyer):
    user, headers = buyer
    order, payment = make_order(db, user, method="cod")
    r = client.post(f"{API}/create-intent", json={"order_id": str(order.id)}, headers=headers)
    assert r.status_code == 200
    assert r.json()["client_secret"] == "" and r.json()["payment"]["intent_id"] == f"cod_{payment.id}"


def test_refund_is_for_admin_and_support_only_and_never_more_than_paid(client, db, buyer, fake):
    user, headers = buyer
    order, payment = make_order(db, user, total="20.00")
    intent_id = client.post(f"{API}/create-intent", json={"order_id": str(order.id)}, headers=headers).json()[
        "payment"
    ]["intent_id"]
    client.post(
        f"{API}/confirm", json={"payment_intent_id": intent_id, "payment_method": "pm_card_visa"}, headers=headers
    )
    r = client.post(f"{API}/refund", json={"order_id": str(order.id)}, headers=headers)
    assert r.status_code == 403

    support = _headers(make_user(db, role=UserRole.support))
    r = client.post(f"{API}/refund", json={"order_id": str(order.id), "amount": "25.00"}, headers=support)
    assert r.status_code == 422 and r.json()["field"] == "amount" and "20.00 left" in r.json()["detail"]
    r = client.post(f"{API}/refund", json={"order_id": str(order.id), "amount": "5.50"}, headers=support)
    assert r.status_code == 200, r.text
    assert r.json()["payment"]["status"] == "partially_refunded" and r.json()["amount"] == "5.50"
    admin = _headers(make_user(db, role=UserRole.admin))
    r = client.post(f"{API}/refund", json={"order_id": str(order.id)}, headers=admin)
    assert r.status_code == 200 and r.json()["amount"] == "14.50" and r.json()["payment"]["status"] == "refunded"
    assert sum(x["amount"] for x in fake.refunds.values() if x["payment_intent"] == intent_id) == 2000
    r = client.post(f"{API}/refund", json={"order_id": str(order.id)}, headers=admin)
    assert r.status_code == 409
    assert _fresh(db, Order, order.id).payment_status == PaymentStatus.refunded
