"""A logged-in shopper's add (``CartState.apply``): the token's check and the change run in one
worker thread and one transaction, and a token logged out meanwhile changes nothing."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlmodel import Session, select

from marque_app.models import CartItem
from marque_app.settings import get_settings
from tests.cartutil import make_product, make_user
from tests.statetest import bind_app, module_database, state_tree, token_for


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    with module_database(tmp_path_factory, "user_add") as (url, engine):
        yield url, engine


@pytest.fixture
def tab(shop, monkeypatch):
    url, engine = shop
    bind_app(monkeypatch, url, engine)
    from marque_app.state.auth import AuthState
    from marque_app.state.cart import CartState

    with Session(engine) as session:
        user = make_user(session)
        _, (variant,) = make_product(session, stock=(5,))
        user_id, sku, pid = user.id, str(variant.id), str(variant.product_id)
        token = token_for(user)
    root, sub = state_tree()
    auth, cart = sub(AuthState), sub(CartState)
    auth.token, auth.is_logged_in, auth._user_id = token, True, str(user_id)
    cart.is_user = True
    yield auth, cart, engine, user_id, sku, pid
    get_settings.cache_clear()


def _apply(cart, op):
    async def drain():
        out = []
        async for item in type(cart).apply.fn(cart, op):
            out.extend(item if isinstance(item, list) else [item])
        return out

    return asyncio.run(drain())


def _lines(engine, user_id) -> int:
    with Session(engine) as session:
        return sum(q for q in session.exec(select(CartItem.quantity).where(CartItem.user_id == user_id)))


def _op(sku, pid) -> dict:
    return {"id": str(uuid.uuid4()), "type": "add", "sku_id": sku, "product_id": pid, "quantity": 1}


def test_a_user_add_checks_the_token_and_writes_in_one_worker_thread(tab, monkeypatch):
    auth, cart, engine, user_id, sku, pid = tab
    hops = []
    real = asyncio.to_thread

    async def counting(fn, /, *args, **kwargs):
        hops.append(getattr(fn, "__name__", repr(fn)))
        return await real(fn, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    events = _apply(cart, _op(sku, pid))
    assert "Added to your cart" in str(events)
    assert len(hops) == 1, hops
    assert _lines(engine, user_id) == 1


def test_a_user_add_with_a_logged_out_token_changes_nothing(tab):
    from marque_app.services.db import run_unit
    from marque_app.state.auth import _revoke

    auth, cart, engine, user_id, sku, pid = tab
    run_unit(_revoke, token=auth.token)  # logged out in another tab
    events = _apply(cart, _op(sku, pid))
    assert "Session expired" in str(events)
    assert _lines(engine, user_id) == 0
    assert auth.token == "" and not auth.is_logged_in and cart._user_lines == []
