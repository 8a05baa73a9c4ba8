"""The admin REST API through an HTTP client, on this run's own database."""

from __future__ import annotations

import random
import re
import string
import uuid

import pytest
from sqlmodel import select

from marque_app.api import admin as admin_api
from marque_app.api import create_api
from marque_app.models import AdminActivity, CustomerNote, InventoryMovement, Product, ProductVariant, UserRole
from marque_app.services.auth.tokens import issue_token
from tests.cartutil import make_product, make_user

API = "/api/v1"


def tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


def headers_for(db, role: UserRole) -> dict[str, str]:
    user = make_user(db, role=role)
    token = issue_token(user_id=user.id, role=user.role, email=user.email).access_token
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(db) -> dict[str, str]:
    return headers_for(db, UserRole.admin)


@pytest.fixture
def customer(db) -> dict[str, str]:
    return headers_for(db, UserRole.customer)


# --- every admin endpoint: 401 without a token, 403 for a customer ------------------------------


def admin_routes() -> list[tuple[str, str]]:
    """Every admin route of the app: all of /api/v1/admin/..., and the product writes.

    Read from the app's OpenAPI document (every route of ours is in it) and from the product
    writes' router, so a route added later is tested without anyone listing it here.
    """
    product_writes = {(m, r.path) for r in admin_api.products_router.routes for m in r.methods}
    found = []
    for path, operations in create_api().openapi()["paths"].items():
        for method in operations:
            method = method.upper()
            if path.startswith(f"{API}/admin/") or (method, path) in product_writes:
                found.append((method, re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)))
    return found


ADMIN_ROUTES = admin_routes()


def test_the_route_list_holds_the_admin_api():
    paths = {f"{m} {re.sub(r'[0-9a-f-]{36}', '{id}', p)}" for m, p in ADMIN_ROUTES}
    assert {
        "POST /api/v1/products",
        "PUT /api/v1/products/{id}",
        "DELETE /api/v1/products/{id}",
        "POST /api/v1/products/{id}/variants",
        "GET /api/v1/admin/customers",
        "GET /api/v1/admin/customers/{id}",
        "PUT /api/v1/admin/customers/{id}/notes",
        "GET /api/v1/admin/inventory/low-stock",
        "POST /api/v1/admin/inventory/adjust",
        "GET /api/v1/admin/inventory/movements",
        "GET /api/v1/admin/coupons",
        "POST /api/v1/admin/coupons",
        "PUT /api/v1/admin/coupons/{id}",
        "DELETE /api/v1/admin/coupons/{id}",
        "GET /api/v1/admin/activity",
    } <= paths


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_every_admin_endpoint_refuses_guests_and_customers(client, customer, method, path):
    assert client.request(method, path, json={}).status_code == 401
    response = client.request(method, path, json={}, headers=customer)
    assert response.status_code == 403 and "needs the admin" in response.json()["detail"]


# --- products -----------------------------------------------------------------------------------


def product_body(t: str, **over) -> dict:
    return {
        "name": f"Api Shirt {t}",
        "price": "30.00",
        "status": "active",
        "category_id": "",
        "meta_title": "T",
        "variants": [
            {"sku": f"API-{t}-S", "name": "S", "attributes": {"size": "S"}, "stock": 2},
            {"sku": f"API-{t}-M", "name": "M", "attributes": {"size": "M"}, "stock": 0},
        ],
        **over,
    }


def test_product_create_update_variant_delete(client, admin, db):
    t = tag()
    created = client.post(f"{API}/products", json=product_body(t), headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["slug"] == f"api-shirt-{t}" and [v["stock"] for v in body["variants"]] == [2, 0]
    pid = body["id"]
    # the storefront's public API shows the new active product at once
    assert client.get(f"{API}/products/{body['slug']}").status_code == 200

    updated = client.put(
        f"{API}/products/{pid}", json={"name": f"Api Shirt {t}", "price": "28.50", "status": "active"}, headers=admin
    )
    assert updated.status_code == 200 and updated.json()["price"] == "28.50"
    assert len(updated.json()["variants"]) == 2  # variants left out of the body stay

    # a new variant gives the options the others have (size), and not the same ones twice
    no_size = client.post(f"{API}/products/{pid}/variants", json={"sku": f"API-{t}-L", "name": "L"}, headers=admin)
    assert no_size.status_code == 422 and no_size.json()["field"] == "attributes.size"
    same_size = {"sku": f"API-{t}-M2", "name": "M", "attributes": {"size": "M"}}
    assert client.post(f"{API}/products/{pid}/variants", json=same_size, headers=admin).status_code == 409
    variant = client.post(
        f"{API}/products/{pid}/variants",
        json={"sku": f"API-{t}-L", "name": "L", "attributes": {"size": "L"}, "stock": 5},
        headers=admin,
    )
    assert variant.status_code == 201 and variant.json()["stock"] == 5
    assert variant.json()["options"] == {"size": "L"}
    duplicate = client.post(
        f"{API}/products/{pid}/variants",
        json={"sku": f"API-{t}-L", "name": "L", "attributes": {"size": "XL"}},
        headers=admin,
    )
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "sku"

    deleted = client.delete(f"{API}/products/{pid}", headers=admin)
    # it has stock history (initial stock), so it is archived, not deleted
    assert deleted.status_code == 200 and deleted.json()["outcome"] == "archived"
    db.expire_all()
    assert db.get(Product, uuid.UUID(pid)).status.value == "archived"
    actions = db.exec(select(AdminActivity.action).where(AdminActivity.entity_id == pid)).all()
    assert sorted(actions) == ["product.archive", "product.create", "product.update"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"price": "-5"}, 422, "price"),
        ({"variants": [{"sku": "X-{t}", "name": "x", "stock": -1}]}, 422, "variants.0.stock"),
        ({"variants": [{"sku": "D-{t}", "name": "a"}, {"sku": "D-{t}", "name": "b"}]}, 409, "variants.1.sku"),
        ({"status": "published"}, 422, "status"),
        ({"images": [{"url": "https://evil.example/x.png"}]}, 422, "images.0.url"),
        ({"variants": "nope"}, 422, "variants"),
    ],
)
def test_bad_product_bodies_save_nothing(client, admin, db, change, status, field):
    t = tag()
    body = product_body(t)
    for key, value in change.items():
        if key == "variants" and isinstance(value, list):
            value = [{k: (v.format(t=t) if isinstance(v, str) else v) for k, v in row.items()} for row in value]
        body[key] = value
    response = client.post(f"{API}/products", json=body, headers=admin)
    assert response.status_code == status and response.json()["field"] == field, response.text
    assert db.exec(select(Product).where(Product.slug == f"api-shirt-{t}")).first() is None


def test_duplicate_slug_and_forbidden_status_move(client, admin):
    t = tag()
    pid = client.post(f"{API}/products", json=product_body(t), headers=admin).json()["id"]
    again = client.post(f"{API}/products", json=product_body(t, variants=[], status="draft"), headers=admin)
    assert again.status_code == 409 and again.json()["field"] == "slug"
    assert (
        client.put(
            f"{API}/products/{pid}", json={"name": f"Api Shirt {t}", "price": "30", "status": "archived"}, headers=admin
        ).status_code
        == 200
    )
    moved = client.put(
        f"{API}/products/{pid}", json={"name": f"Api Shirt {t}", "price": "30", "status": "active"}, headers=admin
    )
    assert moved.status_code == 409 and moved.json()["field"] == "status"
    assert (
        client.put(f"{API}/products/{uuid.uuid4()}", json={"name": "x", "price": "1"}, headers=admin).status_code == 404
    )


# --- inventory ----------------------------------------------------------------------------------


def test_adjust_stock_and_history(client, admin, db):
    product, (variant,) = make_product(db, stock=(2,))
    ok = client.post(
        f"{API}/admin/inventory/adjust",
        json={"sku": variant.sku, "quantity_change": 5, "reason": "Delivery"},
        headers=admin,
    )
    assert ok.status_code == 200 and ok.json()["stock"] == 7 and ok.json()["movement"]["movement_type"] == "restock"
    too_many = client.post(
        f"{API}/admin/inventory/adjust",
        json={"variant_id": str(variant.id), "quantity_change": -8, "reason": "Count"},
        headers=admin,
    )
    assert too_many.status_code == 409 and too_many.json()["field"] == "quantity_change"
    no_reason = client.post(
        f"{API}/admin/inventory/adjust", json={"variant_id": str(variant.id), "quantity_change": -1}, headers=admin
    )
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    db.expire_all()
    assert db.get(ProductVariant, variant.id).inventory_quantity == 7
    assert len(db.exec(select(InventoryMovement).where(InventoryMovement.product_variant_id == variant.id)).all()) == 1
    history = client.get(f"{API}/admin/inventory/movements", params={"variant_id": str(variant.id)}, headers=admin)
    assert [m["quantity_after"] for m in history.json()["items"]] == [7]
    low = client.get(f"{API}/admin/inventory/low-stock", params={"q": variant.sku, "per_page": "100"}, headers=admin)
    assert low.status_code == 200 and low.json()["items"] == []  # 7 is above the threshold of 5
    assert client.get(f"{API}/admin/inventory/low-stock", params={"page": "zero"}, headers=admin).status_code == 422


# --- customers and coupons ------------------------------------------------------------------------


def test_customer_search_detail_and_notes(client, admin, db):
    t = tag()
    shopper = make_user(db, first_name="Noa", last_name=f"Z{t}")
    found = client.get(f"{API}/admin/customers", params={"q": f"z{t}"}, headers=admin).json()
    assert [c["id"] for c in found["items"]] == [str(shopper.id)]
    note = client.put(f"{API}/admin/customers/{shopper.id}/notes", json={"note": "Called about sizing"}, headers=admin)
    assert note.status_code == 200 and note.json()["notes"][0]["body"] == "Called about sizing"
    empty = client.put(f"{API}/admin/customers/{shopper.id}/notes", json={"note": ""}, headers=admin)
    assert empty.status_code == 422 and empty.json()["field"] == "note"
    assert len(db.exec(select(CustomerNote).where(CustomerNote.user_id == shopper.id)).all()) == 1
    detail = client.get(f"{API}/admin/customers/{shopper.id}", headers=admin).json()
    assert detail["orders"] == [] and detail["cart"] == [] and len(detail["notes"]) == 1
    assert client.get(f"{API}/admin/customers/{uuid.uuid4()}", headers=admin).status_code == 404


def test_coupons_crud(client, admin):
    t = tag().upper()
    created = client.post(
        f"{API}/admin/coupons",
        json={"code": f"x{t}", "name": "X", "type": "fixed_amount", "value": "5.00", "usage_limit": 10},
        headers=admin,
    )
    assert created.status_code == 201 and created.json()["code"] == f"X{t}"
    cid = created.json()["id"]
    bad = client.put(
        f"{API}/admin/coupons/{cid}",
        json={"code": f"X{t}", "name": "X", "type": "percentage", "value": "150"},
        headers=admin,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "value"
    dup = client.post(
        f"{API}/admin/coupons", json={"code": f"X{t}", "name": "Y", "type": "free_shipping"}, headers=admin
    )
    assert dup.status_code == 409 and dup.json()["field"] == "code"
    off = client.delete(f"{API}/admin/coupons/{cid}", headers=admin)
    assert off.status_code == 200 and off.json()["is_active"] is False
    listed = client.get(f"{API}/admin/coupons", params={"q": t, "active": "0"}, headers=admin).json()
    assert [c["id"] for c in listed["items"]] == [cid]
    log = client.get(f"{API}/admin/activity", params={"entity_id": cid}, headers=admin).json()
    assert [r["action"] for r in log["items"]] == ["coupon.deactivate", "coupon.create"]
