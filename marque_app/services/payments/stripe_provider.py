"""Card payments through Stripe's PaymentIntents API (stripe-python's ``StripeClient``).

Amounts go to Stripe in integer cents; ``api_base`` points the client elsewhere (the tests'
local fake Stripe server). Stripe's errors become :class:`PaymentError` ``provider`` (502)
with Stripe's own words for the shopper when it gives some (a declined card).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import stripe

from marque_app.domain.payments import FAILED, PENDING, STRIPE_STATUS, PaymentError, from_cents, to_cents

from .base import IntentResult, PaymentRef, RefundResult

# Kept from Stripe's answers in payments.gateway_response; never the client secret.
_KEEP = ("id", "object", "status", "amount", "amount_received", "currency", "last_payment_error", "latest_charge")


def _keep(obj: Any) -> dict[str, Any]:
    data = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    return {k: data[k] for k in _KEEP if k in data}


def _fail(err: stripe.StripeError, doing: str, *, what: str = "card payment") -> PaymentError:
    words = getattr(err, "user_message", None) or ""
    message = f"The {what} could not be {doing}"
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

    # --- saved cards (a Stripe customer per user, SetupIntents, PaymentMethods) ---------------

    def create_customer(self, *, user_id: str, email: str | None, name: str) -> str:
        """A Stripe customer for the user (``cus_...``); the idempotency key makes two racing
        first saves of one user get the same customer."""
        params: dict[str, Any] = {"metadata": {"user_id": user_id}}
        if email:
            params["email"] = email
        if name:
            params["name"] = name
        try:
            customer = self.client.v1.customers.create(
                params=params, options={"idempotency_key": f"marque-customer-{user_id}"}
            )
        except stripe.StripeError as err:
            raise _fail(err, "saved", what="card") from err
        return str(customer.id)

    def create_setup_intent(self, *, customer: str, user_id: str) -> Any:
        """A SetupIntent to save a card for later payments by the shopper (on session)."""
        try:
            return self.client.v1.setup_intents.create(
                params={
                    "customer": customer,
                    "payment_method_types": ["card"],
                    "usage": "on_session",
                    "metadata": {"user_id": user_id},
                }
            )
        except stripe.StripeError as err:
            raise _fail(err, "saved", what="card") from err

    def list_cards(self, customer: str) -> list[dict[str, Any]]:
        """The customer's cards, newest first, as Stripe's ``payment_method`` objects."""
        try:
            page = self.client.v1.customers.payment_methods.list(customer, params={"type": "card", "limit": 100})
        except stripe.StripeError as err:
            raise _fail(err, "listed", what="saved cards") from err
        return [pm.to_dict() for pm in page.data]

    def get_card(self, payment_method: str) -> dict[str, Any] | None:
        """One PaymentMethod, or None when Stripe has no such id."""
        try:
            return self.client.v1.payment_methods.retrieve(payment_method).to_dict()
        except stripe.InvalidRequestError as err:
            if getattr(err, "code", None) == "resource_missing" or getattr(err, "http_status", None) == 404:
                return None
            raise _fail(err, "read", what="saved card") from err
        except stripe.StripeError as err:
            raise _fail(err, "read", what="saved card") from err

    def detach_card(self, payment_method: str) -> None:
        try:
            self.client.v1.payment_methods.detach(payment_method)
        except stripe.StripeError as err:
            raise _fail(err, "removed", what="saved card") from err

    def create_card_intent(
        self,
        *,
        amount: Decimal,
        currency: str,
        reference: str,
        metadata: dict[str, str],
        customer: str,
        payment_method: str,
    ) -> IntentResult:
        """Charge a saved card of ``customer`` now: a PaymentIntent created and confirmed in one
        call, the shopper present (``off_session`` false). A declined card answers a ``failed``
        result carrying Stripe's words in ``raw["decline_message"]``, so the attempt is recorded."""
        params = {
            "amount": to_cents(amount),
            "currency": currency.lower(),
            "metadata": metadata,
            "customer": customer,
            "payment_method": payment_method,
            "payment_method_types": ["card"],
            "confirm": True,
            "off_session": False,
        }
        key = f"marque-saved-{reference}-{params['amount']}-{payment_method}"
        try:
            intent = self.client.v1.payment_intents.create(params=params, options={"idempotency_key": key})
        except stripe.CardError as err:
            failed = getattr(err, "error", None)
            declined = getattr(failed, "payment_intent", None) if failed is not None else None
            if not declined:
                raise _fail(err, "taken") from err
            data = declined.to_dict() if hasattr(declined, "to_dict") else dict(declined)
            words = getattr(err, "user_message", None) or "Your card was declined."
            return IntentResult(
                client_secret="",
                intent_id=str(data.get("id") or ""),
                status=FAILED,
                provider_status=str(data.get("status") or ""),
                raw={**_keep(data), "decline_message": words},
            )
        except stripe.StripeError as err:
            raise _fail(err, "taken") from err
        return self._result(intent)

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
