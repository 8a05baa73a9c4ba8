"""Which actions an admin may take on a return now: one rule for the returns page (which shows
only these), the service (which refuses anything else) and the REST API.

A return moves requested -> approved -> received -> refunded, or requested -> rejected. The
refund step also needs a payment that can be refunded (``domain.payments.refund_offer``): a
cash-on-delivery order whose cash was never recorded as received offers no refund, and says why;
a paid cash one offers "Mark refunded in cash".
"""

from __future__ import annotations

from dataclasses import dataclass

from marque_app.domain.payments import refund_offer

# What each action needs the return to be, and what it becomes.
MOVES = {
    "approve": ("requested", "approved"),
    "reject": ("requested", "rejected"),
    "receive": ("approved", "received"),
    "refund": ("received", "refunded"),
}

ACTION_LABELS = {"approve": "Approve", "reject": "Reject", "receive": "Receive (restock)", "refund": "Refund"}


@dataclass(frozen=True)
class ReturnActions:
    """The actions allowed now (in ``MOVES`` order), the refund button's words, and a line that
    explains a refund that is not offered (or what the offered one does)."""

    actions: tuple[str, ...]
    refund_label: str = ""
    hint: str = ""


def return_actions(status: str, *, payment_method: str, payment_status: str) -> ReturnActions:
    moves = [a for a, (frm, _) in MOVES.items() if frm == status]
    if "refund" not in moves:
        return ReturnActions(tuple(moves))
    offer = refund_offer(method=payment_method, status=payment_status)
    if not offer.allowed:
        return ReturnActions(tuple(a for a in moves if a != "refund"), hint=offer.hint)
    return ReturnActions(tuple(moves), refund_label=offer.label, hint=offer.hint)


def refusal(action: str, status: str, *, payment_method: str, payment_status: str) -> str | None:
    """Why ``action`` is not allowed now (the words the admin sees), or None when it is."""
    if action not in MOVES:
        return "Action must be approve, reject, receive or refund"
    frm, to = MOVES[action]
    if status != frm:
        return f"A return that is {status} cannot be {to}"
    allowed = return_actions(status, payment_method=payment_method, payment_status=payment_status)
    if action not in allowed.actions:
        return allowed.hint or "This return cannot be refunded"
    return None
