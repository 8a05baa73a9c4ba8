"""The admin returns and review-moderation states, with the event handlers called directly (no
page, no menu): a guest and a customer read nothing and change nothing; an admin approves,
receives (stock back) and refunds a return, is refused a refund over what was paid, and approves
and rejects a review (the product's rating follows). Every change is in the activity log."""

from __future__ import annotations

import asyncio
import random
import string
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa
from reflex.istate.data import ReflexURL, RouterData
from sqlmodel import Session, select

from marque_app.models import (
    AdminActivity,
    Product,
    ProductReview,
    ProductVariant,
    Return,
    UserRole,
)
from marque_app.services import checkout
from marque_app.services import orders as order_service
from marque_app.services.admin import Actor
from marque_app.services.admin import orders as admin_orders
from marque_app.services.auth.tokens import issue_token
from marque_app.settings import get_settings
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart
from tests.statetest import bind_app, module_database, state_tree


def _tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


@pytest.fixture(scope="module")
def own_db(tmp_path_factory) -> Iterator[tuple[str, sa.Engine]]:
    with module_database(tmp_path_factory, "moderation-db") as db:
        yield db


@pytest.fixture
def states(own_db, monkeypatch) -> Iterator[dict]:
    bind_app(monkeypatch, *own_db)
    _, sub = state_tree()

    from marque_app.state.admin.moderation import AdminReturnsState, AdminReviewsState
    from marque_app.state.auth import AuthState

    yield {
        "auth": sub(AuthState),
        "returns": sub(AdminReturnsState),
        "reviews": sub(AdminReviewsState),
        "Returns": AdminReturnsState,
        "Reviews": AdminReviewsState,
    }
    get_settings.cache_clear()


@pytest.fixture
def db(own_db) -> Iterator[Session]:
    with Session(own_db[1], expire_on_commit=False) as session:
        yield session


def _token(user) -> str:
    return issue_token(user_id=user.id, role=user.role, email=user.email).access_token


def _at(state, url: str) -> None:
    """The page the state's events come from (what ``query()`` reads)."""
    state.router = RouterData(url=ReflexURL(f"http://localhost{url}"))


def _call(handler, state, *args):
    return asyncio.run(handler.fn(state, *args))


def _delivered_return(db, shopper=None, *, paid=True, reason="Too small"):
    """A paid (cash), delivered order of 2 x 25.00 with a return of one item requested
    (``paid=False``: the cash was never marked received)."""
    staff = make_user(db, role=UserRole.admin)
    shopper = shopper or make_user(db, first_name="Rae", last_name=_tag())
    _, (variant,) = make_product(db, price="25.00", stock=(5,))
    fill_cart(db, shopper, [variant], 2)
    placed = checkout.place_order(session=db, user_id=shopper.id, shipping_address=address())
    if paid:
        admin_orders.mark_paid(session=db, actor=Actor(id=staff.id, email=staff.email), order_id=placed.id)
    else:
        order_service.change_status(session=db, order_id=placed.id, to_status="processing")
    for status in ("shipped", "delivered"):
        order_service.change_status(session=db, order_id=placed.id, to_status=status)
    ret = order_service.request_return(
        session=db,
        user_id=shopper.id,
        order_ref=placed.id,
        items=[(placed.lines[0].id, 1, reason)],
        comments="Runs small",
    )
    return placed, ret, variant, shopper


def _pending_review(db, rating=2):
    author = make_user(db, first_name="Ned", last_name=_tag())
    product, _ = make_product(db, "Reviewed")
    review = ProductReview(
        product_id=product.id,
        user_id=author.id,
        rating=rating,
        title=f"Title {_tag()}",
        content="Scratchy wool",
        status="pending",
        verified_purchase=True,
    )
    db.add(review)
    db.commit()
    return product, review


def _fresh(db) -> None:
    """Read what is committed now: end the read transaction, forget the loaded rows."""
    db.rollback()
    db.expire_all()


def _log(db, entity_id) -> list[str]:
    _fresh(db)
    return [
        a.action
        for a in db.exec(
            select(AdminActivity).where(AdminActivity.entity_id == str(entity_id)).order_by(AdminActivity.at)
        ).all()
    ]


def _stock(db, variant) -> int:
    _fresh(db)
    return db.get(ProductVariant, variant.id).inventory_quantity


@pytest.mark.parametrize("who", ["guest", "customer"])
def test_non_admins_read_nothing_and_change_nothing(states, db, who):
    returns_cls, reviews_cls = states["Returns"], states["Reviews"]
    returns, reviews = states["returns"], states["reviews"]
    placed, ret, variant, _ = _delivered_return(db)
    product, review = _pending_review(db)
    states["auth"].token = "" if who == "guest" else _token(make_user(db, role=UserRole.customer))
    before = _stock(db, variant)

    _call(returns_cls.load_returns, returns)
    _call(reviews_cls.load_reviews, reviews)
    out = [_call(returns_cls.act, returns, ret.id, action) for action in ("approve", "reject", "receive", "refund")]
    out.append(_call(returns_cls.refund, returns, {"return_id": ret.id, "amount": "25.00"}))
    out.append(_call(returns_cls.apply, returns, {"status": "requested", "q": "x"}))
    out.append(_call(reviews_cls.moderate, reviews, str(review.id), "approved"))

    expected = "Please log in first" if who == "guest" else "This needs the admin role"
    assert all(expected in str(answer) for answer in out), out
    assert returns.items == [] and returns.total == 0 and not returns.loaded
    assert reviews.items == [] and reviews.counts == {"pending": 0, "approved": 0, "rejected": 0}
    _fresh(db)
    assert db.get(Return, uuid.UUID(ret.id)).status == "requested"
    assert db.get(ProductReview, review.id).status == "pending"
    assert db.get(Product, product.id).review_count == 0
    assert _stock(db, variant) == before
    assert _log(db, ret.id) == [] and _log(db, review.id) == []


def test_admin_lists_filters_and_walks_a_return_to_refunded(states, db):
    returns_cls, returns = states["Returns"], states["returns"]
    placed, ret, variant, shopper = _delivered_return(db)
    _delivered_return(db)  # another one, filtered out below
    states["auth"].token = _token(make_user(db, role=UserRole.admin))

    _at(returns, f"/admin/returns?q={placed.order_number.lower()}")
    _call(returns_cls.load_returns, returns)
    (row,) = returns.items
    assert (row.return_number, row.order_number, row.customer, row.status) == (
        ret.return_number,
        placed.order_number,
        shopper.email,
        "requested",
    )
    assert (row.value, row.item_count, row.reason, row.actions) == ("25.00", 1, "Too small", ["approve", "reject"])
    assert row.items[0]["quantity"] == 1 and returns.loaded
    _at(returns, f"/admin/returns?q={shopper.email}&status=approved")
    _call(returns_cls.load_returns, returns)
    assert returns.items == [] and returns.status == "approved"
    _at(returns, "/admin/returns?status=lost")
    _call(returns_cls.load_returns, returns)
    assert "Status must be one of" in returns.error and returns.items == []

    redirect = str(_call(returns_cls.apply, returns, {"status": "requested", "q": f" {placed.order_number} "}))
    assert f"/admin/returns?status=requested&q={placed.order_number}" in redirect

    _at(returns, f"/admin/returns?q={placed.order_number}")
    _call(returns_cls.load_returns, returns)
    before = _stock(db, variant)
    # Not approved yet: receiving is refused and nothing changes.
    out = _call(returns_cls.act, returns, ret.id, "receive")
    assert "cannot be received" in str(out) and "cannot be received" in returns.error
    assert _stock(db, variant) == before and _log(db, ret.id) == []

    assert "approved" in str(_call(returns_cls.act, returns, ret.id, "approve"))
    assert returns.items[0].status == "approved" and returns.items[0].actions == ["receive"] and returns.error == ""
    _call(returns_cls.act, returns, ret.id, "receive")
    assert returns.items[0].status == "received" and _stock(db, variant) == before + 1

    # More than was paid for the order (50.00): refused, nothing saved.
    out = _call(returns_cls.refund, returns, {"return_id": ret.id, "amount": "999.00"})
    assert ret.return_number in returns.error and "error" in str(out)
    assert returns.items[0].status == "received"
    assert _log(db, ret.id) == ["return.approve", "return.receive"]

    key = returns.form_key
    out = _call(returns_cls.refund, returns, {"return_id": ret.id, "amount": "20.00"})
    assert "refunded" in str(out) and returns.form_key == key + 1
    assert (returns.items[0].status, returns.items[0].refund_amount, returns.items[0].actions) == (
        "refunded",
        "20.00",
        [],
    )
    _fresh(db)
    assert db.get(Return, uuid.UUID(ret.id)).refund_amount == Decimal("20.00")
    assert _log(db, ret.id) == ["return.approve", "return.receive", "return.refund"]


def test_admin_rejects_a_return(states, db):
    returns_cls, returns = states["Returns"], states["returns"]
    placed, ret, variant, _ = _delivered_return(db)
    states["auth"].token = _token(make_user(db, role=UserRole.admin))
    _at(returns, f"/admin/returns?q={ret.return_number}")
    _call(returns_cls.load_returns, returns)
    before = _stock(db, variant)
    _call(returns_cls.act, returns, ret.id, "reject")
    assert returns.items[0].status == "rejected" and returns.items[0].actions == []
    assert "cannot be approved" in str(_call(returns_cls.act, returns, ret.id, "approve"))
    assert _stock(db, variant) == before and _log(db, ret.id) == ["return.reject"]


def test_admin_moderates_reviews_and_the_rating_follows(states, db):
    reviews_cls, reviews = states["Reviews"], states["reviews"]
    product, review = _pending_review(db, rating=2)
    staff = make_user(db, role=UserRole.admin)
    states["auth"].token = _token(staff)

    _at(reviews, "/admin/reviews")
    _call(reviews_cls.load_reviews, reviews)
    assert reviews.status == "pending" and reviews.loaded
    row = next(r for r in reviews.items if r.id == str(review.id))
    assert (row.stars, row.title, row.verified_purchase, row.product_url) == (
        "★★☆☆☆",
        review.title,
        True,
        f"/products/{product.slug}",
    )
    assert row.author.startswith("Ned ") and row.date.endswith(" UTC")
    pending = reviews.counts["pending"]
    _pending_review(db)  # another one, not found by the search below

    _at(reviews, f"/admin/reviews?q={review.title[-8:].upper()}")
    _call(reviews_cls.load_reviews, reviews)
    assert [r.id for r in reviews.items] == [str(review.id)] and reviews.counts == {
        "pending": 1,
        "approved": 0,
        "rejected": 0,
    }
    assert reviews.tab_urls["approved"] == f"/admin/reviews?status=approved&q={review.title[-8:].upper()}"
    assert "/admin/reviews?status=pending&q=wool" in str(_call(reviews_cls.apply, reviews, {"q": " wool "}))

    out = _call(reviews_cls.moderate, reviews, str(review.id), "approved")
    assert "approved" in str(out) and reviews.error == ""
    assert str(review.id) not in [r.id for r in reviews.items]  # left the pending tab
    assert reviews.counts == {"pending": 0, "approved": 1, "rejected": 0}
    _fresh(db)
    fresh = db.get(Product, product.id)
    assert (fresh.review_count, str(fresh.rating_average)) == (1, "2.00")

    _at(reviews, "/admin/reviews?status=approved")
    _call(reviews_cls.load_reviews, reviews)
    assert str(review.id) in [r.id for r in reviews.items] and reviews.counts["pending"] == pending
    _call(reviews_cls.moderate, reviews, str(review.id), "rejected")
    _fresh(db)
    assert db.get(Product, product.id).review_count == 0
    assert db.get(ProductReview, review.id).status == "rejected"
    (first, second) = db.exec(
        select(AdminActivity).where(AdminActivity.entity_id == str(review.id)).order_by(AdminActivity.at)
    ).all()
    assert (first.action, second.action, second.actor_id) == ("review.approved", "review.rejected", staff.id)

    out = _call(reviews_cls.moderate, reviews, str(review.id), "maybe")
    assert "Status must be approved or rejected" in str(out) and reviews.error
    out = _call(reviews_cls.moderate, reviews, str(uuid.uuid4()), "approved")
    assert "not found" in str(out).lower()
    assert len(_log(db, review.id)) == 2

    _at(reviews, "/admin/reviews?status=weird")
    _call(reviews_cls.load_reviews, reviews)
    assert reviews.items == [] and reviews.error == "Status must be pending, approved or rejected"


def test_a_cash_return_offers_only_what_the_payment_allows_and_says_why(states, db):
    """Cash never marked received: the return page offers no refund, says why, and a refund
    sent anyway is refused with the same words and records nothing. Codes and money read as
    words and as the shop writes them."""
    returns_cls, returns = states["Returns"], states["returns"]
    placed, ret, variant, _ = _delivered_return(db, paid=False, reason="damaged")
    states["auth"].token = _token(make_user(db, role=UserRole.admin))
    _at(returns, f"/admin/returns?q={ret.return_number}")
    _call(returns_cls.load_returns, returns)
    (row,) = returns.items
    assert (row.status_label, row.reason_label, row.value_text) == ("Requested", "Arrived damaged", "$25.00")
    assert row.items[0]["reason_label"] == "Arrived damaged"
    _call(returns_cls.act, returns, ret.id, "approve")
    _call(returns_cls.act, returns, ret.id, "receive")
    (row,) = returns.items
    assert row.status == "received" and row.actions == [] and row.refund_label == ""
    assert "never recorded as received" in row.action_hint

    out = _call(returns_cls.refund, returns, {"return_id": ret.id, "amount": "25.00"})
    assert "never recorded as received" in str(out) and "never recorded as received" in returns.error
    _fresh(db)
    assert db.get(Return, uuid.UUID(ret.id)).status == "received"
    assert _log(db, ret.id) == ["return.approve", "return.receive"]

    # Once the cash is marked received, the refund is offered in the words of cash on delivery.
    staff = make_user(db, role=UserRole.admin)
    admin_orders.mark_paid(session=db, actor=Actor(id=staff.id, email=staff.email), order_id=placed.id)
    _call(returns_cls.load_returns, returns)
    (row,) = returns.items
    assert row.actions == ["refund"] and row.refund_label == "Mark refunded in cash"
    _call(returns_cls.refund, returns, {"return_id": ret.id, "amount": ""})
    (row,) = returns.items
    assert (row.status_label, row.refund_text) == ("Refunded", "$25.00")
