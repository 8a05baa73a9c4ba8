"""Pages are declared once each (``pages/registry.py``): route, title, the page's own loads after
the frame of its kind; ``add_pages`` gives Reflex ``on_load = frame + loads`` in order."""

from __future__ import annotations

import inspect

import pytest

import marque_app.marque_app as app_module
from marque_app import routes
from marque_app.pages import admin as admin_pages
from marque_app.pages.registry import ACCOUNT, ADMIN, STOREFRONT, Page, account, add_pages, storefront
from marque_app.state.auth import LoginState
from marque_app.state.checkout import CheckoutState


class FakeApp:
    def __init__(self) -> None:
        self.calls: list[tuple[object, dict]] = []

    def add_page(self, component, **kwargs):
        self.calls.append((component, kwargs))


def _component():
    return None


def test_add_pages_puts_the_frame_first_and_keeps_the_order():
    app = FakeApp()
    add_pages(
        app,
        [
            storefront("/a", _component, "A", CheckoutState.load_checkout, description="d"),
            account("/b", _component, "B", LoginState.load_login),
            storefront("/c", _component, "C"),
        ],
    )
    assert [kw["route"] for _, kw in app.calls] == ["/a", "/b", "/c"]
    assert app.calls[0][1]["on_load"] == [*STOREFRONT, CheckoutState.load_checkout]
    assert app.calls[0][1]["description"] == "d" and "description" not in app.calls[1][1]
    assert app.calls[1][1]["on_load"] == [*ACCOUNT, LoginState.load_login]
    assert app.calls[2][1]["on_load"] == list(STOREFRONT) and app.calls[2][1]["title"] == "C"


def test_a_route_added_twice_is_refused():
    with pytest.raises(ValueError, match="/a is added twice"):
        add_pages(FakeApp(), [storefront("/a", _component, "A"), storefront("/a", _component, "A again")])


def test_every_page_of_the_app_has_its_frame():
    pages: list[Page] = [*app_module.PAGES, *admin_pages.PAGES]
    frames = {page.route: page.frame for page in pages}
    assert {r for r, f in frames.items() if f is ACCOUNT} == {
        routes.ACCOUNT,
        routes.ACCOUNT_ORDERS,
        routes.ACCOUNT_ORDER,
    }
    assert {r for r, f in frames.items() if f is ADMIN} == {page.route for page in admin_pages.PAGES}
    # A storefront page loads the frame first, or is one of the busiest pages, whose one load
    # event runs the frame itself (pages/registry.self_framed, state/frame.frame_events).
    self_framed = {routes.PRODUCT, routes.CATEGORY, routes.BRAND, routes.SHOP, routes.HOME, routes.SEARCH}
    assert {r for r, f in frames.items() if f == ()} == self_framed
    assert all(f is STOREFRONT for r, f in frames.items() if not r.startswith(("/admin", "/account")) and f != ())
    for page in pages:
        if page.frame == ():
            (load,) = page.load
            assert "await frame_events(self" in inspect.getsource(inspect.getmodule(load.fn)), page.route
    # the app registered exactly these pages, each with frame + its loads
    registered = app_module.app._load_events
    assert len(registered) == len(pages) == len(frames)
    for page in pages:
        key = page.route.strip("/") or "index"
        assert registered[key] == page.on_load, page.route
