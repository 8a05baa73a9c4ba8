"""POST /api/v1/orders under the checkout limit: 429 with Retry-After and the API's error shape."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from marque_app.api import create_api
from marque_app.models import Order
from marque_app.settings import get_settings
from tests.cartutil import bearer, make_product, make_user
from tests.orderutil import address, fill_cart

API = "/api/v1"


@pytest.fixture
def limited_client(db_url, engine, monkeypatch):
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setenv("MARQUE_RATE_LIMIT_API", "10000/15minutes")
    monkeypatch.setenv("MARQUE_RATE_LIMIT_CHECKOUT", "2/hour")
    get_settings.cache_clear()
    with TestClient(create_api(engine=lambda: engine)) as client:
        yield client
    get_settings.cache_clear()


def orders_of(db, user_id) -> int:
    db.commit()
    return db.execute(sa.select(sa.func.count()).select_from(Order).where(Order.user_id == user_id)).scalar_one()


def test_the_third_order_in_an_hour_is_429_with_retry_after(limited_client, db):
    user = make_user(db)
    _, (a,) = make_product(db, price="10.00", stock=(10,))
    for i in range(2):
        fill_cart(db, user, [a], 1)
        r = limited_client.post(
            f"{API}/orders", json={"shipping_address": address()}, headers={**bearer(user), "Idempotency-Key": f"k{i}"}
        )
        assert r.status_code == 201, r.text
    fill_cart(db, user, [a], 1)
    r = limited_client.post(
        f"{API}/orders", json={"shipping_address": address()}, headers={**bearer(user), "Idempotency-Key": "k3"}
    )
    assert r.status_code == 429, r.text
    assert 3540 <= int(r.headers["Retry-After"]) <= 3600
    assert r.json() == {"detail": "Too many checkout attempts, try again in 60 minutes"}
    assert orders_of(db, user.id) == 2
    # a guest from the same test client address has a count of its own
    guest = {
        "guest_email": "walkin@example.com",
        "lines": [{"sku_id": str(a.id), "quantity": 1}],
        "shipping_address": address(),
    }
    assert limited_client.post(f"{API}/orders", json=guest).status_code == 201
    assert limited_client.post(f"{API}/orders", json=guest).status_code == 201
    third = limited_client.post(f"{API}/orders", json={**guest, "guest_email": "other@example.com"})
    assert third.status_code == 429 and "Retry-After" in third.headers


def test_openapi_documents_the_429():
    doc = create_api().openapi()
    assert "429" in doc["paths"]["/api/v1/orders"]["post"]["responses"]
