"""The words and numbers around a product listing: sort choices, counts, page links, empty state.

Pure functions over a ``ListingQuery`` (marque_app.domain.listing), standard library only, so
the storefront's listing pages say the same thing everywhere and it is tested in milliseconds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from marque_app.domain.money import format_money

#: (value of the sort control, label): each is one ``sort`` and ``order`` of the query.
SORT_CHOICES: tuple[tuple[str, str], ...] = (
    ("newest-desc", "Newest"),
    ("newest-asc", "Oldest"),
    ("price-asc", "Price: low to high"),
    ("price-desc", "Price: high to low"),
    ("rating-desc", "Top rated"),
    ("rating-asc", "Lowest rated"),
    ("name-asc", "Name: A to Z"),
    ("name-desc", "Name: Z to A"),
)

#: (value of the minimum-rating control, label); "" is any rating.
RATING_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "Any rating"),
    ("4", "4 stars & up"),
    ("3", "3 stars & up"),
    ("2", "2 stars & up"),
    ("1", "1 star & up"),
)


class _Filters(Protocol):
    min_price: Decimal | None
    max_price: Decimal | None
    min_rating: int | None
    in_stock: bool


def sort_choice(sort: str, order: str) -> str:
    """The sort control's value for ``sort`` and ``order``: ``("price", "asc")`` -> ``"price-asc"``."""
    return f"{sort}-{order}"


def parse_sort_choice(value: str) -> tuple[str, str]:
    """``"price-asc"`` -> ``("price", "asc")``; anything unknown -> the default, newest first."""
    if value in dict(SORT_CHOICES):
        sort, order = value.split("-", 1)
        return sort, order
    return "newest", "desc"


def count_label(total: int) -> str:
    """``1`` -> ``"1 product"``, ``1234`` -> ``"1,234 products"``."""
    return f"{total:,} product" + ("" if total == 1 else "s")


def page_label(page: int, pages: int) -> str:
    """``"Page 2 of 52"``; a listing with no products still has its one (empty) page."""
    return f"Page {page:,} of {max(pages, 1):,}"


def page_window(page: int, pages: int, *, around: int = 1) -> list[int]:
    """The page numbers to link to: the first, the last and ``around`` either side of ``page``.

    A ``0`` marks a gap ("..."). ``page_window(5, 52)`` -> ``[1, 0, 4, 5, 6, 0, 52]``. A gap
    of a single page is shown as that page instead.
    """
    if pages <= 1:
        return [1] if pages == 1 else []
    current = min(max(page, 1), pages)
    wanted = {1, pages, *range(current - around, current + around + 1)}
    numbers = sorted(n for n in wanted if 1 <= n <= pages)
    out: list[int] = []
    for n in numbers:
        if out and n - out[-1] == 2:
            out.append(n - 1)
        elif out and n - out[-1] > 2:
            out.append(0)
        out.append(n)
    return out


def price_phrase(min_price: Decimal | None, max_price: Decimal | None) -> str:
    """``"between $10.00 and $20.00"``, ``"at $10.00 or more"``, ``"at $20.00 or less"`` or ``""``."""
    if min_price is not None and max_price is not None:
        if min_price == max_price:
            return f"at {format_money(min_price)}"
        return f"between {format_money(min_price)} and {format_money(max_price)}"
    if min_price is not None:
        return f"at {format_money(min_price)} or more"
    if max_price is not None:
        return f"at {format_money(max_price)} or less"
    return ""


def filter_phrase(query: _Filters, *, category_name: str = "", brand_name: str = "") -> str:
    """What the set filters ask for, as words: ``"in Shoes from Acme between $10.00 and $20.00
    rated 4 stars or more in stock"`` (empty when nothing is set)."""
    parts = []
    if category_name:
        parts.append(f"in {category_name}")
    if brand_name:
        parts.append(f"from {brand_name}")
    if price := price_phrase(query.min_price, query.max_price):
        parts.append(price)
    if query.min_rating:
        parts.append(f"rated {query.min_rating} star{'s' if query.min_rating != 1 else ''} or more")
    if query.in_stock:
        parts.append("in stock")
    return " ".join(parts)


def empty_message(query: _Filters, *, category_name: str = "", brand_name: str = "") -> str:
    """Why a listing shows nothing: ``"No products in Shoes from Acme between $10.00 and $20.00
    in stock."``; without filters, ``"No products here yet."``."""
    phrase = filter_phrase(query, category_name=category_name, brand_name=brand_name)
    return f"No products {phrase}." if phrase else "No products here yet."
