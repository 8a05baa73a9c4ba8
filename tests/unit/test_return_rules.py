"""The return rules (domain/orders.py): what may be asked back, by the service and the page alike."""

from __future__ import annotations

import uuid

import pytest

from marque_app.domain.checkout import InvalidCheckout
from marque_app.domain.orders import ReturnableLine, check_return_items, return_reason, returnable_quantity

A, B = str(uuid.uuid4()), str(uuid.uuid4())
LINES = {A: ReturnableLine("Linen shirt", bought=3, returned=1), B: ReturnableLine("Scarf", bought=1, returned=1)}


@pytest.mark.parametrize(
    ("bought", "returned", "order_returnable", "left"),
    [(3, 0, True, 3), (3, None, True, 3), (3, 2, True, 1), (3, 3, True, 0), (3, 5, True, 0), (3, 0, False, 0)],
)
def test_returnable_quantity(bought, returned, order_returnable, left):
    assert returnable_quantity(bought, returned, order_returnable=order_returnable) == left


def test_a_request_within_what_is_left_is_kept_by_line_with_its_first_reason():
    wanted = check_return_items([(A.upper(), 1, " Too small "), (A, 1, "Colour")], LINES)
    assert wanted == {A: (2, "Too small")}
    assert return_reason(wanted) == "Too small"
    assert return_reason({A: (1, "Too small"), B: (1, "Damaged")}) == "Several reasons"


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "Choose at least one item to return"),
        ([(A, 1)], "Each return item is (item, quantity, reason)"),
        ([("not-an-id", 1, "x")], "An item to return is not part of this order"),
        ([(str(uuid.uuid4()), 1, "x")], "An item to return is not part of this order"),
        ([(A, 0, "x")], "A quantity to return is at least 1"),
        ([(A, True, "x")], "A quantity to return is at least 1"),
        ([(A, "1", "x")], "A quantity to return is at least 1"),
        ([(A, 1, "  ")], "Say why you return Linen shirt"),
        ([(A, 1, "x" * 101)], "A reason is at most 100 characters"),
        ([(A, 2, "x"), (A, 1, "y")], "Only 2 of Linen shirt can still be returned"),
        ([(B, 1, "x")], "Scarf is already being returned"),
    ],
)
def test_a_bad_request_is_refused_naming_the_items_field(items, message):
    with pytest.raises(InvalidCheckout) as err:
        check_return_items(items, LINES)
    assert err.value.message == message and err.value.field == "items" and err.value.kind == "invalid"
