"""The log-in hook (the guest cart merge) is registered where the app is built, explicitly: importing
a state module registers nothing, building the app registers it once, and a log-in runs it."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import marque_app.marque_app  # noqa: F401  (builds the app: its registrations)
from marque_app.state.auth import AuthState, login_hooks, on_login
from marque_app.state.cart import CartState

CHECK = """
import marque_app.state.cart as cart
from marque_app.state.auth import login_hooks
assert login_hooks() == (), login_hooks()  # importing the cart state registered nothing
import marque_app.marque_app
assert login_hooks() == (cart.CartState.merge_guest_cart,), login_hooks()
"""


def test_importing_the_cart_state_registers_nothing_building_the_app_registers_the_merge():
    subprocess.run([sys.executable, "-c", CHECK], check=True, timeout=300)


def test_registering_again_changes_nothing():
    before = login_hooks()
    assert on_login(CartState.merge_guest_cart) is CartState.merge_guest_cart
    assert login_hooks() == before == (CartState.merge_guest_cart,)


def test_a_log_in_runs_the_hooks_between_the_toast_and_the_redirect():
    state = SimpleNamespace(_apply=lambda user: None)
    events = AuthState._logged_in(state, SimpleNamespace(access_token="t", user=None), "/cart")
    assert state.token == "t" and state.auth_checked is True
    assert events[1:-1] == [CartState.merge_guest_cart]
    assert "/cart" in str(events[-1])
