"""Admin returns (approve, reject, receive, refund) and review moderation (approve, reject).

Thin: every load and handler checks the admin first (``require_admin``) and calls one service of
``services.admin.returns``. The list's filters and page live in the URL; a filter form redirects
to the new URL, whose ``on_load`` reads it. A refused action (the return's status moved on, an
amount over what is left, an unpaid order) changes nothing: it shows its reason in a toast and in
the page's banner, and the list is read again so it shows what the database holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from marque_app import routes
from marque_app.domain.admin import AdminError, paging
from marque_app.models.enums import RETURN_STATUSES
from marque_app.services.admin import Actor
from marque_app.services.admin import returns as admin_returns
from marque_app.services.admin.returns import ReturnRow

from .base import form_text, query, refuse, require_admin, run, toast, url_with

PER_PAGE = 20
REVIEW_STATUSES = ("pending", "approved", "rejected")
ACTION_DONE = {
    "approve": "approved",
    "reject": "rejected",
    "receive": "received (stock put back)",
    "refund": "refunded",
}


def _paging(state: rx.State):
    try:
        return paging(query(state, "page"), None, PER_PAGE)
    except AdminError:
        return paging(None, None, PER_PAGE)


# --- returns --------------------------------------------------------------------------------------


class AdminReturnsState(rx.State):
    items: list[ReturnRow] = []
    total: int = 0
    page: int = 1
    pages: int = 0
    status: str = ""
    q: str = ""
    loaded: bool = False
    error: str = ""
    # remounts the uncontrolled inputs (filters, refund amounts) when their defaults change
    form_key: int = 0

    def _url(self, page: int) -> str:
        return url_with(routes.ADMIN_RETURNS, {"status": self.status, "q": self.q, "page": page if page > 1 else ""})

    @rx.var
    def prev_url(self) -> str:
        return self._url(self.page - 1)

    @rx.var
    def next_url(self) -> str:
        return self._url(self.page + 1)

    async def _read(self) -> None:
        try:
            result = await run(admin_returns.list_returns, paging=_paging(self), status=self.status, q=self.q)
            if not result.items and result.page > 1 and result.pages:  # an action emptied this page
                result = await run(
                    admin_returns.list_returns,
                    paging=paging(result.pages, None, PER_PAGE),
                    status=self.status,
                    q=self.q,
                )
        except AdminError as err:
            self.items, self.total, self.page, self.pages = [], 0, 1, 0
            self.error = err.message
            return
        self.items, self.total, self.page, self.pages = result.items, result.total, result.page, result.pages

    @rx.event
    async def load_returns(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        self.status, self.q, self.error = query(self, "status"), query(self, "q"), ""
        await self._read()
        self.loaded, self.form_key = True, self.form_key + 1
        return None

    @rx.event
    async def apply(self, form: dict):
        if await require_admin(self) is None:
            return await refuse(self)
        status = form_text(form, "status").strip()
        return rx.redirect(
            url_with(
                routes.ADMIN_RETURNS,
                {"status": status if status in RETURN_STATUSES else "", "q": form_text(form, "q").strip()},
            )
        )

    async def _act(self, return_id: str, action: str, data: dict | None = None):
        user = await require_admin(self)
        if user is None:
            return await refuse(self)
        number = next((r.return_number for r in self.items if r.id == return_id), "")
        try:
            row = await run(admin_returns.act, actor=Actor.of(user), return_id=return_id, action=action, data=data)
        except AdminError as err:
            self.error = f"Return {number}: {err.message}" if number else err.message
            await self._read()  # shows the return as it is now (another admin may have moved it)
            return toast.error(self.error)
        self.error = ""
        await self._read()
        self.form_key += 1
        return toast.success(f"Return {row.return_number} {ACTION_DONE.get(action, action)}")

    @rx.event
    async def act(self, return_id: str, action: str):
        """approve, reject or receive one return (refund has its own form, for the amount)."""
        if action == "refund":
            return await self.refund({"return_id": return_id})
        return await self._act(str(return_id or ""), str(action or ""))

    @rx.event
    async def refund(self, form: dict):
        return await self._act(form_text(form, "return_id"), "refund", {"amount": form_text(form, "amount")})


# --- reviews --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    id: str = ""
    product_name: str = ""
    product_url: str = ""
    stars: str = ""  # "★★★★☆"
    rating: int = 0
    title: str = ""
    content: str = ""
    author: str = ""
    email: str = ""
    verified_purchase: bool = False
    status: str = ""
    date: str = ""  # "2026-11-21 15:40 UTC"

    @classmethod
    def of(cls, item) -> ReviewRow:
        return cls(
            id=item.id,
            product_name=item.product_name,
            product_url=routes.product_url(item.product_slug),
            stars="★" * item.rating + "☆" * (5 - item.rating),
            rating=item.rating,
            title=item.title,
            content=item.content,
            author=item.author,
            email=item.email,
            verified_purchase=item.verified_purchase,
            status=item.status,
            date=item.created_at[:16].replace("T", " ") + " UTC",
        )


class AdminReviewsState(rx.State):
    items: list[ReviewRow] = []
    total: int = 0
    page: int = 1
    pages: int = 0
    status: str = "pending"
    q: str = ""
    counts: dict[str, int] = {"pending": 0, "approved": 0, "rejected": 0}
    loaded: bool = False
    error: str = ""

    def _url(self, page: int) -> str:
        return url_with(routes.ADMIN_REVIEWS, {"status": self.status, "q": self.q, "page": page if page > 1 else ""})

    @rx.var
    def tab_urls(self) -> dict[str, str]:
        """Each status tab's link (the search is kept)."""
        return {st: url_with(routes.ADMIN_REVIEWS, {"status": st, "q": self.q}) for st in REVIEW_STATUSES}

    @rx.var
    def prev_url(self) -> str:
        return self._url(self.page - 1)

    @rx.var
    def next_url(self) -> str:
        return self._url(self.page + 1)

    async def _read(self) -> None:
        counts = {}
        for status in REVIEW_STATUSES:
            counts[status] = (
                await run(admin_returns.moderation_queue, status=status, paging=paging(1, 1), q=self.q)
            ).total
        self.counts = counts
        if self.status not in REVIEW_STATUSES:
            self.items, self.total, self.page, self.pages = [], 0, 1, 0
            self.error = "Status must be pending, approved or rejected"
            return
        result = await run(admin_returns.moderation_queue, status=self.status, paging=_paging(self), q=self.q)
        if not result.items and result.page > 1 and result.pages:  # the last one of a page left it
            result = await run(
                admin_returns.moderation_queue,
                status=self.status,
                paging=paging(result.pages, None, PER_PAGE),
                q=self.q,
            )
        self.items = [ReviewRow.of(i) for i in result.items]
        self.total, self.page, self.pages = result.total, result.page, result.pages

    @rx.event
    async def load_reviews(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        self.status, self.q, self.error = query(self, "status") or "pending", query(self, "q"), ""
        await self._read()
        self.loaded = True
        return None

    @rx.event
    async def apply(self, form: dict):
        if await require_admin(self) is None:
            return await refuse(self)
        return rx.redirect(url_with(routes.ADMIN_REVIEWS, {"status": self.status, "q": form_text(form, "q").strip()}))

    @rx.event
    async def moderate(self, review_id: str, status: str):
        """Approve or reject one review (from any status); the product's rating follows."""
        user = await require_admin(self)
        if user is None:
            return await refuse(self)
        try:
            item = await run(admin_returns.moderate, actor=Actor.of(user), review_id=review_id, status=status)
        except AdminError as err:
            self.error = err.message
            return toast.error(err.message)
        self.error = ""
        await self._read()
        return toast.success(f"Review of {item.product_name} {item.status}")
