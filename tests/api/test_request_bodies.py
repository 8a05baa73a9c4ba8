"""Request bodies refuse unknown fields, and the OpenAPI document says what the API answers.

A misspelt field is a 422 naming it (``{"detail", "field"}``), never silently dropped, and the
refused request records nothing: its merge id and its ``Idempotency-Key`` stay unused.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import select

from marque_app.models import CartItem, Order, ProductVariant, UserRole
from marque_app.services.auth.tokens import issue_token
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart

API = "/api/v1"
UNKNOWN = "zz_unknown_field"


def headers_for(db, role: UserRole = UserRole.customer) -> tuple:
    user = make_user(db, role=role)
    token = issue_token(user_id=user.id, role=user.role, email=user.email).access_token
    return user, {"Authorization": f"Bearer {token}"}


def _document(client) -> dict:
    return client.get(f"{API}/openapi.json").json()


def body_operations(client) -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, item in _document(client)["paths"].items()
        for method, op in item.items()
        if method in ("post", "put", "patch") and "requestBody" in op
    ]


def test_every_body_in_the_document_refuses_an_unknown_field(client, db):
    """Every POST/PUT/PATCH body of the OpenAPI document, sent with one unknown field."""
    _, admin = headers_for(db, UserRole.admin)  # an admin passes every operation's guard
    operations = body_operations(client)
    assert len(operations) >= 35, operations  # auth, cart, wishlist, orders, payments, reviews, admin
    for method, path in operations:
        url = path.replace("{action}", "approve")
        url = url.replace("{", "").replace("}", "")  # any path value: the body is refused first
        for value in (1, "x", None, {"a": 1}):
            response = client.request(method, url, json={UNKNOWN: value}, headers=admin)
            assert response.status_code == 422, (method, path, response.text)
            assert response.json() == {"detail": f"Unknown field: {UNKNOWN}", "field": UNKNOWN}, (method, path)


def test_merge_with_a_misspelt_field_is_refused_and_the_corrected_retry_merges(client, db):
    user, headers = headers_for(db)
    _, (sku,) = make_product(db, stock=(10,))
    merge_id = f"tab-{uuid.uuid4().hex[:8]}"
    line = {"sku_id": str(sku.id), "quantity": 2}
    for key in (None, f"k-{uuid.uuid4().hex[:8]}"):
        mid = f"{merge_id}-{bool(key)}"
        h = {**headers, **({"Idempotency-Key": key} if key else {})}
        wrong = client.post(f"{API}/cart/merge", json={"merge_id": mid, "items": [line]}, headers=h)
        assert wrong.status_code == 422 and wrong.json() == {"detail": "Unknown field: items", "field": "items"}
        assert db.exec(select(CartItem).where(CartItem.user_id == user.id)).all() == []

        right = client.post(f"{API}/cart/merge", json={"merge_id": mid, "lines": [line]}, headers=h)
        assert right.status_code == 200, right.text
        assert right.json()["already_applied"] is False and "Idempotent-Replayed" not in right.headers
        assert right.json()["outcome"]["added"] + right.json()["outcome"]["increased"] == 1
        client.delete(f"{API}/cart", headers=headers)
    nested = client.post(f"{API}/cart/merge", json={"merge_id": "n", "lines": [{**line, "qty": 5}]}, headers=headers)
    assert nested.status_code == 422 and nested.json()["field"] == "lines.0.qty"


def test_add_to_cart_with_qty_adds_nothing(client, db):
    user, headers = headers_for(db)
    _, (sku,) = make_product(db, stock=(10,))
    key = {"Idempotency-Key": f"k-{uuid.uuid4().hex[:8]}"}
    r = client.post(f"{API}/cart/items", json={"sku_id": str(sku.id), "qty": 5}, headers={**headers, **key})
    assert r.status_code == 422 and r.json() == {"detail": "Unknown field: qty", "field": "qty"}
    assert db.exec(select(CartItem).where(CartItem.user_id == user.id)).all() == []
    ok = client.post(f"{API}/cart/items", json={"sku_id": str(sku.id), "quantity": 5}, headers={**headers, **key})
    assert ok.status_code == 200 and ok.json()["total_items"] == 5  # the key was not used by the refusal


@pytest.mark.parametrize("field", ["coupon", "payment", "note", "billing"])
def test_an_order_with_an_unknown_field_is_not_placed(client, db, field):
    user, headers = headers_for(db)
    _, (sku,) = make_product(db, stock=(5,))
    fill_cart(db, user, [sku], 1)
    body = {"shipping_address": address(), field: "x"}
    r = client.post(f"{API}/orders", json=body, headers={**headers, "Idempotency-Key": f"o-{field}"})
    assert r.status_code == 422 and r.json()["field"] == field
    count = sa.select(sa.func.count()).select_from(Order).where(Order.user_id == user.id)
    assert db.execute(count).scalar_one() == 0
    assert db.get(ProductVariant, sku.id).inventory_quantity == 5
    typo = client.post(f"{API}/orders", json={"shipping_address": address(zip="62701")}, headers=headers)
    assert typo.status_code == 422 and typo.json()["field"] == "shipping_address.zip"
    placed = client.post(
        f"{API}/orders", json={"shipping_address": address()}, headers={**headers, "Idempotency-Key": f"o-{field}"}
    )
    assert placed.status_code == 201, placed.text


def test_a_variant_with_stock_quantity_is_refused(client, db):
    _, admin = headers_for(db, UserRole.admin)
    product, _ = make_product(db, stock=(1,))
    sku = f"SQ-{uuid.uuid4().hex[:8]}"
    r = client.post(
        f"{API}/products/{product.id}/variants", json={"sku": sku, "name": "XL", "stock_quantity": 7}, headers=admin
    )
    assert r.status_code == 422 and r.json() == {"detail": "Unknown field: stock_quantity", "field": "stock_quantity"}
    assert db.exec(select(ProductVariant).where(ProductVariant.sku == sku)).first() is None
    ok = client.post(
        f"{API}/products/{product.id}/variants",
        json={"sku": sku, "name": "XL", "attributes": {"size": "XL", "color": "Navy"}, "stock": 7},
        headers=admin,
    )  # the product's options (size, color), like its other variant
    assert ok.status_code == 201 and ok.json()["stock"] == 7
    nested = client.put(
        f"{API}/products/{product.id}",
        headers=admin,
        json={"name": "Tee", "price": "20.00", "variants": [{"sku": sku, "name": "XL", "stock_quantity": 7}]},
    )
    assert nested.status_code == 422 and nested.json()["field"] == "variants.0.stock_quantity"


def test_malformed_requests_answer_the_documented_error_shape(client, db):
    _, headers = headers_for(db)
    cases = [
        (
            client.post(
                f"{API}/cart/items", content=b"{not json", headers={**headers, "content-type": "application/json"}
            ),
            422,
            {"detail": "The body is not valid JSON", "field": None},
        ),
        (
            client.post(f"{API}/cart/items", json={"sku_id": "a", "quantity": "many"}, headers=headers),
            422,
            {"detail": "quantity: Input should be a valid integer", "field": "quantity"},
        ),
        (client.post(f"{API}/cart/items", headers=headers), 422, {"detail": "A JSON body is required", "field": None}),
        (
            client.get(f"{API}/orders", params={"page": "0"}, headers=headers),
            422,
            {"detail": "page: Input should be greater than or equal to 1", "field": "page"},
        ),
    ]
    for response, status, body in cases:
        assert (response.status_code, response.json()) == (status, body)
    latin1 = client.post(
        f"{API}/auth/login", content='{"email": "é"}'.encode("latin-1"), headers={"content-type": "application/json"}
    )
    assert latin1.status_code == 400 and set(latin1.json()) <= {"detail", "field"}
    assert "400" in _document(client)["paths"][f"{API}/auth/login"]["post"]["responses"]


def test_the_document_names_every_answer(client):
    doc = _document(client)
    error = {"$ref": "#/components/schemas/ErrorOut"}
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            responses = op["responses"]
            where = (method, path)
            if op.get("parameters") or "requestBody" in op:
                assert responses["422"]["content"]["application/json"]["schema"] == error, where
            if "requestBody" in op:
                assert "400" in responses, where
            if path.startswith("/api/") and path != f"{API}/payments/stripe/webhook":
                assert "Retry-After" in responses["429"]["headers"], where
            if op.get("security"):
                assert "401" in responses, where
            for code, response in responses.items():
                if code[0] in "45":
                    assert response["content"]["application/json"]["schema"], where
    admin_only = doc["paths"][f"{API}/admin/coupons"]["post"]["responses"]
    assert "403" in admin_only and "admin" in admin_only["403"]["description"]
    assert "403" not in doc["paths"][f"{API}/cart"]["get"]["responses"]


def test_a_guest_operation_refuses_a_malformed_authorization_header(client):
    """A guest may quote without a token; a header that is no bearer token is a 401, not a guest."""
    assert client.post(f"{API}/checkout/quote", json={}).status_code == 200
    for value in ("Basic abc", "Bearer", "garbage", "Bearer not-a-jwt"):
        r = client.post(f"{API}/checkout/quote", json={}, headers={"Authorization": value})
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer", value
    security = _document(client)["paths"][f"{API}/checkout/quote"]["post"]["security"]
    assert {} in security and {"HTTPBearer": []} in security


def test_a_405_lists_every_method_of_the_path(client):
    """As the document has them: a concrete path (/products/search) before a template."""
    paths = _document(client)["paths"]
    cases = [
        ("/cart", "/cart"),
        ("/products", "/products"),
        ("/products/search", "/products/search"),
        (f"/products/{uuid.uuid4()}", "/products/{ref}"),
    ]
    for path, documented in cases:
        r = client.request("PATCH", f"{API}{path}")
        assert r.status_code == 405 and r.json() == {"detail": "Method Not Allowed", "field": None}, path
        assert set(r.headers["Allow"].split(", ")) == {m.upper() for m in paths[f"{API}{documented}"]}, path


def test_an_unknown_product_status_filter_is_a_422_not_a_500(client, db):
    _, admin = headers_for(db, UserRole.admin)
    r = client.get(f"{API}/admin/products", params={"status": "published"}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "status"
    assert client.get(f"{API}/admin/products", params={"status": "active"}, headers=admin).status_code == 200
