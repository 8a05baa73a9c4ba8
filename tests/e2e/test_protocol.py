"""The shoppers benchmark speaks Reflex's websocket as Chromium does, and still will after an upgrade.

A real tab opens a product page, adds to the cart, follows a link, then registers. Every frame it
sends is reduced to its shape (``tests/bench/shoppers_protocol.shape``: packet type, event name,
the keys of its payload and router data) and compared with

- ``tests/bench/reference_frames.json``, the shapes of such a session when the benchmark was
  written: a Reflex upgrade that changes what the page sends fails here;
- the frames the benchmark's own builders make for the same steps: a builder that drifts from
  the page fails here.

The answers the benchmark waits for are checked too: ``is_hydrated`` at the end of a page load,
a toast after an add, the token after a registration.

``MARQUE_WRITE_REFERENCE=1`` rewrites the reference file from this run (after a deliberate
Reflex upgrade, with a look at the diff).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from tests.bench import shoppers_protocol as proto
from tests.e2e.conftest import wait_for_hydration

pytestmark = pytest.mark.e2e

REFERENCE = Path(__file__).resolve().parents[1] / "bench" / "reference_frames.json"


def _kind(frame: str) -> str | None:
    if frame.startswith(f"40{proto.NS},") and proto.HYDRATE in frame:
        return "connect"
    for name, kind in (
        (proto.APPLY, "add"),
        (proto.UPDATE_VARS, "update_vars"),
        (proto.ON_LOAD, "on_load"),
        (proto.REGISTER, "register"),
    ):
        if f'"name":"{name}"' in frame:
            return kind
    return None


def _first(frames: list[str], kind: str) -> str:
    found = [f for f in frames if _kind(f) == kind]
    assert found, f"the page sent no {kind} frame; it sent: {[f[:80] for f in frames]}"
    return found[0]


def test_bench_frames_match_what_chromium_sends(page, base_url, app_db_url):
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda p: sent.append(p) if isinstance(p, str) else None))
    import sqlalchemy as sa

    from marque_app.services.db import make_engine

    engine = make_engine(app_db_url)
    with engine.connect() as conn:
        slug = conn.execute(
            sa.text(
                "SELECT p.slug FROM products p JOIN product_variants v ON v.product_id = p.id "
                "WHERE p.status = 'active' AND v.inventory_quantity >= 20 ORDER BY p.slug LIMIT 1"
            )
        ).scalar_one()
    engine.dispose()

    page.goto(f"/products/{slug}")
    wait_for_hydration(page)
    page.get_by_test_id("add-to-cart").click()
    # the server's answer wrote the cart to local storage (the badge alone is optimistic), so the
    # navigation has client storage to send first
    page.wait_for_function("() => (localStorage.getItem('marque_cart') || '').length > 0")
    page._marque_frames.clear()
    page.locator("a[href='/shop']").first.click()
    wait_for_hydration(page)
    page._marque_frames.clear()
    page.goto("/register")
    wait_for_hydration(page)
    received_before = len(page._marque_frames)
    page.get_by_test_id("first-name-input").fill("Proto")
    page.get_by_test_id("last-name-input").fill("Col")
    page.get_by_test_id("email-input").fill(f"proto-{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_test_id("password-input").fill("Proto#2026-frames")
    page.get_by_test_id("register-submit").click()
    page.wait_for_function("() => (localStorage.getItem('marque_token') || '').length > 20")

    live = {kind: _first(sent, kind) for kind in ("connect", "add", "update_vars", "on_load", "register")}
    live_shapes = {kind: proto.shape(frame) for kind, frame in live.items()}

    # 1. the same as when the benchmark was written
    if os.environ.get("MARQUE_WRITE_REFERENCE"):
        REFERENCE.write_text(json.dumps(live_shapes, indent=1, sort_keys=True) + "\n")
    reference = json.loads(REFERENCE.read_text())
    assert live_shapes == reference, (
        "Reflex's websocket frames changed: update tests/bench/shoppers_protocol.py, then "
        "rewrite the reference with MARQUE_WRITE_REFERENCE=1"
    )

    # 2. the benchmark's builders make the same frames
    template = proto.template_from_frames(sent)
    assert template.hashes and template.state_schema
    storage = dict.fromkeys(template.storage_keys, "x")
    op = json.loads(live["add"][len(proto.NS) + 3 :])[1]["payload"]["op"]
    built = {  # the first connect of a new browser has no client storage to send yet
        "connect": proto.connect_frame(template, f"/products/{slug}", {"slug": slug}, {}),
        "add": proto.add_frame(op, f"/products/{slug}", {"slug": slug}),
        "update_vars": proto.navigation_frames("/shop", None, storage)[0],
        "on_load": proto.navigation_frames("/shop", None, storage)[1],
        "register": proto.register_frame("a@example.com", "pw"),
    }
    assert {kind: proto.shape(frame) for kind, frame in built.items()} == live_shapes
    register_form = json.loads(live["register"][len(proto.NS) + 3 :])[1]["payload"]["form"]
    built_form = json.loads(built["register"][len(proto.NS) + 3 :])[1]["payload"]["form"]
    assert [k for k, _ in register_form["__reflex_form_data__"]] == [k for k, _ in built_form["__reflex_form_data__"]]
    assert set(template.storage_keys) >= {f"{proto.CART_STATE}.guest_cart_rx_state_"}

    # 3. the answers the benchmark waits for
    answers = page._marque_frames[received_before:]
    assert any("token_rx_state_" in f for f in answers if isinstance(f, str))
