"""The reviews section of the product page: approved reviews, the summary, the review form.

Loaded by ``load_reviews`` on the product page (after ``ProductState.load_product``). Every
handler calls one service of :mod:`marque_app.services.reviews` in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from marque_app.domain.reviews import MAX_TEXT, MAX_TITLE, ReviewError
from marque_app.services import reviews as review_services
from marque_app.services.reviews import ReviewItem
from marque_app.state.auth import AuthState, call_service, holds_user_data
from marque_app.state.changes import assign


@dataclass(frozen=True)
class HistogramRow:
    stars: int = 0
    count: int = 0
    percent: int = 0


THANKS = "Thanks — your review will appear once approved"
PER_PAGE = 10


@holds_user_data
class ReviewsState(rx.State):
    items: list[ReviewItem] = []
    average: str = ""
    count: int = 0
    histogram: list[int] = [0, 0, 0, 0, 0]  # 5..1 stars
    page: int = 1
    pages: int = 0
    can_review: bool = False
    cannot_reason: str = ""
    my_status: str = ""  # the user's own review: pending, approved, rejected, ""
    rating: int = 0
    title: str = ""
    text: str = ""
    form_error: str = ""
    form_field: str = ""
    thanks: str = ""
    _product_id: str = ""
    _slug: str = ""

    async def _refresh(self, page: int | None = None) -> None:
        auth = await self.get_state(AuthState)
        user = await auth.current_user()
        try:
            answer = await asyncio.to_thread(self._reader(str(user.id) if user else None, page))
        except ReviewError:
            answer = None
        self._show(answer)

    def _reader(self, user_id: str | None, page: int | None = None) -> Callable[[], Any]:
        """The blocking read of this product's reviews (for a worker thread: see
        ``ProductState.load_page``, which reads them with the product in one)."""
        slug, page = self._slug, page or self.page
        return lambda: review_services.product_reviews(slug=slug, user_id=user_id, page=page, per_page=PER_PAGE)

    def _start(self, slug: str) -> None:
        """A product page opens: a new product starts with an empty form on page 1."""
        if slug != self._slug:
            self._slug = slug
            assign(self, rating=0, title="", text="", form_error="", form_field="", thanks="", page=1)

    def _show(self, answer: tuple | None) -> None:
        """Show what :meth:`_reader` read (None: no such product)."""
        if answer is None:
            assign(self, _product_id="", items=[], count=0, average="", can_review=False, cannot_reason="")
            return
        product_id, view, eligibility = answer
        existing = eligibility.existing
        # only what changed is set (state.changes.assign): the form and the paging mostly stay
        assign(
            self,
            _product_id=product_id,
            items=view.items,
            average=view.summary.average,
            count=view.summary.count,
            histogram=list(view.summary.histogram),
            page=view.page,
            pages=view.pages,
            can_review=eligibility.can_review,
            cannot_reason=eligibility.reason,
            my_status=existing.status if existing else "",
        )
        if existing and not self.title and not self.text:  # editing a pending review: start from it
            self.rating, self.title, self.text = existing.rating, existing.title, existing.content

    @rx.event
    async def load_reviews(self):
        self._start(self.slug)  # the dynamic route argument of /products/[slug]
        await self._refresh()

    @rx.event
    def set_rating(self, rating: int):
        self.rating = rating
        if self.form_field == "rating":
            self.form_error = self.form_field = ""

    @rx.event
    def set_title(self, title: str):
        self.title = title[: MAX_TITLE + 50]

    @rx.event
    def set_text(self, text: str):
        self.text = text[: MAX_TEXT + 50]

    @rx.event
    async def submit_review(self, form_data: dict[str, Any] | None = None):
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            return auth.refusal()
        self.form_error = self.form_field = self.thanks = ""
        try:
            mine = await call_service(
                review_services.submit_review,
                user_id=user.id,
                product_id=self._product_id,
                rating=self.rating,
                title=self.title,
                text=self.text,
            )
        except ReviewError as err:
            self.form_error, self.form_field = err.message, err.field or ""
            return None
        self.rating, self.title, self.text = mine.rating, mine.title, mine.content
        self.thanks = THANKS
        await self._refresh()
        return rx.toast.success(THANKS)

    @rx.event
    async def vote_helpful(self, review_id: str):
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            return auth.refusal()
        try:
            await call_service(review_services.vote_helpful, review_id=review_id, user_id=user.id)
        except ReviewError as err:
            return rx.toast.error(err.message)
        await self._refresh()
        return None

    @rx.event
    async def go_to_page(self, page: int):
        if 1 <= page <= max(self.pages, 1):
            await self._refresh(page)

    @rx.var
    def rating_label(self) -> str:
        return f"{self.rating} of 5 stars" if self.rating else "Choose a rating"

    @rx.var
    def histogram_rows(self) -> list[HistogramRow]:
        """One bar per star count, 5..1, for the summary."""
        total = self.count or 1
        return [
            HistogramRow(stars=5 - i, count=n, percent=round(100 * n / total)) for i, n in enumerate(self.histogram)
        ]

    @rx.var
    def has_reviews(self) -> bool:
        return self.count > 0
