"""A logged-in shopper's saved cards: one Stripe customer per user, cards saved through
SetupIntents and kept at Stripe (brand, last four digits and expiry are read from there; no
card number ever reaches this server).

- :func:`start_card_setup`: the user's Stripe customer (made on first use, its id stored on
  ``users.stripe_customer_id``) and a SetupIntent; Stripe.js confirms it with the card typed in.
- :func:`list_cards`: the customer's cards, newest first.
- :func:`remove_card`: detaches one of the user's cards.
- :func:`owned_card`: the customer and card for a payment, when the card is the user's.

Another user's card is "not found" (its existence is none of the caller's business).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from marque_app.domain.payments import (
    CARD_NOT_FOUND,
    PaymentError,
    card_is_expired,
    card_label,
    check_saved_card_id,
)
from marque_app.models import User
from marque_app.models.types import utcnow
from marque_app.views.payments import CardSetupView, SavedCardView

from .base import PaymentProvider
from .stripe_provider import StripeProvider


def stripe_of(providers: Mapping[str, PaymentProvider]) -> StripeProvider:
    """The Stripe provider, or ``unavailable`` (503) when card payments are off."""
    provider = providers.get("stripe")
    if not isinstance(provider, StripeProvider):
        raise PaymentError("unavailable", "Card payments are not available right now", field="saved_card")
    return provider


def _user(session: Session, user_id: object, *, lock: bool = False) -> User:
    try:
        uid = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
    except (ValueError, TypeError):
        raise PaymentError("not_found", "Unknown user", field="user_id") from None
    query = select(User).where(User.id == uid)
    if lock:
        query = query.with_for_update()
    user = session.exec(query).first()
    if user is None:
        raise PaymentError("not_found", "Unknown user", field="user_id")
    return user


def card_view(pm: dict[str, Any], *, now: datetime | None = None) -> SavedCardView:
    """A Stripe ``payment_method`` (type card) as the shopper sees it."""
    now = now or utcnow()
    card = pm.get("card") or {}
    brand, last4 = str(card.get("brand") or ""), str(card.get("last4") or "")
    month, year = int(card.get("exp_month") or 0), int(card.get("exp_year") or 0)
    return SavedCardView(
        id=str(pm["id"]),
        brand=brand,
        last4=last4,
        exp_month=month,
        exp_year=year,
        label=card_label(brand, last4),
        is_expired=card_is_expired(exp_month=month, exp_year=year, year=now.year, month=now.month),
    )


def _customer(session: Session, user: User, stripe: StripeProvider) -> str:
    """The user's Stripe customer id, made and stored on first use."""
    if user.stripe_customer_id:
        return user.stripe_customer_id
    name = f"{user.first_name} {user.last_name}".strip()
    customer = stripe.create_customer(user_id=str(user.id), email=user.email, name=name)
    user.stripe_customer_id = customer
    session.add(user)
    try:
        session.commit()
    except IntegrityError:  # a racing first save stored it (the same customer: one idempotency key)
        session.rollback()
        session.refresh(user)
        if not user.stripe_customer_id:
            raise
    return user.stripe_customer_id or customer


def start_card_setup(
    *, session: Session, user_id: object, providers: Mapping[str, PaymentProvider] | None = None
) -> CardSetupView:
    """A SetupIntent for the user to save a card; its client secret goes to Stripe.js.

    Raises:
        PaymentError: ``unavailable`` (Stripe off), ``provider`` (Stripe refused or is down).
    """
    from . import get_providers

    stripe = stripe_of(get_providers() if providers is None else providers)
    user = _user(session, user_id)
    customer = _customer(session, user, stripe)
    setup = stripe.create_setup_intent(customer=customer, user_id=str(user.id))
    return CardSetupView(setup_intent_id=str(setup.id), client_secret=str(setup.client_secret), status=setup.status)


def list_cards(
    *,
    session: Session,
    user_id: object,
    providers: Mapping[str, PaymentProvider] | None = None,
    now: datetime | None = None,
) -> list[SavedCardView]:
    """The user's saved cards, newest first (none before the first is saved: no Stripe call).

    Raises:
        PaymentError: ``unavailable``, ``provider``.
    """
    from . import get_providers

    stripe = stripe_of(get_providers() if providers is None else providers)
    user = _user(session, user_id)
    if not user.stripe_customer_id:
        return []
    return [card_view(pm, now=now) for pm in stripe.list_cards(user.stripe_customer_id)]


def owned_card(
    *, session: Session, user_id: object, card_id: object, providers: Mapping[str, PaymentProvider] | None = None
) -> tuple[str, SavedCardView]:
    """(the user's Stripe customer, the card) when ``card_id`` is a card saved by this user.

    Raises:
        PaymentError: ``invalid`` (not a card id), ``not_found`` (no such card, or another
            user's), ``conflict`` (expired), ``unavailable``, ``provider``.
    """
    from . import get_providers

    pm_id = check_saved_card_id(card_id)
    stripe = stripe_of(get_providers() if providers is None else providers)
    user = _user(session, user_id)
    pm = stripe.get_card(pm_id) if user.stripe_customer_id else None
    if pm is None or not user.stripe_customer_id or pm.get("customer") != user.stripe_customer_id:
        raise PaymentError("not_found", CARD_NOT_FOUND, field="saved_card")
    card = card_view(pm)
    if card.is_expired:
        raise PaymentError("conflict", f"{card.label} has expired; choose another card", field="saved_card")
    return user.stripe_customer_id, card


def remove_card(
    *, session: Session, user_id: object, card_id: object, providers: Mapping[str, PaymentProvider] | None = None
) -> None:
    """Detach one of the user's saved cards at Stripe (it can no longer be charged).

    Raises:
        PaymentError: ``invalid``, ``not_found`` (no such card or another user's),
            ``unavailable``, ``provider``.
    """
    from . import get_providers

    pm_id = check_saved_card_id(card_id)
    stripe = stripe_of(get_providers() if providers is None else providers)
    user = _user(session, user_id)
    pm = stripe.get_card(pm_id) if user.stripe_customer_id else None
    if pm is None or pm.get("customer") != user.stripe_customer_id:
        raise PaymentError("not_found", CARD_NOT_FOUND, field="saved_card")
    stripe.detach_card(pm_id)
