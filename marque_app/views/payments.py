"""A payment as the API and the admin show it (amounts as decimal strings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaymentView:
    """A payment of an order: the REST API answers with this shape (``PaymentView`` in OpenAPI)."""

    payment_id: str
    order_id: str
    provider: str
    intent_id: str
    status: str
    amount: str
    refunded: str
    currency: str
