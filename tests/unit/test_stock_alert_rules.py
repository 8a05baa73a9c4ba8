"""The back-in-stock alert rules (domain/stock_alerts.py), on top of the one stock rule."""

from __future__ import annotations

import pytest

from marque_app.domain.stock import sellable_quantity
from marque_app.domain.stock_alerts import (
    MAX_ATTEMPTS,
    Contact,
    StockAlertError,
    alert_message,
    choose_contact,
    describe,
    gave_up,
    is_back,
    is_sold_out,
    retry_delay_seconds,
    status_of,
)


@pytest.mark.parametrize(
    ("on_hand", "track", "backorder", "sold_out", "back"),
    [
        (0, True, False, True, False),
        (-2, True, False, True, False),  # oversold by a backorder later turned off
        (1, True, False, False, True),
        (0, False, False, False, True),  # untracked: always sellable, nothing to wait for
        (0, True, True, False, True),  # backordered: the same
    ],
)
def test_sold_out_and_back_read_the_one_sellable_rule(on_hand, track, backorder, sold_out, back):
    sellable = sellable_quantity(on_hand, track_inventory=track, allow_backorder=backorder)
    assert (is_sold_out(sellable), is_back(sellable)) == (sold_out, back)


@pytest.mark.parametrize(
    ("typed", "phone", "email", "logged_in", "want"),
    [
        (None, "+15555550101", "a@example.com", True, Contact("sms", "+15555550101")),
        (None, None, "A@Example.com ", True, Contact("email", "a@example.com")),
        ("  Other@Example.com", "+15555550101", "a@example.com", True, Contact("email", "other@example.com")),
        ("guest@example.com", None, None, False, Contact("email", "guest@example.com")),
        ("", "+15555550101", None, True, Contact("sms", "+15555550101")),  # an empty field is no address
    ],
)
def test_the_contact_is_a_typed_address_else_the_phone_else_the_account_email(typed, phone, email, logged_in, want):
    assert choose_contact(typed_email=typed, phone=phone, email=email, logged_in=logged_in) == want


@pytest.mark.parametrize(
    ("typed", "logged_in", "words"),
    [
        (None, False, "Enter your e-mail"),
        ("   ", False, "Enter your e-mail"),
        ("nope", False, "valid e-mail"),
        ("a@b", True, "valid e-mail"),
        ("a b@example.com", False, "valid e-mail"),
        (None, True, "no phone or e-mail"),
    ],
)
def test_a_missing_or_bad_address_is_refused_on_the_email_field(typed, logged_in, words):
    with pytest.raises(StockAlertError) as err:
        choose_contact(typed_email=typed, phone=None, email=None, logged_in=logged_in)
    assert err.value.kind == "invalid" and err.value.field == "email" and words in err.value.message


def test_an_unknown_error_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        StockAlertError("teapot", "no")


def test_retries_back_off_to_an_hour_and_stop_after_the_maximum():
    assert [retry_delay_seconds(n) for n in (0, 1, 2, 3, 6, 7, 50)] == [0, 60, 120, 240, 1920, 3600, 3600]
    assert not gave_up(MAX_ATTEMPTS - 1) and gave_up(MAX_ATTEMPTS)


def test_status_of_an_alert():
    assert status_of(due=False, sent=False) == "waiting"
    assert status_of(due=True, sent=False) == "due"
    assert status_of(due=True, sent=True) == "sent"


def test_the_message_names_the_variant_the_page_and_the_way_out():
    assert describe("Tee", "M / Navy") == "Tee (M / Navy)"
    assert describe("Tee", "Default") == describe("Tee", "") == describe("Tee", "tee") == "Tee"
    subject, text = alert_message(
        product_name="Tee",
        variant_name="M / Navy",
        product_url="https://shop.test/products/tee",
        unsubscribe_url="https://shop.test/stock-alerts/unsubscribe?token=x.y",
    )
    assert subject == "Back in stock: Tee (M / Navy)"
    assert "https://shop.test/products/tee" in text and "unsubscribe?token=x.y" in text and "back in stock" in text
