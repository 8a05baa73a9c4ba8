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


@dataclass(frozen=True)
class SavedCardView:
    """A card saved at Stripe for the user: what it is, never its number.

    ``id`` is Stripe's PaymentMethod id (``pm_...``), what checkout takes as ``saved_card``.
    """

    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    label: str
    is_expired: bool


@dataclass(frozen=True)
class CardSetupView:
    """A SetupIntent started for the user: Stripe.js confirms it with the card typed in."""

    setup_intent_id: str
    client_secret: str
    status: str
