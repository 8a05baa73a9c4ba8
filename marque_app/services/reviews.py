"""Product reviews: verified buyers only, moderated before they show, helpful votes.

- :func:`submit_review`: the user must have an order with the product that is not cancelled
  (the review is marked a verified purchase and linked to that order line); one review per
  user and product: sending again edits the review while it is pending, and is refused once
  it was moderated. Rating 1-5, title up to 200 and text up to 5000 characters, stripped.
- :func:`moderate_review` (admin): approve/reject; the product's ``rating_average`` and
  ``review_count`` are recomputed from approved reviews in the same transaction.
- :func:`list_reviews`: approved reviews of a product, newest first, paged, with the rating
  summary (average, count, histogram 5..1); :func:`vote_helpful`: one vote per user and review,
  not on one's own.

Text is stored as written and must be rendered as text (``rx.text``; never as HTML).
Refusals raise :class:`marque_app.domain.reviews.ReviewError` and write nothing.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from marque_app.domain.reviews import (
    ALREADY_REVIEWED,
    APPROVED,
    NOT_A_BUYER,
    PENDING,
    REVIEW_NOT_FOUND,
    RatingSummary,
    ReviewError,
    check_review,
    check_status,
    rating_summary,
)
from marque_app.models import Order, OrderItem, OrderStatus, Product, ProductReview, ProductStatus, User
from marque_app.models.catalog import ReviewVote
from marque_app.models.types import utcnow
from marque_app.services.cache import invalidate_products, local_fetch
from marque_app.services.db import session_scope
from marque_app.views.reviews import MyReview, ReviewItem

MAX_PER_PAGE = 50
PRODUCT_NOT_FOUND = "Product not found"


# --- public schemas -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewPage:
    items: list[ReviewItem] = field(default_factory=list)
    summary: RatingSummary = field(default_factory=RatingSummary)
    page: int = 1
    per_page: int = 10
    pages: int = 0
    total: int = 0


@dataclass(frozen=True)
class Eligibility:
    """May this user review this product, and if not, why (words for the page)."""

    can_review: bool
    reason: str = ""
    existing: MyReview | None = None


@dataclass(frozen=True)
class ModerationItem:
    id: str
    product_id: str
    product_name: str
    product_slug: str
    user_id: str
    author: str
    email: str
    rating: int
    title: str
    content: str
    verified_purchase: bool
    status: str
    helpful_count: int
    created_at: str


@dataclass(frozen=True)
class ModerationPage:
    items: list[ModerationItem]
    total: int
    page: int
    pages: int
    per_page: int


# --- helpers ------------------------------------------------------------------------------------


def _as_uuid(value: object) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def author_name(first: str | None, last: str | None) -> str:
    """ "Ada L." — the first name and the initial of the last, never the e-mail."""
    first, last = (first or "").strip(), (last or "").strip()
    if not first:
        return f"{last[0]}." if last else "Verified customer"
    return f"{first} {last[0]}." if last else first


def find_product(session: Session, ref: str) -> Product:
    """An active product by id or slug.

    Raises:
        ReviewError: ``not_found``.
    """
    ident = _as_uuid(ref)
    query = select(Product).where(Product.id == ident) if ident else select(Product).where(Product.slug == str(ref))
    product = session.exec(query).first()
    if product is None or product.status != ProductStatus.active:
        raise ReviewError("not_found", PRODUCT_NOT_FOUND, field="product")
    return product


def purchased_item(session: Session, *, user_id: uuid.UUID, product_id: uuid.UUID) -> uuid.UUID | None:
    """The newest order line of ``user_id`` with the product, in an order not cancelled."""
    return session.exec(
        select(OrderItem.id)
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.user_id == user_id, OrderItem.product_id == product_id, Order.status != OrderStatus.cancelled)
        .order_by(Order.created_at.desc())
        .limit(1)
    ).first()


def _own_review(session: Session, *, user_id: uuid.UUID, product_id: uuid.UUID) -> ProductReview | None:
    return session.exec(
        select(ProductReview)
        .where(ProductReview.user_id == user_id, ProductReview.product_id == product_id)
        .order_by(ProductReview.created_at.desc())
        .limit(1)
    ).first()


def _mine(review: ProductReview) -> MyReview:
    return MyReview(
        id=str(review.id),
        rating=review.rating,
        title=review.title or "",
        content=review.content or "",
        status=review.status,
        verified_purchase=review.verified_purchase,
    )


def _date(when: datetime) -> str:
    return when.strftime("%b %d, %Y").replace(" 0", " ")


# --- shoppers -----------------------------------------------------------------------------------


def review_eligibility(*, session: Session, user_id: object | None, product_id: object) -> Eligibility:
    """Whether the user may write (or edit) a review of the product, and why not."""
    uid, pid = _as_uuid(user_id), _as_uuid(product_id)
    if uid is None:
        return Eligibility(False, "Log in to review this product")
    if pid is None:
        return Eligibility(False, PRODUCT_NOT_FOUND)
    existing = _own_review(session, user_id=uid, product_id=pid)
    if existing is not None and existing.status != PENDING:
        return Eligibility(False, ALREADY_REVIEWED, _mine(existing))
    if purchased_item(session, user_id=uid, product_id=pid) is None:
        return Eligibility(False, NOT_A_BUYER, _mine(existing) if existing else None)
    return Eligibility(True, "", _mine(existing) if existing else None)


def submit_review(
    *,
    session: Session,
    user_id: object,
    product_id: object,
    rating: object,
    title: object,
    text: object,
    now: datetime | None = None,
) -> MyReview:
    """Write a review (pending until moderated), or edit one's pending review.

    Raises:
        ReviewError: ``invalid`` (rating, title, text; naming the field), ``not_found`` (no
            such product), ``forbidden`` (not a buyer: :data:`NOT_A_BUYER`), ``conflict``
            (already reviewed and moderated), ``unauthorized`` (account gone).
    """
    now = now or utcnow()
    data = check_review(rating=rating, title=title, text=text)
    uid, pid = _as_uuid(user_id), _as_uuid(product_id)
    if uid is None:
        raise ReviewError("unauthorized", "Log in to review this product")
    # One writer per user at a time, so two quick submits cannot make two reviews.
    if session.exec(select(User.id).where(User.id == uid).with_for_update(key_share=True)).first() is None:
        raise ReviewError("unauthorized", "Log in to review this product")
    product = session.get(Product, pid) if pid else None
    if product is None or product.status != ProductStatus.active:
        raise ReviewError("not_found", PRODUCT_NOT_FOUND, field="product")
    item_id = purchased_item(session, user_id=uid, product_id=pid)
    if item_id is None:
        raise ReviewError("forbidden", NOT_A_BUYER)
    review = _own_review(session, user_id=uid, product_id=pid)
    if review is not None and review.status != PENDING:
        raise ReviewError("conflict", ALREADY_REVIEWED)
    if review is None:
        review = ProductReview(product_id=pid, user_id=uid, created_at=now, rating=data.rating)
    review.rating, review.title, review.content = data.rating, data.title, data.text
    review.order_item_id, review.verified_purchase, review.status = item_id, True, PENDING
    review.updated_at = now
    session.add(review)
    session.commit()
    return _mine(review)


def summary_for(session: Session, product_id: uuid.UUID) -> RatingSummary:
    """The rating summary of a product's approved reviews (one grouped query)."""
    rows = session.exec(
        select(ProductReview.rating, sa.func.count())
        .where(ProductReview.product_id == product_id, ProductReview.status == APPROVED)
        .group_by(ProductReview.rating)
    ).all()
    return rating_summary(rows)


def list_reviews(
    *, session: Session, product_id: object, page: int = 1, per_page: int = 10, viewer_id: object | None = None
) -> ReviewPage:
    """Approved reviews, newest first, with the summary; ``voted``/``is_own`` for the viewer."""
    pid = _as_uuid(product_id)
    if pid is None:
        raise ReviewError("not_found", PRODUCT_NOT_FOUND, field="product")
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ReviewError("invalid", "page must be a whole number from 1", field="page")
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise ReviewError("invalid", f"per_page must be a whole number from 1 to {MAX_PER_PAGE}", field="per_page")
    summary = summary_for(session, pid)
    rows = session.exec(
        select(ProductReview, User.first_name, User.last_name)
        .join(User, User.id == ProductReview.user_id, isouter=True)
        .where(ProductReview.product_id == pid, ProductReview.status == APPROVED)
        .order_by(ProductReview.created_at.desc(), ProductReview.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    viewer = _as_uuid(viewer_id)
    voted: set[uuid.UUID] = set()
    if viewer is not None and rows:
        voted = set(
            session.exec(
                select(ReviewVote.review_id).where(
                    ReviewVote.user_id == viewer, ReviewVote.review_id.in_([r.id for r, _, _ in rows])
                )
            ).all()
        )
    items = [
        ReviewItem(
            id=str(r.id),
            rating=r.rating,
            title=r.title or "",
            content=r.content or "",
            author=author_name(first, last) if r.user_id else "Customer",
            verified_purchase=r.verified_purchase,
            date=_date(r.created_at),
            helpful_count=r.helpful_count,
            voted=r.id in voted,
            is_own=viewer is not None and r.user_id == viewer,
        )
        for r, first, last in rows
    ]
    return ReviewPage(
        items=items,
        summary=summary,
        page=page,
        per_page=per_page,
        pages=math.ceil(summary.count / per_page) if summary.count else 0,
        total=summary.count,
    )


def vote_helpful(*, session: Session, review_id: object, user_id: object, now: datetime | None = None) -> int:
    """Count the user's "helpful" vote; the review's new helpful count.

    Raises:
        ReviewError: ``not_found`` (unknown or not approved), ``forbidden`` (one's own
            review), ``conflict`` (voted already).
    """
    rid, uid = _as_uuid(review_id), _as_uuid(user_id)
    if uid is None:
        raise ReviewError("unauthorized", "Log in to vote")
    review = session.get(ProductReview, rid) if rid else None
    if review is None or review.status != APPROVED:
        raise ReviewError("not_found", REVIEW_NOT_FOUND, field="review_id")
    if review.user_id == uid:
        raise ReviewError("forbidden", "You cannot vote on your own review")
    if session.exec(select(ReviewVote.id).where(ReviewVote.review_id == rid, ReviewVote.user_id == uid)).first():
        raise ReviewError("conflict", "You already found this review helpful")
    try:
        session.add(ReviewVote(review_id=rid, user_id=uid, created_at=now or utcnow()))
        session.flush()
    except IntegrityError:  # the same vote sent twice at once
        session.rollback()
        raise ReviewError("conflict", "You already found this review helpful") from None
    # Counted in SQL, so simultaneous votes of different users all count.
    session.execute(
        sa.update(ProductReview).where(ProductReview.id == rid).values(helpful_count=ProductReview.helpful_count + 1)
    )
    session.commit()
    return session.exec(select(ProductReview.helpful_count).where(ProductReview.id == rid)).one()


# --- moderation (admin) -------------------------------------------------------------------------


def _moderation_query():
    return (
        select(ProductReview, Product.name, Product.slug, User.first_name, User.last_name, User.email)
        .join(Product, Product.id == ProductReview.product_id)
        .join(User, User.id == ProductReview.user_id, isouter=True)
    )


def _moderation_item(row) -> ModerationItem:
    r, name, slug, first, last, email = row
    return ModerationItem(
        id=str(r.id),
        product_id=str(r.product_id),
        product_name=name,
        product_slug=slug,
        user_id=str(r.user_id or ""),
        author=author_name(first, last),
        email=email or "",
        rating=r.rating,
        title=r.title or "",
        content=r.content or "",
        verified_purchase=r.verified_purchase,
        status=r.status,
        helpful_count=r.helpful_count,
        created_at=r.created_at.isoformat(),
    )


def list_reviews_for_moderation(
    *, session: Session, status: str = PENDING, page: int = 1, per_page: int = 20, q: str = ""
) -> ModerationPage:
    """Reviews with ``status`` (default pending), oldest first: the moderation queue. ``q`` keeps
    those whose product name, title or author's e-mail contains it."""
    status = check_status(status)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ReviewError("invalid", "page must be a whole number from 1", field="page")
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise ReviewError("invalid", f"per_page must be a whole number from 1 to {MAX_PER_PAGE}", field="per_page")
    where = [ProductReview.status == status]
    needle = (q or "").strip().lower() if isinstance(q, str) else ""
    if needle:
        where.append(
            sa.or_(
                *(
                    sa.func.lower(col).contains(needle, autoescape=True)
                    for col in (Product.name, ProductReview.title, User.email)
                )
            )
        )
    total = session.exec(select(sa.func.count()).select_from(_moderation_query().where(*where).subquery())).one()
    rows = session.exec(
        _moderation_query()
        .where(*where)
        .order_by(ProductReview.created_at, ProductReview.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return ModerationPage(
        items=[_moderation_item(row) for row in rows],
        total=total,
        page=page,
        pages=math.ceil(total / per_page) if total else 0,
        per_page=per_page,
    )


def moderate_review(
    *, session: Session, review_id: object, status: object, actor_id: object | None = None, now: datetime | None = None
) -> ModerationItem:
    """Set a review's status; the product's rating and review count follow, in one transaction.

    Raises:
        ReviewError: ``invalid`` status, ``not_found`` review.
    """
    status = check_status(status)
    rid = _as_uuid(review_id)
    review = session.get(ProductReview, rid) if rid else None
    if review is None:
        raise ReviewError("not_found", REVIEW_NOT_FOUND, field="review_id")
    # The product row is locked, so two moderations of its reviews recompute one after the other.
    product = session.exec(select(Product).where(Product.id == review.product_id).with_for_update(key_share=True)).one()
    session.refresh(review)
    review.status = status
    review.updated_at = now or utcnow()
    session.add(review)
    session.flush()
    summary = summary_for(session, product.id)
    product.review_count = summary.count
    product.rating_average = summary.average_decimal
    session.add(product)
    session.commit()
    invalidate_products()  # listings sort and filter by rating (no-op without Redis)
    return _moderation_item(session.exec(_moderation_query().where(ProductReview.id == review.id)).one())


def product_reviews(*, slug: str, user_id: str | None, page: int, per_page: int = 10):
    """(product id, a page of its approved reviews, the user's eligibility) for the product page.

    A guest's page (the same for every guest) comes from the process-local catalog tier
    (``services.cache.local_fetch``; moderation bumps the products generation). Called from a
    worker thread.

    Raises:
        ReviewError: no active product by that slug.
    """

    def read():
        with session_scope() as session:
            product = find_product(session, slug)
            view = list_reviews(session=session, product_id=product.id, page=page, per_page=per_page, viewer_id=user_id)
            eligibility = review_eligibility(session=session, user_id=user_id, product_id=product.id)
            return str(product.id), view, eligibility

    if user_id is not None:
        return read()
    return local_fetch("reviews", {"slug": slug, "page": str(page), "per": str(per_page)}, read)
