"""A small fake of Stripe's HTTP API on 127.0.0.1, for the Stripe adapter's tests.

It speaks Stripe's wire format for the three endpoints the adapter uses (form-encoded
requests with ``Authorization: Bearer sk_...``; JSON objects and error bodies shaped as
Stripe's), so the tests prove the adapter talks to Stripe correctly without a network:

- ``POST /v1/payment_intents`` -> a ``payment_intent`` in ``requires_payment_method``;
  an ``Idempotency-Key`` seen before answers the first answer again;
- ``POST /v1/payment_intents/{id}/confirm`` -> ``succeeded`` (``pm_card_visa``), or a 402
  ``card_error`` for ``pm_card_chargeDeclined``;
- ``POST /v1/refunds`` -> a ``refund``; more than what is left is a 400 ``invalid_request_error``.

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
            "payment_method": None,
        }
        self.intents[intent_id] = intent
        return 200, intent

    def _missing(self, what: str, ident: str) -> tuple[int, dict]:
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "param": "intent",
                "message": f"No such {what}: '{ident}'",
            }
        }

    def _confirm(self, intent_id: str, params: dict) -> tuple[int, dict]:
        intent = self.intents.get(intent_id)
        if intent is None:
            return self._missing("payment_intent", intent_id)
        pm = params.get("payment_method", "")
        if pm == "pm_card_chargeDeclined":
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
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                params = _nest(parse_qsl(body, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                path = self.path.split("?", 1)[0]
                with fake._lock:
                    fake.requests.append({"method": "POST", "path": path, "params": params, "headers": headers})
                    status, answer = fake.handle("POST", path, params, headers)
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
