"""The cart and wishlist REST API through an HTTP client, on this run's own database."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from marque_app.api import create_api
from marque_app.models import CartItem, ProductStatus, User
from marque_app.services.auth.tokens import issue_token
from marque_app.settings import get_settings
from tests.cartutil import make_product, make_user

API = "/api/v1"


@pytest.fixture
def make_client(db_url, engine, monkeypatch) -> Iterator[Callable[..., TestClient]]:
    clients = []

    def _make(**env: str) -> TestClient:
        monkeypatch.setenv("REFLEX_DB_URL", db_url)
        monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
        monkeypatch.setenv("MARQUE_RATE_LIMIT_API", "10000/15minutes")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        client = TestClient(create_api(engine=lambda: engine))
        client.__enter__()
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.__exit__(None, None, None)
    get_settings.cache_clear()


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


@pytest.fixture
def db(engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def _auth(db, user: User | None = None) -> tuple[User, dict[str, str]]:
    user = user or make_user(db)
    token = issue_token(user_id=user.id, role=user.role, email=user.email).access_token
    return user, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def shopper(db):
    return _auth(db)


def _post(client, path, headers, **body):
    return client.post(f"{API}{path}", json=body, headers=headers)


# --- auth ---------------------------------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/cart"),
    ("GET", "/cart/validate"),
    ("POST", "/cart/items"),
    ("PUT", f"/cart/items/{uuid.uuid4()}"),
    ("DELETE", f"/cart/items/{uuid.uuid4()}"),
    ("DELETE", "/cart"),
    ("POST", "/cart/merge"),
    ("GET", "/wishlist"),
    ("POST", "/wishlist/items"),
    ("DELETE", f"/wishlist/items/{uuid.uuid4()}"),
    ("DELETE", "/wishlist"),
    ("POST", f"/wishlist/items/{uuid.uuid4()}/move-to-cart"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_needs_a_bearer_token(client, method, path):
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic abc"}):
        response = client.request(method, f"{API}{path}", headers=headers, json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["detail"]


def test_openapi_lists_every_endpoint(client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    expected = {
        ("get", "/cart"),
        ("get", "/cart/validate"),
        ("post", "/cart/items"),
        ("put", "/cart/items/{item_id}"),
        ("delete", "/cart/items/{item_id}"),
        ("delete", "/cart"),
        ("post", "/cart/merge"),
        ("get", "/wishlist"),
        ("post", "/wishlist/items"),
        ("delete", "/wishlist/items/{product_id}"),
        ("delete", "/wishlist"),
        ("post", "/wishlist/items/{product_id}/move-to-cart"),
    }
    for method, path in expected:
        assert method in paths.get(f"{API}{path}", {}), (method, path)
    add = paths[f"{API}/cart/items"]["post"]
    assert {"401", "404", "409", "422", "429"} <= set(add["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in add["parameters"])


# --- the cart -----------------------------------------------------------------------------------


def test_add_get_update_remove_clear(client, db, shopper):
    user, headers = shopper
    product, (s, m) = make_product(db, price="30.00", stock=(5, 5))
    assert client.get(f"{API}/cart", headers=headers).json()["items"] == []
    response = _post(client, "/cart/items", headers, sku_id=str(s.id), quantity=2)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message"] == "Added" and body["total_items"] == 2
    assert body["subtotal"] == "60.00" and body["tax"] == "4.80" and body["shipping"] == "5.99"
    assert body["total"] == "70.79" and body["currency"] == "USD"
    line = body["items"][0]
    assert line["sku_id"] == str(s.id) and line["unit_price"] == "30.00" and line["variant_label"] == "S / Navy"
    item_id = line["id"]
    body = client.put(f"{API}/cart/items/{item_id}", json={"quantity": 4}, headers=headers).json()
    assert body["message"] == "Updated" and body["items"][0]["quantity"] == 4
    _post(client, "/cart/items", headers, sku_id=str(m.id))
    body = client.delete(f"{API}/cart/items/{item_id}", headers=headers).json()
    assert body["message"] == "Removed" and [i["sku_id"] for i in body["items"]] == [str(m.id)]
    body = client.delete(f"{API}/cart", headers=headers).json()
    assert body["message"] == "Cart cleared" and body["items"] == [] and body["total"] == "0.00"


@pytest.mark.parametrize("quantity", [0, -1, 100, 1.5, "2", None, True])
def test_bad_quantities_are_422(client, db, shopper, quantity):
    _, headers = shopper
    _, (v,) = make_product(db)
    response = _post(client, "/cart/items", headers, sku_id=str(v.id), quantity=quantity)
    assert response.status_code == 422 and response.json()["detail"]
    item_id = _post(client, "/cart/items", headers, sku_id=str(v.id), quantity=1).json()["items"][0]["id"]
    response = client.put(f"{API}/cart/items/{item_id}", json={"quantity": quantity}, headers=headers)
    assert response.status_code == 422


def test_malformed_bodies_are_422_not_500(client, shopper):
    _, headers = shopper
    assert (
        client.post(
            f"{API}/cart/items", content=b"not json", headers={**headers, "content-type": "application/json"}
        ).status_code
        == 422
    )
    assert _post(client, "/cart/items", headers).status_code == 422
    assert _post(client, "/cart/items", headers, sku_id="x" * 500, quantity=1).status_code == 422
    assert _post(client, "/cart/merge", headers, merge_id="", lines=[]).status_code == 422
    too_many = [{"sku_id": str(uuid.uuid4()), "quantity": 1}] * 501
    assert _post(client, "/cart/merge", headers, merge_id="m", lines=too_many).status_code == 422


def test_unknown_sku_and_inactive_product_are_404(client, db, shopper):
    _, headers = shopper
    _, (draft,) = make_product(db, status=ProductStatus.draft)
    for sku in (str(uuid.uuid4()), "garbage", str(draft.id)):
        response = _post(client, "/cart/items", headers, sku_id=sku, quantity=1)
        assert response.status_code == 404 and response.json()["detail"] == "Product not found"


def test_more_than_stock_is_409_with_the_number_available(client, db, shopper):
    user, headers = shopper
    _, (v,) = make_product(db, stock=(2,))
    response = _post(client, "/cart/items", headers, sku_id=str(v.id), quantity=3)
    assert response.status_code == 409
    assert response.json() == {"detail": "Only 2 left in stock", "field": "quantity", "available": 2}
    item_id = _post(client, "/cart/items", headers, sku_id=str(v.id), quantity=2).json()["items"][0]["id"]
    response = client.put(f"{API}/cart/items/{item_id}", json={"quantity": 3}, headers=headers)
    assert response.status_code == 409 and response.json()["available"] == 2


def test_another_users_item_is_404(client, db, shopper):
    _, headers = shopper
    _, other_headers = _auth(db)
    _, (v,) = make_product(db)
    item_id = _post(client, "/cart/items", headers, sku_id=str(v.id), quantity=1).json()["items"][0]["id"]
    for method, kwargs in (("PUT", {"json": {"quantity": 2}}), ("DELETE", {})):
        response = client.request(method, f"{API}/cart/items/{item_id}", headers=other_headers, **kwargs)
        assert response.status_code == 404 and response.json()["detail"] == "Cart item not found"
    assert client.put(f"{API}/cart/items/not-an-id", json={"quantity": 1}, headers=headers).status_code == 404
    assert client.get(f"{API}/cart", headers=headers).json()["items"][0]["quantity"] == 1


def test_validate_reports_price_changes_and_sold_out(client, db, shopper):
    _, headers = shopper
    product, (v, w) = make_product(db, price="10.00", stock=(3, 3))
    _post(client, "/cart/items", headers, sku_id=str(v.id), quantity=1)
    _post(client, "/cart/items", headers, sku_id=str(w.id), quantity=1)
    product.price = 12
    w.inventory_quantity = 0
    db.add_all([product, w])
    db.commit()
    body = client.get(f"{API}/cart/validate", headers=headers).json()
    assert f"The price of {product.name} went up from $10.00 to $12.00" in body["messages"]
    assert f"{product.name} is sold out" in body["messages"]
    assert [i["price_change"] for i in body["items"]] == ["up", "up"]
    assert [i["is_sold_out"] for i in body["items"]] == [False, True]
    assert body["subtotal"] == "12.00"


# --- idempotency and the rate limit -------------------------------------------------------------


def test_idempotency_key_makes_a_retried_post_safe(client, db, shopper):
    user, headers = shopper
    _, (v,) = make_product(db, stock=(10,))
    keyed = {**headers, "Idempotency-Key": "k-1"}
    first = _post(client, "/cart/items", keyed, sku_id=str(v.id), quantity=2)
    again = _post(client, "/cart/items", keyed, sku_id=str(v.id), quantity=2)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    qty = db.exec(select(CartItem.quantity).where(CartItem.user_id == user.id)).one()
    db.commit()  # end the read (SQLite: a reader that later writes must not hold an old snapshot)
    assert qty == 2
    clash = _post(client, "/cart/items", keyed, sku_id=str(v.id), quantity=3)
    assert clash.status_code == 409 and "different request" in clash.json()["detail"]
    # a refused request is not stored: the same key may be retried
    bad = _post(client, "/cart/items", {**headers, "Idempotency-Key": "k-2"}, sku_id=str(v.id), quantity=20)
    assert bad.status_code == 409
    bad = _post(client, "/cart/items", {**headers, "Idempotency-Key": "k-2"}, sku_id=str(v.id), quantity=20)
    assert bad.status_code == 409 and "Idempotent-Replayed" not in bad.headers
    ok = _post(client, "/cart/items", {**headers, "Idempotency-Key": "k-2"}, sku_id=str(v.id), quantity=1)
    assert ok.status_code == 200 and ok.json()["total_items"] == 3
    # the same key belongs to each user on their own
    _, other = _auth(db)
    assert (
        _post(client, "/cart/items", {**other, "Idempotency-Key": "k-1"}, sku_id=str(v.id), quantity=2).json()[
            "total_items"
        ]
        == 2
    )
    assert _post(client, "/cart/items", {**headers, "Idempotency-Key": "x" * 101}, sku_id=str(v.id)).status_code == 422


def test_wishlist_post_with_idempotency_key(client, db, shopper):
    _, headers = shopper
    product, _ = make_product(db)
    keyed = {**headers, "Idempotency-Key": "w-1"}
    first = _post(client, "/wishlist/items", keyed, product_id=str(product.id))
    client.delete(f"{API}/wishlist/items/{product.id}", headers=headers)
    again = _post(client, "/wishlist/items", keyed, product_id=str(product.id))
    assert again.json() == first.json()  # the stored answer ...
    assert client.get(f"{API}/wishlist", headers=headers).json()["total_items"] == 0  # ... and nothing re-applied


def test_cart_rate_limit_is_429_with_retry_after(make_client, db):
    client = make_client(MARQUE_RATE_LIMIT_CART="3/5minutes")
    _, headers = _auth(db)
    _, other = _auth(db)
    _, (v,) = make_product(db, stock=(50,))
    for _ in range(3):
        assert _post(client, "/cart/items", headers, sku_id=str(v.id)).status_code == 200
    response = _post(client, "/cart/items", headers, sku_id=str(v.id))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Too many cart changes" in response.json()["detail"]
    assert client.delete(f"{API}/wishlist", headers=headers).status_code == 429  # wishlist changes count too
    assert client.get(f"{API}/cart", headers=headers).status_code == 200  # reading does not
    assert _post(client, "/cart/items", other, sku_id=str(v.id)).status_code == 200  # per user


def test_default_cart_limit_is_50_per_5_minutes(client, db):
    assert get_settings().rate_limit_cart == "50/5minutes"
    _, headers = _auth(db)
    statuses = [client.delete(f"{API}/cart", headers=headers).status_code for _ in range(51)]
    assert statuses[:50] == [200] * 50 and statuses[50] == 429


# --- merge --------------------------------------------------------------------------------------


def test_merge_once_per_merge_id(client, db, shopper):
    user, headers = shopper
    _, (a, short) = make_product(db, stock=(10, 2))
    _, (gone,) = make_product(db, status=ProductStatus.draft)
    wished, _ = make_product(db)
    _post(client, "/cart/items", headers, sku_id=str(a.id), quantity=1)
    payload = {
        "merge_id": "tab-1",
        "lines": [
            {"sku_id": str(a.id), "quantity": 2, "price_seen": "0.01", "name": "A"},
            {"sku_id": str(short.id), "quantity": 5},
            {"sku_id": str(gone.id), "quantity": 1},
            {"sku_id": "garbage", "quantity": 1},
            {"sku_id": str(a.id), "quantity": -4},
        ],
        "wishlist": [str(wished.id), "junk"],
    }
    first = client.post(f"{API}/cart/merge", json=payload, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["message"] == (
        "2 items added to your cart; 1 reduced to the 2 in stock; 2 no longer available; 1 added to your wishlist"
    )
    assert not body["already_applied"]
    assert {i["sku_id"]: i["quantity"] for i in body["cart"]["items"]} == {str(a.id): 3, str(short.id): 2}
    assert body["cart"]["subtotal"] == "100.00"  # prices from the server, never price_seen
    assert [i["product_id"] for i in body["wishlist"]["items"]] == [str(wished.id)]
    again = client.post(f"{API}/cart/merge", json=payload, headers=headers).json()
    assert again["already_applied"] and again["message"] == body["message"]
    assert {i["sku_id"]: i["quantity"] for i in again["cart"]["items"]} == {str(a.id): 3, str(short.id): 2}


# --- wishlist -----------------------------------------------------------------------------------


def test_wishlist_endpoints(client, db, shopper):
    _, headers = shopper
    a, (a_sku,) = make_product(db, stock=(1,))
    b, _ = make_product(db, stock=(0,))
    body = _post(client, "/wishlist/items", headers, product_id=str(a.id)).json()
    assert body["message"] == "Added" and body["total_items"] == 1
    item = body["items"][0]
    assert item["price"] == "20.00" and item["default_sku_id"] == str(a_sku.id) and not item["is_sold_out"]
    _post(client, "/wishlist/items", headers, product_id=str(b.id))
    for pid in (str(uuid.uuid4()), "nope"):
        response = _post(client, "/wishlist/items", headers, product_id=pid)
        assert response.status_code == 404 and response.json()["detail"] == "Product not found"
    moved = client.post(f"{API}/wishlist/items/{a.id}/move-to-cart", headers=headers)
    assert moved.status_code == 200, moved.text
    assert [i["sku_id"] for i in moved.json()["cart"]["items"]] == [str(a_sku.id)]
    assert [i["product_id"] for i in moved.json()["wishlist"]["items"]] == [str(b.id)]
    refused = client.post(f"{API}/wishlist/items/{b.id}/move-to-cart", headers=headers)
    assert refused.status_code == 409 and refused.json()["detail"] == "This item is sold out"
    assert client.get(f"{API}/wishlist", headers=headers).json()["total_items"] == 1
    body = client.delete(f"{API}/wishlist/items/{b.id}", headers=headers).json()
    assert body["message"] == "Removed" and body["total_items"] == 0
    assert client.delete(f"{API}/wishlist/items/{b.id}", headers=headers).status_code == 404
    _post(client, "/wishlist/items", headers, product_id=str(b.id))
    body = client.delete(f"{API}/wishlist", headers=headers).json()
    assert body["message"] == "Wishlist cleared" and body["items"] == []


def test_move_to_cart_of_several_variants_needs_the_chosen_one(client, db, shopper):
    # the web wishlist's chooser never moves a product of several sizes without asking which
    # (domain.cart.move_sku): the API refuses the same, naming sku_id, and changes nothing
    user, headers = shopper
    several, (small, medium, large) = make_product(db, stock=(0, 2, 40))
    single, (only,) = make_product(db, stock=(5,))
    other, (foreign,) = make_product(db, stock=(5,))
    for product in (several, single):
        assert _post(client, "/wishlist/items", headers, product_id=str(product.id)).status_code == 200
    move = f"{API}/wishlist/items/{several.id}/move-to-cart"

    for body in (None, {}, {"sku_id": None}, {"sku_id": ""}):
        refused = client.post(move, headers=headers, **({} if body is None else {"json": body}))
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["field"] == "sku_id" and refused.json()["detail"] == "Choose a size and colour"
    for sku in (str(foreign.id), str(uuid.uuid4()), "not-a-sku"):
        refused = client.post(move, headers=headers, json={"sku_id": sku})
        assert refused.status_code == 422, (sku, refused.text)
        assert refused.json()["field"] == "sku_id"
        assert refused.json()["detail"] == "That size and colour is not one of this product's"
    assert client.get(f"{API}/cart", headers=headers).json()["items"] == []
    db.expire_all()
    assert db.exec(select(CartItem).where(CartItem.user_id == user.id)).all() == []
    assert {i["product_id"] for i in client.get(f"{API}/wishlist", headers=headers).json()["items"]} == {
        str(several.id),
        str(single.id),
    }

    # the chosen one (upper-case text is the same SKU) is what goes in the cart
    moved = client.post(move, headers=headers, json={"sku_id": str(large.id).upper()})
    assert moved.status_code == 200, moved.text
    assert [i["sku_id"] for i in moved.json()["cart"]["items"]] == [str(large.id)]
    assert [i["product_id"] for i in moved.json()["wishlist"]["items"]] == [str(single.id)]

    # one variant: moves without naming it, as before; another product's SKU is still refused
    refused = client.post(
        f"{API}/wishlist/items/{single.id}/move-to-cart", headers=headers, json={"sku_id": str(foreign.id)}
    )
    assert refused.status_code == 422 and refused.json()["field"] == "sku_id"
    moved = client.post(f"{API}/wishlist/items/{single.id}/move-to-cart", headers=headers)
    assert moved.status_code == 200, moved.text
    assert {i["sku_id"] for i in moved.json()["cart"]["items"]} == {str(large.id), str(only.id)}
    assert moved.json()["wishlist"]["items"] == []


def test_a_merge_whose_dropped_lines_carry_nul_characters_is_stored_and_repeats(client, db, shopper):
    # what a browser's storage may hold: a line without a valid SKU whose name is control text;
    # its name is echoed in the stored answer (PostgreSQL's jsonb refuses \u0000: was a 500)
    user, headers = shopper
    product, (s,) = make_product(db, stock=(5,))
    body = {
        "merge_id": "nul-merge",
        "lines": [
            {"sku_id": str(s.id), "quantity": 1},
            {"sku_id": "not-a-sku", "quantity": 1, "name": "Tee\u0000 \udb4d\udceb"},
        ],
    }
    raw = json.dumps(body)  # escaped as a browser's JSON.stringify sends it
    headers = {**headers, "Content-Type": "application/json"}
    first = client.post(f"{API}/cart/merge", content=raw, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["cart"]["total_items"] == 1
    again = client.post(f"{API}/cart/merge", content=raw, headers=headers)
    assert again.status_code == 200 and again.json()["already_applied"] is True
    assert again.json()["cart"]["total_items"] == 1
