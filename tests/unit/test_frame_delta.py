"""What a page load sends of the frame (header, user, cart, suggestions): the first load of a tab
what it set, and a later load that changes nothing of them nothing of them (``state.changes.assign``:
Reflex sends, saves and recomputes from every assignment, equal or not).

These run the frame's own code (``state/frame.frame_events``) and Reflex's delta on a real state
tree (no server, no socket, no database: a guest whose header navigation is already loaded).
"""

from __future__ import annotations

import asyncio

import pytest

from marque_app.state.auth import AuthState
from marque_app.state.cart import CartState
from marque_app.state.frame import FRAME_STATES, frame_events
from marque_app.state.header import HeaderState
from marque_app.state.product import ProductState
from marque_app.state.suggest import SuggestState
from marque_app.views.catalog import NavCategory
from tests.statetest import state_tree

FRAME_NAMES = {cls.get_full_name() for cls in FRAME_STATES}


@pytest.fixture
def tree(monkeypatch):
    import marque_app.marque_app  # noqa: F401  (registers every state, as the app does)
    from marque_app.settings import get_settings

    monkeypatch.setenv("MARQUE_ANALYTICS_ENABLED", "false")
    get_settings.cache_clear()
    root, sub = state_tree()
    sub(HeaderState).nav = [NavCategory(name="Bags", slug="bags", children=[])]
    root.get_delta()
    root._clean()
    yield root, sub
    get_settings.cache_clear()


def _load(root, sub) -> dict:
    asyncio.run(frame_events(sub(ProductState)))
    delta = root.get_delta()
    root._clean()
    return {name: vars_ for name, vars_ in delta.items() if name in FRAME_NAMES and vars_}


def test_a_second_page_load_sends_nothing_of_an_unchanged_frame(tree):
    root, sub = tree
    first = _load(root, sub)
    assert first[AuthState.get_full_name()]["auth_checked_rx_state_"] is True
    assert _load(root, sub) == {}
    assert sub(AuthState)._refusal == "login"  # the guest's refusal is still known


def test_what_changed_is_still_sent(tree):
    root, sub = tree
    _load(root, sub)
    sub(SuggestState).is_open = True  # the last page left its suggestions open
    sub(CartState).drawer_open = True
    root.get_delta()
    root._clean()
    delta = _load(root, sub)
    assert delta[SuggestState.get_full_name()] == {"is_open_rx_state_": False}
    assert delta[CartState.get_full_name()]["drawer_open_rx_state_"] is False
    assert AuthState.get_full_name() not in delta


def _storage_key(cls, name: str) -> str:
    return f"{cls.get_full_name()}.{name}_rx_state_"


def test_the_pages_storage_sent_back_unchanged_is_not_set_again(tree):
    """Every client-side navigation starts with Reflex's ``update_vars_internal``: the page's
    copy of the cart, its op ids and the token. Equal to what the server holds, it sets nothing
    (no echo of the cart, no recomputed count, lines and totals); a changed one still lands."""
    from reflex.state import UpdateVarsInternalState

    from marque_app.domain.cart import GuestLine, dump_guest_cart

    root, sub = tree
    cart = sub(CartState)
    stored = dump_guest_cart(
        [GuestLine(sku_id="00000000-0000-4000-8000-000000000001", quantity=2, price_seen="20.00", name="Café")]
    )
    cart.guest_cart, cart.guest_meta = stored, '{"merge_id":"m","ops":["a"]}'
    root.get_delta()
    root._clean()
    page = {
        _storage_key(CartState, "guest_cart"): stored,
        _storage_key(CartState, "guest_meta"): '{"merge_id":"m","ops":["a"]}',
        _storage_key(AuthState, "token"): "",
    }
    updater = sub(UpdateVarsInternalState)
    asyncio.run(UpdateVarsInternalState.update_vars_internal.fn(updater, vars=page))
    assert root.get_delta() == {} or not any(root.get_delta().values())
    root._clean()

    page[_storage_key(CartState, "guest_meta")] = '{"merge_id":"m","ops":["a","b"]}'  # another tab added
    asyncio.run(UpdateVarsInternalState.update_vars_internal.fn(updater, vars=page))
    sent = root.get_delta()[CartState.get_full_name()]
    assert sent == {"guest_meta_rx_state_": '{"merge_id":"m","ops":["a","b"]}'}
    assert cart.cart_count == 2


def test_a_navigation_between_products_leaves_the_cart_lines_alone(tree):
    """The lines, totals and wishlist items read which page the tab is on only to know whether
    it is /cart or /wishlist: from one product page to another they are not sent again."""
    root, sub = tree
    seen: dict = {}
    for path in ("/products/a", "/products/b"):
        seen = root._update_router_vars({"pathname": "/products/[slug]", "asPath": path, "query": {}}, seen)
        assert sub(CartState).router.url.path == path
        delta = _load(root, sub)
    assert CartState.get_full_name() not in delta
