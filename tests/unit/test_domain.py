"""The pure rules: money and stock. No Reflex, no database."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from marque_app.domain.money import decimal_string, format_money, sale_price, to_cents
from marque_app.domain.stock import stock_status


def test_money_is_formatted_from_decimals_without_floats():
    assert format_money(Decimal("24")) == "$24.00"
    assert format_money(Decimal("1234.5")) == "$1,234.50"
    assert format_money(Decimal("0.105")) == "$0.11"  # half up, not banker's rounding
    assert format_money(Decimal("5"), "CHF") == "5.00 CHF"
    assert decimal_string(Decimal("19.9")) == "19.90"
    with pytest.raises(TypeError):
        to_cents(19.9)


def test_sale_price_only_when_compare_at_is_higher():
    assert sale_price(Decimal("10"), Decimal("12")) == Decimal("12")
    assert sale_price(Decimal("10"), Decimal("10")) is None
    assert sale_price(Decimal("10"), None) is None


@pytest.mark.parametrize(
    ("quantity", "kwargs", "expected"),
    [
        (30, {}, ("in_stock", "In stock")),
        (6, {}, ("in_stock", "In stock")),
        (5, {}, ("low_stock", "Only 5 left")),
        (1, {}, ("low_stock", "Only 1 left")),
        (0, {}, ("sold_out", "Sold out")),
        (0, {"allow_backorder": True}, ("in_stock", "Available on backorder")),
        (0, {"track_inventory": False}, ("in_stock", "In stock")),
    ],
)
def test_stock_status(quantity, kwargs, expected):
    assert stock_status(quantity, low_stock_threshold=5, **kwargs) == expected


def test_domain_imports_neither_reflex_nor_sqlmodel():
    code = (
        "import sys, marque_app.domain.money, marque_app.domain.stock;"
        "bad = [m for m in ('reflex', 'sqlmodel', 'sqlalchemy') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_what_the_confirmation_went_out_as_is_read_back_from_the_placement_note():
    from marque_app.domain.orders import confirmation_note, placement_note, placement_sent

    for channel, to in (("sms", "+15555550101"), ("email", "ann@example.com"), ("none", "")):
        note = placement_note(channel, to)
        assert note.startswith("Order placed") and placement_sent(note) == (channel, to)
        assert confirmation_note(*placement_sent(note)) == confirmation_note(channel, to) != ""
    assert placement_note("email", "") == placement_note("", "") == "Order placed"
    for note in ("Order placed", "", "Order placed. Confirmation e-mailed to ", "Shipping address changed"):
        assert placement_sent(note) == ("", "") and confirmation_note(*placement_sent(note)) == ""
