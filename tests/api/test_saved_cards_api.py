"""Saved cards through the REST API (/api/v1/payments/methods) and paying an order with one
at checkout (/api/v1/orders with saved_card), Stripe faked locally over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from marque_app.api import create_api
from marque_app.models import Order, Payment
from marque_app.settings import get_settings
from tests.cartutil import bearer as _headers
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart
from tests.stripe_fake import API_KEY, FakeStripe

API = "/api/v1"


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
    get_settings.cache_clear()
    with TestClient(create_api(engine=lambda: engine)) as test_client:
        yield test_client
    get_settings.cache_clear()


@pytest.fixture
def buyer(db):
    user = make_user(db)
    return user, _headers(user)


def _save(client, fake, headers, token="pm_card_visa") -> str:
    r = client.post(f"{API}/payments/methods", json={}, headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"setup_intent_id", "client_secret", "status"}
    assert body["client_secret"].startswith(body["setup_intent_id"] + "_secret_")
    return fake.confirm_setup(body["setup_intent_id"], token)["payment_method"]


def test_save_list_and_remove_a_card(client, db, buyer, fake):
    user, headers = buyer
    assert client.get(f"{API}/payments/methods", headers=headers).json() == {"cards": []}
    card = _save(client, fake, headers)
    r = client.get(f"{API}/payments/methods", headers=headers)
    assert r.status_code == 200
    (listed,) = r.json()["cards"]
    assert listed == {
        "id": card,
        "brand": "visa",
        "last4": "4242",
        "exp_month": 12,
        "exp_year": 2034,
        "label": "Visa ending 4242",
        "is_expired": False,
    }
    r = client.delete(f"{API}/payments/methods/{card}", headers=headers)
    assert r.status_code == 200 and r.json() == {"message": "Card removed"}
    assert client.get(f"{API}/payments/methods", headers=headers).json() == {"cards": []}
    assert fake.payment_methods[card]["customer"] is None


def test_only_the_owner_and_only_logged_in(client, db, buyer, fake):
    user, headers = buyer
    card = _save(client, fake, headers)
    other_headers = _headers(make_user(db))
    assert client.get(f"{API}/payments/methods", headers=other_headers).json() == {"cards": []}
    r = client.delete(f"{API}/payments/methods/{card}", headers=other_headers)
    assert r.status_code == 404 and r.json() == {"detail": "Saved card not found", "field": "saved_card"}
    assert fake.payment_methods[card]["customer"] is not None
    for method, path in (
        ("GET", "/payments/methods"),
        ("POST", "/payments/methods"),
        ("DELETE", f"/payments/methods/{card}"),
    ):
        assert client.request(method, f"{API}{path}", json={} if method == "POST" else None).status_code == 401


def test_unknown_fields_are_refused_and_nothing_is_made(client, db, buyer, fake):
    user, headers = buyer
    customers = len(fake.customers)
    r = client.post(f"{API}/payments/methods", json={"card_number": "4242424242424242"}, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "card_number"
    assert len(fake.customers) == customers
    db.commit()  # end the read transaction: see what the API committed since
    db.expire_all()
    assert db.get(type(user), user.id).stripe_customer_id is None


def _checkout_body(db, user, **extra):
    _, (sku,) = make_product(db, price="20.00", stock=(5,))
    fill_cart(db, user, [sku], 1)
    return {"shipping_address": address(), "payment_method": "stripe", **extra}


def test_checkout_with_a_saved_card_pays_the_order(client, db, buyer, fake):
    user, headers = buyer
    card = _save(client, fake, headers)
    r = client.post(f"{API}/orders", json=_checkout_body(db, user, saved_card=card), headers=headers)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["payment_status"] == "paid" and order["status"] == "processing" and order["payment_error"] == ""
    db.commit()  # end the read transaction: see what the API committed since
    db.expire_all()
    payment = db.execute(sa.select(Payment).where(Payment.order_id == uuid.UUID(order["id"]))).scalar_one()
    intent = fake.intents[payment.payment_intent_id]
    assert intent["customer"] == db.get(type(user), user.id).stripe_customer_id and intent["payment_method"] == card
    assert intent["amount"] == int(order["total"].replace(".", ""))


def test_a_declined_saved_card_places_the_order_unpaid_and_says_so(client, db, buyer, fake):
    user, headers = buyer
    card = _save(client, fake, headers, "pm_card_chargeCustomerFail")
    r = client.post(f"{API}/orders", json=_checkout_body(db, user, saved_card=card), headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["payment_status"] == "failed" and r.json()["payment_error"] == "Your card was declined."


def test_another_users_card_refuses_the_checkout_and_records_nothing(client, db, buyer, fake):
    user, headers = buyer
    theirs = _save(client, fake, _headers(make_user(db)))
    body = _checkout_body(db, user, saved_card=theirs)
    r = client.post(f"{API}/orders", json=body, headers=headers)
    assert r.status_code == 404 and r.json()["field"] == "saved_card"
    db.commit()  # end the read transaction: see what the API committed since
    db.expire_all()
    assert db.execute(sa.select(sa.func.count()).select_from(Order).where(Order.user_id == user.id)).scalar_one() == 0
    r = client.post(f"{API}/orders", json={**body, "saved_card": "pm_nope", "payment_method": "cod"}, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "saved_card"
