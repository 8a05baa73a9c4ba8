"""Changing a placed order's items: when it is allowed, what the change asks for, and how the
payment follows the new total.

Standard library only. The totals of the changed order are not computed here: the service
calls :func:`marque_app.domain.checkout.checkout_totals` (the checkout's own rule) on the new
lines, with the order's shipping method, tax rate and coupon.

Rules:

- An order's items can be changed while it is ``pending`` or ``processing`` and for
  ``window_minutes`` after it was placed (``MARQUE_ORDER_MODIFY_WINDOW_MINUTES``; 0 turns it off).
- A change names SKUs with their new quantity: 0 removes the line, 1 to 99 sets it, a SKU the
  order does not hold yet is added. At least one line must stay (a shopper who wants none
  cancels the order instead) and at most ``MAX_ORDER_LINES`` lines.
- Lines that stay keep the price they were bought at; an added SKU is priced now.
- The order's coupon keeps applying while the new subtotal reaches its minimum; a change that
  takes the subtotal below the minimum is refused (the coupon's use is not unwound).
- The payment follows the new total (:func:`payment_adjustment`): an unpaid payment (cash on
  delivery, or a card payment not yet taken) just gets the new amount; a paid one is partly
  refunded for a decrease, and an increase is a new payment of the difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

from marque_app.domain.cart import MAX_LINE_QUANTITY, normalize_uuid
from marque_app.domain.checkout import MAX_ORDER_LINES, CouponTerms, InvalidCheckout, OrderConflict, cents
from marque_app.domain.money import format_money
from marque_app.domain.orders import PENDING, PROCESSING

MODIFIABLE = (PENDING, PROCESSING)

# What the payment does when the total changes (payment_adjustment).
NO_CHANGE, NEW_AMOUNT, PARTIAL_REFUND, EXTRA_CHARGE = "none", "new_amount", "partial_refund", "extra_charge"
_PAID = ("paid", "partially_refunded")


def _value(status: object) -> str:
    return cast(str, getattr(status, "value", status))


def modify_deadline(placed_at: datetime, *, window_minutes: int) -> datetime:
    """The moment after which the order's items can no longer be changed."""
    return placed_at + timedelta(minutes=max(0, int(window_minutes)))


def can_modify_items(status: object, *, placed_at: datetime, now: datetime, window_minutes: int) -> bool:
    """Whether the order's items can be changed now (status and window)."""
    return _value(status) in MODIFIABLE and now < modify_deadline(placed_at, window_minutes=window_minutes)


def check_modifiable(status: object, *, placed_at: datetime, now: datetime, window_minutes: int) -> None:
    """Raises:
    OrderConflict: ``field="status"``: the status does not allow it, or the window has passed.
    """
    status = _value(status)
    if status not in MODIFIABLE:
        raise OrderConflict(f"This order is {status}; its items can no longer be changed", field="status")
    if now >= modify_deadline(placed_at, window_minutes=window_minutes):
        raise OrderConflict(
            f"The items of an order can be changed for {window_minutes} minutes after it is placed; "
            "this one can no longer be changed",
            field="status",
        )


def check_item_changes(changes: Sequence[object], current: Mapping[str, int]) -> dict[str, int]:
    """The order's lines after the change, as ``{sku_id: quantity}`` (quantities above 0 only).

    Args:
        changes: ``[(sku_id, new_quantity), ...]``; a SKU named twice keeps its last quantity.
        current: the order's quantities by SKU id now.

    Raises:
        InvalidCheckout: ``field="items"``: no change, a malformed entry or SKU id, a quantity
            outside 0 to 99, removing a SKU the order does not hold, nothing left, too many lines,
            or the same lines as now.
    """
    if not changes:
        raise InvalidCheckout("Name at least one item to change", field="items")
    after = {normalize_uuid(k): q for k, q in current.items()}
    for entry in changes:
        try:
            raw_sku, quantity = cast(tuple[object, object], entry)
        except (TypeError, ValueError):
            raise InvalidCheckout("Each change is (sku_id, quantity)", field="items") from None
        sku = normalize_uuid(str(raw_sku)) if isinstance(raw_sku, str) else ""
        if not sku:
            raise InvalidCheckout("An item names an unknown product", field="items")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= MAX_LINE_QUANTITY:
            raise InvalidCheckout(f"A quantity is 0 (remove) to {MAX_LINE_QUANTITY}", field="items")
        if quantity == 0:
            if sku not in after:
                raise InvalidCheckout("An item to remove is not part of this order", field="items")
            after.pop(sku)
        else:
            after[sku] = quantity
    if not after:
        raise InvalidCheckout("An order keeps at least one item; cancel the order to remove them all", field="items")
    if len(after) > MAX_ORDER_LINES:
        raise InvalidCheckout(f"At most {MAX_ORDER_LINES} different items per order", field="items")
    if after == {normalize_uuid(k): q for k, q in current.items()}:
        raise InvalidCheckout("These are the order's items already; nothing to change", field="items")
    return after


def stock_deltas(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """Units to take (positive) or put back (negative) per SKU; SKUs without a change left out."""
    keys = set(before) | set(after)
    out = {k: after.get(k, 0) - before.get(k, 0) for k in keys}
    return {k: d for k, d in sorted(out.items()) if d}


def coupon_still_applies(terms: CouponTerms | None, *, subtotal: Decimal, currency: str = "USD") -> None:
    """The order's coupon after the change: only its minimum order is checked again (its dates,
    activity and usage limits were checked when the order used it).

    Raises:
        InvalidCheckout: ``field="items"``: the new subtotal is below the coupon's minimum.
    """
    if terms is None or terms.minimum_order_amount is None:
        return
    if cents(subtotal) < cents(terms.minimum_order_amount):
        raise InvalidCheckout(
            f"The coupon {terms.code} needs an order of {format_money(terms.minimum_order_amount, currency)}; "
            f"this change would make it {format_money(subtotal, currency)}",
            field="items",
        )


@dataclass(frozen=True)
class PaymentAdjustment:
    """What the payment does for a new total.

    Attributes:
        action: ``none``, ``new_amount`` (an unpaid payment now asks for ``amount``),
            ``partial_refund`` (give ``amount`` back) or ``extra_charge`` (a new payment of
            ``amount``).
        amount: see ``action`` (0 for ``none``).
    """

    action: str
    amount: Decimal


def payment_adjustment(
    *, payment_status: str, paid_amount: Decimal, refunded: Decimal, new_total: Decimal
) -> PaymentAdjustment:
    """How the order's payment follows a change of its total.

    Args:
        payment_status: the current payment's status (``pending``, ``failed``, ``paid``,
            ``partially_refunded``, ...).
        paid_amount: what that payment is for.
        refunded: what was given back of it already.
        new_total: the order's new total.

    Raises:
        OrderConflict: the payment was refunded in full (nothing to adjust).
    """
    status = _value(payment_status)
    new_total = cents(new_total)
    if status in _PAID:
        kept = cents(paid_amount) - cents(refunded)
        if new_total < kept:
            return PaymentAdjustment(PARTIAL_REFUND, kept - new_total)
        if new_total > kept:
            return PaymentAdjustment(EXTRA_CHARGE, new_total - kept)
        return PaymentAdjustment(NO_CHANGE, Decimal("0.00"))
    if status == "refunded":
        raise OrderConflict("This order's payment was refunded; its items can no longer be changed", field="status")
    if cents(paid_amount) == new_total:
        return PaymentAdjustment(NO_CHANGE, Decimal("0.00"))
    return PaymentAdjustment(NEW_AMOUNT, new_total)


def change_note(
    changes: Mapping[str, tuple[str, int, int]], *, old_total: Decimal, new_total: Decimal, currency: str = "USD"
) -> str:
    """The timeline's words for a change: ``{sku_id: (name, before, after)}`` and the totals.

    "Items changed: Oxford Shirt 1 -> 2; Belt removed; Scarf added (1). Total $40.00 -> $62.00"
    """
    parts = []
    for name, before, after in changes.values():
        if before == 0:
            parts.append(f"{name} added ({after})")
        elif after == 0:
            parts.append(f"{name} removed")
        else:
            parts.append(f"{name} {before} -> {after}")
    return (
        "Items changed: "
        + "; ".join(parts)
        + f". Total {format_money(old_total, currency)} -> {format_money(new_total, currency)}"
    )
