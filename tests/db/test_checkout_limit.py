"""The checkout limit (``MARQUE_RATE_LIMIT_CHECKOUT``): one check in ``place_order`` for the API and
the checkout page; per user, or per client address for a guest; a refused attempt writes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from limits.storage import MemoryStorage

from marque_app.api.errors import http_status
from marque_app.domain.cart import GuestLine
from marque_app.domain.checkout import CheckoutRateLimited, InvalidCheckout
from marque_app.models import Order
from marque_app.services import checkout
from marque_app.services.auth.ratelimit import RateLimiter
from marque_app.settings import Settings, get_settings
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart

LIMIT = Settings(rate_limit_checkout="3/hour")


def orders_count(session) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(Order)).scalar_one()


def test_the_seed_limit_is_ten_an_hour():
    assert Settings().rate_limit_checkout == "10/hour"
    with pytest.raises(ValueError, match="rate limit"):
        Settings(rate_limit_checkout="ten a day")


def test_a_user_is_refused_after_the_limit_with_the_wait_and_nothing_written(session):
    limiter = RateLimiter(storage=MemoryStorage())
    user = make_user(session)
    _, (a,) = make_product(session, price="10.00", stock=(20,))
    for _ in range(3):
        fill_cart(session, user, [a], 1)
        checkout.place_order(
            session=session,
            user_id=user.id,
            shipping_address=address(),
            limiter=limiter,
            client="10.0.0.1",
            settings=LIMIT,
        )
    fill_cart(session, user, [a], 1)
    before = orders_count(session)
    with pytest.raises(CheckoutRateLimited) as refused:
        # another address does not help a logged-in user
        checkout.place_order(
            session=session,
            user_id=user.id,
            shipping_address=address(),
            limiter=limiter,
            client="10.0.0.2",
            settings=LIMIT,
        )
    err = refused.value
    assert http_status(err) == 429 and 3540 <= err.retry_after <= 3600
    assert err.message == "Too many checkout attempts, try again in 60 minutes"
    assert orders_count(session) == before
    # another user is counted on their own
    other = make_user(session)
    fill_cart(session, other, [a], 1)
    checkout.place_order(
        session=session,
        user_id=other.id,
        shipping_address=address(),
        limiter=limiter,
        client="10.0.0.1",
        settings=LIMIT,
    )


def test_guests_are_counted_per_client_address(session):
    limiter = RateLimiter(storage=MemoryStorage())
    _, (a,) = make_product(session, price="10.00", stock=(20,))
    lines = [GuestLine(sku_id=str(a.id), quantity=1)]

    def place(email: str, client: str):
        return checkout.place_order(
            session=session,
            guest_email=email,
            guest_lines=lines,
            shipping_address=address(),
            limiter=limiter,
            client=client,
            settings=LIMIT,
        )

    for i in range(3):
        place(f"g{i}@example.com", "192.0.2.7")
    with pytest.raises(CheckoutRateLimited):
        place("new@example.com", "192.0.2.7")  # a new e-mail from the same address
    place("g0@example.com", "192.0.2.8")  # another address


def test_invalid_input_is_not_an_attempt(session):
    limiter = RateLimiter(storage=MemoryStorage())
    user = make_user(session)
    for _ in range(5):
        with pytest.raises(InvalidCheckout):
            checkout.place_order(
                session=session,
                user_id=user.id,
                shipping_address={"city": "x"},
                limiter=limiter,
                client="10.0.0.1",
                settings=LIMIT,
            )
    assert limiter.hit("checkout", f"user:{user.id}", LIMIT.rate_limit_checkout).remaining == 2


def test_without_a_limiter_nothing_is_counted(session):
    """Scripts and benchmarks call place_order without one; the default settings apply otherwise."""
    user = make_user(session)
    _, (a,) = make_product(session, price="10.00", stock=(20,))
    for _ in range(4):
        fill_cart(session, user, [a], 1)
        checkout.place_order(session=session, user_id=user.id, shipping_address=address(), settings=LIMIT)
    assert get_settings().rate_limit_checkout == "10/hour"
