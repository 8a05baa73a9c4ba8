"""The admin REST API part 2 (dashboard, orders, returns, reports) through an HTTP client."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

from sqlmodel import select

from marque_app.models import AdminActivity, Order
from marque_app.services import checkout
from tests.api.test_admin_api import API, admin, customer  # noqa: F401  (fixtures)
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart


def place(db, quantity=1, now=None):
    user = make_user(db)
    _, (variant,) = make_product(db, price="12.00", stock=(20,))
    fill_cart(db, user, [variant], quantity)
    return user, checkout.place_order(session=db, user_id=user.id, shipping_address=address(), now=now)


def test_orders_list_detail_status_tracking_notes(client, admin, db):
    user, order = place(db)
    listed = client.get(f"{API}/admin/orders", params={"q": user.email, "status": "pending"}, headers=admin)
    assert listed.status_code == 200 and [o["order_number"] for o in listed.json()["items"]] == [order.order_number]
    bad = client.put(f"{API}/admin/orders/{order.id}/status", json={"status": "delivered"}, headers=admin)
    assert (
        bad.status_code == 409 and bad.json()["field"] == "status" and "cannot become delivered" in bad.json()["detail"]
    )
    db.expire_all()
    assert db.get(Order, uuid.UUID(order.id)).status.value == "pending"
    db.rollback()
    ok = client.put(f"{API}/admin/orders/{order.id}/status", json={"status": "processing"}, headers=admin)
    assert ok.status_code == 200 and ok.json()["next_statuses"] == ["shipped", "cancelled"]
    shipped = client.put(
        f"{API}/admin/orders/{order.id}/status",
        json={"status": "shipped", "tracking_number": "TRK-API-1"},
        headers=admin,
    )
    assert shipped.json()["tracking_number"] == "TRK-API-1"
    fixed = client.put(f"{API}/admin/orders/{order.id}/tracking", json={"tracking_number": "TRK-API-2"}, headers=admin)
    assert fixed.status_code == 200 and fixed.json()["tracking_number"] == "TRK-API-2"
    assert (
        client.put(f"{API}/admin/orders/{order.id}/tracking", json={}, headers=admin).json()["field"]
        == "tracking_number"
    )
    noted = client.post(f"{API}/admin/orders/{order.id}/notes", json={"note": "Fragile"}, headers=admin)
    assert noted.status_code == 200 and noted.json()["admin_notes"].endswith("Fragile")
    detail = client.get(f"{API}/admin/orders/{order.id}", headers=admin).json()
    assert detail["status"] == "shipped" and detail["lines"][0]["quantity"] == 1
    db.rollback()  # a fresh read: the API wrote in its own sessions
    actions = db.exec(select(AdminActivity.action).where(AdminActivity.entity_id == order.id)).all()
    assert sorted(actions) == ["order.note", "order.status", "order.status", "order.tracking"]
    assert client.get(f"{API}/admin/orders/{uuid.uuid4()}", headers=admin).status_code == 404
    assert client.get(f"{API}/admin/orders", params={"date_from": "soon"}, headers=admin).json()["field"] == "date_from"


def test_mark_paid_and_refund(client, admin, db):
    _, order = place(db)
    assert client.post(f"{API}/admin/orders/{order.id}/refund", json={}, headers=admin).status_code == 409
    paid = client.post(f"{API}/admin/orders/{order.id}/mark-paid", headers=admin)
    assert paid.status_code == 200 and paid.json()["payment_status"] == "paid"
    refunded = client.post(f"{API}/admin/orders/{order.id}/refund", json={}, headers=admin)
    assert refunded.status_code == 200 and refunded.json()["payment_status"] == "refunded"


def test_reports_json_and_csv_and_dashboard(client, admin, db):
    year = random.randint(3000, 3900)
    user, order = place(db, 3, now=datetime(year, 2, 3, 10, tzinfo=UTC))
    params = {"date_from": f"{year}-02-01", "date_to": f"{year}-02-05"}
    sales = client.get(f"{API}/admin/reports/sales", params=params, headers=admin).json()
    assert (
        len(sales["rows"]) == 5
        and sales["totals"]["orders"] == 1
        and sales["rows"][2]["revenue"] == f"{order.total:.2f}"
    )
    csv = client.get(f"{API}/admin/reports/customers", params={**params, "format": "csv"}, headers=admin)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert (
        csv.headers["content-disposition"]
        == f'attachment; filename="marque-customers-{year}-02-01-to-{year}-02-05.csv"'
    )
    assert csv.text.splitlines() == ["customer,name,orders,revenue", f"{user.email},,1,{order.total:.2f}"]
    products = client.get(f"{API}/admin/reports/products", params=params, headers=admin).json()
    assert products["rows"][0]["quantity"] == 3
    bad = client.get(
        f"{API}/admin/reports/sales", params={"date_from": f"{year}-02-05", "date_to": f"{year}-02-01"}, headers=admin
    )
    assert bad.status_code == 422 and bad.json()["field"] == "date_to"
    board = client.get(f"{API}/admin/dashboard", headers=admin)
    assert board.status_code == 200 and len(board.json()["series"]) == 30
    assert [p["label"] for p in board.json()["periods"]] == ["Today", "Last 7 days", "Last 30 days"]
