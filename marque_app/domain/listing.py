"""The product listing's query: filters, sort and page, parsed from and written to a query string.

One ``ListingQuery`` serves the storefront pages (their URL query string), the REST API (its query
parameters) and the cache (its keys, from ``to_params``). Standard library only.

Error messages name the parameter and the rule, never the value that was sent, so nothing a
shopper typed is ever echoed back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from marque_app.domain.errors import DomainError

SORT_FIELDS = ("newest", "name", "price", "rating")  # the seed's created_at is "newest"
ORDERS = ("asc", "desc")
DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 100
#: Prices are NUMERIC(10, 2): nothing above this exists.
MAX_PRICE = Decimal("99999999.99")
#: Longer values are refused before any work (a slug is at most 100 characters).
MAX_VALUE_LENGTH = 100
#: The query-string keys, in the order ``to_params`` writes them.
PARAM_KEYS = (
    "category",
    "brand",
    "min_price",
    "max_price",
    "rating",
    "in_stock",
    "sort",
    "order",
    "page",
    "per_page",
)
#: Other spellings accepted for a sort field (the seed says ``created_at``).
SORT_ALIASES = {"created_at": "newest", "created": "newest", "rating_average": "rating"}

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_CENTS = Decimal("0.01")


class ListingQueryError(DomainError, ValueError):
    """One bad query-string value (``invalid``): ``field`` is the parameter, ``message`` says what
    is allowed."""

    kind = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
        self.field: str = field


@dataclass(frozen=True)
class ListingQuery:
    """What a product listing shows: filters, sort order and page."""

    category: str = ""  # category slug, "" = all (a category includes its subcategories)
    brand: str = ""  # brand slug
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_rating: int | None = None  # 1..5
    in_stock: bool = False
    sort: str = "newest"
    order: str = "desc"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def to_params(self) -> dict[str, str]:
        """The query-string parameters that differ from the defaults, in a stable order.

        Equal queries give equal dicts, so the result is also the canonical cache key.
        """
        values = {
            "category": self.category,
            "brand": self.brand,
            "min_price": _price_text(self.min_price),
            "max_price": _price_text(self.max_price),
            "rating": str(self.min_rating) if self.min_rating is not None else "",
            "in_stock": "1" if self.in_stock else "",
            "sort": self.sort if self.sort != "newest" else "",
            "order": self.order if self.order != "desc" else "",
            "page": str(self.page) if self.page != 1 else "",
            "per_page": str(self.per_page) if self.per_page != DEFAULT_PER_PAGE else "",
        }
        return {key: values[key] for key in PARAM_KEYS if values[key]}

    def with_changes(self, **changes: Any) -> ListingQuery:
        """A copy with ``changes``; the page goes back to 1 unless ``page`` is one of them."""
        changes.setdefault("page", 1)
        return dataclasses.replace(self, **changes)

    @property
    def is_filtered(self) -> bool:
        """True when any filter (not the sort or the page) narrows the listing."""
        return bool(
            self.category
            or self.brand
            or self.min_price is not None
            or self.max_price is not None
            or self.min_rating is not None
            or self.in_stock
        )

    @property
    def offset(self) -> int:
        """How many products come before this page."""
        return (self.page - 1) * self.per_page


def _price_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = str(value.quantize(_CENTS))
    return text[:-3] if text.endswith(".00") else text


def _text(params: Mapping[str, str], key: str) -> str:
    value = params.get(key)
    if isinstance(value, (list, tuple)):  # a repeated parameter: the last one wins
        value = value[-1] if value else None
    return "" if value is None else str(value).strip()


def _price(field: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ListingQueryError(field, f"{field} must be a number such as 25 or 19.99")
    if value < 0:
        raise ListingQueryError(field, f"{field} must be 0 or more")
    if value > MAX_PRICE:
        raise ListingQueryError(field, f"{field} must be at most {MAX_PRICE}")
    return value.quantize(_CENTS, rounding=ROUND_HALF_UP)


def _whole(field: str, text: str, low: int, high: int | None) -> int:
    # isdecimal() also accepts other scripts' digits; int() reads those correctly.
    if not text.isdecimal() or not text.isascii():
        raise ListingQueryError(field, _range_message(field, low, high))
    value = int(text)
    if value < low or (high is not None and value > high):
        raise ListingQueryError(field, _range_message(field, low, high))
    return value


def _range_message(field: str, low: int, high: int | None) -> str:
    if high is None:
        return f"{field} must be a whole number of {low} or more"
    return f"{field} must be a whole number from {low} to {high}"


def parse_listing_query(
    params: Mapping[str, str], *, strict: bool = True
) -> tuple[ListingQuery, list[ListingQueryError]]:
    """Read a listing query from query-string parameters.

    Keys: ``category``, ``brand``, ``min_price``, ``max_price``, ``rating`` (minimum, 1-5),
    ``in_stock`` (1/true/yes/on or 0/false/no/off), ``sort`` (newest, name, price, rating),
    ``order`` (asc, desc), ``page`` (from 1), ``per_page`` (1-100). Blank values mean "not set";
    unknown keys are ignored.

    Args:
        params: The parameters (a dict, Starlette's ``QueryParams``, a page's router params).
        strict: True (the API): raise the first error. False (pages): drop each bad value, keep
            the valid ones and return the errors so the page can say what was ignored.

    Returns:
        The query and the list of errors (always empty when ``strict``).

    Raises:
        ListingQueryError: in strict mode, for the first bad value.
    """
    errors: list[ListingQueryError] = []
    values: dict[str, Any] = {}

    def check(field: str, read: Callable[[str, str], Any]) -> None:
        text = _text(params, field)
        if not text:
            return
        try:
            if len(text) > MAX_VALUE_LENGTH:
                raise ListingQueryError(field, f"{field} is too long (at most {MAX_VALUE_LENGTH} characters)")
            values[field] = read(field, text)
        except ListingQueryError as error:
            if strict:
                raise
            errors.append(error)

    def slug(field: str, text: str) -> str:
        # Control characters (a NUL byte stops PostgreSQL) never occur in a slug.
        if not text.isprintable():
            raise ListingQueryError(field, f"{field} must not contain control characters")
        return text.lower()

    def sort(field: str, text: str) -> str:
        key = SORT_ALIASES.get(text.lower(), text.lower())
        if key not in SORT_FIELDS:
            raise ListingQueryError(field, f"sort must be one of: {', '.join(SORT_FIELDS)}")
        return key

    def order(field: str, text: str) -> str:
        if text.lower() not in ORDERS:
            raise ListingQueryError(field, "order must be asc or desc")
        return text.lower()

    def flag(field: str, text: str) -> bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ListingQueryError(field, f"{field} must be 1, true, 0 or false")

    check("category", slug)
    check("brand", slug)
    check("min_price", _price)
    check("max_price", _price)
    check("rating", lambda f, t: _whole(f, t, 1, 5))
    check("in_stock", flag)
    check("sort", sort)
    check("order", order)
    check("page", lambda f, t: _whole(f, t, 1, None))
    check("per_page", lambda f, t: _whole(f, t, 1, MAX_PER_PAGE))

    low, high = values.get("min_price"), values.get("max_price")
    if low is not None and high is not None and low > high:
        error = ListingQueryError("max_price", "max_price must not be less than min_price")
        if strict:
            raise error
        errors.append(error)
        del values["max_price"]

    query = ListingQuery(
        category=values.get("category", ""),
        brand=values.get("brand", ""),
        min_price=values.get("min_price"),
        max_price=values.get("max_price"),
        min_rating=values.get("rating"),
        in_stock=values.get("in_stock", False),
        sort=values.get("sort", "newest"),
        order=values.get("order", "desc"),
        page=values.get("page", 1),
        per_page=values.get("per_page", DEFAULT_PER_PAGE),
    )
    return query, errors
