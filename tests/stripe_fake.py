"""A small fake of Stripe's HTTP API on 127.0.0.1, for the Stripe adapter's tests.

It speaks Stripe's wire format for the three endpoints the adapter uses (form-encoded
requests with ``Authorization: Bearer sk_...``; JSON objects and error bodies shaped as
Stripe's), so the tests prove the adapter talks to Stripe correctly without a network:

- ``POST /v1/payment_intents`` -> a ``payment_intent`` in ``requires_payment_method``;
  an ``Idempotency-Key`` seen before answers the first answer again;
- ``POST /v1/payment_intents/{id}/confirm`` -> ``succeeded`` (``pm_card_visa``), or a 402
  ``card_error`` for ``pm_card_chargeDeclined``;
- ``POST /v1/refunds`` -> a ``refund``; more than what is left is a 400 ``invalid_request_error``;
- saved cards: ``POST /v1/customers``, ``POST /v1/setup_intents`` (``requires_payment_method``)
  and ``/confirm`` (a test token such as ``pm_card_visa`` becomes a new ``pm_...`` attached to
  the SetupIntent's customer, as Stripe.js's ``confirmCardSetup`` does), ``GET
  /v1/customers/{id}/payment_methods``, ``GET /v1/payment_methods/{id}``, ``POST
  /v1/payment_methods/{id}/attach`` and ``/detach``; a PaymentIntent created with ``customer``,
  ``payment_method`` and ``confirm=true`` is charged at once (``pm_card_chargeCustomerFail``
  attaches but its charges are declined, as in Stripe's test mode).

Also a helper to sign webhook payloads as Stripe does (``t=..,v1=HMAC-SHA256``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

API_KEY = "sk_test_marquefake"
WEBHOOK_SECRET = "whsec_marquetestsecret"


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


# Stripe's test tokens (https://docs.stripe.com/testing): what card each one stands for.
TEST_CARDS = {
    "pm_card_visa": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034},
    "pm_card_mastercard": {"brand": "mastercard", "last4": "4444", "exp_month": 8, "exp_year": 2031},
    "pm_card_amex": {"brand": "amex", "last4": "8431", "exp_month": 3, "exp_year": 2030},
    # attaches to a customer, but every charge of it is declined
    "pm_card_chargeCustomerFail": {"brand": "visa", "last4": "0341", "exp_month": 11, "exp_year": 2033},
    "pm_card_chargeDeclined": {"brand": "visa", "last4": "0002", "exp_month": 10, "exp_year": 2032},
}


def _invalid(param: str, message: str, *, code: str | None = None) -> dict:
    error = {"type": "invalid_request_error", "param": param, "message": message}
    if code:
        error["code"] = code
    return {"error": error}


def _nest(pairs: list[tuple[str, str]]) -> dict:
    """``metadata[order_id]=x`` -> ``{"metadata": {"order_id": "x"}}`` (one level is enough here)."""
    out: dict = {}
    for key, value in pairs:
        if "[" in key:
            head, rest = key.split("[", 1)
            out.setdefault(head, {})[rest.rstrip("]")] = value
        else:
            out[key] = value
    return out


class FakeStripe:
    def __init__(self) -> None:
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        self.setup_intents: dict[str, dict] = {}
        self.payment_methods: dict[str, dict] = {}
        self.requests: list[dict] = []  # method, path, params, headers
        self._idempotent: dict[str, tuple[int, dict]] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeStripe:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def succeed(self, intent_id: str) -> None:
        """The intent was paid (as when the browser confirmed it with Stripe.js)."""
        intent = self.intents[intent_id]
        intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=_id("ch"))

    def confirm_setup(self, setup_intent_id: str, token: str = "pm_card_visa") -> dict:
        """The shopper entered a card for the SetupIntent (Stripe.js ``confirmCardSetup``)."""
        with self._lock:
            status, answer = self._confirm_setup(setup_intent_id, {"payment_method": token})
        if status != 200:
            raise AssertionError(answer)
        return answer

    # --- the endpoints ---------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict, headers: dict) -> tuple[int, dict]:
        if headers.get("authorization") != f"Bearer {API_KEY}":
            return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}
        key = headers.get("idempotency-key")
        if key and key in self._idempotent:
            return self._idempotent[key]
        answer = self._route(method, path, params)
        if key:
            self._idempotent[key] = answer
        return answer

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v1", "payment_intents"]:
            return self._create_intent(params)
        if method == "POST" and len(parts) == 4 and parts[:2] == ["v1", "payment_intents"] and parts[3] == "confirm":
            return self._confirm(parts[2], params)
        if method == "POST" and parts == ["v1", "refunds"]:
            return self._refund(params)
        if method == "POST" and parts == ["v1", "customers"]:
            return self._create_customer(params)
        if method == "GET" and len(parts) == 4 and parts[:2] == ["v1", "customers"] and parts[3] == "payment_methods":
            return self._list_methods(parts[2], params)
        if method == "POST" and parts == ["v1", "setup_intents"]:
            return self._create_setup(params)
        if method == "POST" and len(parts) == 4 and parts[:2] == ["v1", "setup_intents"] and parts[3] == "confirm":
            return self._confirm_setup(parts[2], params)
        if method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "payment_methods"]:
            pm = self.payment_methods.get(parts[2])
            return (200, pm) if pm else self._missing("payment_method", parts[2], param="payment_method")
        if method == "POST" and len(parts) == 4 and parts[:2] == ["v1", "payment_methods"]:
            if parts[3] == "detach":
                return self._detach(parts[2])
            if parts[3] == "attach":
                return self._attach(parts[2], params)
        return 404, {
            "error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({method}: {path})"}
        }

    def _create_intent(self, params: dict) -> tuple[int, dict]:
        try:
            amount = int(params["amount"])
        except (KeyError, ValueError):
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "param": "amount",
                    "message": "Missing required param: amount.",
                }
            }
        customer = params.get("customer") or None
        if customer and customer not in self.customers:
            return self._missing("customer", customer, param="customer")
        intent_id = _id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": params.get("currency", ""),
            "status": "requires_payment_method",
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
            "metadata": params.get("metadata", {}),
            "automatic_payment_methods": {
                "enabled": params.get("automatic_payment_methods", {}).get("enabled") == "true"
            },
            "capture_method": "automatic",
            "confirmation_method": "automatic",
            "created": int(time.time()),
            "latest_charge": None,
            "last_payment_error": None,
            "livemode": False,
            "customer": customer,
            "payment_method": None,
            "setup_future_usage": None,
        }
        pm_id = params.get("payment_method") or ""
        if pm_id:
            pm = self.payment_methods.get(pm_id)
            if pm is None:
                return self._missing("PaymentMethod", pm_id, param="payment_method")
            if pm["customer"] and pm["customer"] != customer:
                return 400, _invalid("payment_method", "The provided PaymentMethod belongs to a different Customer.")
            if not pm["customer"] and customer:
                return 400, _invalid(
                    "payment_method",
                    "The provided PaymentMethod was previously detached from a Customer and cannot be used again.",
                )
            intent["payment_method"] = pm_id
            intent["status"] = "requires_confirmation"
        self.intents[intent_id] = intent
        if params.get("confirm") == "true":
            return self._confirm(intent_id, {"payment_method": pm_id} if pm_id else {})
        return 200, intent

    def _missing(self, what: str, ident: str, *, param: str = "intent") -> tuple[int, dict]:
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "param": param,
                "message": f"No such {what}: '{ident}'",
            }
        }

    def _confirm(self, intent_id: str, params: dict) -> tuple[int, dict]:
        intent = self.intents.get(intent_id)
        if intent is None:
            return self._missing("payment_intent", intent_id)
        pm = params.get("payment_method", "") or intent.get("payment_method") or ""
        saved = self.payment_methods.get(pm)
        if pm == "pm_card_chargeDeclined" or (saved and saved["card"]["last4"] == "0341"):
            intent.update(status="requires_payment_method", last_payment_error={"code": "card_declined"})
            return 402, {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "message": "Your card was declined.",
                    "payment_intent": intent,
                }
            }
        if not pm:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "param": "payment_method",
                    "message": "You must provide a payment method to confirm this PaymentIntent.",
                }
            }
        intent.update(status="succeeded", amount_received=intent["amount"], payment_method=pm, latest_charge=_id("ch"))
        return 200, intent

    def _create_customer(self, params: dict) -> tuple[int, dict]:
        customer = {
            "id": _id("cus"),
            "object": "customer",
            "email": params.get("email") or None,
            "name": params.get("name") or None,
            "metadata": params.get("metadata", {}),
            "created": int(time.time()),
            "invoice_settings": {"default_payment_method": None},
            "livemode": False,
        }
        self.customers[customer["id"]] = customer
        return 200, customer

    def _list_methods(self, customer: str, params: dict) -> tuple[int, dict]:
        if customer not in self.customers:
            return self._missing("customer", customer, param="customer")
        kind = params.get("type") or ""
        data = [
            pm
            for pm in sorted(self.payment_methods.values(), key=lambda pm: pm["created"], reverse=True)
            if pm["customer"] == customer and (not kind or pm["type"] == kind)
        ]
        limit = int(params.get("limit") or 10)
        return 200, {
            "object": "list",
            "data": data[:limit],
            "has_more": len(data) > limit,
            "url": f"/v1/customers/{customer}/payment_methods",
        }

    def _create_setup(self, params: dict) -> tuple[int, dict]:
        customer = params.get("customer") or None
        if customer and customer not in self.customers:
            return self._missing("customer", customer, param="customer")
        seti_id = _id("seti")
        setup = {
            "id": seti_id,
            "object": "setup_intent",
            "client_secret": f"{seti_id}_secret_{secrets.token_hex(8)}",
            "customer": customer,
            "payment_method": None,
            "payment_method_types": ["card"],
            "status": "requires_payment_method",
            "usage": params.get("usage") or "off_session",
            "metadata": params.get("metadata", {}),
            "created": int(time.time()),
            "last_setup_error": None,
            "livemode": False,
        }
        self.setup_intents[seti_id] = setup
        return 200, setup

    def _confirm_setup(self, seti_id: str, params: dict) -> tuple[int, dict]:
        setup = self.setup_intents.get(seti_id)
        if setup is None:
            return self._missing("setup_intent", seti_id, param="intent")
        if setup["status"] == "succeeded":
            return 400, _invalid(
                "intent", "This SetupIntent has already succeeded.", code="setup_intent_unexpected_state"
            )
        token = params.get("payment_method") or ""
        card = TEST_CARDS.get(token)
        if card is None:
            return self._missing("PaymentMethod", token, param="payment_method")
        if token == "pm_card_chargeDeclined":  # declined when it is set up
            setup["last_setup_error"] = {"code": "card_declined"}
            return 402, {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "message": "Your card was declined.",
                    "setup_intent": setup,
                }
            }
        pm = {
            "id": _id("pm"),
            "object": "payment_method",
            "type": "card",
            "card": {**card, "fingerprint": secrets.token_hex(8), "funding": "credit", "country": "US"},
            "billing_details": {"address": {}, "email": None, "name": None, "phone": None},
            "customer": setup["customer"],
            "created": int(time.time() * 1000),  # ms here: a stable newest-first order in a fast test
            "livemode": False,
            "metadata": {},
        }
        self.payment_methods[pm["id"]] = pm
        setup.update(status="succeeded", payment_method=pm["id"])
        return 200, setup

    def _attach(self, pm_id: str, params: dict) -> tuple[int, dict]:
        pm = self.payment_methods.get(pm_id)
        if pm is None:
            return self._missing("PaymentMethod", pm_id, param="payment_method")
        customer = params.get("customer") or ""
        if customer not in self.customers:
            return self._missing("customer", customer, param="customer")
        if pm["customer"] and pm["customer"] != customer:
            return 400, _invalid(
                "payment_method", "The payment method you provided has already been attached to a customer."
            )
        pm["customer"] = customer
        return 200, pm

    def _detach(self, pm_id: str) -> tuple[int, dict]:
        pm = self.payment_methods.get(pm_id)
        if pm is None:
            return self._missing("PaymentMethod", pm_id, param="payment_method")
        if not pm["customer"]:
            return 400, _invalid("payment_method", "The payment method you provided is not attached to a customer.")
        pm["customer"] = None
        return 200, pm

    def _refund(self, params: dict) -> tuple[int, dict]:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None:
            return self._missing("payment_intent", params.get("payment_intent", ""))
        amount = int(params.get("amount", intent["amount_received"]))
        done = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"])
        if amount + done > intent["amount_received"]:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "charge_already_refunded",
                    "param": "amount",
                    "message": "Refund amount is greater than unrefunded amount.",
                }
            }
        refund = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "status": "succeeded",
            "created": int(time.time()),
            "metadata": {},
            "reason": None,
        }
        self.refunds[refund["id"]] = refund
        return 200, refund

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def _serve(self, method: str):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                path, _, query = self.path.partition("?")
                params = _nest(parse_qsl(query if method == "GET" else body, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with fake._lock:
                    fake.requests.append({"method": method, "path": path, "params": params, "headers": headers})
                    status, answer = fake.handle(method, path, params, headers)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", _id("req"))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        return Handler


def sign(payload: bytes | str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload``, as Stripe makes it."""
    body = payload.encode() if isinstance(payload, str) else payload
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def event(kind: str, obj: dict, event_id: str | None = None) -> bytes:
    """A Stripe event body (as Stripe sends it) carrying ``obj``."""
    return json.dumps(
        {
            "id": event_id or _id("evt"),
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "type": kind,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": obj},
        }
    ).encode()
