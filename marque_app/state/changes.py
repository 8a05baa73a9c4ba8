"""Assign only what changed.

Reflex marks a var dirty on every assignment, equal or not: the var rides in the event's delta,
its state is saved (with Redis, pickled and written), and every computed var that reads it is
recomputed and sent too. A page load re-sets many vars to the values they already hold (the
drawer closed, the suggestions shut, the user as they were); :func:`assign` sets only the ones
that differ, so a navigation that changes nothing of the frame sends nothing of it.

The browser does the same to the vars it keeps (``rx.LocalStorage``): every client-side
navigation starts with Reflex's ``update_vars_internal``, which sets each of them from the
page's copy. :class:`StorageSetsOnlyChanges` makes those assignments skip equal values too.
"""

from __future__ import annotations

import functools
from typing import Any


def assign(state: Any, **values: Any) -> None:
    """``setattr(state, name, value)`` for each name whose value differs from the one held."""
    for name, value in values.items():
        if getattr(state, name) != value:
            setattr(state, name, value)


@functools.cache
def _storage_names(cls: type) -> frozenset[str]:
    return frozenset(name for name in cls.get_fields() if cls._is_client_storage(name))


class StorageSetsOnlyChanges:
    """Mixin for a state with browser-storage vars: setting one to the value it holds does
    nothing. Each navigation's ``update_vars_internal`` re-sets the cart, its op ids and the
    token from the page's copy, equal or not; each such set sent the value back to the page that
    had just sent it, recomputed the computed vars that read it (the cart's count, lines and
    totals: a parse of the stored cart each) and marked the state to be saved."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _storage_names(type(self)):
            try:
                if object.__getattribute__(self, name) == value:
                    return
            except AttributeError:  # not set yet (the state being built)
                pass
        super().__setattr__(name, value)


def unwrapped(value: Any) -> Any:
    """A copy of the list or dict a state var holds, its items as they are, not Reflex's
    ``MutableProxy`` around them (reading a var gives a proxy, and each item read through it is
    proxied too). Copying the proxy (``{**proxied, ...}``, ``[*proxied, x]``) kept a proxy per
    item in the state: one more object per item per change, each pointing back at the state, for
    the garbage collector to walk. Anything else is returned unwrapped."""
    raw = getattr(value, "__wrapped__", value)
    if isinstance(raw, dict):
        return {key: getattr(item, "__wrapped__", item) for key, item in raw.items()}
    if isinstance(raw, list):
        return [getattr(item, "__wrapped__", item) for item in raw]
    return raw
