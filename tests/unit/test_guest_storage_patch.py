"""The guest cart's storage patch: what the server sends instead of the whole cart after a change
(``domain.cart.guest_cart_patch``), applied by the page (``assets/cart_ops.js`` ``patchStorage``)
and by :func:`domain.cart.apply_guest_patch`: both must give the server's cart, line for line."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from marque_app.domain.cart import (
    GUEST_STORAGE_VERSION,
    GuestLine,
    apply_guest_patch,
    dump_guest_cart,
    guest_cart_patch,
    parse_guest_cart,
)
from marque_app.state.cart import remember_op
from tests.bench.shoppers_protocol import STORAGE_VARS, apply_storage_patch

ROOT = Path(__file__).resolve().parents[2]


def _sku(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def _lines(n: int) -> list[GuestLine]:
    return [
        GuestLine(
            sku_id=_sku(i),
            quantity=1 + i % 3,
            price_seen="20.00",
            name=f"Tee {i}",
            product_id=_sku(1000 + i),
            added_at="2026-12-01T10:00:00+00:00",
        )
        for i in range(n)
    ]


HUNDRED = _lines(100)

# (name, before, after, whether a patch can say it)
CASES = [
    ("first line of an empty cart", [], _lines(1), True),
    (
        "a quantity changed in place",
        HUNDRED,
        [replace(line, quantity=7) if i == 40 else line for i, line in enumerate(HUNDRED)],
        True,
    ),
    ("a new line appended", HUNDRED[:99], HUNDRED, True),
    ("a line removed", HUNDRED, HUNDRED[:10] + HUNDRED[11:], True),
    (
        "changed, removed and appended at once",
        HUNDRED[:50],
        [replace(HUNDRED[0], quantity=9), *HUNDRED[2:50], *HUNDRED[60:62]],
        True,
    ),
    ("nothing changed", HUNDRED, HUNDRED, True),
    ("a name beyond ASCII", _lines(2), [*_lines(2), replace(_lines(3)[2], name="Café crème — 50 ml")], True),
    ("the kept lines change order", HUNDRED[:3], [HUNDRED[1], HUNDRED[0], HUNDRED[2]], False),
    ("emptied", HUNDRED, [], False),
]


@pytest.mark.parametrize(("name", "before", "after", "patchable"), CASES, ids=[c[0] for c in CASES])
def test_a_patch_gives_the_new_cart_or_there_is_none(name, before, after, patchable):
    patch = guest_cart_patch(before, after)
    assert (patch is not None) == patchable
    if patch is not None:
        assert apply_guest_patch(before, patch) == after


def test_an_add_to_a_100_line_cart_patches_one_line_in_a_few_hundred_bytes():
    after = [*HUNDRED[:99], replace(HUNDRED[99], quantity=3)]
    patch = guest_cart_patch(HUNDRED, after)
    assert patch == {"set": [asdict(after[99])], "del": []}
    assert len(json.dumps(patch)) < 400 < len(dump_guest_cart(after)) / 20


_HARNESS = r"""
const fs = require("fs");
const store = {};
globalThis.window = {
  localStorage: {
    getItem: (k) => (k in store ? store[k] : null),
    setItem: (k, v) => { store[k] = String(v); },
    removeItem: (k) => { delete store[k]; },
  },
  sessionStorage: { getItem: () => null, setItem: () => {} },
  addEventListener: () => {}, dispatchEvent: () => {}, setTimeout: () => {},
  crypto: require("crypto").webcrypto, location: { href: "http://localhost/" },
};
globalThis.document = { body: null, getElementById: () => null };
eval(fs.readFileSync(process.argv[2], "utf8"));
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
const out = cases.map(([before, patch]) => {
  for (const k of Object.keys(store)) delete store[k];
  if (before !== null) store[patch.cart ? patch.cart.key : patch.meta.key] = before;
  window.marqueCart.patchStorage(patch);
  return store[patch.cart ? patch.cart.key : patch.meta.key];
});
process.stdout.write(JSON.stringify(out));
"""


def test_the_page_applies_each_patch_as_the_server_does(tmp_path):
    node = shutil.which("node")
    assert node, "Node.js is needed (the README's set-up installs it): the page's script runs in it"
    harness = tmp_path / "harness.js"
    harness.write_text(_HARNESS)
    cases, wanted = [], []
    for _, before, after, patchable in CASES:
        if not patchable:
            continue
        patch = guest_cart_patch(before, after)
        stored = dump_guest_cart(before) if before else None
        cases.append([stored, {"cart": {"key": "marque_cart", "v": GUEST_STORAGE_VERSION, **patch}}])
        wanted.append(after)
    # the op ids kept in the meta: the last `keep`, once each; a merge id only when none is stored
    meta_cases = [
        [None, {"meta": {"key": "m", "op": "a", "keep": 2, "merge_id": "M1"}}],
        [
            json.dumps({"merge_id": "M0", "ops": ["a", "b"]}),
            {"meta": {"key": "m", "op": "a", "keep": 2, "merge_id": "M1"}},
        ],
        [json.dumps({"merge_id": "M0", "ops": ["a", "b"]}), {"meta": {"key": "m", "op": "c", "keep": 2}}],
        ["{not json", {"meta": {"key": "m", "op": "c", "keep": 2}}],
    ]
    run = subprocess.run(
        [node, str(harness), str(ROOT / "assets" / "cart_ops.js")],
        input=json.dumps(cases + meta_cases, sort_keys=True),  # as state/cart.py storage_patch sends it
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = json.loads(run.stdout)
    for got, after, (stored, patch) in zip(results, wanted, cases, strict=False):
        assert parse_guest_cart(got) == (after, [])
        # byte for byte the server's own string: the page sends it back on every navigation,
        # and an equal value is not set again (state.changes.StorageSetsOnlyChanges)
        assert got == dump_guest_cart(after)
        mirrored = {STORAGE_VARS["marque_cart"]: stored or ""}
        apply_storage_patch(mirrored, json.loads(json.dumps(patch, sort_keys=True)))
        assert mirrored[STORAGE_VARS["marque_cart"]] == got  # the load bench's copy of the page's
    assert [json.loads(r) for r in results[len(wanted) :]] == [
        {"merge_id": "M1", "ops": ["a"]},
        {"merge_id": "M0", "ops": ["b", "a"]},
        {"merge_id": "M0", "ops": ["b", "c"]},
        {"ops": ["c"]},
    ]
    # the server keeps the op ids as the same string (state/cart.py ``_remember``)
    server_meta = json.dumps(remember_op({"merge_id": "M1"}, "a"), separators=(",", ":"))
    assert results[len(wanted)] == server_meta
