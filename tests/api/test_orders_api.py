"""The checkout and orders REST API through an HTTP client, on this run's own database."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from marque_app.models import CartItem, Order, ProductVariant, User
from marque_app.services import addresses, orders
from marque_app.services.auth.tokens import issue_token
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart, make_coupon

API = "/api/v1"


def auth(db, user: User | None = None) -> tuple[User, dict[str, str]]:
    user = user or make_user(db)
    token = issue_token(user_id=user.id, role=user.role, email=user.email).access_token
    return user, {"Authorization": f"Bearer {token}"}


def stock(db, variant) -> int:
    db.commit()  # end the read transaction: see what the API committed since
    return db.execute(sa.select(ProductVariant.inventory_quantity).where(ProductVariant.id == variant.id)).scalar_one()


def test_quote_then_order_for_a_user(client, db):
    user, headers = auth(db)
    _, (a,) = make_product(db, price="20.00", stock=(5,))
    fill_cart(db, user, [a], 2)
    coupon = make_coupon(db, value="10")
    quote = client.post(f"{API}/checkout/quote", json={"coupon_code": coupon.code}, headers=headers)
    assert quote.status_code == 200, quote.text
    q = quote.json()
    assert (q["subtotal"], q["discount"], q["shipping"], q["tax"], q["total"]) == (
        "40.00",
        "4.00",
        "5.99",
        "2.88",
        "44.87",
    )
    assert q["lines"][0]["sku_id"] == str(a.id) and q["can_place"] is True
    body = {"shipping_address": address(), "coupon_code": coupon.code, "expected_total": q["total"]}
    r = client.post(f"{API}/orders", json=body, headers={**headers, "Idempotency-Key": "dbl-1"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["order_number"].startswith("MQ-") and order["total"] == "44.87" and order["status"] == "pending"
    assert order["coupon_code"] == coupon.code and order["can_cancel"] is True
    again = client.post(f"{API}/orders", json=body, headers={**headers, "Idempotency-Key": "dbl-1"})
    assert again.status_code == 201 and again.json()["id"] == order["id"]
    assert stock(db, a) == 3

    listed = client.get(f"{API}/orders", headers=headers).json()
    assert [o["order_number"] for o in listed["items"]] == [order["order_number"]] and listed["total"] == 1
    by_number = client.get(f"{API}/orders/{order['order_number'].lower()}", headers=headers)
    assert by_number.status_code == 200 and by_number.json()["id"] == order["id"]
    track = client.get(f"{API}/orders/{order['id']}/tracking", headers=headers).json()
    assert track["status"] == "pending" and track["tracking_number"] == "" and len(track["timeline"]) == 1


def test_guest_order_without_a_token(client, db):
    _, (a,) = make_product(db, price="10.00", stock=(2,))
    body = {
        "guest_email": "walkin@example.com",
        "lines": [{"sku_id": str(a.id), "quantity": 2}],
        "shipping_address": address(),
    }
    r = client.post(f"{API}/orders", json=body)
    assert r.status_code == 201, r.text
    number = r.json()["order_number"]
    assert client.get(f"{API}/orders/{number}", params={"email": "WALKIN@example.com"}).status_code == 200
    assert client.get(f"{API}/orders/{number}", params={"email": "other@example.com"}).status_code == 404
    assert client.get(f"{API}/orders/{number}").status_code == 401
    sold = client.post(f"{API}/orders", json=body)
    assert sold.status_code == 409 and sold.json()["field"] == "lines"
    assert sold.json()["items"][0] == {
        "sku_id": str(a.id),
        "name": sold.json()["items"][0]["name"],
        "requested": 2,
        "available": 0,
    }
    assert "sold out" in sold.json()["detail"]


def test_bad_input_answers_422_with_the_field(client, db):
    user, headers = auth(db)
    _, (a,) = make_product(db, stock=(5,))
    fill_cart(db, user, [a], 1)
    r = client.post(f"{API}/orders", json={"shipping_address": address(city="")}, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "shipping_address.city"
    expired = make_coupon(db, is_active=False)
    r = client.post(f"{API}/orders", json={"shipping_address": address(), "coupon_code": expired.code}, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "coupon_code" and r.json()["reason"] == "inactive"
    r = client.post(f"{API}/orders", json={"guest_email": "x", "lines": [], "shipping_address": address()})
    assert r.status_code == 422 and r.json()["field"] == "guest_email"
    r = client.post(f"{API}/orders", json={"guest_email": "a@b.co", "lines": [{"sku_id": str(a.id), "quantity": 0}]})
    assert r.status_code == 422
    assert stock(db, a) == 5
    assert db.execute(sa.select(sa.func.count()).select_from(Order).where(Order.user_id == user.id)).scalar_one() == 0


def test_a_region_not_of_the_country_is_refused_as_the_web_checkout_refuses_it(client, db):
    # one rule for the page and the API: services.addresses (pycountry's regions of US, CA, ...)
    user, headers = auth(db)
    _, (a,) = make_product(db, stock=(5,))
    fill_cart(db, user, [a], 1)
    guest_line = [{"sku_id": str(a.id), "quantity": 1}]
    refused = [
        ({"shipping_address": address(state="ZZ")}, "shipping_address.state"),
        ({"shipping_address": address(country="CA", state="IL")}, "shipping_address.state"),  # Illinois is not Canadian
        (
            {"shipping_address": address(), "billing_address": address(country="AU", state="Texas")},
            "billing_address.state",
        ),
        ({"shipping_address": address(country="XX")}, "shipping_address.country"),
    ]
    for body, field in refused:
        for who, extra in (("user", {}), ("guest", {"guest_email": "ann@example.com", "lines": guest_line})):
            r = client.post(f"{API}/orders", json={**body, **extra}, headers=headers if who == "user" else {})
            assert r.status_code == 422, (who, body, r.text)
            assert r.json()["field"] == field, (who, r.json())
            assert "from the list" in r.json()["detail"]
            # the web checkout's form check says the same of the same address
            wrong = body.get("billing_address") or body["shipping_address"]
            assert addresses.address_problems(wrong) == {field.split(".")[1]: r.json()["detail"].split(": ", 1)[1]}
    assert stock(db, a) == 5  # nothing taken
    assert db.execute(sa.select(sa.func.count()).select_from(Order).where(Order.user_id == user.id)).scalar_one() == 0
    guest_orders = sa.select(sa.func.count()).select_from(Order).where(Order.guest_email == "ann@example.com")
    assert db.execute(guest_orders).scalar_one() == 0
    assert (
        db.execute(sa.select(sa.func.count()).select_from(CartItem).where(CartItem.user_id == user.id)).scalar_one()
        == 1
    )

    # a region named in words or by its code is the region's code, as on the page
    ok = client.post(
        f"{API}/orders", json={"shipping_address": address(country="ca", state="british columbia")}, headers=headers
    )
    assert ok.status_code == 201, ok.text
    assert (ok.json()["shipping_address"]["country"], ok.json()["shipping_address"]["state"]) == ("CA", "BC")
    assert stock(db, a) == 4


def test_what_the_confirmation_was_sent_as_is_kept_with_the_order(client, db):
    user, headers = auth(db)
    _, (a,) = make_product(db, stock=(5,))
    fill_cart(db, user, [a], 1)
    placed = client.post(f"{API}/orders", json={"shipping_address": address()}, headers=headers)
    assert placed.status_code == 201, placed.text
    sent = (placed.json()["sent_channel"], placed.json()["sent_to"])
    assert sent in (("sms", user.phone), ("email", user.email)), sent
    read = client.get(f"{API}/orders/{placed.json()['order_number']}", headers=headers)
    assert (read.json()["sent_channel"], read.json()["sent_to"]) == sent

    guest = client.post(
        f"{API}/orders",
        json={
            "guest_email": "kept@example.com",
            "lines": [{"sku_id": str(a.id), "quantity": 1}],
            "shipping_address": address(),
        },
    )
    assert guest.status_code == 201, guest.text
    read = client.get(f"{API}/orders/{guest.json()['order_number']}", params={"email": "kept@example.com"})
    assert (read.json()["sent_channel"], read.json()["sent_to"]) == ("email", "kept@example.com")


def test_price_change_answers_409_with_the_new_quote(client, db):
    user, headers = auth(db)
    _, (a,) = make_product(db, price="20.00", stock=(5,))
    fill_cart(db, user, [a], 1)
    r = client.post(f"{API}/orders", json={"shipping_address": address(), "expected_total": "19.00"}, headers=headers)
    assert r.status_code == 409 and r.json()["field"] == "expected_total"
    new_total = r.json()["quote"]["total"]
    assert r.json()["total"] == new_total == "27.59"
    ok = client.post(
        f"{API}/orders", json={"shipping_address": address(), "expected_total": new_total}, headers=headers
    )
    assert ok.status_code == 201 and ok.json()["total"] == new_total


def test_another_users_order_is_not_found(client, db):
    owner, owner_headers = auth(db)
    _, stranger_headers = auth(db)
    _, (a,) = make_product(db, stock=(5,))
    fill_cart(db, owner, [a], 1)
    order = client.post(f"{API}/orders", json={"shipping_address": address()}, headers=owner_headers).json()
    for method, path, body in [
        ("GET", "", None),
        ("PUT", "/cancel", {}),
        ("PUT", "/change-address", {"shipping_address": address()}),
        ("GET", "/returns", None),
        ("GET", "/tracking", None),
        ("POST", "/return", {"items": [{"order_item_id": order["lines"][0]["id"], "quantity": 1, "reason": "x"}]}),
    ]:
        r = client.request(method, f"{API}/orders/{order['id']}{path}", json=body, headers=stranger_headers)
        assert r.status_code == 404, (path, r.text)
        assert r.json() == {"detail": "Order not found", "field": "order"}
    assert client.get(f"{API}/orders/{uuid.uuid4()}", headers=owner_headers).status_code == 404
    assert client.get(f"{API}/orders", headers={}).status_code == 401
    assert client.put(f"{API}/orders/{order['id']}/cancel").status_code == 401


def test_cancel_change_address_return_and_returns(client, db):
    user, headers = auth(db)
    _, (a, b) = make_product(db, stock=(5, 5))
    fill_cart(db, user, [a, b], 2)
    order = client.post(f"{API}/orders", json={"shipping_address": address()}, headers=headers).json()
    moved = client.put(
        f"{API}/orders/{order['id']}/change-address",
        json={"shipping_address": address(city="Chicago")},
        headers=headers,
    )
    assert moved.status_code == 200 and moved.json()["shipping_address"]["city"] == "Chicago"
    bad = client.put(
        f"{API}/orders/{order['id']}/change-address", json={"shipping_address": address(state="")}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["field"] == "shipping_address.state"

    early = client.post(
        f"{API}/orders/{order['id']}/return",
        json={"items": [{"order_item_id": order["lines"][0]["id"], "quantity": 1, "reason": "Too big"}]},
        headers=headers,
    )
    assert early.status_code == 409

    for status in ("processing", "shipped", "delivered"):
        orders.change_status(session=db, order_id=order["id"], to_status=status, tracking_number="1ZTRACK")
    assert client.put(f"{API}/orders/{order['id']}/cancel", headers=headers).status_code == 409
    late = client.put(
        f"{API}/orders/{order['id']}/change-address", json={"shipping_address": address()}, headers=headers
    )
    assert late.status_code == 409
    assert client.get(f"{API}/orders/{order['id']}/tracking", headers=headers).json()["tracking_number"] == "1ZTRACK"

    line = order["lines"][0]["id"]
    ret = client.post(
        f"{API}/orders/{order['id']}/return",
        json={"items": [{"order_item_id": line, "quantity": 1, "reason": "Too big"}], "comments": "sorry"},
        headers=headers,
    )
    assert ret.status_code == 201, ret.text
    assert ret.json()["return_number"].startswith("RT-") and ret.json()["items"][0]["quantity"] == 1
    over = client.post(
        f"{API}/orders/{order['id']}/return",
        json={"items": [{"order_item_id": line, "quantity": 2, "reason": "Too big"}]},
        headers=headers,
    )
    assert over.status_code == 422 and over.json()["field"] == "items" and "Only 1" in over.json()["detail"]
    listed = client.get(f"{API}/orders/{order['id']}/returns", headers=headers).json()
    assert [r["return_number"] for r in listed] == [ret.json()["return_number"]]


def test_cancel_puts_the_stock_back(client, db):
    user, headers = auth(db)
    _, (a,) = make_product(db, stock=(3,))
    fill_cart(db, user, [a], 3)
    order = client.post(f"{API}/orders", json={"shipping_address": address()}, headers=headers).json()
    assert stock(db, a) == 0
    r = client.put(f"{API}/orders/{order['order_number']}/cancel", json={"reason": "Changed my mind"}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["can_cancel"] is False
    assert [t["status"] for t in r.json()["timeline"]] == ["pending", "cancelled"]
    assert stock(db, a) == 3
