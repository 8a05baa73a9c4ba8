"""PayPal in the browser: the app restarted with PayPal configured against a local fake PayPal
(a real HTTP server on 127.0.0.1); a guest chooses PayPal, is sent to the fake's approve page,
comes back to /checkout/paypal/return, and sees the confirmation of the paid order."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from sqlmodel import Session, select

from marque_app.models import Order, OrderStatus, Payment, PaymentStatus
from tests.e2e.conftest import serving_with, wait_for_hydration
from tests.e2e.test_checkout import CONFIRMATION, _engine, _fill_address, _guest_cart, _products
from tests.paypal_fake import CLIENT_ID, SECRET, WEBHOOK_ID, FakePayPal


def test_a_guest_pays_with_paypal_and_sees_the_order_paid(app_process, goto, page, app_db_url, base_url):
    (item,) = _products(app_db_url, 1, offset=21)
    email = f"paypal-{uuid.uuid4().hex[:8]}@example.com"
    with (
        FakePayPal() as fake,
        serving_with(
            app_process,
            MARQUE_PAYMENT_PROVIDERS="cod,paypal",
            MARQUE_PAYPAL_CLIENT_ID=CLIENT_ID,
            MARQUE_PAYPAL_SECRET=SECRET,
            MARQUE_PAYPAL_API_BASE=fake.url,
            MARQUE_PAYPAL_WEBHOOK_ID=WEBHOOK_ID,
            MARQUE_PUBLIC_URL=base_url.rstrip("/"),
        ),
    ):
        _guest_cart(goto, page, item)
        goto("/checkout")
        page.get_by_test_id("checkout-email").fill(email)
        _fill_address(page)
        page.get_by_test_id("payment-paypal").click()
        expect(page.get_by_text("You will approve the payment at PayPal")).to_be_visible()
        page.get_by_test_id("place-order").click()

        # The fake's approve page sends the browser straight back to the shop's return page,
        # which captures the payment and shows the confirmation.
        expect(page).to_have_url(CONFIRMATION, timeout=60_000)
        wait_for_hydration(page)
        number = CONFIRMATION.search(page.url).group(1)
        expect(page.get_by_test_id("confirmation-number")).to_have_text(number)
        expect(page.get_by_test_id("confirmation-payment")).to_have_text("Payment: PayPal (paid)")
        expect(page.get_by_test_id("payment-note")).to_have_count(0)

        with Session(_engine(app_db_url)) as session:
            order = session.exec(select(Order).where(Order.guest_email == email)).one()
            payment = session.exec(select(Payment).where(Payment.order_id == order.id)).one()
        assert order.order_number == number
        assert order.status == OrderStatus.processing and order.payment_status == PaymentStatus.paid
        assert payment.payment_method == "paypal" and payment.status == PaymentStatus.paid
        assert fake.orders[payment.payment_intent_id]["status"] == "COMPLETED"
        assert fake.capture_of(payment.payment_intent_id)["amount"]["value"] == f"{order.total_amount:.2f}"
