"""PUT /api/v1/orders/{ref}/modify-items through an HTTP client, on this run's own database."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from marque_app.models import OrderStatusHistory, ProductVariant, User, UserRole
from marque_app.services import orders
from marque_app.services.auth.tokens import issue_token
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart

API = "/api/v1"


def auth(db, user: User | None = None) -> tuple[User, dict[str, str]]:
    user = user or make_user(db)
    token = issue_token(user_id=user.id, role=user.role, email=user.email).access_token
    return user, {"Authorization": f"Bearer {token}"}


def stock(db, variant) -> int:
    db.commit()
    return db.execute(sa.select(ProductVariant.inventory_quantity).where(ProductVariant.id == variant.id)).scalar_one()


def place(client, db, headers, user, lines):
    for variant, quantity in lines:
        fill_cart(db, user, [variant], quantity)
    r = client.post(f"{API}/orders", json={"shipping_address": address()}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def history(db, order_id) -> int:
    db.commit()
    return db.execute(
        sa.select(sa.func.count())
        .select_from(OrderStatusHistory)
        .where(OrderStatusHistory.order_id == uuid.UUID(order_id))
    ).scalar_one()


def test_shopper_changes_quantities_adds_a_sku_and_a_retry_applies_once(client, db):
    user, headers = auth(db)
    _, (a,) = make_product(db, price="20.00", stock=(10,))
    _, (b,) = make_product(db, price="5.00", stock=(10,))
    order = place(client, db, headers, user, [(a, 1)])
    assert order["total"] == "27.59"
    body = {"items": [{"sku_id": str(a.id), "quantity": 2}, {"sku_id": str(b.id), "quantity": 1}]}
    key = {"Idempotency-Key": f"mod-{uuid.uuid4().hex}"}
    r = client.put(f"{API}/orders/{order['order_number']}/modify-items", json=body, headers={**headers, **key})
    assert r.status_code == 200, r.text
    out = r.json()
    # 45.00 + 5.99 shipping + 8% tax on 45.00 (3.60)
    assert (out["order"]["subtotal"], out["order"]["shipping"], out["order"]["tax"], out["order"]["total"]) == (
        "45.00",
        "5.99",
        "3.60",
        "54.59",
    )
    assert out["payment"] == {
        "action": "new_amount",
        "amount": "54.59",
        "client_secret": "",
        "payment_id": out["payment"]["payment_id"],
    }
    assert out["order"]["timeline"][-1]["note"].startswith("Items changed")
    assert (stock(db, a), stock(db, b)) == (8, 9)
    again = client.put(f"{API}/orders/{order['id']}/modify-items", json=body, headers={**headers, **key})
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["payment"] == out["payment"] and again.json()["order"]["total"] == "54.59"
    assert (stock(db, a), stock(db, b)) == (8, 9)
    other = client.put(
        f"{API}/orders/{order['id']}/modify-items",
        json={"items": [{"sku_id": str(a.id), "quantity": 3}]},
        headers={**headers, **key},
    )
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    assert history(db, order["id"]) == 2


def test_bad_bodies_and_refusals_record_nothing(client, db):
    user, headers = auth(db)
    _, (a,) = make_product(db, price="20.00", stock=(3,))
    order = place(client, db, headers, user, [(a, 1)])
    url = f"{API}/orders/{order['id']}/modify-items"
    bad = [
        ({"items": [{"sku_id": str(a.id), "quantity": 2, "price": "1.00"}]}, 422, "items.0.price"),
        ({"lines": [{"sku_id": str(a.id), "quantity": 2}]}, 422, None),
        ({"items": [{"sku_id": str(a.id), "quantity": -1}]}, 422, "items.0.quantity"),
        ({"items": [{"sku_id": str(a.id), "quantity": "2"}]}, 422, "items.0.quantity"),
        ({"items": []}, 422, "items"),
        ({"items": [{"sku_id": str(a.id), "quantity": 0}]}, 422, "items"),
        ({"items": [{"sku_id": str(a.id), "quantity": 9}]}, 409, "lines"),
    ]
    for body, status, field in bad:
        r = client.put(url, json=body, headers={**headers, "Idempotency-Key": f"bad-{uuid.uuid4().hex}"})
        assert r.status_code == status, (body, r.text)
        if field:
            assert r.json()["field"] == field, (body, r.json())
    sold = client.put(url, json={"items": [{"sku_id": str(a.id), "quantity": 9}]}, headers=headers).json()
    assert sold["items"][0]["available"] == 3
    assert stock(db, a) == 2 and history(db, order["id"]) == 1
    assert client.put(url, json={"items": [{"sku_id": str(a.id), "quantity": 2}]}).status_code == 401


def test_another_shopper_gets_404_and_the_admin_may_change_it(client, db):
    owner, owner_headers = auth(db)
    _, stranger = auth(db)
    _, admin_headers = auth(db, make_user(db, role=UserRole.admin))
    _, (a,) = make_product(db, price="20.00", stock=(10,))
    order = place(client, db, owner_headers, owner, [(a, 1)])
    url = f"{API}/orders/{order['id']}/modify-items"
    body = {"items": [{"sku_id": str(a.id), "quantity": 2}]}
    r = client.put(url, json=body, headers=stranger)
    assert r.status_code == 404 and r.json()["detail"] == "Order not found"
    r = client.put(url, json=body, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.json()["order"]["lines"][0]["quantity"] == 2 and stock(db, a) == 8


def test_a_shipped_order_cannot_be_changed(client, db):
    user, headers = auth(db)
    _, (a,) = make_product(db, stock=(10,))
    order = place(client, db, headers, user, [(a, 1)])
    for status in ("processing", "shipped"):
        orders.change_status(session=db, order_id=order["id"], to_status=status)
    r = client.put(
        f"{API}/orders/{order['id']}/modify-items",
        json={"items": [{"sku_id": str(a.id), "quantity": 2}]},
        headers=headers,
    )
    assert r.status_code == 409 and r.json()["field"] == "status" and "shipped" in r.json()["detail"]
    assert stock(db, a) == 9
