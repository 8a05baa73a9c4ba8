"""Order rules: the status state machine, what a shopper may do in each status, order numbers.

Standard library only. Statuses are the values of ``models.enums.OrderStatus``:

    pending -> processing -> shipped -> delivered
    pending | processing -> cancelled
    delivered -> refunded;  pending | processing -> refunded only when the payment is paid
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import cast

from marque_app.domain.checkout import OrderConflict

PENDING, PROCESSING, SHIPPED, DELIVERED, CANCELLED, REFUNDED = (
    "pending", "processing", "shipped", "delivered", "cancelled", "refunded",
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
        raise OrderConflict(
            f"An order that is {current} cannot become {to}", field="status"
        )
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
    body = ref[len(ORDER_PREFIX):] if ref.startswith(ORDER_PREFIX) else ""
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
