"""A page of the app in one line: route, title and what its load runs, after the frame that every
page of its kind loads first (``add_pages`` hands them to ``app.add_page``).

Three frames: a storefront page loads :data:`STOREFRONT` (header, user, cart in one event); an
account page (orders, profile) :data:`ACCOUNT`, which sends a guest to log in before anything of
the account is read; an admin page :data:`ADMIN`, the admin role checked on the server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, Protocol

import reflex as rx

from marque_app.state.auth import AuthState
from marque_app.state.cart import CartState
from marque_app.state.frame import FrameState
from marque_app.state.header import HeaderState
from marque_app.state.outage import OutageState

# What every storefront page loads first: the header, who is logged in, the cart and wishlist.
STOREFRONT: tuple[Any, ...] = (FrameState.load_frame,)
# An account page: the outage banner cleared, the header, the log-in guard, then the cart.
ACCOUNT: tuple[Any, ...] = (
    OutageState.clear_outage,
    HeaderState.load_header,
    AuthState.guard_page,
    CartState.load_cart,
)
# An admin page: the admin role, checked on the server (the page's own load checks it again).
ADMIN: tuple[Any, ...] = (AuthState.guard_page("admin"),)


class Page(NamedTuple):
    """One page: ``on_load`` is ``frame`` and then ``load``, in that order."""

    route: str
    component: Callable[[], rx.Component]
    title: Any  # text, or a state var (a product's name)
    load: tuple[Any, ...] = ()
    frame: tuple[Any, ...] = STOREFRONT
    description: Any = None

    @property
    def on_load(self) -> list[Any]:
        return [*self.frame, *self.load]


def storefront(
    route: str, component: Callable[[], rx.Component], title: Any, *load: Any, description: Any = None
) -> Page:
    return Page(route, component, title, load, STOREFRONT, description)


def self_framed(
    route: str, component: Callable[[], rx.Component], title: Any, load: Any, *, description: Any = None
) -> Page:
    """A storefront page whose one load event runs the frame itself (``state/frame.frame_events``
    and then the page's own reads, one delta): the busiest pages (product, listings, home,
    search), where each event Reflex handles costs a state lock, a delta and a message."""
    return Page(route, component, title, (load,), (), description)


def account(route: str, component: Callable[[], rx.Component], title: Any, *load: Any) -> Page:
    return Page(route, component, title, load, ACCOUNT)


def admin(route: str, component: Callable[[], rx.Component], title: str, *load: Any) -> Page:
    return Page(route, component, title, load, ADMIN)


class _App(Protocol):
    def add_page(self, component: Any, **kwargs: Any) -> Any: ...


def add_pages(app: _App, pages: Iterable[Page]) -> None:
    """``app.add_page`` for each page, in order (Reflex matches dynamic routes in the order added)."""
    seen: set[str] = set()
    for page in pages:
        if page.route in seen:
            raise ValueError(f"{page.route} is added twice")
        seen.add(page.route)
        extra = {"description": page.description} if page.description is not None else {}
        app.add_page(page.component, route=page.route, title=page.title, on_load=page.on_load, **extra)


def routes_of(pages: Sequence[Page]) -> list[str]:
    return [page.route for page in pages]
