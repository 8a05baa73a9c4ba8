"""The payments REST API under ``/api/v1/payments`` (the seed's PaymentAPI).

- ``POST /payments/create-intent {order_id, payment_method?}``: the order's owner starts its
  payment; answers the ``client_secret`` for Stripe.js ("" for cash on delivery).
- ``POST /payments/confirm {payment_intent_id, payment_method}``: the owner confirms it.
- ``POST /payments/refund {order_id, amount?}``: admin or support; full without ``amount``.
- ``POST /payments/stripe/webhook``: Stripe's events, checked against ``Stripe-Signature``
  (400 with a message and nothing changed when it does not match); a replayed event and an
  event for an unknown payment answer 200 (Stripe retries anything else).
- ``GET /payments/methods``: the caller's saved cards (brand, last4, expiry; never a number);
  ``POST /payments/methods {}``: a SetupIntent to save one (its ``client_secret`` for
  Stripe.js); ``DELETE /payments/methods/{id}``: detaches one of the caller's cards.
- ``POST /payments/paypal/webhook``: PayPal's events, verified by PayPal's
  verify-webhook-signature call; replays answer 200 and change nothing.

Errors are ``{"detail": "...", "field": "..."}``: 400 (bad signature), 401, 403, 404 (not the
caller's order), 409 (not waiting for payment, already refunded), 422 (bad input), 502 (Stripe
refused: a declined card in Stripe's words), 503 (the provider is not configured).
Amounts are decimal strings ("12.50"); Stripe gets integer cents.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from marque_app.domain.payments import PaymentError
from marque_app.services import payments
from marque_app.services.auth.guard import AuthUser
from marque_app.views.payments import CardSetupView, PaymentView, SavedCardView

from .deps import CurrentUser, SessionDep, require_roles
from .errors import http_status
from .schemas import ErrorOut, RequestModel

log = logging.getLogger(__name__)


class PaymentRoute(APIRoute):
    """Answers :class:`PaymentError` as ``{detail, field}`` (malformed bodies: ``errors.py``)."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def run(request: Request):
            try:
                return await handler(request)
            except PaymentError as err:
                return JSONResponse({"detail": err.message, "field": err.field}, status_code=http_status(err))

        return run


class CreateIntentRequest(RequestModel):
    order_id: str = Field(min_length=1, max_length=64)
    payment_method: str | None = Field(None, description='"cod", "stripe" or "paypal"; default: the order\'s')


class ConfirmRequest(RequestModel):
    payment_intent_id: str = Field(min_length=1, max_length=255)
    payment_method: str | None = Field(None, max_length=255, description="A Stripe PaymentMethod id (pm_...)")


class RefundRequest(RequestModel):
    order_id: str = Field(min_length=1, max_length=64)
    amount: str | None = Field(None, max_length=20, description='A decimal string ("12.50"); omit for all')


class IntentOut(BaseModel):
    payment: PaymentView
    client_secret: str = Field(description="For Stripe.js; empty for cash on delivery and PayPal")
    approve_url: str = Field("", description="PayPal: where the shopper approves the payment")
    message: str = ""


class SaveCardRequest(RequestModel):
    """Nothing to send: the card itself goes from the browser to Stripe, never here."""


class CardsOut(BaseModel):
    cards: list[SavedCardView]


class MessageOut(BaseModel):
    message: str


class RefundOut(BaseModel):
    payment: PaymentView
    refund_id: str
    amount: str


class WebhookOut(BaseModel):
    received: bool = True
    event_id: str
    type: str
    result: str = Field(description="applied, replayed, ignored or unknown_payment")


ERRORS = {
    401: {"model": ErrorOut},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut},
    422: {"model": ErrorOut},
    502: {"model": ErrorOut, "description": "Stripe refused (a declined card)"},
    503: {"model": ErrorOut, "description": "The payment method is not configured"},
}

router = APIRouter(prefix="/api/v1/payments", tags=["payments"], route_class=PaymentRoute)
Staff = Annotated[AuthUser, Depends(require_roles("admin", "support"))]


@router.post(
    "/create-intent",
    response_model=IntentOut,
    responses=ERRORS,
    summary="Start paying one of the caller's pending orders",
)
def create_intent(body: CreateIntentRequest, user: CurrentUser, session: SessionDep) -> JSONResponse:
    view = payments.create_intent(
        session=session, order_id=body.order_id, user_id=user.id, payment_method=body.payment_method
    )
    return JSONResponse(asdict(view))


@router.post("/confirm", response_model=PaymentView, responses=ERRORS, summary="Confirm a payment intent")
def confirm(body: ConfirmRequest, user: CurrentUser, session: SessionDep) -> JSONResponse:
    view = payments.confirm_payment(
        session=session, payment_intent_id=body.payment_intent_id, user_id=user.id, payment_method=body.payment_method
    )
    return JSONResponse(asdict(view))


@router.post(
    "/refund",
    response_model=RefundOut,
    responses={**ERRORS, 403: {"model": ErrorOut}},
    summary="Refund an order's payment, in full or in part (admin, support)",
)
def refund(body: RefundRequest, staff: Staff, session: SessionDep) -> JSONResponse:
    view = payments.refund(session=session, order_id=body.order_id, amount=body.amount, actor_id=staff.id)
    return JSONResponse(asdict(view))


@router.post(
    "/stripe/webhook",
    response_model=WebhookOut,
    responses={
        400: {"model": ErrorOut, "description": "Bad or missing Stripe-Signature"},
        503: {"model": ErrorOut, "description": "The webhook is not set up (no signing secret)"},
    },
    summary="Stripe's events (payment_intent.succeeded, payment_intent.payment_failed, charge.refunded)",
)
async def stripe_webhook(
    request: Request,
    session: SessionDep,
    stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> JSONResponse:
    payload = await request.body()  # the exact bytes: the signature is over them

    def run():
        return payments.handle_stripe_webhook(session=session, payload=payload, signature=stripe_signature)

    try:
        outcome = await to_thread.run_sync(run)
    except PaymentError as err:
        if err.kind in ("bad_signature", "invalid"):
            log.warning("stripe webhook refused: %s", err.message)
            return JSONResponse({"detail": err.message, "field": err.field}, status_code=400)
        raise
    return JSONResponse({"received": True, **asdict(outcome)})


# --- saved cards ------------------------------------------------------------------------------

CARD_ERRORS = {
    401: {"model": ErrorOut},
    502: {"model": ErrorOut, "description": "Stripe refused or cannot be reached"},
    503: {"model": ErrorOut, "description": "Card payments are not configured"},
}


@router.get("/methods", response_model=CardsOut, responses=CARD_ERRORS, summary="The caller's saved cards")
def list_methods(user: CurrentUser, session: SessionDep) -> JSONResponse:
    cards = payments.saved_cards.list_cards(session=session, user_id=user.id)
    return JSONResponse({"cards": [asdict(card) for card in cards]})


@router.post(
    "/methods",
    status_code=201,
    response_model=CardSetupView,
    responses=CARD_ERRORS,
    summary="Start saving a card: a Stripe SetupIntent for Stripe.js to confirm",
)
def save_method(body: SaveCardRequest, user: CurrentUser, session: SessionDep) -> JSONResponse:
    setup = payments.saved_cards.start_card_setup(session=session, user_id=user.id)
    return JSONResponse(asdict(setup), status_code=201)


@router.delete(
    "/methods/{card_id}",
    response_model=MessageOut,
    responses={**CARD_ERRORS, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
    summary="Remove one of the caller's saved cards",
)
def delete_method(card_id: str, user: CurrentUser, session: SessionDep) -> JSONResponse:
    payments.saved_cards.remove_card(session=session, user_id=user.id, card_id=card_id)
    return JSONResponse({"message": "Card removed"})


# --- PayPal -----------------------------------------------------------------------------------


@router.post(
    "/paypal/webhook",
    response_model=WebhookOut,
    responses={
        400: {"model": ErrorOut, "description": "PayPal does not vouch for this event (or it is not one)"},
        502: {"model": ErrorOut, "description": "PayPal could not be reached to verify it (PayPal retries)"},
        503: {"model": ErrorOut, "description": "The webhook is not set up (MARQUE_PAYPAL_WEBHOOK_ID)"},
    },
    summary="PayPal's events (PAYMENT.CAPTURE.COMPLETED, PAYMENT.CAPTURE.DENIED, PAYMENT.CAPTURE.REFUNDED)",
)
async def paypal_webhook(request: Request, session: SessionDep) -> JSONResponse:
    payload = await request.body()
    headers = dict(request.headers)

    def run():
        return payments.handle_paypal_webhook(session=session, payload=payload, headers=headers)

    try:
        outcome = await to_thread.run_sync(run)
    except PaymentError as err:
        if err.kind in ("bad_signature", "invalid"):
            log.warning("paypal webhook refused: %s", err.message)
            return JSONResponse({"detail": err.message, "field": err.field}, status_code=400)
        raise
    return JSONResponse({"received": True, **asdict(outcome)})
