"""The reviews' view types: a review on the product page, the viewer's own review."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReviewItem:
    id: str = ""
    rating: int = 0
    title: str = ""
    content: str = ""
    author: str = ""
    verified_purchase: bool = False
    date: str = ""
    helpful_count: int = 0
    voted: bool = False  # the viewer found it helpful already
    is_own: bool = False


@dataclass(frozen=True)
class MyReview:
    id: str
    rating: int
    title: str
    content: str
    status: str
    verified_purchase: bool
