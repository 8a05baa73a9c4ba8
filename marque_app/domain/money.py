"""Money: ``Decimal`` amounts rounded to cents, shown with the currency's symbol."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENTS = Decimal("0.01")
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def to_cents(amount: Decimal | int | str) -> Decimal:
    """``amount`` rounded half-up to cents. Floats are refused: they cannot hold cents exactly.

    Raises:
        TypeError: for a float.
    """
    if isinstance(amount, float):
        raise TypeError("money must be Decimal, int or str, never float")
    return Decimal(amount).quantize(CENTS, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str = "USD") -> str:
    """``Decimal("1234.5")`` -> ``"$1,234.50"``; unknown currencies get their code after."""
    text = f"{to_cents(amount):,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def decimal_string(amount: Decimal) -> str:
    """``Decimal("24")`` -> ``"24.00"``: an exact amount for a client, never a float."""
    return str(to_cents(amount))


def sale_price(price: Decimal, compare_price: Decimal | None) -> Decimal | None:
    """The compare-at price when it is above the selling price (the product is on sale)."""
    if compare_price is not None and compare_price > price:
        return compare_price
    return None
