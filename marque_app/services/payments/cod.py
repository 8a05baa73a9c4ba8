"""Cash on delivery: no network. The payment is pending until the admin marks the order paid
on delivery; a refund is recorded (the cash is handed back outside the system)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from marque_app.domain.payments import PENDING

from .base import IntentResult, PaymentRef, RefundResult


class CashOnDelivery:
    name = "cod"

    def create_intent(
        self, *, amount: Decimal, currency: str, reference: str, metadata: dict[str, str]
    ) -> IntentResult:
        intent_id = f"cod_{reference}"
        return IntentResult(
            client_secret="",
            intent_id=intent_id,
            status=PENDING,
            provider_status="awaiting_delivery",
            raw={"id": intent_id, "amount": str(amount), "currency": currency, "method": "cash_on_delivery"},
        )

    def confirm(self, intent_id: str, payment_method: str | None = None) -> IntentResult:
        # Nothing to confirm online: the cash is taken at the door.
        return IntentResult(client_secret="", intent_id=intent_id, status=PENDING, provider_status="awaiting_delivery")

    def refund(self, payment: PaymentRef, amount: Decimal) -> RefundResult:
        refund_id = f"cod_refund_{uuid.uuid4().hex}"
        return RefundResult(
            refund_id=refund_id,
            status="succeeded",
            amount=amount,
            raw={"id": refund_id, "amount": str(amount), "method": "cash"},
        )
