"""Payment rules: amounts in cents, what a refund may be, which status a payment moves to.

Pure Python (stdlib only). Money is ``Decimal`` with two places; providers such as Stripe
take integer cents, converted here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from marque_app.domain.errors import DomainError, check_kind

CENTS = Decimal("0.01")

# Payment statuses (the seed's payment_status enum values).
PENDING, PAID, FAILED, REFUNDED, PARTIALLY_REFUNDED = (
    "pending",
    "paid",
    "failed",
    "refunded",
    "partially_refunded",
)
REFUNDABLE = (PAID, PARTIALLY_REFUNDED)

# Stripe PaymentIntent statuses mapped to ours; the rest (requires_action, processing, ...)
# leave the payment pending.
STRIPE_STATUS = {
    "succeeded": PAID,
    "canceled": FAILED,
}

# PayPal (Orders v2): an order's status and a capture's status mapped to ours; CREATED,
# APPROVED, PENDING ... leave the payment pending.
PAYPAL_STATUS = {
    "COMPLETED": PAID,
    "DECLINED": FAILED,
    "FAILED": FAILED,
    "VOIDED": FAILED,
}

# What each provider's webhook event does to a payment: the same moves whoever reports them.
EVENT_MOVES = {
    ("stripe", "payment_intent.succeeded"): PAID,
    ("stripe", "payment_intent.payment_failed"): FAILED,
    ("stripe", "charge.refunded"): REFUNDED,
    ("paypal", "PAYMENT.CAPTURE.COMPLETED"): PAID,
    ("paypal", "PAYMENT.CAPTURE.DENIED"): FAILED,
    ("paypal", "PAYMENT.CAPTURE.REFUNDED"): REFUNDED,
}

NOT_FOUND = "Payment not found"
CARD_NOT_FOUND = "Saved card not found"
ORDER_NOT_FOUND = "Order not found"
BAD_SIGNATURE = "Invalid webhook signature: the event was not signed with this endpoint's secret"


class PaymentError(DomainError):
    """A refused payment operation, with words fit for the shopper or the admin.

    Attributes:
        kind: ``invalid``, ``not_found``, ``forbidden``, ``conflict``, ``bad_signature``,
            ``unavailable`` (provider not configured) or ``provider`` (the provider refused or
            could not be reached).
        field: the request field at fault, when there is one.
    """

    KINDS = frozenset({"invalid", "not_found", "forbidden", "conflict", "bad_signature", "unavailable", "provider"})

    def __init__(self, kind: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.kind = check_kind(kind, self.KINDS, "payment")


def to_cents(amount: Decimal) -> int:
    """``Decimal("24.99")`` -> ``2499``.

    Raises:
        PaymentError: ``invalid`` for a negative amount or one with more than two places.
    """
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise PaymentError("invalid", "The amount must be a decimal number", field="amount")
    if amount < 0:
        raise PaymentError("invalid", "The amount cannot be negative", field="amount")
    if amount != amount.quantize(CENTS):
        raise PaymentError("invalid", "The amount can have at most two decimal places", field="amount")
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
    """``2499`` -> ``Decimal("24.99")``."""
    return (Decimal(int(cents)) / 100).quantize(CENTS)


def parse_amount(value: object, *, field: str = "amount") -> Decimal:
    """An amount from input (a string or a Decimal; never a float): positive, two places.

    Raises:
        PaymentError: ``invalid`` with words saying what is wrong.
    """
    if isinstance(value, (bool, float)):
        raise PaymentError("invalid", 'Send the amount as a decimal string such as "12.50"', field=field)
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise PaymentError("invalid", "The amount must be a decimal number such as 12.50", field=field) from None
    if not amount.is_finite():
        raise PaymentError("invalid", "The amount must be a decimal number such as 12.50", field=field)
    if amount <= 0:
        raise PaymentError("invalid", "The amount must be more than zero", field=field)
    if amount != amount.quantize(CENTS):
        raise PaymentError("invalid", "The amount can have at most two decimal places", field=field)
    return amount.quantize(CENTS)


def check_refund(*, status: str, paid: Decimal, refunded: Decimal, amount: Decimal | None) -> Decimal:
    """The amount to refund: ``amount``, or all that is left when None.

    Args:
        status: the payment's status now.
        paid: what the payment took.
        refunded: what was refunded already.
        amount: what is asked for (None: the rest).

    Raises:
        PaymentError: ``conflict`` when the payment was not paid or is fully refunded;
            ``invalid`` when ``amount`` is not positive or more than what is left.
    """
    if status not in REFUNDABLE:
        if status == REFUNDED:
            raise PaymentError("conflict", "This payment was already refunded in full")
        raise PaymentError("conflict", f"Only a paid payment can be refunded (this one is {status})")
    left = (paid - refunded).quantize(CENTS)
    if left <= 0:
        raise PaymentError("conflict", "This payment was already refunded in full")
    if amount is None:
        return left
    amount = parse_amount(amount)
    if amount > left:
        raise PaymentError("invalid", f"The refund cannot be more than the {left} left of this payment", field="amount")
    return amount


def status_after_refund(*, paid: Decimal, refunded: Decimal) -> str:
    """``refunded`` when everything was given back, else ``partially_refunded``."""
    return REFUNDED if refunded >= paid else PARTIALLY_REFUNDED


@dataclass(frozen=True)
class RefundOffer:
    """Whether an admin may refund a payment now, what the button says and why not.

    ``label`` is the button's words ("Refund", or "Mark refunded in cash" for cash on delivery,
    where no money moves online); ``hint`` tells the admin what the action does, or why there is
    none."""

    allowed: bool
    label: str = ""
    hint: str = ""


def refund_offer(*, method: str, status: str) -> RefundOffer:
    """The one rule for offering a refund, asked by the order and return pages and checked again
    by the services before any refund is recorded."""
    cash = method == "cod"
    if status in REFUNDABLE:
        if cash:
            return RefundOffer(
                True,
                "Mark refunded in cash",
                "Cash on delivery: hand the cash back to the customer, then record it here (no money moves online).",
            )
        return RefundOffer(True, "Refund", "Refunded to the customer's card.")
    if status == PENDING and cash:
        return RefundOffer(
            False,
            hint="Cash on delivery: the cash was never recorded as received, so there is nothing to refund. "
            "If the customer paid, mark the cash received on the order first.",
        )
    if status == PENDING:
        return RefundOffer(False, hint="The payment is not complete: there is nothing to refund yet.")
    if status == REFUNDED:
        return RefundOffer(False, hint="The payment is already refunded in full.")
    if status == FAILED:
        return RefundOffer(False, hint="The payment failed: nothing was taken, so there is nothing to refund.")
    return RefundOffer(False, hint="This payment cannot be refunded.")


def can_mark_paid(status: str) -> bool:
    """A pending or failed payment may become paid; a paid or refunded one never moves back."""
    return status in (PENDING, FAILED)


def can_mark_failed(status: str) -> bool:
    """Only a pending payment fails: a failure reported after a success changes nothing."""
    return status == PENDING


def unrecorded_refund(*, paid: Decimal, recorded: Decimal, provider_total: Decimal) -> Decimal:
    """What a provider says was refunded in all (``provider_total``) beyond what we recorded,
    never beyond what was paid: a refund made in the provider's dashboard is recorded once.
    Zero when there is nothing new."""
    total = min(provider_total, paid)
    return max(total - recorded, Decimal("0.00")).quantize(CENTS)


def check_saved_card_id(value: object) -> str:
    """A saved card's id as the shopper sends it (Stripe's ``pm_...``).

    Raises:
        PaymentError: ``invalid`` (field ``saved_card``) when it is not one.
    """
    text = value.strip() if isinstance(value, str) else ""
    if not text.startswith("pm_") or len(text) > 255 or not text[3:].replace("_", "").isalnum():
        raise PaymentError("invalid", "Choose one of your saved cards", field="saved_card")
    return text


def card_is_expired(*, exp_month: int, exp_year: int, year: int, month: int) -> bool:
    """A card is good until the end of its expiry month."""
    return (exp_year, exp_month) < (year, month)


def card_label(brand: str, last4: str) -> str:
    """``("visa", "4242")`` -> ``"Visa ending 4242"``."""
    names = {"amex": "American Express", "mastercard": "Mastercard", "visa": "Visa", "discover": "Discover"}
    name = names.get((brand or "").lower(), (brand or "Card").title())
    return f"{name} ending {last4}"
