"""Assign only what changed.

Reflex marks a var dirty on every assignment, equal or not: the var rides in the event's delta,
its state is saved (with Redis, pickled and written), and every computed var that reads it is
recomputed and sent too. A page load re-sets many vars to the values they already hold (the
drawer closed, the suggestions shut, the user as they were); :func:`assign` sets only the ones
that differ, so a navigation that changes nothing of the frame sends nothing of it.
"""

from __future__ import annotations

from typing import Any


def assign(state: Any, **values: Any) -> None:
    """``setattr(state, name, value)`` for each name whose value differs from the one held."""
    for name, value in values.items():
        if getattr(state, name) != value:
            setattr(state, name, value)
