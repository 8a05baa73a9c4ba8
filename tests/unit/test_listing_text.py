"""The listing pages' words, page links and URLs (pure helpers, no Reflex, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from marque_app import routes
from marque_app.domain import listing_text as text


@dataclass
class Filters:
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_rating: int | None = None
    in_stock: bool = False


def test_empty_message_names_every_filter_that_is_set():
    query = Filters(min_price=Decimal("10"), max_price=Decimal("20"), in_stock=True)
    assert (
        text.empty_message(query, category_name="Shoes", brand_name="Acme")
        == "No products in Shoes from Acme between $10.00 and $20.00 in stock."
    )
    assert (
        text.empty_message(Filters(max_price=Decimal("5.5"), min_rating=4))
        == "No products at $5.50 or less rated 4 stars or more."
    )
    assert text.empty_message(Filters(min_price=Decimal("1000"), min_rating=1)) == (
        "No products at $1,000.00 or more rated 1 star or more."
    )
    assert text.empty_message(Filters()) == "No products here yet."
    assert text.empty_message(Filters(min_price=Decimal(3), max_price=Decimal(3))) == ("No products at $3.00.")


@pytest.mark.parametrize(
    ("page", "pages", "expected"),
    [
        (1, 0, []),
        (1, 1, [1]),
        (1, 5, [1, 2, 0, 5]),
        (2, 5, [1, 2, 3, 4, 5]),  # a one-page gap is shown as that page
        (5, 52, [1, 0, 4, 5, 6, 0, 52]),
        (1, 52, [1, 2, 0, 52]),
        (52, 52, [1, 0, 51, 52]),
        (99, 3, [1, 2, 3]),  # past the end: around the last page
    ],
)
def test_page_window(page, pages, expected):
    assert text.page_window(page, pages) == expected


def test_counts_and_page_labels():
    assert text.count_label(1) == "1 product"
    assert text.count_label(0) == "0 products"
    assert text.count_label(1234) == "1,234 products"
    assert text.page_label(2, 52) == "Page 2 of 52"
    assert text.page_label(1, 0) == "Page 1 of 1"


def test_sort_choices_round_trip():
    for value, _label in text.SORT_CHOICES:
        assert text.sort_choice(*text.parse_sort_choice(value)) == value
    assert text.parse_sort_choice("price-sideways") == ("newest", "desc")


def test_browse_url_puts_category_or_brand_in_the_path():
    assert routes.browse_url({}) == "/shop"
    assert routes.browse_url({"sort": "price", "order": "asc"}) == "/shop?sort=price&order=asc"
    assert routes.browse_url({"category": "shoes", "in_stock": "1"}) == "/categories/shoes?in_stock=1"
    assert routes.browse_url({"brand": "acme", "page": "2"}) == "/brands/acme?page=2"
    both = {"category": "shoes", "brand": "acme"}
    assert routes.browse_url(both) == "/categories/shoes?brand=acme"
    assert routes.browse_url(both, prefer="brand") == "/brands/acme?category=shoes"
    # Special characters are escaped, never passed through.
    assert routes.browse_url({"brand": "a&b c"}) == "/brands/a%26b%20c"
    assert routes.listing_url("/shop", {"min_price": "<1>"}) == "/shop?min_price=%3C1%3E"
