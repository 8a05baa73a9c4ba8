"""Stock status of a SKU and the words a shopper reads."""

from __future__ import annotations

IN_STOCK = "in_stock"
LOW_STOCK = "low_stock"
SOLD_OUT = "sold_out"


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
    if not track_inventory:
        return IN_STOCK, "In stock"
    if quantity <= 0:
        if allow_backorder:
            return IN_STOCK, "Available on backorder"
        return SOLD_OUT, "Sold out"
    if quantity <= low_stock_threshold:
        return LOW_STOCK, f"Only {quantity} left"
    return IN_STOCK, "In stock"
