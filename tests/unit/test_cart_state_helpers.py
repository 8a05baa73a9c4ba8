"""The cart state's pure helpers: op quantities, guest line edits, applied-op memory, totals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marque_app.components.cart_ops import op_arg
from marque_app.domain.cart import GuestLine
from marque_app.services.cart import CartLine
from marque_app.state.cart import (
    RECENT_OPS,
    guest_line_view,
    local_op,
    read_meta,
    remember_op,
    summarize,
)

SKU_A = "0d07f31b-0710-52d0-82a4-60e12c3e712a"
SKU_B = "1d07f31b-0710-52d0-82a4-60e12c3e712b"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        ("3", 3),
        (" 7 ", 7),
        (99, 99),
        (0, 0),
        (2.0, 2),
        ("0", 0),
        (100, None),
        (-1, None),
        ("-2", None),
        ("1.5", None),
        (1.5, None),
        ("", None),
        ("abc", None),
        (None, None),
        (True, None),
        ([1], None),
    ],
)
def test_a_typed_quantity_is_a_whole_number_from_0_to_99_only(value, expected):
    lines = [GuestLine(sku_id=SKU_A, quantity=5)]
    cart_op, result = local_op(lines, {"type": "set", "item_id": SKU_A, "quantity": value})
    if expected is None:
        assert result.refusal is not None and result.refusal.code == "bad_quantity"
    else:
        assert cart_op.quantity == expected and result.ok
        assert [line.quantity for line in result.lines] == ([expected] if expected else [])


def test_local_add_sums_the_same_sku_refuses_past_99_and_appends_new_skus():
    _, result = local_op(
        [], {"type": "add", "sku_id": SKU_A, "price_seen": "24.00", "name": "Tee", "quantity": 2}, now="t0"
    )
    lines = list(result.lines)
    assert lines == [GuestLine(sku_id=SKU_A, quantity=2, price_seen="24.00", name="Tee", added_at="t0")]
    _, result = local_op(lines, {"type": "add", "sku_id": SKU_A, "price_seen": "1.00", "quantity": 97})
    assert [(line.sku_id, line.quantity, line.price_seen) for line in result.lines] == [
        (SKU_A, 99, "24.00")  # the first price seen is kept
    ]
    _, refused = local_op(list(result.lines), {"type": "add", "sku_id": SKU_A, "quantity": 1})
    assert refused.refusal is not None and refused.refusal.code == "line_limit"  # no silent cap
    _, result = local_op(lines, {"type": "move_to_cart", "sku_id": SKU_B, "product_id": "p"})
    assert [(line.sku_id, line.quantity) for line in result.lines] == [(SKU_A, 2), (SKU_B, 1)]


def test_local_set_changes_one_line_zero_removes_it_and_an_unknown_line_is_refused():
    lines = [GuestLine(sku_id=SKU_A, quantity=2), GuestLine(sku_id=SKU_B, quantity=1)]
    assert [ln.quantity for ln in local_op(lines, {"type": "set", "item_id": SKU_B, "quantity": 5})[1].lines] == [2, 5]
    assert [ln.sku_id for ln in local_op(lines, {"type": "set", "item_id": SKU_A, "quantity": 0})[1].lines] == [SKU_B]
    assert [ln.sku_id for ln in local_op(lines, {"type": "remove", "item_id": SKU_A})[1].lines] == [SKU_B]
    assert local_op(lines, {"type": "clear"})[1].lines == ()
    refused = local_op(lines, {"type": "set", "item_id": "unknown", "quantity": 3})[1]
    assert refused.refusal is not None and refused.refusal.code == "not_found" and refused.lines == tuple(lines)


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
    priced = CartLine(
        id=SKU_A,
        sku_id=SKU_A,
        product_slug="tee",
        name="Tee",
        unit_price="24.00",
        price_seen="24.00",
        quantity=1,
        available=5,
        line_total="24.00",
    )
    view = guest_line_view(GuestLine(sku_id=SKU_A, quantity=3, price_seen="0.01"), priced, "USD")
    assert (view.unit_price, view.line_total, view.price_change) == ("$24.00", "$72.00", "up")
    assert (view.max_quantity, view.href, view.price_seen) == (5, "/products/tee", "$0.01")
    # before the server priced it: what the shopper saw
    unpriced = guest_line_view(GuestLine(sku_id=SKU_B, quantity=2, price_seen="10.00"), None, "USD")
    assert (unpriced.unit_price, unpriced.line_total, unpriced.price_change) == ("$10.00", "$20.00", "")


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


def test_a_cart_without_a_stored_merge_id_gets_one_from_its_text():
    from marque_app.state.cart import content_merge_id

    cart = '{"lines":[{"quantity":1,"sku_id":"a"}],"v":1}'
    assert content_merge_id(cart, "") == content_merge_id(cart, "")  # sent again: the same merge
    assert content_merge_id(cart, "") != content_merge_id(cart.replace("1", "2"), "")
    assert content_merge_id(cart, "") != content_merge_id(cart, '{"ids":["p"],"v":1}')
    assert len(content_merge_id(cart, "")) <= 100  # what the merge service accepts
