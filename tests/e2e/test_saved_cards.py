"""Saved cards in the browser: the app restarted with Stripe set up against a local fake Stripe
(a real HTTP server on 127.0.0.1); a logged-in shopper with a saved card pays by choosing it at
checkout (charged at once), then removes it on the account page."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import Session, select

from marque_app.models import Order, OrderStatus, Payment, PaymentStatus, User
from marque_app.services.payments import StripeProvider, saved_cards
from tests.e2e.conftest import serving_with, wait_for_hydration
from tests.e2e.test_checkout import (
    CONFIRMATION,
    _engine,
    _fill_address,
    _guest_cart,
    _log_in_by_phone,
    _products,
    _toast,
)
from tests.stripe_fake import API_KEY, FakeStripe


def test_pay_with_a_saved_card_then_remove_it(app_process, goto, page, app_db_url, server_log):
    (item,) = _products(app_db_url, 1, offset=20)
    with (
        FakeStripe() as fake,
        serving_with(
            app_process,
            MARQUE_PAYMENT_PROVIDERS="cod,stripe",
            MARQUE_STRIPE_SECRET_KEY=API_KEY,
            MARQUE_STRIPE_API_BASE=fake.url,
        ),
    ):
        _guest_cart(goto, page, item)
        page.get_by_test_id("cart-checkout").click()
        page.get_by_test_id("checkout-login").click()
        wait_for_hydration(page)
        phone = _log_in_by_phone(page, server_log)
        expect(page.get_by_test_id("checkout-user")).to_be_visible()

        # The shopper saved a card earlier (a SetupIntent confirmed by Stripe.js).
        stripe = {"stripe": StripeProvider(api_key=API_KEY, api_base=fake.url)}
        with Session(_engine(app_db_url)) as session:
            user = session.exec(select(User).where(User.phone == phone)).one()
            setup = saved_cards.start_card_setup(session=session, user_id=user.id, providers=stripe)
        card = fake.confirm_setup(setup.setup_intent_id, "pm_card_visa")["payment_method"]

        goto("/checkout")
        expect(page.get_by_test_id("summary-line")).to_have_count(1)
        page.get_by_test_id("payment-card").click()
        choice = page.get_by_test_id("saved-cards")
        expect(choice).to_contain_text("Visa ending 4242")
        expect(page.get_by_test_id("saved-card")).to_be_checked()
        _fill_address(page)
        page.get_by_test_id("place-order").click()
        expect(page).to_have_url(CONFIRMATION, timeout=30_000)
        number = CONFIRMATION.search(page.url).group(1)
        expect(page.get_by_test_id("confirmation-payment")).to_have_text("Payment: Card")
        expect(page.get_by_test_id("payment-note")).to_have_count(0)

        with Session(_engine(app_db_url)) as session:
            order = session.exec(select(Order).where(Order.order_number == number)).one()
            payment = session.exec(select(Payment).where(Payment.order_id == order.id)).one()
            customer = session.get(User, order.user_id).stripe_customer_id
        assert order.status == OrderStatus.processing and payment.status == PaymentStatus.paid
        intent = fake.intents[payment.payment_intent_id]
        assert (intent["customer"], intent["payment_method"]) == (customer, card)

        goto("/account")
        expect(page.get_by_test_id("saved-card-item")).to_have_count(1)
        expect(page.get_by_test_id("saved-card-item")).to_contain_text("Visa ending 4242")
        page.get_by_test_id("card-remove").click()
        expect(_toast(page, "Card removed")).to_be_visible()
        expect(page.get_by_test_id("no-cards")).to_be_visible()
        assert fake.payment_methods[card]["customer"] is None
