"""PayPal through its REST API (Orders v2) over httpx.

- an OAuth2 access token (client credentials), kept until shortly before it expires and asked
  for again once when PayPal answers 401;
- :meth:`PayPalProvider.create_intent`: a PayPal order (intent CAPTURE) whose ``approve`` link
  the shopper follows; PayPal sends them back to ``return_url`` with ``?token=<order id>``;
- :meth:`PayPalProvider.confirm`: captures the approved order;
- :meth:`PayPalProvider.refund`: refunds (part of) the order's capture;
- :meth:`PayPalProvider.verify_webhook`: PayPal's ``verify-webhook-signature`` call.

Amounts go to PayPal as decimal strings ("64.50"). PayPal's errors become
:class:`PaymentError` ``provider`` (502) with words for the shopper; an order not yet approved
is a ``conflict``. ``api_base`` points the client elsewhere (the tests' local fake PayPal).
"""

from __future__ import annotations

import threading
import time
import uuid
from decimal import Decimal
from typing import Any

import httpx

from marque_app.domain.payments import PAYPAL_STATUS, PENDING, PaymentError

from .base import IntentResult, PaymentRef, RefundResult

SANDBOX_BASE = "https://api-m.sandbox.paypal.com"
LIVE_BASE = "https://api-m.paypal.com"
# PayPal's webhook headers, as verify-webhook-signature wants them.
WEBHOOK_HEADERS = {
    "auth_algo": "paypal-auth-algo",
    "cert_url": "paypal-cert-url",
    "transmission_id": "paypal-transmission-id",
    "transmission_sig": "paypal-transmission-sig",
    "transmission_time": "paypal-transmission-time",
}
UNREACHABLE = "PayPal cannot be reached, try again in a moment"


def _keep(order: dict[str, Any]) -> dict[str, Any]:
    """What payments.gateway_response keeps of a PayPal order: ids, status, amounts, captures."""
    kept: dict[str, Any] = {k: order[k] for k in ("id", "status", "intent") if k in order}
    unit = (order.get("purchase_units") or [{}])[0]
    if "amount" in unit:
        kept["amount"] = unit["amount"]
    captures = ((unit.get("payments") or {}).get("captures")) or []
    if captures:
        kept["captures"] = [{k: c.get(k) for k in ("id", "status", "amount")} for c in captures]
    return kept


def _capture(order: dict[str, Any]) -> dict[str, Any] | None:
    unit = (order.get("purchase_units") or [{}])[0]
    captures = ((unit.get("payments") or {}).get("captures")) or []
    return captures[-1] if captures else None


def _issue(body: dict[str, Any]) -> str:
    details = body.get("details") or [{}]
    return str(details[0].get("issue") or body.get("name") or "")


class PayPalProvider:
    name = "paypal"

    def __init__(
        self,
        *,
        client_id: str,
        secret: str,
        api_base: str = LIVE_BASE,
        return_url: str = "",
        cancel_url: str = "",
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not client_id or not secret:
            raise PaymentError("unavailable", "PayPal is not set up (MARQUE_PAYPAL_CLIENT_ID, MARQUE_PAYPAL_SECRET)")
        self.client_id, self._secret = client_id, secret
        self.api_base = api_base.rstrip("/")
        self.return_url, self.cancel_url = return_url, cancel_url
        self._http = httpx.Client(base_url=self.api_base, timeout=timeout, transport=transport)
        self._token: tuple[str, float] | None = None  # (access token, when to stop using it)
        self._token_lock = threading.Lock()

    # --- the wire ----------------------------------------------------------------------------

    def _access_token(self, *, fresh: bool = False) -> str:
        with self._token_lock:
            if not fresh and self._token and self._token[1] > time.monotonic():
                return self._token[0]
            try:
                r = self._http.post(
                    "/v1/oauth2/token",
                    data={"grant_type": "client_credentials"},
                    auth=(self.client_id, self._secret),
                    headers={"Accept": "application/json"},
                )
            except httpx.HTTPError as err:
                raise PaymentError("provider", UNREACHABLE) from err
            if r.status_code != 200:
                raise PaymentError(
                    "provider", "PayPal refused this shop's credentials (MARQUE_PAYPAL_CLIENT_ID/SECRET)"
                )
            body = r.json()
            # A minute early, so a token never expires between the check and the call.
            self._token = (str(body["access_token"]), time.monotonic() + max(int(body.get("expires_in", 0)) - 60, 0))
            return self._token[0]

    def _call(
        self, method: str, path: str, *, json: dict[str, Any] | None = None, request_id: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json", "Prefer": "return=representation"}
        if request_id:
            headers["PayPal-Request-Id"] = request_id  # PayPal's idempotency key
        for attempt in (0, 1):
            headers["Authorization"] = f"Bearer {self._access_token(fresh=attempt == 1)}"
            try:
                r = self._http.request(method, path, json=json, headers=headers)
            except httpx.HTTPError as err:
                raise PaymentError("provider", UNREACHABLE) from err
            if r.status_code == 401 and attempt == 0:
                continue  # the token expired early (or was revoked): once more with a new one
            try:
                body = r.json() if r.content else {}
            except ValueError:
                body = {}
            if r.status_code >= 500:
                raise PaymentError("provider", UNREACHABLE)
            return r.status_code, body
        raise PaymentError("provider", "PayPal refused this shop's credentials")

    # --- PaymentProvider ---------------------------------------------------------------------

    def create_intent(
        self, *, amount: Decimal, currency: str, reference: str, metadata: dict[str, str]
    ) -> IntentResult:
        value = f"{amount:.2f}"
        body = {
            "intent": "CAPTURE",
            "purchase_units": [
                {
                    "reference_id": reference,
                    "custom_id": reference,  # our payment id: PayPal copies it onto captures and refunds
                    "invoice_id": f"{metadata.get('order_number', reference)}-{reference[:8]}",
                    "description": f"Order {metadata.get('order_number', '')}".strip(),
                    "amount": {"currency_code": currency.upper(), "value": value},
                }
            ],
            "payment_source": {
                "paypal": {
                    "experience_context": {
                        "return_url": metadata.get("return_url") or self.return_url,
                        "cancel_url": metadata.get("cancel_url") or self.cancel_url,
                        "user_action": "PAY_NOW",
                        "shipping_preference": "NO_SHIPPING",
                    }
                }
            },
        }
        status, order = self._call(
            "POST", "/v2/checkout/orders", json=body, request_id=f"marque-order-{reference}-{value}"
        )
        if status not in (200, 201):
            raise PaymentError("provider", "The PayPal payment could not be started")
        approve = next(
            (link["href"] for link in order.get("links", []) if link.get("rel") in ("payer-action", "approve")), ""
        )
        return IntentResult(
            client_secret="",
            intent_id=str(order["id"]),
            status=PENDING,
            provider_status=str(order.get("status") or ""),
            raw=_keep(order),
            approve_url=approve,
        )

    def confirm(self, intent_id: str, payment_method: str | None = None) -> IntentResult:
        """Capture the approved order (``payment_method`` is not used by PayPal)."""
        # No PayPal-Request-Id: a capture refused before approval must be tried again for real;
        # a second capture of a captured order is PayPal's ORDER_ALREADY_CAPTURED, never a charge.
        status, order = self._call("POST", f"/v2/checkout/orders/{intent_id}/capture", json={})
        issue = _issue(order) if status >= 400 else ""
        if issue == "ORDER_ALREADY_CAPTURED":
            status, order = self._call("GET", f"/v2/checkout/orders/{intent_id}")
        elif issue in ("ORDER_NOT_APPROVED", "PAYER_ACTION_REQUIRED"):
            raise PaymentError("conflict", "The PayPal payment was not approved yet", field="payment_intent_id")
        elif issue in ("INSTRUMENT_DECLINED", "PAYER_CANNOT_PAY", "TRANSACTION_REFUSED"):
            raise PaymentError("provider", "PayPal declined the payment; choose another way to pay")
        if status == 404:
            raise PaymentError("not_found", "PayPal has no such payment", field="payment_intent_id")
        if status >= 400:
            raise PaymentError("provider", "The PayPal payment could not be completed")
        capture = _capture(order)
        word = str((capture or {}).get("status") or order.get("status") or "")
        return IntentResult(
            client_secret="",
            intent_id=intent_id,
            status=PAYPAL_STATUS.get(word, PENDING) if capture else PENDING,
            provider_status=word,
            raw=_keep(order),
        )

    def refund(self, payment: PaymentRef, amount: Decimal) -> RefundResult:
        if not payment.payment_intent_id:
            raise PaymentError("conflict", "This PayPal payment has no PayPal order to refund")
        status, order = self._call("GET", f"/v2/checkout/orders/{payment.payment_intent_id}")
        capture = _capture(order) if status == 200 else None
        if capture is None:
            raise PaymentError("conflict", "This PayPal payment was never captured, there is nothing to refund")
        status, refund = self._call(
            "POST",
            f"/v2/payments/captures/{capture['id']}/refund",
            json={"amount": {"value": f"{amount:.2f}", "currency_code": payment.currency.upper()}},
            request_id=f"marque-refund-{uuid.uuid4().hex}",
        )
        if status >= 400:
            words = {"REFUND_AMOUNT_EXCEEDED": "the amount is more than is left of the capture"}.get(
                _issue(refund), _issue(refund) or "PayPal refused it"
            )
            raise PaymentError("provider", f"The PayPal payment could not be refunded: {words}")
        word = str(refund.get("status") or "")
        if word in ("FAILED", "CANCELLED"):
            raise PaymentError("provider", "PayPal refused the refund")
        value = Decimal(str((refund.get("amount") or {}).get("value") or amount))
        return RefundResult(
            refund_id=str(refund["id"]),
            status="succeeded" if word == "COMPLETED" else "pending",
            amount=value,
            raw={"id": refund["id"], "status": word, "capture_id": capture["id"], "amount": refund.get("amount")},
        )

    # --- webhooks ----------------------------------------------------------------------------

    def verify_webhook(self, *, headers: dict[str, str], event: dict[str, Any], webhook_id: str) -> bool:
        """Whether PayPal vouches for this event (its verify-webhook-signature call)."""
        body: dict[str, Any] = {name: headers.get(header, "") for name, header in WEBHOOK_HEADERS.items()}
        body.update(webhook_id=webhook_id, webhook_event=event)
        status, answer = self._call("POST", "/v1/notifications/verify-webhook-signature", json=body)
        if status >= 400:
            return False
        return answer.get("verification_status") == "SUCCESS"
