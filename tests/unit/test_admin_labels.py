"""The admin's words for stored codes (domain.labels), money as the shop shows it, and the one
rule for which refund/return actions are offered (domain.payments.refund_offer,
domain.returns.return_actions)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marque_app.domain import labels
from marque_app.domain.payments import refund_offer
from marque_app.domain.returns import refusal, return_actions
from marque_app.models.enums import COUPON_TYPES, MOVEMENT_TYPES, RETURN_STATUSES, PaymentStatus


@pytest.mark.parametrize(
    ("table", "codes"),
    [
        (labels.PAYMENT_STATUS, [s.value for s in PaymentStatus]),
        (labels.RETURN_STATUS, list(RETURN_STATUSES)),
        (labels.COUPON_TYPE, list(COUPON_TYPES)),
        (labels.MOVEMENT_TYPE, list(MOVEMENT_TYPES)),
    ],
)
def test_every_stored_code_has_words_and_none_is_the_raw_code(table, codes):
    for code in codes:
        words = labels.label(table, code)
        assert words and "_" not in words and words != code, (code, words)


def test_the_codes_the_admin_saw_now_read_as_words():
    assert labels.label(labels.COUPON_TYPE, "free_shipping") == "Free shipping"
    assert labels.return_reason_text("damaged") == "Arrived damaged"
    assert labels.return_reason_text("Several reasons") == "Several reasons"
    assert labels.payment_text("pending", "cod") == "Awaiting payment (cash on delivery)"
    assert labels.payment_text("partially_refunded", "stripe") == "Partly refunded (card)"
    assert labels.label(labels.PAYMENT_STATUS, PaymentStatus.paid) == "Paid"
    assert labels.label(labels.MOVEMENT_TYPE, "gift_wrap") == "Gift wrap"  # unknown: still words


def test_coupon_values_read_as_the_shop_writes_money():
    assert labels.coupon_value_text("percentage", Decimal("10.00")) == "10%"
    assert labels.coupon_value_text("percentage", Decimal("12.50")) == "12.5%"
    assert labels.coupon_value_text("fixed_amount", Decimal("1234.5")) == "$1,234.50"
    assert labels.coupon_value_text("free_shipping", Decimal("0")) == "Free shipping"


@pytest.mark.parametrize(
    ("method", "status", "allowed", "words"),
    [
        ("stripe", "paid", True, "Refund"),
        ("stripe", "partially_refunded", True, "Refund"),
        ("cod", "paid", True, "Mark refunded in cash"),
        ("cod", "pending", False, "never recorded as received"),
        ("stripe", "pending", False, "not complete"),
        ("stripe", "refunded", False, "already refunded"),
        ("cod", "failed", False, "failed"),
    ],
)
def test_refund_offer(method, status, allowed, words):
    offer = refund_offer(method=method, status=status)
    assert offer.allowed is allowed
    assert words in (offer.label if allowed else offer.hint)
    assert offer.hint  # the admin always reads what it does or why not


def test_return_actions_offer_only_what_the_return_and_payment_allow():
    assert return_actions("requested", payment_method="cod", payment_status="pending").actions == ("approve", "reject")
    assert return_actions("approved", payment_method="cod", payment_status="pending").actions == ("receive",)
    unpaid = return_actions("received", payment_method="cod", payment_status="pending")
    assert unpaid.actions == () and "mark the cash received" in unpaid.hint
    cash = return_actions("received", payment_method="cod", payment_status="paid")
    assert cash.actions == ("refund",) and cash.refund_label == "Mark refunded in cash"
    card = return_actions("received", payment_method="stripe", payment_status="paid")
    assert card.actions == ("refund",) and card.refund_label == "Refund"
    assert return_actions("refunded", payment_method="stripe", payment_status="refunded").actions == ()


def test_refusal_is_the_same_rule():
    for status in RETURN_STATUSES:
        for method, pay in (("cod", "pending"), ("cod", "paid"), ("stripe", "paid")):
            allowed = return_actions(status, payment_method=method, payment_status=pay).actions
            for action in ("approve", "reject", "receive", "refund"):
                why = refusal(action, status, payment_method=method, payment_status=pay)
                assert (why is None) == (action in allowed), (status, method, pay, action, why)
    assert "never recorded" in (refusal("refund", "received", payment_method="cod", payment_status="pending") or "")


# --- one field at a time: the words of the whole form's check ------------------------------------

GOOD_PRODUCT = {"name": "Navy Coat", "price": "120.00", "status": "draft"}


@pytest.mark.parametrize(
    ("name", "bad", "good"),
    [
        ("name", "  ", "Navy Coat"),
        ("price", "", "120.00"),
        ("price", "12.345", "12.34"),
        ("price", "-1", "0"),
        ("sku", "no spaces", "COAT-1"),
        ("meta_title", "x" * 256, "Coat"),
        ("low_stock_threshold", "1.5", "3"),
    ],
)
def test_a_product_field_earns_the_words_of_the_whole_check_and_nothing_once_right(name, bad, good):
    from marque_app.domain.admin import AdminError, check_product, field_problem

    with pytest.raises(AdminError) as whole_form:
        check_product({**GOOD_PRODUCT, name: bad})
    assert whole_form.value.field == name
    assert field_problem("product", name, bad) == whole_form.value.message
    assert field_problem("product", name, good) == ""
    check_product({**GOOD_PRODUCT, name: good})


@pytest.mark.parametrize(("name", "bad"), [("sku", ""), ("sku", "a b"), ("name", ""), ("price", "x"), ("stock", "-2")])
def test_a_variant_field_earns_the_words_of_the_whole_check(name, bad):
    from marque_app.domain.admin import AdminError, check_variants, field_problem

    row = {"sku": "COAT-M", "name": "M", "price": "", "stock": "1", name: bad}
    with pytest.raises(AdminError) as whole_form:
        check_variants([{"sku": "COAT-S", "name": "S"}, row])
    assert whole_form.value.field == f"variants.1.{name}"
    assert field_problem("product", f"variants.1.{name}", bad) == whole_form.value.message


def test_a_field_without_a_rule_of_its_own_clears_and_the_save_checks_again():
    from marque_app.domain.admin import field_problem

    assert field_problem("product", "slug", "taken-slug") == ""
    assert field_problem("coupon", "code", "bad code!") != "" and field_problem("coupon", "code", "SAVE10") == ""


def test_variant_options_one_rule_for_page_and_api():
    from marque_app.domain.admin import (
        AdminError,
        check_option_name,
        check_variant_options,
        field_problem,
        option_names,
    )

    assert option_names([{"size": "M"}, {"size": "L", "color": "Navy"}]) == ["size", "color"]
    check_variant_options([{"size": "M", "color": "Navy"}, {"size": "L", "color": "Navy"}])
    check_variant_options([{}, {}])  # no options at all: fine
    with pytest.raises(AdminError) as missing:
        check_variant_options([{"size": "M", "color": "Navy"}, {"size": "L"}])
    assert (missing.value.field, missing.value.message) == ("variants.1.attributes.color", "Give this variant's color")
    with pytest.raises(AdminError) as twice:
        check_variant_options([{"size": "M"}, {"size": " m "}])
    assert twice.value.kind == "conflict" and twice.value.field == "variants.1.attributes.size"
    assert check_option_name(" Colour ", ["size"]) == "Colour"
    for bad in ("", "1st", "size", "a" * 51):
        with pytest.raises(AdminError):
            check_option_name(bad, ["Size"])
    with pytest.raises(AdminError):
        check_option_name("Extra", ["a", "b", "c", "d", "e"])
    assert field_problem("product", "variants.3.attributes.Colour", " ") == "Give this variant's Colour"
    assert field_problem("product", "variants.3.attributes.Colour", "Navy") == ""
