"""``state.scripts``: the cheap builders make exactly the events Reflex's own make."""

from __future__ import annotations

import json

import reflex as rx
from reflex_base.utils.format import format_event

from marque_app.state.cart import storage_patch
from marque_app.state.scripts import call_script, fixed_toast


def _js(spec) -> str:
    return format_event(spec)


def test_call_script_is_reflexs_event_for_a_plain_string():
    body = json.dumps({"cart": {"items": [{"name": 'A "quoted" {name} <b>', "quantity": 2}]}})
    code = f"window.marqueCart&&window.marqueCart.patchStorage({body})"
    ours, reflexs = call_script(code), rx.call_script(code)
    assert _js(ours) == _js(reflexs)
    assert ours.handler.fn.__qualname__ == reflexs.handler.fn.__qualname__ == "_call_script"
    assert _js(storage_patch({"items": []}, None)) == _js(
        rx.call_script('window.marqueCart&&window.marqueCart.patchStorage({"cart":{"items":[]}})')
    )


def test_fixed_toast_is_reflexs_toast_and_is_kept():
    for kind in ("success", "info", "warning", "error"):
        assert _js(fixed_toast(kind, "Added to your cart")) == _js(getattr(rx.toast, kind)("Added to your cart"))
    assert fixed_toast("success", "Added to your cart") is fixed_toast("success", "Added to your cart")
    assert _js(fixed_toast("success", "Moved")) != _js(fixed_toast("success", "Added to your cart"))
