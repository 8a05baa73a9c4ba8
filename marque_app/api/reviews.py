"""The reviews REST API.

- ``GET /api/v1/products/{ref}/reviews?page=&per_page=``: approved reviews (newest first) and
  the rating summary (average, count, histogram of 5..1 stars). Public.
- ``POST /api/v1/products/{ref}/reviews {rating, title, text}``: a buyer's review (201),
  pending until moderated; sending again edits the pending one. 403 for non-buyers.
- ``POST /api/v1/reviews/{id}/helpful``: one vote per user, not on one's own review.
- Admin: ``GET /api/v1/admin/reviews?status=pending&q=``, ``PUT /api/v1/admin/reviews/{id} {status}``
  (through ``services.admin.returns.moderate``, so the change is in the admin activity log).

Errors are ``{"detail", "field"}``. Review text is returned as written: clients render it as
text, never as HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from marque_app.domain.admin import AdminError
from marque_app.domain.reviews import MAX_TEXT, MAX_TITLE, ReviewError
from marque_app.services import reviews
from marque_app.services.admin import Actor
from marque_app.services.admin import returns as admin_returns
from marque_app.services.auth.guard import AuthUser
from marque_app.views.reviews import MyReview, ReviewItem

from .deps import CurrentUser, SessionDep, require_roles
from .errors import http_status
from .schemas import ErrorOut, RequestModel, model_of

THANKS = "Thanks — your review will appear once approved"


class ReviewRoute(APIRoute):
    """Answers :class:`ReviewError` and :class:`AdminError` as ``{detail, field}``."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def run(request: Request):
            try:
                return await handler(request)
            except ReviewError as err:
                return JSONResponse({"detail": err.message, "field": err.field}, status_code=http_status(err))
            except AdminError as err:  # the admin routes' refusals (services.admin)
                return JSONResponse({"detail": err.message, "field": err.field or None}, status_code=http_status(err))

        return run


class ReviewIn(RequestModel):
    rating: Any = Field(None, description="A whole number from 1 to 5")
    title: Any = Field("", description=f"Up to {MAX_TITLE} characters")
    text: Any = Field("", description=f"Up to {MAX_TEXT} characters")


class StatusIn(RequestModel):
    status: Any = Field(None, description="approved, rejected or pending")


class SummaryOut(BaseModel):
    average: str = Field(examples=["4.33"])
    count: int
    histogram: list[int] = Field(description="How many reviews gave 5, 4, 3, 2 and 1 stars")


ReviewOut = model_of(
    ReviewItem,
    "ReviewOut",
    {
        "voted": {"description": "The caller found it helpful already"},
        "is_own": {"description": "The caller's own review"},
    },
)


class ReviewPageOut(BaseModel):
    items: list[ReviewOut]
    summary: SummaryOut
    page: int
    per_page: int
    pages: int
    total: int


@dataclass(frozen=True)
class MyReviewOut(MyReview):
    """The caller's review (the view of ``services.reviews``) with the page's thank-you line."""

    message: Annotated[str, Field(examples=[THANKS])]


class HelpfulOut(BaseModel):
    helpful_count: int


ERRORS = {s: {"model": ErrorOut} for s in (401, 403, 404, 409, 422)}
router = APIRouter(prefix="/api/v1", tags=["reviews"], route_class=ReviewRoute, responses=ERRORS)
Admin = Annotated[AuthUser, Depends(require_roles("admin"))]
Page = Annotated[int, Query(ge=1, description="From 1")]
PerPage = Annotated[int, Query(ge=1, le=reviews.MAX_PER_PAGE)]


def _summary(summary) -> dict:
    return {"average": summary.average, "count": summary.count, "histogram": list(summary.histogram)}


@router.get("/products/{ref}/reviews", response_model=ReviewPageOut, summary="Approved reviews and the rating summary")
def list_reviews(ref: str, session: SessionDep, page: Page = 1, per_page: PerPage = 10) -> JSONResponse:
    product = reviews.find_product(session, ref)
    view = reviews.list_reviews(session=session, product_id=product.id, page=page, per_page=per_page)
    return JSONResponse(
        {
            "items": [asdict(i) for i in view.items],
            "summary": _summary(view.summary),
            "page": view.page,
            "per_page": view.per_page,
            "pages": view.pages,
            "total": view.total,
        }
    )


@router.post(
    "/products/{ref}/reviews",
    response_model=MyReviewOut,
    status_code=201,
    summary="Review a product you bought (pending until approved)",
)
def submit_review(ref: str, body: ReviewIn, user: CurrentUser, session: SessionDep) -> JSONResponse:
    product = reviews.find_product(session, ref)
    mine = reviews.submit_review(
        session=session, user_id=user.id, product_id=product.id, rating=body.rating, title=body.title, text=body.text
    )
    return JSONResponse({**asdict(mine), "message": THANKS}, status_code=201)


@router.post("/reviews/{review_id}/helpful", response_model=HelpfulOut, summary="Mark a review helpful (once)")
def vote_helpful(review_id: str, user: CurrentUser, session: SessionDep) -> JSONResponse:
    return JSONResponse({"helpful_count": reviews.vote_helpful(session=session, review_id=review_id, user_id=user.id)})


@router.get("/admin/reviews", summary="The moderation queue (admin)")
def moderation_queue(
    admin: Admin, session: SessionDep, status: str = "pending", page: Page = 1, per_page: PerPage = 20, q: str = ""
) -> JSONResponse:
    """Oldest first; ``q`` keeps the reviews whose product name, title or author's e-mail contains it."""
    view = reviews.list_reviews_for_moderation(session=session, status=status, page=page, per_page=per_page, q=q)
    return JSONResponse(
        {
            "items": [asdict(i) for i in view.items],
            "total": view.total,
            "page": view.page,
            "pages": view.pages,
            "per_page": view.per_page,
        }
    )


@router.put("/admin/reviews/{review_id}", summary="Approve or reject a review (admin)")
def moderate(review_id: str, body: StatusIn, admin: Admin, session: SessionDep) -> JSONResponse:
    """Body: ``{"status": "approved" | "rejected" | "pending"}``; the product's rating follows and
    the admin activity log gets a ``review.<status>`` row (in the same transaction)."""
    item = admin_returns.moderate(session=session, actor=Actor.of(admin), review_id=review_id, status=body.status)
    return JSONResponse(asdict(item))
