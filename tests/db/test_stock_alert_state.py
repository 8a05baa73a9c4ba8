"""The back-in-stock states with their handlers called directly (no page): a guest must type an
e-mail, a logged-in shopper is told by the account's phone, the account page lists and cancels,
and the message's link page cancels by the signed token."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from marque_app.models import StockAlert
from marque_app.services import stock_alerts
from marque_app.settings import get_settings
from tests.cartutil import make_product, make_user
from tests.phones import fresh_phone
from tests.statetest import bind_app, module_database, state_tree, token_for


@pytest.fixture(scope="module")
def own_db(tmp_path_factory) -> Iterator[tuple[str, sa.Engine]]:
    with module_database(tmp_path_factory, "stock-alert-state-db") as db:
        yield db


@pytest.fixture
def states(own_db, monkeypatch) -> Iterator[dict]:
    bind_app(monkeypatch, *own_db)
    root, sub = state_tree()
    from marque_app.state.auth import AuthState
    from marque_app.state.stock_alerts import StockAlertState, UnsubscribeState

    yield {
        "root": root,
        "auth": sub(AuthState),
        "alerts": sub(StockAlertState),
        "unsub": sub(UnsubscribeState),
        "cls": StockAlertState,
        "unsub_cls": UnsubscribeState,
    }
    get_settings.cache_clear()


@pytest.fixture
def db(own_db) -> Iterator[Session]:
    with Session(own_db[1], expire_on_commit=False) as session:
        yield session


def run(coro):
    return asyncio.run(coro)


def rows(db, variant) -> list[StockAlert]:
    db.rollback()
    return list(db.execute(sa.select(StockAlert).where(StockAlert.product_variant_id == variant.id)).scalars())


def test_a_guest_types_an_address_and_is_put_on_the_list(states, db):
    _, (variant,) = make_product(db, stock=(0,), image=False)
    cls, state = states["cls"], states["alerts"]
    sku = str(variant.id)
    run(cls.subscribe.fn(state, sku))
    assert "e-mail" in state.error and state.notices == {} and rows(db, variant) == []
    cls.set_email.fn(state, "not-mail")
    run(cls.subscribe.fn(state, sku))
    assert state.error == "Enter a valid e-mail address" and rows(db, variant) == []
    email = f"state-{uuid.uuid4().hex[:8]}@example.com"
    cls.set_email.fn(state, email)
    out = run(cls.subscribe.fn(state, sku))
    assert state.error == "" and state.notices == {sku: f"We'll e-mail {email} once when it is back in stock."}
    assert "on the list" in str(out)
    assert [(r.channel, r.contact, r.user_id) for r in rows(db, variant)] == [("email", email, None)]


def test_a_shopper_is_texted_lists_and_cancels_on_the_account_page(states, db):
    _, (variant,) = make_product(db, stock=(0,), image=False)
    _, (in_stock,) = make_product(db, stock=(4,), image=False)
    user = make_user(db, phone=fresh_phone())
    states["auth"].token = token_for(user)
    cls, state = states["cls"], states["alerts"]
    run(cls.subscribe.fn(state, str(variant.id)))
    assert state.notices[str(variant.id)] == f"We'll text {user.phone} once when it is back in stock."
    run(cls.subscribe.fn(state, str(in_stock.id)))
    assert "in stock" in state.error and rows(db, in_stock) == []

    run(cls.load_alerts.fn(state))
    assert state.alerts_loaded and [(a.sku_id, a.channel, a.status) for a in state.alerts] == [
        (str(variant.id), "sms", "waiting")
    ]
    run(cls.cancel_alert.fn(state, state.alerts[0].id))
    assert state.alerts == [] and rows(db, variant) == []


def test_the_link_page_cancels_once_and_refuses_a_forged_token(states, db):
    _, (variant,) = make_product(db, stock=(0,), image=False)
    alert = stock_alerts.subscribe(session=db, sku_id=variant.id, email=f"link-{uuid.uuid4().hex[:8]}@example.com")
    token = stock_alerts.unsubscribe_token(uuid.UUID(alert.id))
    from reflex.istate.data import ReflexURL, RouterData

    cls, state = states["unsub_cls"], states["unsub"]
    for query, outcome in ((f"token={token}", "cancelled"), (f"token={token}", "already"), ("token=x.y", "invalid")):
        states["root"].router = RouterData(url=ReflexURL(f"http://shop.test/stock-alerts/unsubscribe?{query}"))
        run(cls.load_unsubscribe.fn(state))
        assert state.outcome == outcome
    assert rows(db, variant) == []
