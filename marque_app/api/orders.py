"""Checkout and orders REST API: ``/api/v1/checkout/quote`` and ``/api/v1/orders``.

Endpoints (each calls one service of ``marque_app.services.checkout`` / ``.orders``):

    POST /api/v1/checkout/quote                 what will be charged (token: the user's cart; none: ``lines``)
    POST /api/v1/orders                         place an order (``Idempotency-Key`` header; a retry
                                                with the same key answers the same order). Without a
                                                token: a guest order with ``guest_email`` and ``lines``.
    GET  /api/v1/orders?page=1&per_page=10      the caller's orders, newest first
    GET  /api/v1/orders/{ref}                   id or number; a guest passes ``?email=``
    PUT  /api/v1/orders/{ref}/cancel            pending/processing only; stock goes back
    PUT  /api/v1/orders/{ref}/change-address    until shipped
    POST /api/v1/orders/{ref}/return            ``items: [{order_item_id, quantity, reason}]``
    GET  /api/v1/orders/{ref}/returns
    GET  /api/v1/orders/{ref}/tracking
    PUT  /api/v1/orders/{ref}/modify-items      ``items: [{sku_id, quantity}]`` (0 removes, a new SKU is
                                                added); the shopper's own order, any order for an admin;
                                                pending/processing, within the window; ``Idempotency-Key``

Errors are ``{"detail": "...", "field": "..."}``: 401 (no or bad token where one is needed),
404 (unknown order, or another customer's), 409 (sold out, with ``items``; the total changed,
with the new ``quote``; the order's status does not allow it), 422 (bad input: a missing
address field ``shipping_address.city``, a bad coupon ``coupon_code``, ...). Money is a
decimal string ("24.00").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import Field, StrictInt

from marque_app.domain.auth import Unauthorized
from marque_app.domain.cart import GuestLine
from marque_app.domain.checkout import CheckoutError, PriceChanged, SoldOut
from marque_app.domain.payments import PaymentError
from marque_app.services import checkout, order_changes, orders
from marque_app.services.auth import get_email_sender, get_sms_sender
from marque_app.services.auth.guard import AuthUser, authenticate

from .deps import ClientDep, CurrentUser, LimiterDep, RedisDep, SessionDep, bearer_scheme
from .errors import http_status
from .schemas import ErrorOut, RequestModel


class OrdersRoute(APIRoute):
    """Answers a refused checkout or order operation (:class:`CheckoutError`) as JSON."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def run(request: Request):
            try:
                return await handler(request)
            except CheckoutError as err:
                return error_response(err)
            except PaymentError as err:  # changing items: the provider refused the adjustment
                return JSONResponse({"detail": err.message, "field": err.field}, status_code=http_status(err))

        return run


def error_response(err: CheckoutError) -> JSONResponse:
    body: dict[str, Any] = {"detail": err.message}
    if err.field:
        body["field"] = err.field
    if isinstance(err, SoldOut):
        body["items"] = [item.__dict__ for item in err.items]
    if isinstance(err, PriceChanged):
        body["quote"] = err.quote.to_dict()
        body["expected_total"], body["total"] = str(err.expected), str(err.actual)
    if getattr(err, "reason", None):
        body["reason"] = err.reason
    headers = {"WWW-Authenticate": "Bearer"} if http_status(err) == 401 else None
    if getattr(err, "retry_after", None):
        headers = {"Retry-After": str(err.retry_after)}
    return JSONResponse(body, status_code=http_status(err), headers=headers)


def optional_user(
    request: Request,
    session: SessionDep,
    redis: RedisDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> AuthUser | None:
    """The caller when a token is sent (a bad token, or an ``Authorization`` header that is no
    bearer token, is still 401), else None (a guest)."""
    if credentials is None:
        if request.headers.get("authorization") is not None:
            raise Unauthorized("Not logged in")
        return None
    if credentials.scheme.lower() != "bearer":
        raise Unauthorized("Not logged in")
    return authenticate(session=session, token=credentials.credentials, redis=redis)


optional_user.marque_optional_auth = True  # the OpenAPI document: a token, or none (errors.py)
OptionalUser = Annotated[AuthUser | None, Depends(optional_user)]


ERRORS = {
    401: {"model": ErrorOut, "description": "Not logged in"},
    404: {"model": ErrorOut, "description": "No such order for this customer"},
    409: {"model": ErrorOut, "description": "Sold out, total changed, or not allowed in this status"},
    422: {"model": ErrorOut, "description": "Bad input"},
}

router = APIRouter(prefix="/api/v1", route_class=OrdersRoute, responses=ERRORS, tags=["orders"])


class LineIn(RequestModel):
    sku_id: str = Field(max_length=64)
    quantity: StrictInt = Field(ge=1, le=99)
    price_seen: str = Field("", max_length=20, description="The price the shopper saw, for price-change notices")


class AddressIn(RequestModel):
    """An order address (the address book's fields; the checks are ``services.addresses``)."""

    first_name: str | None = Field(None, description="Required")
    last_name: str | None = Field(None, description="Required")
    company: str | None = None
    address_line_1: str | None = Field(None, description="Required")
    address_line_2: str | None = None
    city: str | None = Field(None, description="Required")
    state: str | None = Field(
        None,
        description="Required. For US, CA, AU, MX, IN and BR one of the country's ISO 3166-2 regions, by code or name "
        '("IL", "Illinois"; stored as the code), as the web checkout\'s list; else 422 naming the field',
    )
    postal_code: str | None = Field(None, description="Required")
    country: str | None = Field(None, description="A 2-letter code (default US)", examples=["US"])
    phone: str | None = None


def _address(address: AddressIn | None) -> dict[str, Any] | None:
    return None if address is None else address.model_dump(exclude_unset=True)


class QuoteIn(RequestModel):
    lines: list[LineIn] = Field(
        default_factory=list, max_length=200, description="A guest's lines (ignored with a token)"
    )
    shipping_method: str = "standard"
    coupon_code: str = Field("", max_length=50)
    guest_email: str = Field("", max_length=255)


class OrderIn(RequestModel):
    guest_email: str | None = Field(None, max_length=255)
    lines: list[LineIn] | None = Field(None, max_length=200, description="Guest orders only")
    shipping_address: AddressIn | None = None
    billing_address: AddressIn | None = Field(None, description="Omit: the shipping address")
    save_address: bool = False
    shipping_method: str = "standard"
    coupon_code: str = Field("", max_length=50)
    payment_method: str = Field("cod", examples=["cod", "stripe", "paypal"])
    saved_card: str | None = Field(
        None,
        max_length=255,
        description="One of the caller's saved cards (pm_..., GET /payments/methods) with payment_method "
        '"stripe": charged at once',
    )
    expected_total: str | None = Field(
        None,
        max_length=20,
        description="The total shown to the shopper; a different total answers 409 with the new quote",
    )
    notes: str = Field("", max_length=2000)


class AddressChangeIn(RequestModel):
    shipping_address: AddressIn | None = None
    billing_address: AddressIn | None = None


class CancelIn(RequestModel):
    reason: str = Field("", max_length=500)


class ReturnItemIn(RequestModel):
    order_item_id: str = Field(max_length=64)
    quantity: StrictInt = Field(ge=1, le=999)
    reason: str = Field(max_length=100)


class ReturnIn(RequestModel):
    items: list[ReturnItemIn] = Field(min_length=1, max_length=200)
    comments: str = Field("", max_length=2000)


def _guest_lines(lines: list[LineIn] | None) -> list[GuestLine]:
    return [GuestLine(sku_id=line.sku_id, quantity=line.quantity, price_seen=line.price_seen) for line in lines or []]


@router.post("/checkout/quote", summary="What the checkout will charge")
def post_quote(body: QuoteIn, session: SessionDep, user: OptionalUser) -> JSONResponse:
    quote = checkout.quote_checkout(
        session=session,
        user_id=user.user.id if user else None,
        guest_lines=None if user else _guest_lines(body.lines),
        shipping_method=body.shipping_method,
        coupon_code=body.coupon_code,
        guest_email=body.guest_email,
    )
    return JSONResponse(quote.to_dict())


@router.post(
    "/orders",
    status_code=201,
    summary="Place an order",
    responses={
        429: {"model": ErrorOut, "description": "Too many checkout attempts (`Retry-After`)"},
        404: {"model": ErrorOut, "description": "The saved card is not one of the caller's"},
        502: {"model": ErrorOut, "description": "Stripe could not be reached to check the saved card"},
        503: {"model": ErrorOut, "description": "Card payments are off (a saved card was given)"},
    },
)
def post_order(
    body: OrderIn,
    session: SessionDep,
    user: OptionalUser,
    limiter: LimiterDep,
    client: ClientDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)] = None,
) -> JSONResponse:
    placed = checkout.place_and_pay(
        session=session,
        saved_card=body.saved_card,
        user_id=user.user.id if user else None,
        guest_email=None if user else body.guest_email,
        guest_lines=None if user else _guest_lines(body.lines),
        shipping_address=_address(body.shipping_address),
        billing_address=_address(body.billing_address),
        save_address=body.save_address and user is not None,
        shipping_method=body.shipping_method,
        coupon_code=body.coupon_code,
        payment_method=body.payment_method,
        expected_total=body.expected_total,
        idempotency_key=idempotency_key,
        notes=body.notes,
        sms=get_sms_sender(),
        mailer=get_email_sender(),
        limiter=limiter,
        client=client,
    )
    # approve_url: PayPal's page for the shopper; payment_error: the order is placed but its
    # payment was not taken (a declined saved card), it can be paid later.
    body_out = {**placed.order.to_dict(), "approve_url": placed.approve_url, "payment_error": placed.payment_error}
    return JSONResponse(body_out, status_code=201)


@router.get("/orders", summary="The caller's orders, newest first")
def get_orders(
    session: SessionDep,
    user: CurrentUser,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=50)] = 10,
) -> JSONResponse:
    return JSONResponse(
        orders.list_orders(session=session, user_id=user.user.id, page=page, per_page=per_page).to_dict()
    )


@router.get("/orders/{ref}", summary="One order by id or number")
def get_order(
    ref: str,
    session: SessionDep,
    user: OptionalUser,
    email: Annotated[str | None, Query(max_length=255)] = None,
) -> JSONResponse:
    if user is not None:
        detail = orders.get_order(session=session, user_id=user.user.id, order_ref=ref)
    elif email:
        detail = orders.get_guest_order(session=session, order_ref=ref, email=email)
    else:
        raise Unauthorized("Not logged in")
    return JSONResponse(detail.to_dict())


@router.put("/orders/{ref}/cancel", summary="Cancel a pending or processing order")
def put_cancel(ref: str, session: SessionDep, user: CurrentUser, body: CancelIn | None = None) -> JSONResponse:
    detail = orders.cancel_order(
        session=session,
        user_id=user.user.id,
        order_ref=ref,
        reason=body.reason if body else "",
        sms=get_sms_sender(),
        mailer=get_email_sender(),
    )
    return JSONResponse(detail.to_dict())


@router.put("/orders/{ref}/change-address", summary="Change the addresses until the order ships")
def put_address(ref: str, body: AddressChangeIn, session: SessionDep, user: CurrentUser) -> JSONResponse:
    detail = orders.change_address(
        session=session,
        user_id=user.user.id,
        order_ref=ref,
        shipping_address=_address(body.shipping_address),
        billing_address=_address(body.billing_address),
    )
    return JSONResponse(detail.to_dict())


@router.post("/orders/{ref}/return", status_code=201, summary="Ask to return items of a delivered order")
def post_return(ref: str, body: ReturnIn, session: SessionDep, user: CurrentUser) -> JSONResponse:
    view = orders.request_return(
        session=session,
        user_id=user.user.id,
        order_ref=ref,
        items=[(i.order_item_id, i.quantity, i.reason) for i in body.items],
        comments=body.comments,
    )
    return JSONResponse(view.to_dict(), status_code=201)


@router.get("/orders/{ref}/returns", summary="The order's return requests")
def get_returns(ref: str, session: SessionDep, user: CurrentUser) -> JSONResponse:
    views = orders.list_returns(session=session, user_id=user.user.id, order_ref=ref)
    return JSONResponse([v.to_dict() for v in views])


@router.get("/orders/{ref}/tracking", summary="Status, tracking number and timeline")
def get_tracking(ref: str, session: SessionDep, user: CurrentUser) -> JSONResponse:
    return JSONResponse(orders.tracking(session=session, user_id=user.user.id, order_ref=ref).to_dict())


class ModifyLineIn(RequestModel):
    sku_id: str = Field(max_length=64)
    quantity: StrictInt = Field(ge=0, le=99, description="The line's new quantity; 0 removes it")


class ModifyItemsIn(RequestModel):
    items: list[ModifyLineIn] = Field(min_length=1, max_length=200)


@router.put(
    "/orders/{ref}/modify-items",
    summary="Change an order's items (quantities, removals, added SKUs) while it can be changed",
    description=(
        "The shopper's own order, or any order for an admin, while it is pending or processing and "
        "within MARQUE_ORDER_MODIFY_WINDOW_MINUTES of being placed. Stock is re-checked and moved, the "
        "totals recomputed with the checkout's rules, and the payment follows: `payment.action` is "
        "`new_amount` (unpaid: the new total is due), `partial_refund` or `extra_charge` (a new card "
        "payment of the difference; `client_secret` finishes it). A retry with the same "
        "`Idempotency-Key` answers the same change."
    ),
    responses={502: {"model": ErrorOut, "description": "The payment provider refused the adjustment"}},
)
def put_modify_items(
    ref: str,
    body: ModifyItemsIn,
    session: SessionDep,
    user: CurrentUser,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)] = None,
) -> JSONResponse:
    result = order_changes.modify_items(
        session=session,
        order_ref=ref,
        changes=[(line.sku_id, line.quantity) for line in body.items],
        actor_id=user.user.id,
        as_admin=user.role == "admin",
        idempotency_key=idempotency_key,
    )
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    return JSONResponse({"order": result.order.to_dict(), "payment": result.payment.to_dict()}, headers=headers)
