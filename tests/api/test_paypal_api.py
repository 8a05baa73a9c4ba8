"""PayPal through the REST API: checkout with payment_method "paypal" (the approve link), the
shopper's approval at the fake PayPal, capture, refund, and the webhook, PayPal faked locally."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from marque_app.api import create_api
from marque_app.models import Order, OrderStatus, Payment, PaymentStatus, UserRole
from marque_app.models.order import PaymentEvent
from marque_app.services.payments import offered_methods
from marque_app.settings import Settings, get_settings
from tests.cartutil import bearer as _headers
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart
from tests.paypal_fake import CLIENT_ID, SECRET, WEBHOOK_ID, FakePayPal

API = "/api/v1"


@pytest.fixture(scope="module")
def fake():
    with FakePayPal() as server:
        yield server


@pytest.fixture
def client(db_url, engine, monkeypatch, fake) -> Iterator[TestClient]:
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setenv("MARQUE_RATE_LIMIT_API", "10000/15minutes")
    monkeypatch.setenv("MARQUE_PAYMENT_PROVIDERS", "cod,paypal")
    monkeypatch.setenv("MARQUE_PAYPAL_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("MARQUE_PAYPAL_SECRET", SECRET)
    monkeypatch.setenv("MARQUE_PAYPAL_API_BASE", fake.url)
    monkeypatch.setenv("MARQUE_PAYPAL_WEBHOOK_ID", WEBHOOK_ID)
    monkeypatch.setenv("MARQUE_PUBLIC_URL", "http://127.0.0.1:3999")
    get_settings.cache_clear()
    with TestClient(create_api(engine=lambda: engine)) as test_client:
        yield test_client
    get_settings.cache_clear()


def _order(client, db, user, headers) -> dict:
    _, (sku,) = make_product(db, price="20.00", stock=(5,))
    fill_cart(db, user, [sku], 1)
    body = {"shipping_address": address(), "payment_method": "paypal"}
    r = client.post(f"{API}/orders", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _payment(db, order_id: str) -> Payment:
    db.commit()  # end the read transaction: see what the API committed since
    db.expire_all()
    return db.execute(sa.select(Payment).where(Payment.order_id == uuid.UUID(order_id))).scalar_one()


def test_paypal_is_offered_only_when_configured():
    assert offered_methods(Settings(payment_providers="cod,paypal")) == ["cod"]
    configured = Settings(payment_providers="cod,paypal", paypal_client_id="id", paypal_secret="s")
    assert offered_methods(configured) == ["cod", "paypal"]


def test_checkout_approve_capture_and_refund(client, db, fake):
    user = make_user(db)
    headers = _headers(user)
    order = _order(client, db, user, headers)
    payment = _payment(db, order["id"])
    assert order["approve_url"] == f"{fake.url}/checkoutnow?token={payment.payment_intent_id}"
    assert order["payment_status"] == "pending" and order["payment_method"] == "paypal"
    assert fake.orders[payment.payment_intent_id]["_return_url"] == "http://127.0.0.1:3999/checkout/paypal/return"

    approved = httpx.get(order["approve_url"], follow_redirects=False)
    assert approved.status_code == 302 and f"token={payment.payment_intent_id}" in approved.headers["location"]
    r = client.post(f"{API}/payments/confirm", json={"payment_intent_id": payment.payment_intent_id}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "paid", r.text
    db.commit()  # end the read transaction: see what the API committed since
    db.expire_all()
    assert db.get(Order, uuid.UUID(order["id"])).status == OrderStatus.processing

    staff = _headers(make_user(db, role=UserRole.support))
    r = client.post(f"{API}/payments/refund", json={"order_id": order["id"], "amount": "5.00"}, headers=staff)
    assert r.status_code == 200 and r.json()["payment"]["status"] == "partially_refunded", r.text
    assert fake.refunds[r.json()["refund_id"]]["amount"]["value"] == "5.00"


def test_webhook_is_verified_and_replay_safe(client, db, fake):
    user = make_user(db)
    order = _order(client, db, user, _headers(user))
    payment = _payment(db, order["id"])
    fake.approve(payment.payment_intent_id)
    fake._capture(fake.orders[payment.payment_intent_id])
    event = fake.event("PAYMENT.CAPTURE.COMPLETED", fake.capture_of(payment.payment_intent_id))
    body = json.dumps(event).encode()

    forged = {**fake.sign(event), "PAYPAL-TRANSMISSION-SIG": "bm90IGEgc2lnbmF0dXJl"}
    r = client.post(f"{API}/payments/paypal/webhook", content=body, headers=forged)
    assert r.status_code == 400 and "verify" in r.json()["detail"]
    assert _payment(db, order["id"]).status == PaymentStatus.pending

    r = client.post(f"{API}/payments/paypal/webhook", content=body, headers=fake.sign(event))
    assert r.status_code == 200 and r.json()["result"] == "applied", r.text
    assert _payment(db, order["id"]).status == PaymentStatus.paid
    r = client.post(f"{API}/payments/paypal/webhook", content=body, headers=fake.sign(event))
    assert r.status_code == 200 and r.json()["result"] == "replayed"
    db.commit()  # end the read transaction: see what the API committed since
    db.expire_all()
    count = sa.select(sa.func.count()).select_from(PaymentEvent).where(PaymentEvent.event_id == event["id"])
    assert db.execute(count).scalar_one() == 1

    r = client.post(f"{API}/payments/paypal/webhook", content=b"not json", headers=fake.sign(event))
    assert r.status_code == 400


def test_paypal_not_configured_refuses_the_checkout(client, db, monkeypatch):
    monkeypatch.setenv("MARQUE_PAYMENT_PROVIDERS", "cod")
    get_settings.cache_clear()
    user = make_user(db)
    headers = _headers(user)
    _, (sku,) = make_product(db, price="20.00", stock=(5,))
    fill_cart(db, user, [sku], 1)
    r = client.post(f"{API}/orders", json={"shipping_address": address(), "payment_method": "paypal"}, headers=headers)
    assert r.status_code == 422 and r.json() == {
        "detail": "PayPal is not available right now",
        "field": "payment_method",
    }
    db.commit()  # end the read transaction: see what the API committed since
    db.expire_all()
    assert db.execute(sa.select(sa.func.count()).select_from(Order).where(Order.user_id == user.id)).scalar_one() == 0
