"""The checkout page's checks are the services' rules: one table of cases holds both paths."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marque_app.domain.auth import InvalidInput
from marque_app.domain.checkout import InvalidCheckout, check_email, email_problem, free_shipping_note
from marque_app.services.addresses import address_problems, clean_address
from marque_app.services.payments import card_payments_enabled
from marque_app.settings import Settings
from marque_app.state.checkout import address_errors, email_error

GOOD = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "address_line_1": "1 Main St",
    "address_line_2": "",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "US",
    "phone": "",
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({}, None, None),
        ({"city": ""}, "city", "City is required"),
        ({"first_name": "   "}, "first_name", "First name is required"),
        ({"postal_code": "1" * 21}, "postal_code", "Postal code is at most 20 characters"),
        ({"phone": "5" * 21}, "phone", "Phone is at most 20 characters"),
        ({"country": "USA"}, "country", "Choose a country from the list"),
        ({"country": "1A"}, "country", "Choose a country from the list"),
    ],
)
def test_the_page_and_the_address_book_refuse_the_same_addresses(change, field, message):
    data = {**GOOD, **change}
    page = address_errors(data, "ship")
    if field is None:
        assert page == {} and address_problems(data) == {}
        clean_address(data)
        return
    assert page == {f"ship_{field}": message}
    with pytest.raises(InvalidInput) as err:
        clean_address(data)
    assert (err.value.field, err.value.message) == (field, message)


def test_every_field_at_fault_is_named_at_once():
    assert set(address_problems({**GOOD, "city": "", "state": "", "country": "x"})) == {"city", "state", "country"}


@pytest.mark.parametrize(
    ("email", "problem", "page"),
    [
        ("", "missing", "E-mail is required, for the order confirmation"),
        ("  ", "missing", "E-mail is required, for the order confirmation"),
        ("ada", "shape", "Enter an e-mail address such as name@example.com"),
        ("ada@example", "shape", "Enter an e-mail address such as name@example.com"),
        ("a da@example.com", "shape", "Enter an e-mail address such as name@example.com"),
        ("Ada@Example.com", "", ""),
    ],
)
def test_the_page_and_checkout_refuse_the_same_e_mails(email, problem, page):
    assert email_problem(email) == problem
    assert email_error(email) == page
    if problem:
        with pytest.raises(InvalidCheckout):
            check_email(email)
    else:
        assert check_email(email) == email.strip().lower()


@pytest.mark.parametrize(
    ("subtotal", "has_lines", "note"),
    [
        (Decimal("50.00"), True, "Standard shipping is free on orders over $75.00: add $25.00 more."),
        (Decimal("74.99"), True, "Standard shipping is free on orders over $75.00: add $0.01 more."),
        (Decimal("75.00"), True, ""),
        (Decimal("0.00"), False, ""),
    ],
)
def test_free_shipping_note(subtotal, has_lines, note):
    assert free_shipping_note(subtotal, threshold=Decimal("75.00"), currency="USD", has_lines=has_lines) == note


@pytest.mark.parametrize(
    ("providers", "key", "enabled"),
    [("cod", "", False), ("cod", "sk_test_x", False), ("cod,stripe", "", False), ("cod, stripe", "sk_test_x", True)],
)
def test_card_payments_show_only_with_stripe_enabled_and_a_key(providers, key, enabled):
    assert card_payments_enabled(Settings(payment_providers=providers, stripe_secret_key=key)) is enabled
