"""The reviews REST API through an HTTP client, on this run's own database."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from marque_app.models import AdminActivity, OrderStatus, Product, ProductReview, UserRole
from tests.cartutil import bearer as _headers
from tests.cartutil import make_product, make_user
from tests.payutil import make_order

API = "/api/v1"


@pytest.fixture
def product(db):
    return make_product(db, "Api reviewed")[0]


def _buyer(db, product):
    user = make_user(db)
    make_order(db, user, product, status=OrderStatus.delivered)
    return user, _headers(user)


@pytest.fixture
def admin(db):
    return _headers(make_user(db, role=UserRole.admin))


def _submit(client, product, headers, **body):
    body = {"rating": 5, "title": "Lovely", "text": "Fits well.", **body}
    return client.post(f"{API}/products/{product.slug}/reviews", json=body, headers=headers)


def test_review_moderate_list_and_vote(client, db, product, admin):
    _, headers = _buyer(db, product)
    r = _submit(client, product, headers, rating=4, text="<script>alert('x')</script>")
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending" and r.json()["message"] == "Thanks — your review will appear once approved"
    review_id = r.json()["id"]
    assert client.get(f"{API}/products/{product.slug}/reviews").json()["total"] == 0

    queue = client.get(f"{API}/admin/reviews", params={"status": "pending", "per_page": 50}, headers=admin)
    assert queue.status_code == 200 and review_id in [i["id"] for i in queue.json()["items"]]
    r = client.put(f"{API}/admin/reviews/{review_id}", json={"status": "approved"}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "approved"

    page = client.get(f"{API}/products/{product.id}/reviews").json()  # by id as well as slug
    assert page["summary"] == {"average": "4.00", "count": 1, "histogram": [0, 1, 0, 0, 0]}
    (item,) = page["items"]
    assert item["content"] == "<script>alert('x')</script>" and item["verified_purchase"] is True
    db.expire_all()
    fresh = db.get(Product, product.id)
    assert fresh.review_count == 1 and str(fresh.rating_average) == "4.00"

    voter = _headers(make_user(db))
    r = client.post(f"{API}/reviews/{review_id}/helpful", headers=voter)
    assert r.status_code == 200 and r.json() == {"helpful_count": 1}
    assert client.post(f"{API}/reviews/{review_id}/helpful", headers=voter).status_code == 409
    assert client.post(f"{API}/reviews/{review_id}/helpful", headers=headers).status_code == 403
    assert client.post(f"{API}/reviews/{review_id}/helpful").status_code == 401


def test_non_buyers_get_a_clear_403(client, db, product):
    headers = _headers(make_user(db))
    r = _submit(client, product, headers)
    assert r.status_code == 403
    assert r.json()["detail"] == "Only customers who bought this product can review it"
    assert db.exec(select(ProductReview).where(ProductReview.product_id == product.id)).all() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": "five"}, "rating"),
        ({"rating": 3.5}, "rating"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"text": " "}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"text": 42}, "text"),
    ],
)
def test_bad_reviews_are_422_with_the_field(client, db, product, body, field):
    _, headers = _buyer(db, product)
    r = _submit(client, product, headers, **body)
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert db.exec(select(ProductReview).where(ProductReview.product_id == product.id)).all() == []


def test_unknown_product_and_paging_errors(client):
    assert client.get(f"{API}/products/no-such-thing-here/reviews").status_code == 404
    r = client.get(f"{API}/products/no-such-thing-here/reviews", params={"per_page": 0})
    assert r.status_code == 422 and r.json()["field"] == "per_page"


def test_moderation_is_admin_only_and_checks_the_status(client, db, product, admin):
    buyer, headers = _buyer(db, product)
    review_id = _submit(client, product, headers).json()["id"]
    assert client.get(f"{API}/admin/reviews", headers=headers).status_code == 403
    assert (
        client.put(f"{API}/admin/reviews/{review_id}", json={"status": "approved"}, headers=headers).status_code == 403
    )
    r = client.put(f"{API}/admin/reviews/{review_id}", json={"status": "great"}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "status"
    assert client.put(f"{API}/admin/reviews/not-an-id", json={"status": "approved"}, headers=admin).status_code == 404
    assert client.get(f"{API}/admin/reviews", params={"status": "nope"}, headers=admin).status_code == 422


def test_moderation_is_logged_with_who_did_it_and_guarded(client, db, product):
    staff = make_user(db, role=UserRole.admin)
    _, headers = _buyer(db, product)
    review_id = _submit(client, product, headers, rating=2).json()["id"]

    def log() -> list[AdminActivity]:
        db.rollback()  # a fresh read (SQLite keeps a read transaction's snapshot)
        return db.exec(
            select(AdminActivity).where(AdminActivity.entity_id == review_id).order_by(AdminActivity.at)
        ).all()

    url = f"{API}/admin/reviews/{review_id}"
    assert client.put(url, json={"status": "approved"}).status_code == 401
    assert client.put(url, json={"status": "approved"}, headers=headers).status_code == 403
    r = client.put(url, json={"status": "bogus"}, headers=_headers(staff))
    assert r.status_code == 422 and r.json()["field"] == "status"
    assert log() == []  # refused: nothing written
    queue = client.get(f"{API}/admin/reviews", params={"q": product.name.upper()}, headers=_headers(staff)).json()
    assert [i["id"] for i in queue["items"]] == [review_id] and queue["total"] == 1
    assert db.get(ProductReview, uuid.UUID(review_id)).status == "pending"

    r = client.put(url, json={"status": "approved"}, headers=_headers(staff))
    assert r.status_code == 200 and r.json()["status"] == "approved"
    (row,) = log()
    assert (row.actor_id, row.actor_email, row.action, row.entity_type) == (
        staff.id,
        staff.email,
        "review.approved",
        "review",
    )
    assert db.get(Product, product.id).review_count == 1

    r = client.put(url, json={"status": "rejected"}, headers=_headers(staff))
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert [a.action for a in log()] == ["review.approved", "review.rejected"]
    assert db.get(Product, product.id).review_count == 0
