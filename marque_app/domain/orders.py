"""Order rules: the status state machine, what a shopper may do in each status, order numbers.

Standard library only. Statuses are the values of ``models.enums.OrderStatus``:

    pending -> processing -> shipped -> delivered
    pending | processing -> cancelled
    delivered -> refunded;  pending | processing -> refunded only when the payment is paid
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from marque_app.domain.cart import normalize_uuid
from marque_app.domain.checkout import InvalidCheckout, OrderConflict

PENDING, PROCESSING, SHIPPED, DELIVERED, CANCELLED, REFUNDED = (
    "pending",
    "processing",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
)
STATUSES = (PENDING, PROCESSING, SHIPPED, DELIVERED, CANCELLED, REFUNDED)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    PENDING: (PROCESSING, CANCELLED, REFUNDED),
    PROCESSING: (SHIPPED, CANCELLED, REFUNDED),
    SHIPPED: (DELIVERED,),
    DELIVERED: (REFUNDED,),
    CANCELLED: (),
    REFUNDED: (),
}

CANCELLABLE = (PENDING, PROCESSING)
ADDRESS_CHANGEABLE = (PENDING, PROCESSING)
RETURNABLE = (DELIVERED,)
# Statuses that put the stock back when entered (the goods never left).
RESTOCKING = (CANCELLED,)

STATUS_LABELS = {
    PENDING: "Order placed",
    PROCESSING: "Processing",
    SHIPPED: "Shipped",
    DELIVERED: "Delivered",
    CANCELLED: "Cancelled",
    REFUNDED: "Refunded",
}

# No 0/O, 1/I/L: easy to read out on the phone.
ORDER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ORDER_PREFIX = "MQ-"
RETURN_PREFIX = "RT-"
NUMBER_LENGTH = 6


def _value(status: object) -> str:
    return cast(str, getattr(status, "value", status))


def allowed_next(status: object, *, paid: bool = False) -> tuple[str, ...]:
    """The statuses an order in ``status`` may move to (refund before delivery needs a payment)."""
    status = _value(status)
    out = TRANSITIONS.get(status, ())
    if status in (PENDING, PROCESSING) and not paid:
        out = tuple(s for s in out if s != REFUNDED)
    return out


def check_transition(current: object, to: object, *, paid: bool = False) -> str:
    """``to`` as a status value when the move is allowed.

    Raises:
        OrderConflict: unknown status or a move the state machine forbids.
    """
    current, to = _value(current), _value(to)
    if to not in STATUSES:
        raise OrderConflict(f"Unknown order status {to!r}", field="status")
    if to not in allowed_next(current, paid=paid):
        raise OrderConflict(f"An order that is {current} cannot become {to}", field="status")
    return to


def can_cancel(status: object) -> bool:
    return _value(status) in CANCELLABLE


def can_change_address(status: object) -> bool:
    return _value(status) in ADDRESS_CHANGEABLE


def can_return(status: object) -> bool:
    return _value(status) in RETURNABLE


def make_number(prefix: str = ORDER_PREFIX, *, choice: Callable[[str], str] = secrets.choice) -> str:
    """A short human-friendly number such as ``MQ-7K4P9X`` (31^6, about 887 million)."""
    return prefix + "".join(choice(ORDER_ALPHABET) for _ in range(NUMBER_LENGTH))


def make_order_number(*, choice: Callable[[str], str] = secrets.choice) -> str:
    return make_number(ORDER_PREFIX, choice=choice)


def make_return_number(*, choice: Callable[[str], str] = secrets.choice) -> str:
    return make_number(RETURN_PREFIX, choice=choice)


def looks_like_order_number(ref: str) -> bool:
    ref = (ref or "").strip().upper()
    body = ref[len(ORDER_PREFIX) :] if ref.startswith(ORDER_PREFIX) else ""
    return len(body) == NUMBER_LENGTH and all(c in ORDER_ALPHABET for c in body)


def status_message(order_number: str, status: str, *, tracking_number: str | None = None) -> str:
    """The text of the SMS / e-mail sent when an order's status changes."""
    status = _value(status)
    texts = {
        PENDING: f"We have received your order {order_number}.",
        PROCESSING: f"Your order {order_number} is being prepared.",
        SHIPPED: f"Your order {order_number} has shipped."
        + (f" Tracking number: {tracking_number}." if tracking_number else ""),
        DELIVERED: f"Your order {order_number} has been delivered.",
        CANCELLED: f"Your order {order_number} has been cancelled.",
        REFUNDED: f"Your order {order_number} has been refunded.",
    }
    return "Marque: " + texts.get(status, f"Your order {order_number} is now {status}.")


# --- returns -------------------------------------------------------------------------------------

MAX_RETURN_REASON = 100


def returnable_quantity(bought: int, returned: int | None, *, order_returnable: bool = True) -> int:
    """How many units of a line may still be asked back: what was bought less what returns that
    were not rejected already ask for; 0 when the order cannot be returned."""
    if not order_returnable:
        return 0
    return max(0, bought - (returned or 0))


@dataclass(frozen=True)
class ReturnableLine:
    """An order line as the return rules see it."""

    name: str
    bought: int
    returned: int = 0  # asked back by returns that were not rejected

    @property
    def left(self) -> int:
        return returnable_quantity(self.bought, self.returned)


def check_return_items(items: Sequence[object], lines: Mapping[str, ReturnableLine]) -> dict[str, tuple[int, str]]:
    """The return asked for, by line id: ``{line_id: (quantity, reason)}`` (quantities of a line
    sent twice add up; its first reason stays).

    ``items`` is ``[(line_id, quantity, reason), ...]``; ``lines`` the order's lines by id.

    Raises:
        InvalidCheckout: ``field="items"``: none, a malformed entry, a line not of this order, a
            quantity below 1 or above what is left to return, a missing or too long reason.
    """
    if not items:
        raise InvalidCheckout("Choose at least one item to return", field="items")
    wanted: dict[str, tuple[int, str]] = {}
    for entry in items:
        try:
            item_id, quantity, raw_reason = cast(tuple[object, object, object], entry)
        except (TypeError, ValueError):
            raise InvalidCheckout("Each return item is (item, quantity, reason)", field="items") from None
        key = normalize_uuid(str(item_id))
        if key not in lines:
            raise InvalidCheckout("An item to return is not part of this order", field="items")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidCheckout("A quantity to return is at least 1", field="items")
        reason = str(raw_reason or "").strip()
        if not reason:
            raise InvalidCheckout(f"Say why you return {lines[key].name}", field="items")
        if len(reason) > MAX_RETURN_REASON:
            raise InvalidCheckout(f"A reason is at most {MAX_RETURN_REASON} characters", field="items")
        before = wanted.get(key)
        wanted[key] = (before[0] + quantity, before[1]) if before else (quantity, reason)
    for key, (total, _) in wanted.items():
        left = lines[key].left
        if total > left:
            name = lines[key].name
            raise InvalidCheckout(
                f"Only {left} of {name} can still be returned" if left else f"{name} is already being returned",
                field="items",
            )
    return wanted


def return_reason(wanted: Mapping[str, tuple[int, str]]) -> str:
    """The reason a return shows: the one reason of its lines, or "Several reasons"."""
    reasons = {reason for _, reason in wanted.values()}
    return reasons.pop() if len(reasons) == 1 else "Several reasons"


_PLACED = STATUS_LABELS[PENDING]
_SENT_PREFIXES = (
    ("sms", f"{_PLACED}. Confirmation texted to "),
    ("email", f"{_PLACED}. Confirmation e-mailed to "),
)
_NOTHING_SENT = f"{_PLACED}. No confirmation message was sent"


def placement_note(channel: str, to: str) -> str:
    """The note of an order's first timeline entry once its confirmation went out, so that a
    later visit knows what was sent (:func:`placement_sent` reads it back).

    Args:
        channel: "sms", "email" or "none" (nothing was sent), as :func:`confirmation_note`.
        to: The phone number or the e-mail address it went to.

    Returns:
        "Order placed. Confirmation texted to +15555550101" and the like; "Order placed" when
        the channel is not known.
    """
    for known, prefix in _SENT_PREFIXES:
        if channel == known and to:
            return prefix + to
    return _NOTHING_SENT if channel == "none" else _PLACED


def placement_sent(note: str) -> tuple[str, str]:
    """What :func:`placement_note` recorded: ``(channel, to)``; ``("", "")`` for a note it did
    not write (an order placed before it was recorded, or without senders)."""
    for channel, prefix in _SENT_PREFIXES:
        if note.startswith(prefix) and len(note) > len(prefix):
            return channel, note[len(prefix) :]
    return ("none", "") if note == _NOTHING_SENT else ("", "")


def confirmation_note(channel: str, to: str) -> str:
    """What the confirmation page says was sent when the order was placed: never an e-mail
    that was not sent.

    Args:
        channel: "sms", "email", "none" (placed, nothing sent), or "" (not known: a later visit).
        to: The phone number or the e-mail address it went to.

    Returns:
        The sentence, or "" when it is not known.
    """
    if channel == "sms" and to:
        return f"We texted the confirmation to {to}."
    if channel == "email" and to:
        return f"We e-mailed the confirmation to {to}."
    if channel == "none":
        return "No confirmation message was sent: keep your order number, your order is on its way."
    return ""
