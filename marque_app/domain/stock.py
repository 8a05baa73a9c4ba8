"""Stock: how many of a SKU can be sold, its status and the words a shopper reads."""

from __future__ import annotations

IN_STOCK = "in_stock"
LOW_STOCK = "low_stock"
SOLD_OUT = "sold_out"


def sellable_quantity(on_hand: int, *, track_inventory: bool = True, allow_backorder: bool = False) -> int | None:
    """How many units of a SKU can be sold: the one rule every cart, wishlist and order path uses.

    Args:
        on_hand: Units on hand (may be negative after a backorder).
        track_inventory: False for products sold without counting stock.
        allow_backorder: The product can be ordered when none are on hand.

    Returns:
        ``None`` (unlimited) for an untracked or backordered product, else the units on hand
        (never below 0).
    """
    if not track_inventory or allow_backorder:
        return None
    return max(on_hand, 0)


def stock_status(
    quantity: int,
    *,
    low_stock_threshold: int,
    track_inventory: bool = True,
    allow_backorder: bool = False,
) -> tuple[str, str]:
    """The stock status of a SKU and the words a shopper reads.

    Args:
        quantity: Units on hand.
        low_stock_threshold: At or below this many units the page says "Only N left".
        track_inventory: False for products sold without counting stock.
        allow_backorder: The product can be ordered when none are on hand.

    Returns:
        ``(status, label)``: status is one of ``in_stock``, ``low_stock``, ``sold_out``.
    """
    sellable = sellable_quantity(quantity, track_inventory=track_inventory, allow_backorder=allow_backorder)
    if not track_inventory:
        return IN_STOCK, "In stock"
    if sellable == 0:
        return SOLD_OUT, "Sold out"
    if quantity <= 0:
        return IN_STOCK, "Available on backorder"
    if quantity <= low_stock_threshold:
        return LOW_STOCK, f"Only {quantity} left"
    return IN_STOCK, "In stock"
