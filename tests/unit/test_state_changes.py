"""``state.changes.unwrapped``: a state var's list or dict copied without Reflex's proxies, so
what the state keeps is the items themselves (a copy of the proxy keeps a proxy per item, each
pointing back at the state)."""

from __future__ import annotations

from reflex.istate.proxy import MutableProxy

from marque_app.state.changes import unwrapped
from marque_app.views.cart import CartLine
from tests.statetest import state_tree


def _held(state, name: str):
    return object.__getattribute__(state, name).__wrapped__


def test_a_copy_of_the_unwrapped_var_keeps_the_items_not_proxies():
    import marque_app.marque_app  # noqa: F401  (registers every state)
    from marque_app.state.cart import CartState

    _, sub = state_tree()
    cart = sub(CartState)
    cart._priced = {"a": CartLine(name="A")}
    cart._priced = {**cart._priced, "b": CartLine(name="B")}  # what the cart did
    assert isinstance(_held(cart, "_priced")["a"], MutableProxy)
    cart._priced = {**unwrapped(cart._priced), "c": CartLine(name="C")}
    kept = _held(cart, "_priced")
    assert [type(v) for v in kept.values()] == [CartLine, CartLine, CartLine]
    assert [v.name for v in kept.values()] == ["A", "B", "C"]
    assert unwrapped([1, 2]) == [1, 2]  # a plain value is itself
