"""What the admin (and the shopper) reads for each stored code: one table per enum, here and
nowhere else. ``free_shipping`` is "Free shipping", a payment ``pending`` by ``cod`` is
"Awaiting payment (cash on delivery)". Every page asks :func:`label` (or a helper below); an
unknown code still reads as words ("gift_wrap" -> "Gift wrap"), never as the raw code."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from marque_app.domain.money import format_money
from marque_app.domain.orders import STATUS_LABELS

ORDER_STATUS: Mapping[str, str] = STATUS_LABELS

PAYMENT_STATUS: Mapping[str, str] = {
    "pending": "Awaiting payment",
    "paid": "Paid",
    "failed": "Failed",
    "refunded": "Refunded",
    "partially_refunded": "Partly refunded",
}

PAYMENT_METHOD: Mapping[str, str] = {
    "cod": "Cash on delivery",
    "stripe": "Card",
}

RETURN_STATUS: Mapping[str, str] = {
    "requested": "Requested",
    "approved": "Approved",
    "received": "Received",
    "refunded": "Refunded",
    "rejected": "Rejected",
}

# The shopper picks one of these when asking for a return (the order page's select).
RETURN_REASON: Mapping[str, str] = {
    "wrong_size": "Wrong size",
    "damaged": "Arrived damaged",
    "not_as_described": "Not as described",
    "changed_mind": "Changed my mind",
    "other": "Other",
}

COUPON_TYPE: Mapping[str, str] = {
    "percentage": "Percentage off",
    "fixed_amount": "Fixed amount off",
    "free_shipping": "Free shipping",
}

MOVEMENT_TYPE: Mapping[str, str] = {
    "sale": "Sale",
    "return": "Return",
    "adjustment": "Adjustment",
    "restock": "Restock",
}

PRODUCT_STATUS: Mapping[str, str] = {
    "draft": "Draft",
    "active": "Active",
    "archived": "Archived",
}


def label(table: Mapping[str, str], code: object) -> str:
    """The words for ``code`` in ``table``; an unknown code as words ("gift_wrap" -> "Gift wrap")."""
    text = str(getattr(code, "value", code) or "")
    if text in table:
        return table[text]
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def choices(table: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(code, words)`` pairs for a select, in the table's order."""
    return list(table.items())


def payment_text(status: object, method: object = "") -> str:
    """A payment as one line: "Awaiting payment (cash on delivery)", "Paid (card)"."""
    words = label(PAYMENT_STATUS, status)
    how = label(PAYMENT_METHOD, method) if method else ""
    return f"{words} ({how[:1].lower()}{how[1:]})" if how else words


def return_reason_text(reason: object) -> str:
    """A return's reason: a known code's words; free text ("Several reasons") as it is."""
    text = str(reason or "")
    return RETURN_REASON.get(text, text)


def coupon_value_text(kind: str, value: Decimal | None, currency: str = "USD") -> str:
    """What a coupon takes off, as the admin reads it: "10%", "$5.00", "Free shipping"."""
    if kind == "free_shipping":
        return "Free shipping"
    if value is None:
        return ""
    if kind == "percentage":
        return f"{value.normalize():f}%"
    return format_money(value, currency)
