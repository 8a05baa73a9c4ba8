"""The carrier table (a tracking number's page) and the product page's quantity bound."""

from __future__ import annotations

import pytest

from marque_app.domain.carriers import CARRIERS, find_carrier, tracking_link
from marque_app.domain.cart import MAX_LINE_QUANTITY, chosen_quantity, line_cap


@pytest.mark.parametrize(
    ("number", "carrier", "url"),
    [
        ("1ZA81B620312345678", "UPS", "https://www.ups.com/track?tracknum=1ZA81B620312345678"),
        ("1za81b6203 1234 5678", "UPS", "https://www.ups.com/track?tracknum=1ZA81B620312345678"),
        (
            "9400111899223197428490",
            "USPS",
            "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490",
        ),
        ("EA123456789US", "USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels=EA123456789US"),
        ("123456789012", "FedEx", "https://www.fedex.com/fedextrack/?trknbr=123456789012"),
        (
            "1234567890",
            "DHL",
            "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id=1234567890",
        ),
    ],
)
def test_a_known_format_links_to_its_carrier(number, carrier, url):
    link = tracking_link(number)
    assert (link.number, link.carrier, link.url) == (number.strip(), carrier, url)


@pytest.mark.parametrize("number", ["", "1ZTRACK", "1Z999AA1", "ABC-123", "12345", "<script>"])
def test_an_unknown_format_is_the_plain_number(number):
    link = tracking_link(number)
    assert link.number == number and link.carrier == "" and link.url == ""
    assert find_carrier(number) is None


def test_every_template_takes_the_number():
    for carrier in CARRIERS:
        assert carrier.url_template.startswith("https://") and "{number}" in carrier.url_template


@pytest.mark.parametrize(
    ("typed", "cap", "current", "held"),
    [
        (3, 10, 1, 3),
        ("4", 10, 1, 4),
        (" 7 ", 99, 1, 7),
        (1000, 12, 1, 12),  # the stock bounds it
        (150, 99, 1, 99),  # the per-line cap of 99
        (0, 10, 5, 1),
        (-2, 10, 5, 1),
        ("", 10, 5, 5),  # not a number: the field keeps what it held
        ("2.5", 10, 5, 5),
        ("abc", 10, 5, 5),
        (True, 10, 5, 5),
        (3, 0, 1, 1),  # sold out: the selector stays at 1 (the button is off)
    ],
)
def test_the_product_pages_quantity_is_bounded_like_a_cart_line(typed, cap, current, held):
    assert chosen_quantity(typed, cap=cap, current=current) == held


def test_the_selector_and_the_cart_share_the_line_cap():
    for sellable in (None, 0, 1, 5, 99, 500):
        cap = line_cap(sellable)
        assert chosen_quantity(10_000, cap=cap) == max(cap, 1) <= MAX_LINE_QUANTITY
