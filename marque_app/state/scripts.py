"""The browser-side events of the busiest handlers, built cheaply.

``rx.call_script`` re-reads its own signature and parses the code for Reflex vars on every
call, and ``rx.toast.success`` builds its whole JavaScript expression each time: about 30 and
75 microseconds, on every add to cart. :func:`call_script` builds the same event for a plain
code string (never Reflex vars: a shopper's text inside it stays text) and :func:`fixed_toast`
keeps the event of a fixed message (an event spec is immutable). ``tests/unit`` holds both
equal to what Reflex builds.
"""

from __future__ import annotations

import functools
import inspect
from typing import Literal

import reflex as rx
from reflex_base.event import EventSpec, server_side

_CALL_SCRIPT = inspect.signature(rx.call_script)


def call_script(code: str) -> EventSpec:
    """``rx.call_script(code)`` for JavaScript held in a plain string."""
    return server_side("_call_script", _CALL_SCRIPT, javascript_code=code, callback=None)


@functools.lru_cache(maxsize=64)
def fixed_toast(kind: Literal["success", "info", "warning", "error"], message: str) -> EventSpec:
    """``rx.toast.<kind>(message)`` for a fixed message (kept: a handful of messages repeat)."""
    return getattr(rx.toast, kind)(message)
