"""Review rules: what a review may hold, and the rating summary of a product.

Pure Python (stdlib only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from marque_app.domain.errors import DomainError, check_kind

MAX_TITLE = 200
MAX_TEXT = 5000
STATUSES = ("pending", "approved", "rejected")
PENDING, APPROVED, REJECTED = STATUSES

NOT_A_BUYER = "Only customers who bought this product can review it"
ALREADY_REVIEWED = "You have already reviewed this product"
REVIEW_NOT_FOUND = "Review not found"
RATING_MESSAGE = "Rating must be a whole number from 1 to 5"


class ReviewError(DomainError):
    """A refused review operation.

    Attributes:
        kind: ``invalid``, ``forbidden``, ``not_found``, ``conflict`` or ``unauthorized``.
        field: the request field at fault, when there is one.
    """

    KINDS = frozenset({"invalid", "forbidden", "not_found", "conflict", "unauthorized"})

    def __init__(self, kind: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.kind = check_kind(kind, self.KINDS, "review")


@dataclass(frozen=True)
class ReviewInput:
    rating: int
    title: str
    text: str


def check_review(*, rating: object, title: object, text: object) -> ReviewInput:
    """The review as it will be stored: rating 1-5, title and text stripped and within limits.

    Raises:
        ReviewError: ``invalid`` naming the field.
    """
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ReviewError("invalid", RATING_MESSAGE, field="rating")
    if not isinstance(title, str):
        raise ReviewError("invalid", "The title must be text", field="title")
    if not isinstance(text, str):
        raise ReviewError("invalid", "The review must be text", field="text")
    title, text = title.strip(), text.strip()
    if not title:
        raise ReviewError("invalid", "Give your review a title", field="title")
    if len(title) > MAX_TITLE:
        raise ReviewError("invalid", f"The title can be at most {MAX_TITLE} characters", field="title")
    if not text:
        raise ReviewError("invalid", "Write a few words about the product", field="text")
    if len(text) > MAX_TEXT:
        raise ReviewError("invalid", f"The review can be at most {MAX_TEXT} characters", field="text")
    return ReviewInput(rating=rating, title=title, text=text)


def check_status(status: object) -> str:
    """A moderation status: ``approved``, ``rejected`` or ``pending``."""
    if status not in STATUSES:
        raise ReviewError("invalid", "Status must be pending, approved or rejected", field="status")
    return str(status)


@dataclass(frozen=True)
class RatingSummary:
    """Average (a "4.3" string, "" without reviews), count and histogram 5..1 of approved reviews."""

    average: str = ""
    count: int = 0
    histogram: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])  # counts of 5, 4, 3, 2, 1 stars

    @property
    def average_decimal(self) -> Decimal:
        return Decimal(self.average) if self.average else Decimal("0")


def rating_summary(counts: Iterable[tuple[int, int]]) -> RatingSummary:
    """The summary from ``(rating, how many)`` pairs.

    >>> rating_summary([(5, 2), (4, 1)]).average
    '4.67'
    """
    by_rating = {r: 0 for r in range(1, 6)}
    for rating, n in counts:
        if rating in by_rating:
            by_rating[rating] += int(n)
    count = sum(by_rating.values())
    if not count:
        return RatingSummary()
    total = sum(r * n for r, n in by_rating.items())
    average = (Decimal(total) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return RatingSummary(average=str(average), count=count, histogram=[by_rating[r] for r in (5, 4, 3, 2, 1)])
