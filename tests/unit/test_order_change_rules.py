"""The rules of changing a placed order's items (domain.order_changes), without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from marque_app.domain.checkout import CouponTerms, InvalidCheckout, OrderConflict
from marque_app.domain.order_changes import (
    can_modify_items,
    change_note,
    check_item_changes,
    check_modifiable,
    coupon_still_applies,
    payment_adjustment,
    stock_deltas,
)

A, B, C = (str(uuid.uuid4()) for _ in range(3))
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "minutes_later", "ok"),
    [
        ("pending", 0, True),
        ("processing", 119, True),
        ("pending", 120, False),  # the window is over at its end
        ("shipped", 1, False),
        ("delivered", 1, False),
        ("cancelled", 1, False),
        ("refunded", 1, False),
    ],
)
def test_status_and_window(status, minutes_later, ok):
    now = T0 + timedelta(minutes=minutes_later)
    assert can_modify_items(status, placed_at=T0, now=now, window_minutes=120) is ok
    if ok:
        check_modifiable(status, placed_at=T0, now=now, window_minutes=120)
    else:
        with pytest.raises(OrderConflict):
            check_modifiable(status, placed_at=T0, now=now, window_minutes=120)


def test_a_zero_window_turns_changes_off():
    assert not can_modify_items("pending", placed_at=T0, now=T0, window_minutes=0)


def test_changes_set_remove_and_add():
    assert check_item_changes([(A, 3), (B, 0), (C, 1)], {A: 1, B: 2}) == {A: 3, C: 1}
    assert check_item_changes([(A.upper(), 2)], {A: 1}) == {A: 2}  # ids in any case
    assert check_item_changes([(A, 5), (A, 2)], {A: 1}) == {A: 2}  # the last one counts


@pytest.mark.parametrize(
    "changes",
    [
        [],
        [(A, 0)],  # nothing left
        [(A, 1)],  # no change
        [(C, 0)],  # removing what is not there
        [(A, 100)],
        [(A, -1)],
        [(A, True)],
        [(A, "2")],
        [("nope", 1)],
        [(1, 1)],
        ["x"],
    ],
)
def test_bad_changes_are_refused(changes):
    with pytest.raises(InvalidCheckout) as err:
        check_item_changes(changes, {A: 1})
    assert err.value.field == "items"


def test_stock_deltas():
    assert stock_deltas({A: 1, B: 2}, {A: 3, C: 1}) == {A: 2, B: -2, C: 1}
    assert stock_deltas({A: 1}, {A: 1}) == {}


def test_coupon_minimum():
    terms = CouponTerms(code="MIN30", type="percentage", value=Decimal("10"), minimum_order_amount=Decimal("30"))
    coupon_still_applies(terms, subtotal=Decimal("30.00"))
    coupon_still_applies(None, subtotal=Decimal("1"))
    with pytest.raises(InvalidCheckout, match="MIN30"):
        coupon_still_applies(terms, subtotal=Decimal("29.99"))


@pytest.mark.parametrize(
    ("status", "paid", "refunded", "new", "action", "amount"),
    [
        ("pending", "40.00", "0", "50.00", "new_amount", "50.00"),  # cash on delivery / card not taken
        ("failed", "40.00", "0", "30.00", "new_amount", "30.00"),
        ("pending", "40.00", "0", "40.00", "none", "0.00"),
        ("paid", "40.00", "0", "30.00", "partial_refund", "10.00"),
        ("paid", "40.00", "0", "55.50", "extra_charge", "15.50"),
        ("partially_refunded", "40.00", "10.00", "20.00", "partial_refund", "10.00"),
        ("partially_refunded", "40.00", "10.00", "35.00", "extra_charge", "5.00"),
        ("paid", "40.00", "0", "40.00", "none", "0.00"),
    ],
)
def test_payment_adjustment(status, paid, refunded, new, action, amount):
    adj = payment_adjustment(
        payment_status=status, paid_amount=Decimal(paid), refunded=Decimal(refunded), new_total=Decimal(new)
    )
    assert (adj.action, adj.amount) == (action, Decimal(amount))


def test_a_refunded_payment_cannot_be_adjusted():
    with pytest.raises(OrderConflict):
        payment_adjustment(
            payment_status="refunded", paid_amount=Decimal("1"), refunded=Decimal("1"), new_total=Decimal("2")
        )


def test_the_timeline_note():
    note = change_note(
        {A: ("Shirt", 1, 2), B: ("Belt", 1, 0), C: ("Scarf", 0, 3)},
        old_total=Decimal("40"),
        new_total=Decimal("62.5"),
    )
    assert note == "Items changed: Shirt 1 -> 2; Belt removed; Scarf added (3). Total $40.00 -> $62.50"
