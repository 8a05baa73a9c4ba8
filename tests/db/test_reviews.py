"""Reviews against the real database: verified buyers only, moderation and the product's
aggregates, the rating summary, helpful votes."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlmodel import select

from marque_app.api.errors import http_status
from marque_app.domain.reviews import ALREADY_REVIEWED, NOT_A_BUYER, ReviewError
from marque_app.models import OrderStatus, ProductReview, UserRole
from marque_app.models.catalog import ReviewVote
from marque_app.services import reviews
from tests.cartutil import make_product, make_user
from tests.payutil import make_order


@pytest.fixture
def product(session):
    return make_product(session, "Reviewed tee")[0]


def _buyer(session, product, status=OrderStatus.delivered, **user):
    user = make_user(session, **user)
    make_order(session, user, product, status=status)
    return user


def _review(session, user, product, rating=5, title="Great", text="Soft and warm."):
    return reviews.submit_review(
        session=session, user_id=user.id, product_id=product.id, rating=rating, title=title, text=text
    )


def _rows(session, product):
    return session.exec(select(ProductReview).where(ProductReview.product_id == product.id)).all()


def test_a_buyer_reviews_and_it_waits_for_moderation(session, product):
    buyer = _buyer(session, product)
    assert reviews.review_eligibility(session=session, user_id=buyer.id, product_id=product.id).can_review
    mine = _review(session, buyer, product, title="  Great tee  ", text="  Soft.  ")
    assert (mine.status, mine.title, mine.content, mine.verified_purchase) == ("pending", "Great tee", "Soft.", True)
    (row,) = _rows(session, product)
    assert row.order_item_id is not None
    # Pending reviews do not show, nor count.
    page = reviews.list_reviews(session=session, product_id=product.id)
    assert page.items == [] and page.summary.count == 0
    session.refresh(product)
    assert product.review_count == 0


@pytest.mark.parametrize("status", [None, OrderStatus.cancelled])
def test_only_buyers_may_review(session, product, status):
    user = make_user(session) if status is None else _buyer(session, product, status=status)
    eligibility = reviews.review_eligibility(session=session, user_id=user.id, product_id=product.id)
    assert not eligibility.can_review and eligibility.reason == NOT_A_BUYER
    with pytest.raises(ReviewError) as err:
        _review(session, user, product)
    assert http_status(err.value) == 403 and err.value.message == "Only customers who bought this product can review it"
    session.rollback()
    assert _rows(session, product) == []


def test_buying_another_product_is_not_enough(session, product):
    other = make_product(session, "Other")[0]
    user = _buyer(session, other)
    with pytest.raises(ReviewError, match=NOT_A_BUYER):
        _review(session, user, product)


@pytest.mark.parametrize(
    ("rating", "title", "text", "field"),
    [
        (0, "t", "x", "rating"),
        (6, "t", "x", "rating"),
        ("5", "t", "x", "rating"),
        (4.5, "t", "x", "rating"),
        (True, "t", "x", "rating"),
        (5, "   ", "x", "title"),
        (5, "t" * 201, "x", "title"),
        (5, "t", "", "text"),
        (5, "t", "x" * 5001, "text"),
    ],
)
def test_bad_reviews_name_the_field_and_save_nothing(session, product, rating, title, text, field):
    buyer = _buyer(session, product)
    with pytest.raises(ReviewError) as err:
        _review(session, buyer, product, rating=rating, title=title, text=text)
    assert http_status(err.value) == 422 and err.value.field == field
    session.rollback()
    assert _rows(session, product) == []


def test_limits_are_inclusive(session, product):
    buyer = _buyer(session, product)
    mine = _review(session, buyer, product, rating=1, title="t" * 200, text="x" * 5000)
    assert len(mine.title) == 200 and len(mine.content) == 5000


def test_a_second_submit_edits_the_pending_review_then_moderation_freezes_it(session, product):
    buyer = _buyer(session, product)
    first = _review(session, buyer, product, rating=2, title="Meh")
    second = _review(session, buyer, product, rating=4, title="Better after washing")
    assert second.id == first.id and len(_rows(session, product)) == 1
    assert (second.rating, second.title) == (4, "Better after washing")
    reviews.moderate_review(session=session, review_id=first.id, status="approved")
    with pytest.raises(ReviewError, match=ALREADY_REVIEWED) as err:
        _review(session, buyer, product, rating=1)
    assert http_status(err.value) == 409
    session.rollback()
    assert _rows(session, product)[0].rating == 4


def test_moderation_updates_the_products_rating_and_the_summary(session, product):
    ids = []
    for rating in (5, 4, 4, 1):
        ids.append(_review(session, _buyer(session, product), product, rating=rating).id)
    for review_id in ids[:3]:
        reviews.moderate_review(session=session, review_id=review_id, status="approved")
    reviews.moderate_review(session=session, review_id=ids[3], status="rejected")
    session.refresh(product)
    assert product.review_count == 3 and product.rating_average == Decimal("4.33")
    page = reviews.list_reviews(session=session, product_id=product.id)
    assert page.summary.average == "4.33" and page.summary.count == 3
    assert page.summary.histogram == [1, 2, 0, 0, 0]
    assert {i.rating for i in page.items} == {5, 4} and all(i.verified_purchase for i in page.items)
    # Un-approving takes it out again.
    reviews.moderate_review(session=session, review_id=ids[0], status="rejected")
    session.refresh(product)
    assert product.review_count == 2 and product.rating_average == Decimal("4.00")

    queue = reviews.list_reviews_for_moderation(session=session, status="rejected", per_page=50)
    assert {ids[0], ids[3]} <= {i.id for i in queue.items}
    with pytest.raises(ReviewError) as err:
        reviews.moderate_review(session=session, review_id=ids[1], status="published")
    assert http_status(err.value) == 422 and err.value.field == "status"


def test_paging(session, product):
    for n in range(3):
        mine = _review(session, _buyer(session, product), product, title=f"Review {n}")
        reviews.moderate_review(session=session, review_id=mine.id, status="approved")
    first = reviews.list_reviews(session=session, product_id=product.id, page=1, per_page=2)
    second = reviews.list_reviews(session=session, product_id=product.id, page=2, per_page=2)
    assert (first.total, first.pages, len(first.items), len(second.items)) == (3, 2, 2, 1)
    assert not {i.id for i in first.items} & {i.id for i in second.items}
    with pytest.raises(ReviewError):
        reviews.list_reviews(session=session, product_id=product.id, per_page=500)


def test_helpful_votes_once_per_user_and_not_on_ones_own(session, product):
    author = _buyer(session, product)
    mine = _review(session, author, product)
    voter = make_user(session)
    with pytest.raises(ReviewError) as err:  # pending: not visible, not votable
        reviews.vote_helpful(session=session, review_id=mine.id, user_id=voter.id)
    assert http_status(err.value) == 404
    reviews.moderate_review(session=session, review_id=mine.id, status="approved")
    assert reviews.vote_helpful(session=session, review_id=mine.id, user_id=voter.id) == 1
    with pytest.raises(ReviewError) as err:
        reviews.vote_helpful(session=session, review_id=mine.id, user_id=voter.id)
    assert http_status(err.value) == 409
    session.rollback()
    with pytest.raises(ReviewError) as err:
        reviews.vote_helpful(session=session, review_id=mine.id, user_id=author.id)
    assert http_status(err.value) == 403 and "own review" in err.value.message
    session.rollback()
    assert reviews.vote_helpful(session=session, review_id=mine.id, user_id=make_user(session).id) == 2
    page = reviews.list_reviews(session=session, product_id=product.id, viewer_id=voter.id)
    assert page.items[0].voted and page.items[0].helpful_count == 2 and not page.items[0].is_own
    assert len(session.exec(select(ReviewVote).where(ReviewVote.review_id == uuid.UUID(page.items[0].id))).all()) == 2


def test_review_text_is_stored_as_written(session, product):
    buyer = _buyer(session, product)
    mine = _review(session, buyer, product, title="<b>bold</b>", text="<script>alert(1)</script>")
    assert mine.content == "<script>alert(1)</script>"


def test_the_admin_role_changes_nothing_about_buying(session, product):
    admin = make_user(session, role=UserRole.admin)
    with pytest.raises(ReviewError, match=NOT_A_BUYER):
        _review(session, admin, product)
