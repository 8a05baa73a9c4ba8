"""The listing query: parsing a query string, writing it back, and its errors."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from marque_app.domain.listing import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    ListingQuery,
    ListingQueryError,
    parse_listing_query,
)


def parse(params, strict=True):
    query, errors = parse_listing_query(params, strict=strict)
    return query, errors


def test_empty_query_string_gives_the_defaults():
    query, errors = parse({})
    assert query == ListingQuery()
    assert errors == []
    assert query.to_params() == {}
    assert query.is_filtered is False
    assert (query.sort, query.order, query.page, query.per_page) == ("newest", "desc", 1, DEFAULT_PER_PAGE)


def test_every_parameter_is_read():
    query, _ = parse(
        {
            "category": "Shoes",
            "brand": "northwind",
            "min_price": "10",
            "max_price": "99.5",
            "rating": "4",
            "in_stock": "true",
            "sort": "price",
            "order": "ASC",
            "page": "3",
            "per_page": "48",
        }
    )
    assert query == ListingQuery(
        category="shoes",
        brand="northwind",
        min_price=Decimal("10.00"),
        max_price=Decimal("99.50"),
        min_rating=4,
        in_stock=True,
        sort="price",
        order="asc",
        page=3,
        per_page=48,
    )
    assert query.is_filtered is True
    assert query.offset == 96


def test_to_params_is_canonical_and_round_trips():
    query, _ = parse(
        {"per_page": "48", "in_stock": "on", "max_price": "99.50", "category": "shoes", "min_price": "10.0"}
    )
    params = query.to_params()
    assert list(params) == ["category", "min_price", "max_price", "in_stock", "per_page"]
    assert params == {
        "category": "shoes",
        "min_price": "10",
        "max_price": "99.50",
        "in_stock": "1",
        "per_page": "48",
    }
    again, _ = parse(params)
    assert again == query
    assert again.to_params() == params
    # The same listing written differently gives the same parameters (the cache key).
    other, _ = parse(
        {
            "category": "SHOES",
            "min_price": "10.00",
            "max_price": "99.5",
            "in_stock": "yes",
            "per_page": "48",
            "order": "desc",
            "page": "1",
        }
    )
    assert other.to_params() == params


def test_defaults_are_left_out_and_other_values_kept():
    assert ListingQuery(sort="name", order="asc", page=2).to_params() == {
        "sort": "name",
        "order": "asc",
        "page": "2",
    }
    assert ListingQuery(sort="newest", order="desc", page=1, per_page=DEFAULT_PER_PAGE).to_params() == {}
    assert ListingQuery(min_price=Decimal("0")).to_params() == {"min_price": "0"}


def test_blank_values_mean_not_set_and_unknown_keys_are_ignored():
    query, errors = parse({"category": "  ", "min_price": "", "rating": "", "utm_source": "mail", "sort": ""})
    assert query == ListingQuery()
    assert errors == []


def test_seed_spelling_of_newest_is_accepted():
    assert parse({"sort": "created_at"})[0].sort == "newest"


@pytest.mark.parametrize(
    "value,expected", [("1", True), ("true", True), ("YES", True), ("0", False), ("false", False), ("off", False)]
)
def test_in_stock_flag(value, expected):
    assert parse({"in_stock": value})[0].in_stock is expected


@pytest.mark.parametrize(
    "params,field,fragment",
    [
        ({"min_price": "-1"}, "min_price", "0 or more"),
        ({"max_price": "-0.01"}, "max_price", "0 or more"),
        ({"min_price": "abc"}, "min_price", "number"),
        ({"min_price": "NaN"}, "min_price", "number"),
        ({"max_price": "Infinity"}, "max_price", "number"),
        ({"max_price": "1e400"}, "max_price", "at most"),
        ({"min_price": "50", "max_price": "10"}, "max_price", "less than min_price"),
        ({"rating": "0"}, "rating", "1 to 5"),
        ({"rating": "6"}, "rating", "1 to 5"),
        ({"rating": "4.5"}, "rating", "1 to 5"),
        ({"page": "0"}, "page", "1 or more"),
        ({"page": "-2"}, "page", "1 or more"),
        ({"page": "two"}, "page", "1 or more"),
        ({"per_page": "0"}, "per_page", f"1 to {MAX_PER_PAGE}"),
        ({"per_page": str(MAX_PER_PAGE + 1)}, "per_page", f"1 to {MAX_PER_PAGE}"),
        ({"sort": "popularity"}, "sort", "newest, name, price, rating"),
        ({"order": "sideways"}, "order", "asc or desc"),
        ({"in_stock": "maybe"}, "in_stock", "1, true, 0 or false"),
        ({"category": "x" * 10_000}, "category", "too long"),
        ({"page": "9" * 10_000}, "page", "too long"),
        ({"page": "\u0663"}, "page", "whole number"),  # Arabic-Indic digit three
        ({"brand": "acme\x00"}, "brand", "control characters"),
    ],
)
def test_bad_values_are_errors_naming_the_parameter(params, field, fragment):
    with pytest.raises(ListingQueryError) as caught:
        parse(params, strict=True)
    assert caught.value.field == field
    assert fragment in caught.value.message
    assert str(caught.value) == caught.value.message


def test_error_messages_never_echo_the_value():
    nasty = "<script>alert(1)</script>' OR 1=1 --"
    for key in ("min_price", "rating", "page", "per_page", "sort", "order", "in_stock"):
        with pytest.raises(ListingQueryError) as caught:
            parse({key: nasty})
        assert "<script>" not in caught.value.message
        assert "OR 1=1" not in caught.value.message


def test_lenient_mode_drops_bad_values_and_keeps_the_good_ones():
    query, errors = parse(
        {"category": "shoes", "min_price": "-5", "max_price": "80", "rating": "9", "page": "x", "sort": "price"},
        strict=False,
    )
    assert query == ListingQuery(category="shoes", max_price=Decimal("80.00"), sort="price")
    assert {(e.field) for e in errors} == {"min_price", "rating", "page"}
    assert all(isinstance(e, ListingQueryError) for e in errors)


def test_lenient_mode_drops_the_upper_end_of_a_reversed_range():
    query, errors = parse({"min_price": "50", "max_price": "10"}, strict=False)
    assert query.min_price == Decimal("50.00") and query.max_price is None
    assert [e.field for e in errors] == ["max_price"]


def test_repeated_parameter_takes_the_last_value():
    assert parse({"page": ["2", "5"]})[0].page == 5


def test_with_changes_resets_the_page_unless_given():
    query = ListingQuery(category="shoes", page=4)
    assert query.with_changes(brand="acme") == ListingQuery(category="shoes", brand="acme", page=1)
    assert query.with_changes(page=7).page == 7
    assert query.with_changes(in_stock=True).in_stock is True
    assert query.page == 4  # frozen: the original is unchanged


def test_is_filtered_ignores_sort_and_page():
    assert ListingQuery(sort="price", order="asc", page=9, per_page=10).is_filtered is False
    for change in (
        {"category": "a"},
        {"brand": "b"},
        {"min_price": Decimal(1)},
        {"max_price": Decimal(1)},
        {"min_rating": 3},
        {"in_stock": True},
    ):
        assert ListingQuery(**change).is_filtered is True


def test_domain_listing_imports_only_the_standard_library():
    code = (
        "import sys, marque_app.domain.listing; "
        "bad = [m for m in ('reflex', 'sqlmodel', 'sqlalchemy', 'fastapi') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
