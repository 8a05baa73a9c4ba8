"""Saved cards against the real database and the local fake Stripe over HTTP: one Stripe
customer per user, SetupIntents, listing and removing cards, and paying an order with one."""

from __future__ import annotations

import pytest

from marque_app.api.errors import http_status
from marque_app.domain.payments import PaymentError
from marque_app.models import OrderStatus, PaymentStatus
from marque_app.services import payments
from marque_app.services.payments import CashOnDelivery, StripeProvider, saved_cards
from tests.cartutil import make_user
from tests.payutil import make_order
from tests.stripe_fake import API_KEY, FakeStripe


@pytest.fixture(scope="module")
def fake():
    with FakeStripe() as server:
        yield server


@pytest.fixture
def providers(fake):
    return {"cod": CashOnDelivery(), "stripe": StripeProvider(api_key=API_KEY, api_base=fake.url)}


@pytest.fixture
def buyer(session):
    return make_user(session, first_name="Ada", last_name="Lovelace")


def _save(session, fake, user, providers, token="pm_card_visa") -> str:
    setup = saved_cards.start_card_setup(session=session, user_id=user.id, providers=providers)
    return fake.confirm_setup(setup.setup_intent_id, token)["payment_method"]


def test_the_first_save_makes_one_customer_and_a_setup_intent(session, buyer, providers, fake):
    assert saved_cards.list_cards(session=session, user_id=buyer.id, providers=providers) == []
    before = len(fake.requests)
    setup = saved_cards.start_card_setup(session=session, user_id=buyer.id, providers=providers)
    assert len(fake.requests) == before + 2  # the customer, then the SetupIntent
    session.refresh(buyer)
    customer = fake.customers[buyer.stripe_customer_id]
    assert customer["email"] == buyer.email and customer["name"] == "Ada Lovelace"
    assert customer["metadata"] == {"user_id": str(buyer.id)}
    assert setup.client_secret.startswith(setup.setup_intent_id + "_secret_")
    assert setup.status == "requires_payment_method"
    assert fake.setup_intents[setup.setup_intent_id]["customer"] == buyer.stripe_customer_id

    # A second card: the same customer, no new one.
    again = saved_cards.start_card_setup(session=session, user_id=buyer.id, providers=providers)
    session.refresh(buyer)
    assert fake.setup_intents[again.setup_intent_id]["customer"] == customer["id"]
    assert sum(1 for c in fake.customers.values() if c["metadata"].get("user_id") == str(buyer.id)) == 1


def test_confirmed_cards_are_listed_newest_first_without_numbers(session, buyer, providers, fake):
    visa = _save(session, fake, buyer, providers, "pm_card_visa")
    master = _save(session, fake, buyer, providers, "pm_card_mastercard")
    cards = saved_cards.list_cards(session=session, user_id=buyer.id, providers=providers)
    assert [c.id for c in cards] == [master, visa]
    assert (cards[0].brand, cards[0].last4, cards[0].exp_month, cards[0].exp_year) == ("mastercard", "4444", 8, 2031)
    assert cards[1].label == "Visa ending 4242" and not cards[1].is_expired
    assert not any(hasattr(c, "number") for c in cards)
    listed = fake.requests[-1]
    assert listed["method"] == "GET" and listed["path"] == f"/v1/customers/{buyer.stripe_customer_id}/payment_methods"
    assert listed["params"]["type"] == "card"


def test_remove_detaches_and_another_users_card_is_not_found(session, buyer, providers, fake):
    card = _save(session, fake, buyer, providers)
    other = make_user(session)
    _save(session, fake, other, providers)
    with pytest.raises(PaymentError) as err:
        saved_cards.remove_card(session=session, user_id=other.id, card_id=card, providers=providers)
    assert http_status(err.value) == 404 and err.value.field == "saved_card"
    assert fake.payment_methods[card]["customer"] == buyer.stripe_customer_id  # untouched

    saved_cards.remove_card(session=session, user_id=buyer.id, card_id=card, providers=providers)
    assert fake.payment_methods[card]["customer"] is None
    assert card not in [c.id for c in saved_cards.list_cards(session=session, user_id=buyer.id, providers=providers)]
    with pytest.raises(PaymentError) as err:  # removed twice: it is gone
        saved_cards.remove_card(session=session, user_id=buyer.id, card_id=card, providers=providers)
    assert http_status(err.value) == 404


@pytest.mark.parametrize("bad", ["", "4242424242424242", "pm_", "pm_x y", "seti_123"])
def test_a_card_id_that_is_not_one_is_422(session, buyer, providers, bad):
    with pytest.raises(PaymentError) as err:
        saved_cards.remove_card(session=session, user_id=buyer.id, card_id=bad, providers=providers)
    assert http_status(err.value) == 422 and err.value.field == "saved_card"


def test_paying_with_a_saved_card_charges_the_customer_on_session(session, buyer, providers, fake):
    card = _save(session, fake, buyer, providers)
    order, payment = make_order(session, buyer, total="64.50")
    view = payments.pay_with_saved_card(
        session=session, order_id=order.id, user_id=buyer.id, saved_card=card, providers=providers
    )
    request = fake.requests[-1]
    assert request["path"] == "/v1/payment_intents"
    params = request["params"]
    assert params["customer"] == buyer.stripe_customer_id and params["payment_method"] == card
    assert params["confirm"] == "true" and params["off_session"] == "false" and params["amount"] == "6450"
    assert view.payment.status == "paid" and view.message == ""
    session.refresh(order)
    session.refresh(payment)
    assert payment.status == PaymentStatus.paid and order.status == OrderStatus.processing
    assert fake.intents[payment.payment_intent_id]["customer"] == buyer.stripe_customer_id
    assert payment.gateway_response["saved_card"] == {"brand": "visa", "last4": "4242"}
    with pytest.raises(PaymentError) as err:  # paid: not again
        payments.pay_with_saved_card(
            session=session, order_id=order.id, user_id=buyer.id, saved_card=card, providers=providers
        )
    assert http_status(err.value) == 409


def test_a_declined_saved_card_is_recorded_failed_and_another_card_pays(session, buyer, providers, fake):
    bad = _save(session, fake, buyer, providers, "pm_card_chargeCustomerFail")
    good = _save(session, fake, buyer, providers, "pm_card_visa")
    order, payment = make_order(session, buyer)
    view = payments.pay_with_saved_card(
        session=session, order_id=order.id, user_id=buyer.id, saved_card=bad, providers=providers
    )
    assert view.payment.status == "failed" and view.message == "Your card was declined."
    session.refresh(order)
    assert order.payment_status == PaymentStatus.failed and order.status == OrderStatus.pending
    failed_intent = view.payment.intent_id
    assert fake.intents[failed_intent]["status"] == "requires_payment_method"

    view = payments.pay_with_saved_card(
        session=session, order_id=order.id, user_id=buyer.id, saved_card=good, providers=providers
    )
    assert view.payment.status == "paid" and view.payment.intent_id != failed_intent
    session.refresh(order)
    assert order.payment_status == PaymentStatus.paid


def test_another_users_card_cannot_pay_and_nothing_is_charged(session, buyer, providers, fake):
    other = make_user(session)
    theirs = _save(session, fake, other, providers)
    _save(session, fake, buyer, providers)
    order, payment = make_order(session, buyer)
    intents = len(fake.intents)
    with pytest.raises(PaymentError) as err:
        payments.pay_with_saved_card(
            session=session, order_id=order.id, user_id=buyer.id, saved_card=theirs, providers=providers
        )
    assert http_status(err.value) == 404 and err.value.message == "Saved card not found"
    assert len(fake.intents) == intents
    session.rollback()
    session.refresh(payment)
    assert payment.status == PaymentStatus.pending and payment.payment_intent_id is None


def test_saved_cards_need_stripe(session, buyer):
    with pytest.raises(PaymentError) as err:
        saved_cards.list_cards(session=session, user_id=buyer.id, providers={"cod": CashOnDelivery()})
    assert http_status(err.value) == 503
