"""What an event of CartState sends: its computed vars are cached, recomputed only when a var they
read changed, so an event that does not touch the cart neither loads CartState nor recomputes it.

These run Reflex's own delta machinery on a real state tree (no server, no socket).
"""

from __future__ import annotations

import pytest
from reflex.state import State

from marque_app import routes
from marque_app.domain.cart import GuestLine
from marque_app.state.cart import CartState, dump_guest_cart
from tests.statetest import state_tree

SKU = "00000000-0000-0000-0000-000000000001"
NAME = CartState.get_full_name()


def test_no_state_has_an_uncached_var():
    # Reflex loads (and, with Redis, reads) every state holding an uncached rx.var for every
    # event of any state, and recomputes its vars for each delta.
    import marque_app.marque_app  # noqa: F401  (registers every state, as the app does)

    assert State._always_dirty_substates == set()


@pytest.fixture
def tree():
    root, sub = state_tree()
    cart = sub(CartState)
    root.get_delta()
    root._clean()
    return root, cart


def _delta(root: State) -> dict:
    delta = root.get_delta()
    root._clean()
    return delta.get(NAME, {})


def _cart(quantity: int) -> str:
    return dump_guest_cart([GuestLine(sku_id=SKU, quantity=quantity)])


def test_a_quiet_change_sends_the_count_not_the_stored_cart(tree):
    root, cart = tree
    cart._quiet("guest_cart", _cart(3))
    delta = _delta(root)
    assert delta["cart_count_rx_state_"] == 3
    assert "guest_cart_rx_state_" not in delta  # the page patches its copy instead
    assert delta["lines_rx_state_"] == []  # not on screen on a product page
    cart._quiet("guest_cart", _cart(5))
    assert _delta(root)["cart_count_rx_state_"] == 5


def test_an_unrelated_change_recomputes_nothing(tree):
    root, cart = tree
    cart._quiet("guest_cart", _cart(2))
    _delta(root)
    cart.notices = ["Only 2 left in stock"]
    assert _delta(root) == {"notices_rx_state_": ["Only 2 left in stock"]}
    assert _delta(root) == {}


def test_the_lines_follow_the_page_and_the_drawer(tree):
    root, cart = tree
    cart.guest_cart = _cart(2)  # set whole (another tab's storage): sent as well
    delta = _delta(root)
    assert delta["guest_cart_rx_state_"] == _cart(2)
    assert (delta["cart_count_rx_state_"], delta["lines_rx_state_"]) == (2, [])

    cart._page = routes.CART
    delta = _delta(root)
    assert [(line.sku_id, line.quantity) for line in delta["lines_rx_state_"]] == [(SKU, 2)]
    assert delta["has_lines_rx_state_"] is True

    cart._page = routes.HOME
    assert _delta(root)["lines_rx_state_"] == []
    cart.drawer_open = True
    assert [line.quantity for line in _delta(root)["lines_rx_state_"]] == [2]
