"""Payment and review rules (pure), and the Stripe adapter against a local fake Stripe server."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from types import SimpleNamespace

import pytest

from marque_app.api.errors import http_status
from marque_app.domain.payments import (
    PaymentError,
    check_refund,
    from_cents,
    parse_amount,
    status_after_refund,
    to_cents,
)
from marque_app.domain.reviews import ReviewError, check_review, check_status, rating_summary
from marque_app.services.payments import CashOnDelivery, PaymentProvider, StripeProvider, get_providers
from marque_app.settings import Settings
from tests.stripe_fake import API_KEY, FakeStripe


def test_domain_modules_stay_pure():
    code = (
        "import sys, marque_app.domain.payments, marque_app.domain.reviews; "
        "print(sorted(m for m in ('reflex', 'sqlmodel', 'sqlalchemy', 'stripe') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(("amount", "cents"), [("0.01", 1), ("24.99", 2499), ("100", 10000), ("0", 0)])
def test_cents(amount, cents):
    assert to_cents(Decimal(amount)) == cents
    assert from_cents(cents) == Decimal(amount).quantize(Decimal("0.01"))


@pytest.mark.parametrize("bad", [Decimal("-1"), Decimal("1.005"), Decimal("NaN"), 1.5])
def test_cents_refuses_what_is_not_money(bad):
    with pytest.raises(PaymentError):
        to_cents(bad)


@pytest.mark.parametrize("bad", ["0", "-1", "1.001", "abc", "", "Infinity", 2.5, True])
def test_parse_amount_refuses(bad):
    with pytest.raises(PaymentError) as err:
        parse_amount(bad)
    assert http_status(err.value) == 422 and err.value.field == "amount"


def test_refund_rules():
    paid = Decimal("50.00")
    assert check_refund(status="paid", paid=paid, refunded=Decimal("0"), amount=None) == paid
    assert check_refund(status="partially_refunded", paid=paid, refunded=Decimal("20"), amount=None) == Decimal("30.00")
    assert check_refund(status="paid", paid=paid, refunded=Decimal("0"), amount="50.00") == paid
    with pytest.raises(PaymentError, match=r"30\.00 left"):
        check_refund(status="partially_refunded", paid=paid, refunded=Decimal("20"), amount="30.01")
    for status in ("pending", "failed", "refunded"):
        with pytest.raises(PaymentError) as err:
            check_refund(status=status, paid=paid, refunded=Decimal("0"), amount=None)
        assert http_status(err.value) == 409
    assert status_after_refund(paid=paid, refunded=Decimal("50.00")) == "refunded"
    assert status_after_refund(paid=paid, refunded=Decimal("49.99")) == "partially_refunded"


def test_review_rules():
    ok = check_review(rating=3, title="  Nice ", text=" ok ")
    assert (ok.rating, ok.title, ok.text) == (3, "Nice", "ok")
    for rating in (0, 6, "3", 3.0, None, False):
        with pytest.raises(ReviewError) as err:
            check_review(rating=rating, title="t", text="x")
        assert err.value.field == "rating"
    with pytest.raises(ReviewError):
        check_status("spam")
    assert check_status("approved") == "approved"


def test_rating_summary():
    s = rating_summary([(5, 2), (4, 1), (1, 1)])
    assert (s.average, s.count, s.histogram) == ("3.75", 4, [2, 1, 0, 0, 1])
    assert rating_summary([]).average == "" and rating_summary([]).count == 0
    assert rating_summary([(4, 1), (5, 2)]).average == "4.67"


def test_providers_from_settings():
    assert list(get_providers(Settings(payment_providers="cod"))) == ["cod"]
    # Stripe without a key is left out (and logged), not half set up.
    assert list(get_providers(Settings(payment_providers="cod,stripe", stripe_secret_key=""))) == ["cod"]
    both = get_providers(Settings(payment_providers="cod,stripe", stripe_secret_key=API_KEY))
    assert set(both) == {"cod", "stripe"}
    assert all(isinstance(p, PaymentProvider) for p in both.values())


def test_cash_on_delivery_needs_no_network():
    cod = CashOnDelivery()
    intent = cod.create_intent(amount=Decimal("9.99"), currency="USD", reference="abc", metadata={})
    assert (intent.intent_id, intent.status, intent.client_secret) == ("cod_abc", "pending", "")
    refund = cod.refund(
        SimpleNamespace(id="abc", payment_intent_id="cod_abc", amount=Decimal("9.99"), currency="USD"), Decimal("5.00")
    )
    assert refund.amount == Decimal("5.00") and refund.refund_id.startswith("cod_refund_")


@pytest.fixture(scope="module")
def fake():
    with FakeStripe() as server:
        yield server


def test_stripe_adapter_speaks_stripes_wire_format(fake):
    provider = StripeProvider(api_key=API_KEY, api_base=fake.url)
    intent = provider.create_intent(
        amount=Decimal("12.34"), currency="USD", reference="pay1", metadata={"order_id": "o1"}
    )
    request = fake.requests[-1]
    assert request["headers"]["authorization"] == f"Bearer {API_KEY}"
    assert request["headers"]["content-type"].startswith("application/x-www-form-urlencoded")
    assert request["params"] == {
        "amount": "1234",
        "currency": "usd",
        "metadata": {"order_id": "o1"},
        "automatic_payment_methods": {"enabled": "true"},
    }
    assert intent.status == "pending" and intent.provider_status == "requires_payment_method"
    assert "client_secret" not in intent.raw

    confirmed = provider.confirm(intent.intent_id, "pm_card_visa")
    assert confirmed.status == "paid" and confirmed.raw["amount_received"] == 1234
    payment = SimpleNamespace(id="pay1", payment_intent_id=intent.intent_id, amount=Decimal("12.34"), currency="USD")
    refund = provider.refund(payment, Decimal("2.34"))
    assert refund.amount == Decimal("2.34") and refund.status == "succeeded"
    with pytest.raises(PaymentError, match="greater than unrefunded") as err:
        provider.refund(payment, Decimal("10.01"))
    assert http_status(err.value) == 502


def test_stripe_errors_become_clear_messages(fake):
    with pytest.raises(PaymentError) as err:
        StripeProvider(api_key="sk_test_wrong", api_base=fake.url).create_intent(
            amount=Decimal("1.00"), currency="USD", reference="x", metadata={}
        )
    assert http_status(err.value) == 502 and "could not be started" in err.value.message
    unreachable = StripeProvider(api_key=API_KEY, api_base="http://127.0.0.1:9")
    with pytest.raises(PaymentError, match="cannot be reached"):
        unreachable.confirm("pi_x", "pm_card_visa")
    with pytest.raises(PaymentError) as err:
        StripeProvider(api_key="")
    assert http_status(err.value) == 503


# --- saved cards and PayPal: the rules both providers' events go by ------------------------------


def test_status_moves_are_the_same_rule_for_every_provider():
    from marque_app.domain.payments import EVENT_MOVES, FAILED, PAID, REFUNDED, can_mark_failed, can_mark_paid

    stripe = {kind: move for (provider, kind), move in EVENT_MOVES.items() if provider == "stripe"}
    paypal = {kind: move for (provider, kind), move in EVENT_MOVES.items() if provider == "paypal"}
    assert sorted(stripe.values()) == sorted(paypal.values()) == sorted([PAID, FAILED, REFUNDED])
    assert [s for s in ("pending", "failed", "paid", "refunded", "partially_refunded") if can_mark_paid(s)] == [
        "pending",
        "failed",
    ]
    assert [s for s in ("pending", "failed", "paid", "refunded") if can_mark_failed(s)] == ["pending"]


@pytest.mark.parametrize(
    ("paid", "recorded", "provider_total", "new"),
    [
        ("40.00", "0.00", "15.00", "15.00"),  # a dashboard refund
        ("40.00", "15.00", "15.00", "0.00"),  # ours, reported back: nothing new
        ("40.00", "15.00", "25.00", "10.00"),
        ("40.00", "30.00", "55.00", "10.00"),  # never beyond what was paid
        ("40.00", "20.00", "10.00", "0.00"),
    ],
)
def test_unrecorded_refund(paid, recorded, provider_total, new):
    from marque_app.domain.payments import unrecorded_refund

    got = unrecorded_refund(paid=Decimal(paid), recorded=Decimal(recorded), provider_total=Decimal(provider_total))
    assert got == Decimal(new)


def test_paypal_statuses():
    from marque_app.domain.payments import PAYPAL_STATUS

    assert PAYPAL_STATUS["COMPLETED"] == "paid" and PAYPAL_STATUS["DECLINED"] == "failed"
    assert "PENDING" not in PAYPAL_STATUS and "APPROVED" not in PAYPAL_STATUS  # still pending


@pytest.mark.parametrize("good", ["pm_1PqX2b3C4d5E6f", "pm_card_visa"])
def test_a_saved_card_id(good):
    from marque_app.domain.payments import check_saved_card_id

    assert check_saved_card_id(f"  {good} ") == good


@pytest.mark.parametrize(
    "bad", [None, 4242, "", "pm_", "4242424242424242", "pm_a b", "pm_<x>", "seti_1", "pm_" + "a" * 300]
)
def test_not_a_saved_card_id(bad):
    from marque_app.domain.payments import check_saved_card_id

    with pytest.raises(PaymentError) as err:
        check_saved_card_id(bad)
    assert err.value.field == "saved_card" and http_status(err.value) == 422


def test_card_expiry_and_label():
    from marque_app.domain.payments import card_is_expired, card_label

    assert not card_is_expired(exp_month=12, exp_year=2026, year=2026, month=12)  # good to the month's end
    assert card_is_expired(exp_month=11, exp_year=2026, year=2026, month=12)
    assert card_is_expired(exp_month=12, exp_year=2025, year=2026, month=1)
    assert card_label("visa", "4242") == "Visa ending 4242"
    assert card_label("amex", "8431") == "American Express ending 8431"
    assert card_label("unionpay", "0005") == "Unionpay ending 0005"


def test_providers_from_settings_with_paypal():
    from marque_app.services.payments import PayPalProvider, offered_methods

    assert "paypal" not in get_providers(Settings(payment_providers="cod,paypal"))
    both = get_providers(Settings(payment_providers="cod,paypal", paypal_client_id="id", paypal_secret="s"))
    assert isinstance(both["paypal"], PayPalProvider) and isinstance(both["paypal"], PaymentProvider)
    assert offered_methods(Settings(payment_providers="cod,stripe,paypal", stripe_secret_key=API_KEY)) == [
        "cod",
        "stripe",
    ]
