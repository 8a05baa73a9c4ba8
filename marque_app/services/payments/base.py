"""The provider interface every payment method implements, and what its calls return."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class IntentResult:
    """A payment intent as the provider sees it.

    Attributes:
        client_secret: what the browser needs to finish a card payment ("" for cash).
        intent_id: the provider's id (``pi_...``; ``cod_<payment id>`` for cash).
        status: ours: ``pending``, ``paid`` or ``failed``.
        provider_status: the provider's own word (``requires_payment_method``, ``succeeded``...).
        raw: the provider's answer, minus secrets, kept in ``payments.gateway_response``.
        approve_url: where the shopper approves the payment (PayPal's approve link; "" else).
    """

    client_secret: str
    intent_id: str
    status: str
    provider_status: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    approve_url: str = ""


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: str  # the provider's: succeeded, pending, failed
    amount: Decimal
    raw: dict[str, Any] = field(default_factory=dict)


class PaymentRef(Protocol):
    """What a provider reads of a payment (a ``Payment`` row fits)."""

    id: Any
    payment_intent_id: str | None
    amount: Decimal
    currency: str


@runtime_checkable
class PaymentProvider(Protocol):
    """A way to pay: cash on delivery, Stripe, PayPal."""

    name: str

    def create_intent(
        self, *, amount: Decimal, currency: str, reference: str, metadata: dict[str, str]
    ) -> IntentResult:
        """Start a payment of ``amount``; ``reference`` (the payment's id) makes retries safe."""
        ...

    def confirm(self, intent_id: str, payment_method: str | None = None) -> IntentResult:
        """Confirm the intent, with a payment method (``pm_...``) when the provider needs one."""
        ...

    def refund(self, payment: PaymentRef, amount: Decimal) -> RefundResult:
        """Give ``amount`` of ``payment`` back."""
        ...
