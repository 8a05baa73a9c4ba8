"""The cart state's pure helpers: op quantities, guest line edits, applied-op memory, totals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marque_app.components.cart_ops import op_arg
from marque_app.domain.cart import GuestLine
from marque_app.services.cart import CartLine
from marque_app.state.cart import (
    RECENT_OPS,
    guest_add,
    guest_line_view,
    guest_set,
    read_meta,
    remember_op,
    summarize,
    to_quantity,
)

SKU_A = "0d07f31b-0710-52d0-82a4-60e12c3e712a"
SKU_B = "1d07f31b-0710-52d0-82a4-60e12c3e712b"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), ("3", 3), (" 7 ", 7), (99, 99), (0, 0), (2.0, 2), ("0", 0),
     (100, None), (-1, None), ("-2", None), ("1.5", None), (1.5, None), ("", None),
     ("abc", None), (None, None), (True, None), ([1], None)],
)
def test_to_quantity_accepts_whole_numbers_from_0_to_99_only(value, expected):
    assert to_quantity(value) == expected


def test_guest_add_sums_the_same_sku_caps_at_99_and_appends_new_skus():
    lines = guest_add([], {"sku_id": SKU_A, "price_seen": "24.00", "name": "Tee"}, 2, "t0")
    assert lines == [GuestLine(sku_id=SKU_A, quantity=2, price_seen="24.00", name="Tee",
                               added_at="t0")]
    lines = guest_add(lines, {"sku_id": SKU_A, "price_seen": "1.00"}, 98, "t1")
    assert [(line.sku_id, line.quantity, line.price_seen) for line in lines] == [
        (SKU_A, 99, "24.00")  # the first price seen is kept
    ]
    lines = guest_add(lines, {"sku_id": SKU_B}, 1, "t2")
    assert [line.sku_id for line in lines] == [SKU_A, SKU_B]


def test_guest_set_changes_one_line_and_zero_removes_it():
    lines = [GuestLine(sku_id=SKU_A, quantity=2), GuestLine(sku_id=SKU_B, quantity=1)]
    assert [line.quantity for line in guest_set(lines, SKU_B, 5)] == [2, 5]
    assert [line.sku_id for line in guest_set(lines, SKU_A, 0)] == [SKU_B]
    assert guest_set(lines, "unknown", 3) == lines


def test_remember_op_keeps_the_last_ids_once_each():
    meta = {"merge_id": "m"}
    for i in range(RECENT_OPS + 5):
        meta = remember_op(meta, f"op-{i}")
    meta = remember_op(meta, f"op-{RECENT_OPS + 4}")
    assert meta["merge_id"] == "m"
    assert len(meta["ops"]) == RECENT_OPS
    assert meta["ops"][0] == "op-5" and meta["ops"][-1] == f"op-{RECENT_OPS + 4}"
    assert len(set(meta["ops"])) == RECENT_OPS


@pytest.mark.parametrize("raw", ["", "{broken", "[1, 2]", "null"])
def test_read_meta_survives_anything_in_local_storage(raw):
    assert read_meta(raw) == {}


def test_guest_line_view_uses_the_server_price_and_flags_the_change():
    priced = CartLine(id=SKU_A, sku_id=SKU_A, product_slug="tee", name="Tee", unit_price="24.00",
                      price_seen="24.00", quantity=1, available=5, line_total="24.00")
    view = guest_line_view(GuestLine(sku_id=SKU_A, quantity=3, price_seen="0.01"), priced, "USD")
    assert (view.unit_price, view.line_total, view.price_change) == ("$24.00", "$72.00", "up")
    assert (view.max_quantity, view.href, view.price_seen) == (5, "/products/tee", "$0.01")
    # before the server priced it: what the shopper saw
    unpriced = guest_line_view(GuestLine(sku_id=SKU_B, quantity=2, price_seen="10.00"), None, "USD")
    assert (unpriced.unit_price, unpriced.line_total, unpriced.price_change) == (
        "$10.00", "$20.00", ""
    )


def test_summarize_totals_with_rates_from_settings_and_skips_sold_out_lines():
    priced = CartLine(id=SKU_A, sku_id=SKU_A, unit_price="20.00", quantity=1, available=9)
    sold_out = CartLine(id=SKU_B, sku_id=SKU_B, unit_price="500.00", quantity=1, is_sold_out=True)
    lines = [
        guest_line_view(GuestLine(sku_id=SKU_A, quantity=2), priced, "USD"),
        guest_line_view(GuestLine(sku_id=SKU_B, quantity=1), sold_out, "USD"),
    ]
    summary = summarize(lines)
    assert summary.count == 3
    assert summary.subtotal == "$40.00"
    assert summary.tax == "$3.20"  # 8 %
    assert summary.shipping == "$5.99"  # under the $75 free-shipping threshold
    assert summary.total == "$49.19"
    assert not summary.free_shipping
    big = [guest_line_view(GuestLine(sku_id=SKU_A, quantity=4), priced, "USD")]
    assert summarize(big).shipping == "Free" and summarize(big).total == "$86.40"
    assert Decimal("80.00") * Decimal("1.08") == Decimal("86.4000")


def test_op_arg_compiles_to_prepare_with_the_fields_and_refuses_unknown_types():
    expr = str(op_arg(type="add", sku_id=SKU_A, quantity=1))
    assert expr.startswith("(window.marqueCart.prepare(")
    assert '"add"' in expr and SKU_A in expr and '["quantity"] : 1' in expr
    with pytest.raises(ValueError, match="unknown cart op type"):
        op_arg(type="explode")
