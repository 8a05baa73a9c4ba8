"""Card payments through Stripe's PaymentIntents API (stripe-python's ``StripeClient``).

Amounts go to Stripe in integer cents; ``api_base`` points the client elsewhere (the tests'
local fake Stripe server). Stripe's errors become :class:`PaymentError` ``provider`` (502)
with Stripe's own words for the shopper when it gives some (a declined card).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import stripe

from marque_app.domain.payments import PENDING, STRIPE_STATUS, PaymentError, from_cents, to_cents

from .base import IntentResult, PaymentRef, RefundResult

# Kept from Stripe's answers in payments.gateway_response; never the client secret.
_KEEP = ("id", "object", "status", "amount", "amount_received", "currency", "last_payment_error", "latest_charge")


def _keep(obj: Any) -> dict[str, Any]:
    data = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    return {k: data[k] for k in _KEEP if k in data}


def _fail(err: stripe.StripeError, doing: str) -> PaymentError:
    words = getattr(err, "user_message", None) or ""
    message = f"The card payment could not be {doing}"
    if isinstance(err, stripe.CardError) and words:
        message = words
    elif isinstance(err, stripe.APIConnectionError):
        message = f"{message}: the payment service cannot be reached, try again in a moment"
    elif words and doing == "refunded":  # the admin sees Stripe's reason
        message = f"{message}: {words}"
    return PaymentError("provider", message)


class StripeProvider:
    name = "stripe"

    def __init__(
        self, *, api_key: str, api_base: str = "https://api.stripe.com", client: stripe.StripeClient | None = None
    ) -> None:
        if not api_key and client is None:
            raise PaymentError("unavailable", "Card payments are not set up (MARQUE_STRIPE_SECRET_KEY)")
        # No automatic retries: a retried create is made safe by its idempotency key anyway,
        # and the shopper gets an answer quickly.
        self.client = client or stripe.StripeClient(api_key, base_addresses={"api": api_base}, max_network_retries=0)

    def create_intent(
        self, *, amount: Decimal, currency: str, reference: str, metadata: dict[str, str]
    ) -> IntentResult:
        params = {
            "amount": to_cents(amount),
            "currency": currency.lower(),
            "metadata": metadata,
            "automatic_payment_methods": {"enabled": True},
        }
        try:
            intent = self.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": f"marque-intent-{reference}-{params['amount']}"}
            )
        except stripe.StripeError as err:
            raise _fail(err, "started") from err
        return self._result(intent)

    def confirm(self, intent_id: str, payment_method: str | None = None) -> IntentResult:
        params = {"payment_method": payment_method} if payment_method else {}
        try:
            intent = self.client.v1.payment_intents.confirm(intent_id, params=params)
        except stripe.StripeError as err:
            raise _fail(err, "confirmed") from err
        return self._result(intent)

    def refund(self, payment: PaymentRef, amount: Decimal) -> RefundResult:
        if not payment.payment_intent_id:
            raise PaymentError("conflict", "This card payment has no Stripe payment intent to refund")
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": payment.payment_intent_id, "amount": to_cents(amount)}
            )
        except stripe.StripeError as err:
            raise _fail(err, "refunded") from err
        if refund.status in ("failed", "canceled"):
            raise PaymentError("provider", "Stripe refused the refund")
        return RefundResult(
            refund_id=refund.id, status=refund.status, amount=from_cents(refund.amount), raw=_keep(refund)
        )

    @staticmethod
    def _result(intent: Any) -> IntentResult:
        status = STRIPE_STATUS.get(intent.status, PENDING)
        return IntentResult(
            client_secret=intent.client_secret or "",
            intent_id=intent.id,
            status=status,
            provider_status=intent.status,
            raw=_keep(intent),
        )
