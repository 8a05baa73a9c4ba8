"""Checkout and order rules: coupon maths and eligibility, totals, shipping, state machine, numbers."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from marque_app.api.errors import http_status
from marque_app.domain.checkout import (
    CouponTerms,
    InvalidCheckout,
    OrderConflict,
    PriceChanged,
    SoldOut,
    SoldOutItem,
    check_email,
    check_idempotency_key,
    checkout_totals,
    coupon_effect,
    coupon_problem,
    normalize_code,
    shipping_cost,
    shipping_methods,
)
from marque_app.domain.orders import (
    ORDER_ALPHABET,
    allowed_next,
    can_cancel,
    can_change_address,
    can_return,
    check_transition,
    looks_like_order_number,
    make_order_number,
    make_return_number,
    status_message,
)

D = Decimal
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
STANDARD, EXPRESS = shipping_methods(shipping_flat=D("5.99"))


def terms(**kw) -> CouponTerms:
    base = {"code": "SAVE", "type": "percentage", "value": D("10")}
    return CouponTerms(**{**base, **kw})


# ---- coupon maths


def test_percentage_rounds_half_up_to_the_cent():
    assert coupon_effect(terms(value=D("15")), subtotal=D("33.33")).discount == D("5.00")  # 4.9995
    assert coupon_effect(terms(value=D("10")), subtotal=D("0.05")).discount == D("0.01")  # 0.005 -> 0.01


def test_percentage_is_capped_by_the_maximum_discount():
    effect = coupon_effect(terms(value=D("50"), maximum_discount_amount=D("20")), subtotal=D("100"))
    assert effect.discount == D("20.00") and not effect.free_shipping


def test_fixed_amount_never_exceeds_the_subtotal():
    assert coupon_effect(terms(type="fixed_amount", value=D("15")), subtotal=D("40")).discount == D("15.00")
    assert coupon_effect(terms(type="fixed_amount", value=D("50")), subtotal=D("12.34")).discount == D("12.34")


def test_free_shipping_coupon_discounts_nothing_and_frees_shipping():
    effect = coupon_effect(terms(type="free_shipping", value=D("0")), subtotal=D("30"))
    assert effect.discount == D("0.00") and effect.free_shipping


def test_unknown_coupon_type_is_refused():
    with pytest.raises(ValueError):
        coupon_effect(terms(type="bogus"), subtotal=D("10"))


# ---- coupon eligibility


@pytest.mark.parametrize(
    ("kw", "used", "reason"),
    [
        ({"is_active": False}, 0, "inactive"),
        ({"starts_at": NOW + timedelta(days=1)}, 0, "not_started"),
        ({"expires_at": NOW - timedelta(seconds=1)}, 0, "expired"),
        ({"expires_at": NOW}, 0, "expired"),
        ({"usage_limit": 5, "used_count": 5}, 0, "used_up"),
        ({"usage_limit_per_customer": 1}, 1, "customer_limit"),
        ({"minimum_order_amount": D("50")}, 0, "below_minimum"),
    ],
)
def test_coupon_problems(kw, used, reason):
    problem = coupon_problem(terms(**kw), subtotal=D("30"), now=NOW, used_by_customer=used)
    assert problem is not None and problem.reason == reason and problem.field == "coupon_code"
    assert "SAVE" in problem.message


def test_below_minimum_says_how_much_more_to_spend():
    problem = coupon_problem(terms(minimum_order_amount=D("50")), subtotal=D("42.50"), now=NOW)
    assert problem.message.startswith("Spend $7.50 more")


def test_valid_coupon_has_no_problem():
    ok = terms(
        starts_at=NOW - timedelta(days=1),
        expires_at=NOW + timedelta(days=1),
        usage_limit=5,
        used_count=4,
        usage_limit_per_customer=2,
        minimum_order_amount=D("30"),
    )
    assert coupon_problem(ok, subtotal=D("30"), now=NOW, used_by_customer=1) is None


def test_codes_are_normalised():
    assert normalize_code("  save10 ") == "SAVE10"
    assert normalize_code(None) == ""


# ---- shipping and totals


def test_standard_shipping_is_free_from_the_threshold_express_never():
    assert shipping_cost(STANDARD, subtotal=D("74.99"), free_shipping_over=D("75")) == D("5.99")
    assert shipping_cost(STANDARD, subtotal=D("75"), free_shipping_over=D("75")) == D("0.00")
    assert shipping_cost(EXPRESS, subtotal=D("200"), free_shipping_over=D("75")) == D("14.99")
    assert shipping_cost(EXPRESS, subtotal=D("200"), free_shipping_over=D("75"), free_shipping_coupon=True) == 0
    assert shipping_cost(EXPRESS, subtotal=D("0"), free_shipping_over=D("75")) == D("0.00")


def test_totals_tax_the_discounted_subtotal():
    totals = checkout_totals(
        [(D("20.00"), 2), (D("9.99"), 1)],
        method=STANDARD,
        tax_rate=D("0.08"),
        free_shipping_over=D("75"),
        coupon=terms(value=D("10")),
    )
    assert totals.subtotal == D("49.99")
    assert totals.discount == D("5.00")
    assert totals.shipping == D("5.99")
    assert totals.tax == D("3.60")  # 44.99 * 0.08 = 3.5992
    assert totals.total == D("54.58")
    assert totals.items == 3
    assert all(isinstance(v, Decimal) for v in (totals.subtotal, totals.tax, totals.total))


def test_totals_with_a_free_shipping_coupon_on_express():
    totals = checkout_totals(
        [(D("10"), 1)],
        method=EXPRESS,
        tax_rate=D("0"),
        free_shipping_over=D("75"),
        coupon=terms(type="free_shipping", value=D("0")),
    )
    assert (totals.shipping, totals.total, totals.free_shipping) == (D("0.00"), D("10.00"), True)


def test_money_never_accepts_floats():
    with pytest.raises(TypeError):
        checkout_totals([(0.1, 1)], method=STANDARD, tax_rate=D("0"), free_shipping_over=D("75"))


# ---- inputs and errors


def test_email_and_idempotency_key_checks():
    assert check_email(" Ann@Example.COM ") == "ann@example.com"
    for bad in ("", "ann", "ann@example", "a b@example.com", None):
        with pytest.raises(InvalidCheckout) as err:
            check_email(bad)
        assert err.value.field == "guest_email"
    assert check_idempotency_key(None) is None
    assert check_idempotency_key(" k1 ") == "k1"
    with pytest.raises(InvalidCheckout):
        check_idempotency_key("x" * 101)


def test_error_statuses_and_messages():
    sold = SoldOut([SoldOutItem("a", "Tee", 2, 0), SoldOutItem("b", "Cap", 3, 1)])
    assert http_status(sold) == 409 and sold.kind == "sold_out"
    assert sold.message == "Tee is sold out; only 1 of Cap left"
    changed = PriceChanged(object(), expected=D("10.00"), actual=D("12.50"))
    assert http_status(changed) == 409 and "$10.00" in changed.message and "$12.50" in changed.message
    assert changed.field == "expected_total"


# ---- order state machine and numbers


def test_state_machine_allows_the_documented_moves():
    assert check_transition("pending", "processing") == "processing"
    assert check_transition("processing", "shipped") == "shipped"
    assert check_transition("shipped", "delivered") == "delivered"
    assert check_transition("delivered", "refunded") == "refunded"
    assert check_transition("pending", "cancelled") == "cancelled"
    assert check_transition("processing", "refunded", paid=True) == "refunded"


@pytest.mark.parametrize(
    ("current", "to"),
    [
        ("shipped", "cancelled"),
        ("delivered", "pending"),
        ("cancelled", "processing"),
        ("pending", "shipped"),
        ("pending", "refunded"),
        ("refunded", "delivered"),
        ("pending", "lost"),
    ],
)
def test_state_machine_refuses_other_moves(current, to):
    with pytest.raises(OrderConflict):
        check_transition(current, to)


def test_what_a_shopper_may_do():
    assert [s for s in ("pending", "processing", "shipped", "delivered") if can_cancel(s)] == ["pending", "processing"]
    assert can_change_address("processing") and not can_change_address("shipped")
    assert can_return("delivered") and not can_return("shipped")
    assert allowed_next("cancelled") == ()


def test_order_numbers_are_short_unambiguous_and_recognised():
    numbers = {make_order_number() for _ in range(2000)}
    assert len(numbers) == 2000
    for n in list(numbers)[:50]:
        assert n.startswith("MQ-") and len(n) == 9
        assert all(c in ORDER_ALPHABET for c in n[3:])
        assert looks_like_order_number(n.lower())
    assert not set("01ILO") & set(ORDER_ALPHABET)
    assert make_return_number().startswith("RT-")
    assert not looks_like_order_number("MQ-1234") and not looks_like_order_number("hello")


def test_status_messages_name_the_order_and_the_tracking():
    text = status_message("MQ-ABCDEF", "shipped", tracking_number="1Z999")
    assert "MQ-ABCDEF" in text and "1Z999" in text


def test_domain_imports_no_framework():
    code = (
        "import sys, marque_app.domain.checkout, marque_app.domain.orders; "
        "bad = [m for m in ('reflex', 'sqlmodel', 'sqlalchemy') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
