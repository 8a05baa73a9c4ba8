"""Reviews on the product page in Chromium: summary, escaped text, the verified badge,
helpful votes, and the review form for buyers only."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlmodel import Session, select

from marque_app.models import OrderStatus, Product, ProductReview, ProductStatus
from marque_app.services import reviews
from marque_app.services.auth.tokens import issue_token
from marque_app.services.db import make_engine
from tests.cartutil import make_user
from tests.e2e.conftest import wait_for_hydration
from tests.payutil import make_order

SCRIPT = "<script>window.__reviewXss = 1</script><b>bold?</b>"


@pytest.fixture(scope="module")
def app_db(app_db_url):
    # BEGIN IMMEDIATE: this set-up reads then writes beside the running app (its analytics and
    # alert flushes commit every few seconds), so it waits for the lock instead of being refused
    engine = make_engine(app_db_url, immediate=True)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture(scope="module")
def product(app_db) -> Product:
    """An active demo product with no reviews of this test run's users."""
    tag = uuid.uuid4().hex[:6]
    row = app_db.exec(
        select(Product).where(Product.status == ProductStatus.active).order_by(sa.func.random()).limit(1)
    ).one()
    assert row is not None, f"no active product in the demo store ({tag})"
    # End the read transaction: a later write of this session must not start from a snapshot
    # older than the app's own writes (SQLite then refuses it at once: "database is locked").
    app_db.commit()
    return row


def _log_in(page, user) -> None:
    token = issue_token(user_id=user.id, role=user.role, email=user.email).access_token
    page.evaluate("t => localStorage.setItem('marque_token', t)", token)


def _open(page, slug: str):
    page.goto(f"/products/{slug}")
    wait_for_hydration(page)
    return page.get_by_test_id("reviews")


def test_reviews_show_escaped_with_badge_and_helpful_votes(page, app_db, product):
    author = make_user(app_db, first_name="Eve", last_name="Hacker")
    make_order(app_db, author, product, status=OrderStatus.delivered)
    mine = reviews.submit_review(
        session=app_db, user_id=author.id, product_id=product.id, rating=5, title="<i>Title</i>", text=SCRIPT
    )
    reviews.moderate_review(session=app_db, review_id=mine.id, status="approved")

    voter = make_user(app_db)
    page.goto("/")
    _log_in(page, voter)
    section = _open(page, product.slug)
    review = section.get_by_test_id("review").filter(has_text="Eve H.")
    expect(review.get_by_test_id("review-content")).to_have_text(SCRIPT)  # shown literally
    expect(review.get_by_test_id("review-title")).to_have_text("<i>Title</i>")
    assert page.evaluate("() => window.__reviewXss") is None  # and never run
    expect(review.get_by_text("Verified purchase")).to_be_visible()
    expect(section.get_by_test_id("review-summary")).to_be_visible()

    helpful = review.get_by_test_id("review-helpful")
    expect(helpful).to_have_text("Helpful (0)")
    helpful.click()
    expect(helpful).to_have_text("Helpful (1)")
    expect(helpful).to_be_disabled()  # once per user
    # A non-buyer is told why there is no form.
    expect(section.get_by_test_id("review-cannot")).to_have_text("Only customers who bought this product can review it")
    expect(section.get_by_test_id("review-form")).to_have_count(0)


def test_a_buyer_writes_a_review_that_waits_for_approval(page, app_db, product):
    buyer = make_user(app_db, first_name="Bo")
    make_order(app_db, buyer, product, status=OrderStatus.delivered)
    page.goto("/")
    _log_in(page, buyer)
    section = _open(page, product.slug)
    form = section.get_by_test_id("review-form")
    expect(form).to_be_visible()

    form.get_by_test_id("review-submit").click()  # no rating yet
    expect(form.get_by_test_id("review-error")).to_have_text("Rating must be a whole number from 1 to 5")

    form.get_by_test_id("review-star-4").click()
    form.get_by_label("Title").fill("Warm and soft")
    form.get_by_label("Your review").fill("Wore it all winter.")
    form.get_by_test_id("review-submit").click()
    expect(form.get_by_test_id("review-thanks")).to_have_text("Thanks — your review will appear once approved")

    app_db.expire_all()
    (row,) = app_db.exec(
        select(ProductReview).where(ProductReview.user_id == buyer.id, ProductReview.product_id == product.id)
    ).all()
    assert (row.status, row.rating, row.title, row.verified_purchase) == ("pending", 4, "Warm and soft", True)
    app_db.commit()  # end the read: an IMMEDIATE transaction holds the write lock until it ends
    # Not on the page until approved.
    expect(section.get_by_test_id("review").filter(has_text="Warm and soft")).to_have_count(0)


def test_a_guest_is_asked_to_log_in(page, product):
    section = _open(page, product.slug)
    expect(section.get_by_test_id("review-cannot")).to_have_text("Log in to review this product")
