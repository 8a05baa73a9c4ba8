"""A small fake of PayPal's REST API on 127.0.0.1, for the PayPal adapter's tests.

It speaks PayPal's wire format (JSON bodies, ``Authorization: Bearer`` after an OAuth2
client-credentials token, ``PayPal-Request-Id`` idempotency, error bodies with ``name`` and
``details[].issue``), for what the adapter uses:

- ``POST /v1/oauth2/token`` (HTTP Basic client id/secret) -> an access token;
- ``POST /v2/checkout/orders`` -> an order ``PAYER_ACTION_REQUIRED`` with a ``payer-action``
  link to ``GET /checkoutnow?token=<id>`` on this server: opening it approves the order (as a
  buyer logging in to PayPal would) and redirects to the order's ``return_url`` with
  ``?token=<id>&PayerID=...``; ``/checkoutnow?token=<id>&decline=1`` approves with a funding
  source that will be declined;
- ``GET /v2/checkout/orders/{id}``; ``POST /v2/checkout/orders/{id}/capture`` (422
  ``ORDER_NOT_APPROVED`` before approval, ``ORDER_ALREADY_CAPTURED`` after, 422
  ``INSTRUMENT_DECLINED`` for a declined buyer);
- ``POST /v2/payments/captures/{id}/refund`` (422 ``REFUND_AMOUNT_EXCEEDED`` beyond what is left);
- ``POST /v1/notifications/verify-webhook-signature``: ``SUCCESS`` only for an event signed
  with :meth:`FakePayPal.sign` for that webhook id (and the event exactly as signed).

Also :meth:`FakePayPal.event` to build webhook events shaped as PayPal sends them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "marque-fake-client"
SECRET = "marque-fake-secret"
WEBHOOK_ID = "WH-MARQUEFAKE0001"
_SIGNING_KEY = secrets.token_bytes(32)  # the fake's own: only it can make a valid signature


def _id(length: int = 17) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _canonical(event: dict) -> bytes:
    return json.dumps(event, sort_keys=True, separators=(",", ":")).encode()


def _error(status: int, name: str, issue: str, message: str) -> tuple[int, dict]:
    return status, {
        "name": name,
        "message": message,
        "debug_id": secrets.token_hex(6),
        "details": [{"issue": issue, "description": message}],
    }


class FakePayPal:
    def __init__(self) -> None:
        self.orders: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.tokens: set[str] = set()
        self.requests: list[dict] = []
        self.declined: set[str] = set()
        self._idempotent: dict[str, tuple[int, dict]] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakePayPal:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- helpers for tests -----------------------------------------------------------------

    def approve(self, order_id: str, *, decline: bool = False) -> None:
        """The buyer approved the order at PayPal (what opening the approve link does)."""
        with self._lock:
            self._approve(order_id, decline=decline)

    def revoke_tokens(self) -> None:
        """Every access token expires now (PayPal answers 401 to them)."""
        with self._lock:
            self.tokens.clear()

    def capture_of(self, order_id: str) -> dict:
        return self.orders[order_id]["purchase_units"][0]["payments"]["captures"][-1]

    def sign(self, event: dict, *, webhook_id: str = WEBHOOK_ID) -> dict[str, str]:
        """The PAYPAL-* headers PayPal sends with ``event`` to the webhook ``webhook_id``."""
        transmission_id, when = secrets.token_hex(16), _now()
        sig = self._signature(transmission_id, when, webhook_id, event)
        return {
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": when,
            "PAYPAL-TRANSMISSION-SIG": sig,
            "PAYPAL-CERT-URL": f"{self.url}/v1/notifications/certs/CERT-360caa42-fca2a594-fake",
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        }

    @staticmethod
    def _signature(transmission_id: str, when: str, webhook_id: str, event: dict) -> str:
        digest = hashlib.sha256(_canonical(event)).hexdigest()
        message = f"{transmission_id}|{when}|{webhook_id}|{digest}".encode()
        return base64.b64encode(hmac.new(_SIGNING_KEY, message, hashlib.sha256).digest()).decode()

    @staticmethod
    def event(kind: str, resource: dict, *, event_id: str | None = None) -> dict:
        """A webhook event as PayPal sends it (``resource`` a capture or a refund)."""
        resource_type = "refund" if kind == "PAYMENT.CAPTURE.REFUNDED" else "capture"
        return {
            "id": event_id or f"WH-{_id(8)}-{_id(17)}",
            "event_version": "1.0",
            "create_time": _now(),
            "resource_type": resource_type,
            "resource_version": "2.0",
            "event_type": kind,
            "summary": f"Payment {kind.rsplit('.', 1)[-1].lower()}",
            "resource": resource,
            "links": [],
        }

    def dashboard_refund(self, order_id: str, value: str) -> dict:
        """A refund made in PayPal's dashboard (not through the shop): the refund object."""
        with self._lock:
            capture = self.capture_of(order_id)
            return self._refund(capture["id"], {"amount": {"value": value, "currency_code": "USD"}})[1]

    # --- the endpoints ---------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, body: dict, headers: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v1", "oauth2", "token"]:
            return self._token(headers, query)
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return 401, {"error": "invalid_token", "error_description": "Token signature verification failed"}
        key = f"{path}|{headers['paypal-request-id']}" if headers.get("paypal-request-id") else ""
        if key and method == "POST" and key in self._idempotent:
            return self._idempotent[key]
        answer = self._route(method, parts, body)
        if key and method == "POST" and answer[0] < 400:
            self._idempotent[key] = answer
        return answer

    def _route(self, method: str, parts: list[str], body: dict) -> tuple[int, dict]:
        if method == "POST" and parts == ["v2", "checkout", "orders"]:
            return self._create(body)
        if len(parts) >= 4 and parts[:3] == ["v2", "checkout", "orders"]:
            order = self.orders.get(parts[3])
            if order is None:
                return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
            if method == "GET" and len(parts) == 4:
                return 200, order
            if method == "POST" and parts[4:] == ["capture"]:
                return self._capture(order)
        if (
            method == "POST"
            and len(parts) == 5
            and parts[:3] == ["v2", "payments", "captures"]
            and parts[4] == "refund"
        ):
            return self._refund(parts[3], body)
        if method == "POST" and parts == ["v1", "notifications", "verify-webhook-signature"]:
            return self._verify(body)
        return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "The requested resource was not found.")

    def _token(self, headers: dict, form: dict) -> tuple[int, dict]:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        if headers.get("authorization") != expected:
            return 401, {"error": "invalid_client", "error_description": "Client Authentication failed"}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"}
        token = f"A21AA{secrets.token_urlsafe(24)}"
        self.tokens.add(token)
        return 200, {
            "scope": "https://uri.paypal.com/services/payments/payment",
            "access_token": token,
            "token_type": "Bearer",
            "app_id": "APP-80W284485P519543T",
            "expires_in": 32400,
            "nonce": f"{_now()}{secrets.token_hex(8)}",
        }

    def _create(self, body: dict) -> tuple[int, dict]:
        units = body.get("purchase_units") or []
        if body.get("intent") != "CAPTURE" or not units:
            return _error(
                400, "INVALID_REQUEST", "MISSING_REQUIRED_PARAMETER", "intent and purchase_units are required"
            )
        amount = units[0].get("amount") or {}
        try:
            value = Decimal(str(amount.get("value")))
        except ArithmeticError:
            value = Decimal("-1")
        if value <= 0 or value != value.quantize(Decimal("0.01")):
            return _error(422, "UNPROCESSABLE_ENTITY", "INVALID_PARAMETER_VALUE", "The amount value is invalid.")
        order_id = _id()
        context = ((body.get("payment_source") or {}).get("paypal") or {}).get("experience_context") or {}
        order = {
            "id": order_id,
            "intent": "CAPTURE",
            "status": "PAYER_ACTION_REQUIRED",
            "create_time": _now(),
            "purchase_units": [{**units[0], "payments": {"captures": []}}],
            "payment_source": {"paypal": {}},
            "links": [
                {"href": f"{self.url}/v2/checkout/orders/{order_id}", "rel": "self", "method": "GET"},
                {"href": f"{self.url}/checkoutnow?token={order_id}", "rel": "payer-action", "method": "GET"},
            ],
            "_return_url": context.get("return_url", ""),
            "_cancel_url": context.get("cancel_url", ""),
        }
        self.orders[order_id] = order
        return 201, self._public(order)

    @staticmethod
    def _public(order: dict) -> dict:
        return {k: v for k, v in order.items() if not k.startswith("_")}

    def _approve(self, order_id: str, *, decline: bool = False) -> dict:
        order = self.orders[order_id]
        if order["status"] == "PAYER_ACTION_REQUIRED":
            order["status"] = "APPROVED"
            order["payment_source"] = {
                "paypal": {"email_address": "buyer@example.com", "account_id": _id(13), "account_status": "VERIFIED"}
            }
            if decline:
                self.declined.add(order_id)
        return order

    def _capture(self, order: dict) -> tuple[int, dict]:
        if order["status"] == "COMPLETED":
            return _error(422, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED", "Order already captured.")
        if order["status"] != "APPROVED":
            return _error(
                422, "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment."
            )
        if order["id"] in self.declined:
            return _error(422, "UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED", "The instrument presented was declined.")
        unit = order["purchase_units"][0]
        capture = {
            "id": _id(),
            "status": "COMPLETED",
            "amount": dict(unit["amount"]),
            "final_capture": True,
            "custom_id": unit.get("custom_id"),
            "invoice_id": unit.get("invoice_id"),
            "seller_protection": {"status": "ELIGIBLE"},
            "create_time": _now(),
            "supplementary_data": {"related_ids": {"order_id": order["id"]}},
            "links": [],
        }
        unit["payments"]["captures"].append(capture)
        order["status"] = "COMPLETED"
        return 201, self._public(order)

    def _find_capture(self, capture_id: str) -> tuple[dict, dict] | None:
        for order in self.orders.values():
            for capture in order["purchase_units"][0]["payments"]["captures"]:
                if capture["id"] == capture_id:
                    return order, capture
        return None

    def _refund(self, capture_id: str, body: dict) -> tuple[int, dict]:
        found = self._find_capture(capture_id)
        if found is None:
            return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
        _, capture = found
        paid = Decimal(capture["amount"]["value"])
        done = sum(
            (Decimal(r["amount"]["value"]) for r in self.refunds.values() if r["_capture"] == capture_id), Decimal(0)
        )
        value = Decimal(str((body.get("amount") or {}).get("value") or (paid - done)))
        if value + done > paid:
            return _error(
                422,
                "UNPROCESSABLE_ENTITY",
                "REFUND_AMOUNT_EXCEEDED",
                "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
            )
        refund = {
            "id": _id(),
            "status": "COMPLETED",
            "amount": {"value": f"{value:.2f}", "currency_code": capture["amount"]["currency_code"]},
            "custom_id": capture.get("custom_id"),
            "invoice_id": capture.get("invoice_id"),
            "create_time": _now(),
            "links": [
                {"href": f"{self.url}/v2/payments/captures/{capture_id}", "rel": "up", "method": "GET"},
            ],
            "_capture": capture_id,
        }
        self.refunds[refund["id"]] = refund
        capture["status"] = "REFUNDED" if value + done == paid else "PARTIALLY_REFUNDED"
        return 201, self._public(refund)

    def _verify(self, body: dict) -> tuple[int, dict]:
        needed = ("auth_algo", "cert_url", "transmission_id", "transmission_sig", "transmission_time", "webhook_id")
        missing = [n for n in needed if not body.get(n)]
        if missing or not isinstance(body.get("webhook_event"), dict):
            return _error(
                400, "VALIDATION_ERROR", "MISSING_REQUIRED_PARAMETER", f"missing {missing or 'webhook_event'}"
            )
        expected = self._signature(
            body["transmission_id"], body["transmission_time"], body["webhook_id"], body["webhook_event"]
        )
        ok = hmac.compare_digest(expected, body["transmission_sig"]) and body["webhook_id"] == WEBHOOK_ID
        return 200, {"verification_status": "SUCCESS" if ok else "FAILURE"}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                split = urlsplit(self.path)
                if split.path == "/checkoutnow":
                    self._checkoutnow(parse_qs(split.query))
                    return
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def _checkoutnow(self, query: dict):
                order_id = (query.get("token") or [""])[0]
                with fake._lock:
                    order = fake.orders.get(order_id)
                    if order is not None:
                        fake._approve(order_id, decline=bool(query.get("decline")))
                if order is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                back = order["_return_url"]
                sep = "&" if "?" in back else "?"
                self.send_response(302)
                self.send_header("Location", f"{back}{sep}{urlencode({'token': order_id, 'PayerID': _id(13)})}")
                self.end_headers()

            def _serve(self, method: str):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                headers = {k.lower(): v for k, v in self.headers.items()}
                split = urlsplit(self.path)
                if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                    form = {k: v[0] for k, v in parse_qs(raw).items()}
                    body: dict = {}
                else:
                    form = {}
                    try:
                        body = json.loads(raw) if raw else {}
                    except ValueError:
                        body = {}
                with fake._lock:
                    fake.requests.append({"method": method, "path": split.path, "body": body, "headers": headers})
                    status, answer = fake.handle(method, split.path, form, body, headers)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Paypal-Debug-Id", secrets.token_hex(6))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        return Handler
