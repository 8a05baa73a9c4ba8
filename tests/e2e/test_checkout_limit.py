"""The checkout limit in the browser: the app restarted with ``MARQUE_RATE_LIMIT_CHECKOUT=1/hour``;
a guest's second order within the hour is refused on the page with how long to wait, and nothing
is placed."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from sqlmodel import Session, select

from marque_app.models import Order
from tests.e2e.conftest import serving_with
from tests.e2e.test_checkout import CONFIRMATION, _engine, _fill_address, _guest_cart, _products

WAIT = "Too many checkout attempts, try again in 60 minutes"


def _guest_checkout(goto, page, item: dict, email: str) -> None:
    _guest_cart(goto, page, item)
    goto("/checkout")
    page.get_by_test_id("checkout-email").fill(email)
    _fill_address(page)
    page.get_by_test_id("place-order").click()


def test_a_second_checkout_within_the_hour_says_how_long_to_wait(app_process, goto, page, app_db_url):
    (item,) = _products(app_db_url, 1, offset=23)
    tag = uuid.uuid4().hex[:8]
    # its own Redis key prefix: counters of earlier runs (Redis state manager) do not count
    with serving_with(app_process, MARQUE_RATE_LIMIT_CHECKOUT="1/hour", MARQUE_REDIS_PREFIX=f"e2e{tag}:"):
        _guest_checkout(goto, page, item, f"first-{tag}@example.com")
        expect(page).to_have_url(CONFIRMATION, timeout=30_000)

        second = f"second-{tag}@example.com"
        _guest_checkout(goto, page, item, second)
        expect(page.get_by_test_id("checkout-error")).to_have_text(WAIT)
        expect(page.locator("[data-sonner-toast]").filter(has_text=WAIT)).to_be_visible()
        with Session(_engine(app_db_url)) as session:
            assert session.exec(select(Order).where(Order.guest_email == second)).all() == []
