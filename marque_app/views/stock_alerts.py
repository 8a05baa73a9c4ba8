"""The back-in-stock alert as the account page, the product page and the API show it."""

from __future__ import annotations

from dataclasses import dataclass

from .base import JsonView


@dataclass(frozen=True)
class StockAlertView(JsonView):
    id: str
    sku_id: str
    sku: str
    product_name: str
    variant_name: str
    product_url: str
    channel: str  # "sms" or "email"
    contact: str  # the phone or e-mail address the message goes to
    status: str  # "waiting", "due" (restocked, being sent) or "sent"
    created_at: str
    sent_at: str | None = None
