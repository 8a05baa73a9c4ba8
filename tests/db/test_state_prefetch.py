"""``state.prefetch.preload`` against the real Redis and Reflex's own Redis state manager: a page
load's states come in one ``MGET`` with the values the tab saved, the ``get_state`` calls after
it make no I/O, and what the event changes in them is saved as usual."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import pytest
import redis.asyncio as aioredis
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.redis import StateManagerRedis
from reflex.istate.manager.token import BaseStateToken
from reflex.state import State

import marque_app.state.prefetch as prefetch
from tests.dbutil import REDIS_URL, redis_or_fail


@pytest.fixture(autouse=True)
def _states():
    import marque_app.marque_app  # noqa: F401  (registers every state, as the app does)

    redis_or_fail().close()


def _run(coro):
    return asyncio.run(coro)


async def _saved_tab(manager: StateManagerRedis, ident: str) -> None:
    """A tab that has been used: a cart page and a header nav saved in Redis."""
    from marque_app.state.cart import CartState
    from marque_app.state.header import HeaderState
    from marque_app.state.suggest import SuggestState

    root = await manager.get_state(BaseStateToken(ident=ident, cls=State))
    root.rx_router_session = dataclasses.replace(root.rx_router_session, client_token=ident)
    root.get_substate(CartState.get_full_name().split(".")[1:])._page = "/cart"
    header = root.get_substate(HeaderState.get_full_name().split(".")[1:])
    header.nav = []
    header.dirty_vars.add("nav")
    root.get_substate(SuggestState.get_full_name().split(".")[1:]).text = "sweat"
    await manager.set_state(BaseStateToken(ident=ident, cls=State), root)


def test_a_page_load_reads_its_states_in_one_mget_and_saves_what_it_changed(monkeypatch):
    from marque_app.state.auth import AuthState
    from marque_app.state.cart import CartState
    from marque_app.state.frame import FRAME_STATES
    from marque_app.state.product import ProductState
    from marque_app.state.reviews import ReviewsState
    from marque_app.state.suggest import SuggestState

    async def go():
        client = aioredis.from_url(REDIS_URL)
        manager = StateManagerRedis(redis=client)
        monkeypatch.setattr(prefetch, "get_state_manager", lambda: manager)
        ident = f"marque-prefetch-{uuid.uuid4().hex}"
        try:
            await _saved_tab(manager, ident)
            # a key gone (expired) or never written: that state starts fresh, as in Reflex
            await client.delete(BaseStateToken(ident=ident, cls=SuggestState)._state_key(SuggestState))
            # the product page's event: Reflex brings ProductState and its parents
            product = await manager.get_state(BaseStateToken(ident=ident, cls=ProductState), top_level=False)
            before = prefetch.missing_states(manager, product, (*FRAME_STATES, ReviewsState))
            assert CartState in before and AuthState in before and ReviewsState in before

            reads: list[list[str]] = []
            real_mget = client.mget

            async def counting_mget(keys, *args):
                reads.append(list(keys))
                return await real_mget(keys, *args)

            monkeypatch.setattr(client, "mget", counting_mget)
            got = await prefetch.preload(product, *FRAME_STATES, ReviewsState)
            assert got == len(before) and len(reads) == 1 and len(reads[0]) == len(before)

            # every state is in the tree now: get_state finds it without a read of its own
            cart = await product.get_state(CartState)
            for cls in (*FRAME_STATES, ReviewsState):
                assert isinstance(await product.get_state(cls), cls)
            assert len(reads) == 1
            assert cart._page == "/cart"  # the value the tab saved
            assert (await product.get_state(SuggestState)).text == ""  # the fresh one
            assert await prefetch.preload(product, *FRAME_STATES) == 0 and len(reads) == 1

            # the event changes a preloaded state; the manager saves it with the rest
            cart._page = "/products/x"
            cart.dirty_vars.add("_page")
            root = product.parent_state
            await manager.set_state(BaseStateToken(ident=ident, cls=State), root)
            again = await manager.get_state(BaseStateToken(ident=ident, cls=CartState), top_level=False)
            assert again._page == "/products/x"
        finally:
            keys = [key async for key in client.scan_iter(match=f"{ident}*")]
            if keys:
                await client.delete(*keys)
            await client.aclose()

    _run(go())


def test_without_redis_the_tree_is_whole_and_nothing_is_read(monkeypatch):
    from marque_app.state.frame import FRAME_STATES
    from marque_app.state.product import ProductState

    async def go():
        manager = StateManagerMemory()
        monkeypatch.setattr(prefetch, "get_state_manager", lambda: manager)
        root = await manager.get_state(BaseStateToken(ident="t", cls=State))
        product = root.get_substate(ProductState.get_full_name().split(".")[1:])
        assert await prefetch.preload(product, *FRAME_STATES) == 0

    _run(go())
