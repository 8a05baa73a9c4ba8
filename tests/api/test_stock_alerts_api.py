"""The back-in-stock alerts REST API through an HTTP client, on this run's own database."""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from marque_app.models import StockAlert, User, UserRole
from marque_app.services import stock_alerts
from marque_app.services.admin import Actor, inventory
from marque_app.services.auth import CapturingEmailSender, CapturingSmsSender
from marque_app.services.auth.tokens import issue_token
from tests.cartutil import make_product, make_user
from tests.phones import fresh_phone

API = "/api/v1"


def auth(db, user: User | None = None, **values) -> tuple[User, dict[str, str]]:
    user = user or make_user(db, **values)
    token = issue_token(user_id=user.id, role=user.role, email=user.email, phone=user.phone).access_token
    return user, {"Authorization": f"Bearer {token}"}


def alerts_of(db, variant) -> list[StockAlert]:
    db.commit()  # end the read transaction: see what the API committed since
    return list(db.execute(sa.select(StockAlert).where(StockAlert.product_variant_id == variant.id)).scalars())


def test_a_shopper_subscribes_lists_and_cancels(client, db):
    user, headers = auth(db, phone=fresh_phone())
    _, (variant,) = make_product(db, stock=(0,))
    r = client.post(f"{API}/stock-alerts", json={"sku_id": str(variant.id)}, headers=headers)
    assert r.status_code == 201, r.text
    alert = r.json()
    assert (alert["channel"], alert["contact"], alert["status"], alert["sku_id"]) == (
        "sms",
        user.phone,
        "waiting",
        str(variant.id),
    )
    again = client.post(f"{API}/stock-alerts", json={"sku_id": str(variant.id)}, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == alert["id"]  # one per SKU and contact
    by_mail = client.post(
        f"{API}/stock-alerts", json={"sku_id": str(variant.id), "email": "Me@Example.com"}, headers=headers
    )
    assert by_mail.status_code == 201 and by_mail.json()["contact"] == "me@example.com"
    listed = client.get(f"{API}/stock-alerts", headers=headers)
    assert listed.status_code == 200
    assert {a["id"] for a in listed.json()["items"]} == {alert["id"], by_mail.json()["id"]}

    _, stranger = auth(db)
    assert client.delete(f"{API}/stock-alerts/{alert['id']}", headers=stranger).status_code == 404
    assert client.delete(f"{API}/stock-alerts/{alert['id']}", headers=headers).status_code == 204
    assert client.delete(f"{API}/stock-alerts/{alert['id']}", headers=headers).status_code == 404
    assert [a["id"] for a in client.get(f"{API}/stock-alerts", headers=headers).json()["items"]] == [
        by_mail.json()["id"]
    ]


def test_a_guest_subscribes_by_a_valid_address_only(client, db):
    _, (variant,) = make_product(db, stock=(0,))
    missing = client.post(f"{API}/stock-alerts", json={"sku_id": str(variant.id)})
    assert missing.status_code == 422 and missing.json()["field"] == "email"
    bad = client.post(f"{API}/stock-alerts", json={"sku_id": str(variant.id), "email": "not-mail"})
    assert bad.status_code == 422 and bad.json() == {"detail": "Enter a valid e-mail address", "field": "email"}
    assert alerts_of(db, variant) == []
    typed = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    ok = client.post(f"{API}/stock-alerts", json={"sku_id": str(variant.id), "email": typed})
    assert ok.status_code == 201 and ok.json()["channel"] == "email"
    assert [a.contact for a in alerts_of(db, variant)] == [typed]
    assert client.get(f"{API}/stock-alerts").status_code == 401  # a guest has no list
    assert client.delete(f"{API}/stock-alerts/{ok.json()['id']}").status_code == 401


def test_an_unknown_field_is_refused_and_records_nothing(client, db):
    _, headers = auth(db)
    _, (variant,) = make_product(db, stock=(0,))
    r = client.post(f"{API}/stock-alerts", json={"sku_id": str(variant.id), "phone": "+15555550100"}, headers=headers)
    assert r.status_code == 422 and r.json() == {"detail": "Unknown field: phone", "field": "phone"}
    assert alerts_of(db, variant) == []
    unsub = client.post(f"{API}/stock-alerts/unsubscribe", json={"token": "x", "id": "y"})
    assert unsub.status_code == 422 and unsub.json()["field"] == "id"


def test_in_stock_and_unknown_skus_are_refused(client, db):
    _, headers = auth(db)
    _, (variant,) = make_product(db, stock=(3,))
    in_stock = client.post(f"{API}/stock-alerts", json={"sku_id": str(variant.id)}, headers=headers)
    assert in_stock.status_code == 409 and in_stock.json()["field"] == "sku_id"
    for sku in (str(uuid.uuid4()), "nonsense"):
        assert client.post(f"{API}/stock-alerts", json={"sku_id": sku}, headers=headers).status_code == 404
    wrong_type = client.post(f"{API}/stock-alerts", json={"sku_id": 7}, headers=headers)
    assert wrong_type.status_code == 422 and wrong_type.json()["field"] == "sku_id"


def test_a_restock_then_the_link_in_the_message_unsubscribes(client, db):
    _, (variant,) = make_product(db, stock=(0,))
    typed = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    assert client.post(f"{API}/stock-alerts", json={"sku_id": str(variant.id), "email": typed}).status_code == 201
    admin = make_user(db, role=UserRole.admin)
    inventory.adjust_stock(
        session=db,
        actor=Actor(id=admin.id, email=admin.email),
        variant_id=variant.id,
        data={"quantity_change": 2, "reason": "Delivery"},
    )
    mail = CapturingEmailSender()
    stock_alerts.flush(session=db, sms=CapturingSmsSender(), mailer=mail)
    (to, _subject, body) = next(m for m in mail.sent if m[0] == typed)
    token = re.search(r"/stock-alerts/unsubscribe\?token=([\w.]+)", body).group(1)
    forged = client.post(f"{API}/stock-alerts/unsubscribe", json={"token": token[:-2] + "zz"})
    assert forged.status_code == 422 and forged.json()["field"] == "token"
    done = client.post(f"{API}/stock-alerts/unsubscribe", json={"token": token})
    assert done.status_code == 200 and done.json()["cancelled"] is True and done.json()["product_name"]
    twice = client.post(f"{API}/stock-alerts/unsubscribe", json={"token": token})
    assert twice.status_code == 200 and twice.json() == {"cancelled": False, "product_name": None}
    assert alerts_of(db, variant) == []
