"""Cart rules without a database: guest payload repair, the merge plan and message, totals."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest

from marque_app.api.errors import http_status
from marque_app.domain.cart import (
    MAX_GUEST_LINES,
    CartError,
    GuestLine,
    MergeOutcome,
    cart_totals,
    check_quantity,
    dump_guest_cart,
    dump_guest_wishlist,
    merge_message,
    outcome_from_dict,
    outcome_to_dict,
    parse_guest_cart,
    parse_guest_wishlist,
    plan_merge,
    price_change,
)

A, B, C = (str(uuid.uuid4()) for _ in range(3))


def _raw(lines, v=1) -> str:
    return json.dumps({"v": v, "lines": lines})


# --- guest payload -------------------------------------------------------------------------------


def test_round_trip():
    lines = [GuestLine(sku_id=A, quantity=2, price_seen="24.00", name="Tee", image="/a.jpg", product_id=B)]
    raw = dump_guest_cart(lines)
    assert json.loads(raw)["v"] == 1
    assert parse_guest_cart(raw) == (lines, [])
    assert parse_guest_wishlist(dump_guest_wishlist([A, B, A])) == ([A, B], [])


@pytest.mark.parametrize("raw", ["{not json", "[1,2]", '"text"', '{"v": 1, "lines": {}}', "null"])
def test_unreadable_payload_empties_the_cart_with_a_message(raw):
    lines, messages = parse_guest_cart(raw)
    assert lines == [] and messages == ["Your saved cart could not be read and was emptied"]


def test_empty_or_missing_payload_is_an_empty_cart():
    assert parse_guest_cart(None) == ([], []) and parse_guest_cart("") == ([], [])


def test_wrong_version_is_refused():
    lines, messages = parse_guest_cart(_raw([{"sku_id": A, "quantity": 1}], v=2))
    assert lines == [] and "another version" in messages[0]


def test_bad_lines_are_dropped_one_by_one_and_valid_lines_survive():
    raw = _raw(
        [
            {"sku_id": A, "quantity": 2, "name": "Good", "colour": "unknown field"},
            {"sku_id": B, "quantity": -1, "name": "Negative"},
            {"sku_id": B, "quantity": 0, "name": "Zero"},
            {"sku_id": B, "quantity": 1.5, "name": "Float"},
            {"sku_id": B, "quantity": "3", "name": "String"},
            {"sku_id": B, "quantity": True, "name": "Bool"},
            {"sku_id": "not-a-uuid", "quantity": 1},
            {"quantity": 1},
            "a string line",
            {"sku_id": C.upper(), "quantity": 150},
        ]
    )
    lines, messages = parse_guest_cart(raw)
    assert [(line.sku_id, line.quantity) for line in lines] == [(A, 2), (C, 99)]
    assert lines[0].name == "Good"
    assert '"Negative" had an invalid quantity and was removed' in messages
    assert sum("invalid quantity" in m for m in messages) == 5
    assert sum("no valid product reference" in m for m in messages) == 2
    assert "Line 9 could not be read and was removed" in messages
    assert "Line 10 was reduced to 99, the most per item" in messages


def test_duplicates_are_summed_and_capped():
    lines, messages = parse_guest_cart(
        _raw(
            [
                {"sku_id": A, "quantity": 2},
                {"sku_id": A, "quantity": 3},
                {"sku_id": B, "quantity": 60},
                {"sku_id": B, "quantity": 60},
            ]
        )
    )
    assert [(line.sku_id, line.quantity) for line in lines] == [(A, 5), (B, 99)]
    assert "Line 2 appeared twice; the quantities were added up" in messages
    assert "Line 4 appeared twice; reduced to 99, the most per item" in messages


def test_ten_thousand_lines_are_cut_to_the_limit_with_one_message():
    many = [{"sku_id": str(uuid.uuid4()), "quantity": 1} for _ in range(10_000)]
    lines, messages = parse_guest_cart(_raw(many))
    assert len(lines) == MAX_GUEST_LINES
    assert [line.sku_id for line in lines] == [m["sku_id"] for m in many[:MAX_GUEST_LINES]]
    assert messages == [f"Your cart holds at most {MAX_GUEST_LINES} different items; 9900 more lines were removed"]


def test_many_bad_lines_give_a_bounded_number_of_messages():
    lines, messages = parse_guest_cart(_raw([{"sku_id": A, "quantity": -1}] * 500))
    assert lines == [] and len(messages) == 11 and messages[-1] == "490 more lines repaired or removed"


def test_prices_and_text_from_the_browser_are_never_trusted():
    huge = "x" * 1_000_000
    lines, messages = parse_guest_cart(
        _raw(
            [
                {"sku_id": A, "quantity": 1, "price_seen": "0.01", "name": huge, "image": huge, "added_at": huge},
                {"sku_id": B, "quantity": 1, "price_seen": "-5"},
                {"sku_id": C, "quantity": 1, "price_seen": 12.5, "product_id": "junk"},
            ]
        )
    )
    # a lowered price_seen is kept only as what the shopper saw: it never prices anything
    assert lines[0].price_seen == "0.01"
    assert len(lines[0].name) == 255 and len(lines[0].image) == 500 and len(lines[0].added_at) == 40
    assert lines[1].price_seen == "" and lines[2].price_seen == "" and lines[2].product_id == ""
    assert sum("invalid price" in m for m in messages) == 2


def test_guest_wishlist_repair():
    raw = json.dumps({"v": 1, "product_ids": [A, "junk", 5, A.upper(), B]})
    assert parse_guest_wishlist(raw) == ([A, B], ["2 wishlist entries could not be read and were removed"])
    assert parse_guest_wishlist("{{")[0] == []
    assert "another version" in parse_guest_wishlist('{"v": 0, "product_ids": []}')[1][0]


@pytest.mark.parametrize("quantity", [0, -3, 100, 2.0, "2", None, False])
def test_check_quantity_refuses(quantity):
    with pytest.raises(CartError) as err:
        check_quantity(quantity)
    assert err.value.kind == "invalid" and http_status(err.value) == 422


def test_check_quantity_accepts_1_to_99():
    assert check_quantity(1) == 1 and check_quantity(99) == 99


# --- merge ---------------------------------------------------------------------------------------


def test_plan_merge_rules():
    guest = [
        GuestLine(sku_id=A, quantity=2),
        GuestLine(sku_id=B, quantity=5, name="Boots"),
        GuestLine(sku_id=C, quantity=1, name="Gone"),
        GuestLine(sku_id=A, quantity=1),
    ]
    quantities, outcome = plan_merge(guest, existing={A: 4}, sellable={A: None, B: 2})
    assert quantities == {A: 7, B: 2}
    assert outcome == MergeOutcome(added=1, increased=1, reduced=[("Boots", 2)], dropped=["Gone"])
    assert merge_message(outcome) == "2 items added to your cart; 1 reduced to the 2 in stock; 1 no longer available"


def test_plan_merge_caps_at_99_and_never_lowers_existing_lines():
    quantities, outcome = plan_merge(
        [GuestLine(sku_id=A, quantity=50), GuestLine(sku_id=B, quantity=1), GuestLine(sku_id=C, quantity=1)],
        existing={A: 60, B: 5},
        sellable={A: 99, B: 3, C: 0},
        names={A: "Socks", B: "Hat", C: "Scarf"},
    )
    assert quantities == {A: 99}
    assert outcome.reduced == [("Socks", 99), ("Hat", 5)] and outcome.dropped == ["Scarf"]
    assert (
        merge_message(outcome) == "1 item added to your cart; 2 reduced to the stock available; 1 no longer available"
    )


def test_merge_messages():
    assert merge_message(MergeOutcome()) == ""
    assert (
        merge_message(MergeOutcome(added=3, reduced=[("X", 2)]))
        == "3 items added to your cart; 1 reduced to the 2 in stock"
    )
    assert merge_message(MergeOutcome(reduced=[("X", 99)])) == "1 reduced to 99, the most per item"
    assert merge_message(MergeOutcome(wishlist_added=2)) == "2 added to your wishlist"
    outcome = MergeOutcome(added=1, reduced=[("X", 2)], dropped=["Y"], wishlist_added=1)
    assert outcome_from_dict(json.loads(json.dumps(outcome_to_dict(outcome)))) == outcome


# --- totals --------------------------------------------------------------------------------------

RATES = {"tax_rate": Decimal("0.08"), "shipping_flat": Decimal("5.99"), "free_shipping_over": Decimal("75.00")}


def test_totals_with_flat_shipping_and_rounded_tax():
    totals = cart_totals([(Decimal("19.99"), 2), (Decimal("0.05"), 1)], **RATES)
    assert totals.subtotal == Decimal("40.03") and totals.tax == Decimal("3.20")
    assert totals.shipping == Decimal("5.99") and totals.total == Decimal("49.22")


def test_free_shipping_at_or_over_the_threshold_and_for_an_empty_cart():
    assert cart_totals([(Decimal("75.00"), 1)], **RATES).shipping == Decimal("0.00")
    assert cart_totals([(Decimal("74.99"), 1)], **RATES).shipping == Decimal("5.99")
    empty = cart_totals([], **RATES)
    assert (empty.subtotal, empty.shipping, empty.total) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


def test_totals_follow_the_settings_rates():
    totals = cart_totals(
        [(Decimal("10.00"), 1)], tax_rate=Decimal("0.2"), shipping_flat=Decimal("3"), free_shipping_over=Decimal("100")
    )
    assert (totals.tax, totals.shipping, totals.total) == (Decimal("2.00"), Decimal("3.00"), Decimal("15.00"))


def test_price_change():
    assert price_change(Decimal("10"), Decimal("12")) == "up"
    assert price_change(Decimal("10"), Decimal("8")) == "down"
    assert price_change(Decimal("10"), Decimal("10.00")) == ""
    assert price_change(None, Decimal("10")) == ""


def test_domain_imports_only_the_standard_library():
    code = "import sys, marque_app.domain.cart; print('reflex' in sys.modules, 'sqlmodel' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"


def test_move_sku_asks_for_a_choice_among_several_variants():
    from marque_app.domain.cart import move_needs_choice, move_sku

    several, one = ["a1", "b2", "c3"], ["only"]
    assert move_sku(one) == "only" and move_sku(one, "only") == "only"
    assert move_sku(several, "b2") == "b2"
    cases = [(several, "", "choose_variant"), (several, "zz", "not_a_variant"), (one, "zz", "not_a_variant")]
    for ids, sku, code in cases:
        with pytest.raises(CartError) as err:
            move_sku(ids, sku)
        assert (err.value.kind, err.value.status, err.value.field, err.value.code) == ("invalid", 422, "sku_id", code)
        # the page's chooser shows exactly when the rule would refuse a missing choice
        assert move_needs_choice(len(ids), sku) == (code == "choose_variant")
    with pytest.raises(CartError) as err:
        move_sku([])
    assert err.value.kind == "not_found"


@pytest.mark.parametrize(
    "value",
    [A, A.upper(), f" {A} ", f"{{{A}}}", A.replace("-", ""), "not-a-uuid", "", "0" * 36],
)
def test_an_id_already_canonical_is_kept_and_any_other_form_made_so(value):
    """``normalize_uuid`` answers the canonical form without parsing it: the same answer."""
    from marque_app.domain.cart import normalize_uuid

    try:
        expected = str(uuid.UUID(value.strip()))
    except ValueError:
        expected = ""
    assert normalize_uuid(value) == expected


@pytest.mark.parametrize(
    "price", ["24.00", "0.00", "99999999.99", "007.50", "7.5", "7", "24.001", "1e2", "100000000.00", "-1.00"]
)
def test_a_stored_price_reads_as_parse_price_reads_it(price):
    """A stored line's ``price_seen`` already as ``parse_price`` writes it ("24.00") is kept as
    it is; any other string goes through ``parse_price``: the same result either way."""
    from marque_app.domain.cart import parse_price

    lines, _ = parse_guest_cart(_raw([{"sku_id": A, "quantity": 1, "price_seen": price}]))
    amount = parse_price(price)
    assert lines[0].price_seen == (str(amount) if amount is not None else "")
