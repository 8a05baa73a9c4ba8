"""The items forms of the shopper's order page and the admin's order page: what they ask to change."""

from __future__ import annotations

from marque_app.state.admin.orders import admin_item_changes
from marque_app.state.orders import OrderLineView, item_changes

A, B = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"


def test_the_shopper_form_sends_only_changed_lines():
    lines = [OrderLineView(id="1", sku_id=A, quantity=2), OrderLineView(id="2", sku_id=B, quantity=1)]
    assert item_changes({f"mq_{A}": "3", f"mq_{B}": "1"}, lines) == [(A, 3)]
    assert item_changes({f"mq_{A}": "0", f"mq_{B}": " 4 "}, lines) == [(A, 0), (B, 4)]
    assert item_changes({f"mq_{A}": "-1", f"mq_{B}": "abc"}, lines) == []  # not a quantity: kept
    assert item_changes({f"mq_{A}": "100"}, lines) == []
    assert item_changes({}, lines) == []


def test_the_admin_form_changes_lines_and_adds_a_sku():
    lines = [{"sku_id": A, "quantity": 2}]
    assert admin_item_changes({f"mq_{A}": "5"}, lines) == [(A, 5)]
    assert admin_item_changes({f"mq_{A}": "2", "add_sku": B}, lines) == [(B, 1)]
    assert admin_item_changes({"add_sku": B, "add_quantity": "3"}, lines) == [(B, 3)]
    assert admin_item_changes({"add_sku": B, "add_quantity": "x"}, lines) == [(B, -1)]  # refused by the service
    assert admin_item_changes({f"mq_{A}": "2"}, lines) == []
