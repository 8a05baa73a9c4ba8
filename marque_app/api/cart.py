"""The cart and wishlist REST API under ``/api/v1/cart`` and ``/api/v1/wishlist``.

Every endpoint needs ``Authorization: Bearer <token>`` (401 without it) and calls one service of
``marque_app.services.cart`` / ``.wishlist``. Errors are ``{"detail": "...", "field": "...",
"available": n}`` with 404 (unknown SKU or product, another user's line), 409 (more than the
stock, with ``available``; an ``Idempotency-Key`` reused for another request), 422 (a quantity
that is not a whole number from 1 to 99) or 429 (+ ``Retry-After``; ``MARQUE_RATE_LIMIT_CART``
changes per user). Prices are decimal strings with the ``currency``.

A change sent with an ``Idempotency-Key`` header is applied once: a retry with the same key
answers the stored response and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, StrictInt

from marque_app.domain.cart import MAX_LINE_QUANTITY, MAX_MERGE_LINES, CartError, GuestLine
from marque_app.services import cart, wishlist
from marque_app.services.cart_ops import claim_operation, find_operation, store_response
from marque_app.settings import get_settings
from marque_app.views.cart import CartLine

from .deps import CurrentUser, LimiterDep, SessionDep
from .errors import http_status
from .schemas import ErrorOut, RequestModel, model_of

MAX_KEY = 100


class CartRoute(APIRoute):
    """Answers a refused cart operation (:class:`CartError`) as JSON with its status."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def run(request: Request):
            try:
                return await handler(request)
            except CartError as err:
                return error_response(err)

        return run


def error_response(err: CartError) -> JSONResponse:
    body: dict[str, Any] = {"detail": err.message}
    if err.field:
        body["field"] = err.field
    if err.available is not None:
        body["available"] = err.available
    headers = {"WWW-Authenticate": "Bearer"} if http_status(err) == 401 else None
    return JSONResponse(body, status_code=http_status(err), headers=headers)


# --- schemas ------------------------------------------------------------------------------------


class CartErrorOut(ErrorOut):
    """An error of the cart API; with 409, ``available``."""

    available: int | None = Field(None, description="With 409: how many the line may hold")


CartLineOut = model_of(
    CartLine,
    "CartLineOut",
    {
        "id": {"description": "The cart line's id (for PUT/DELETE /cart/items/{item_id})"},
        "variant_label": {"examples": ["M / Navy"]},
        "unit_price": {"description": "The current price", "examples": ["24.00"]},
        "price_seen": {"description": "The price when the line was added"},
        "price_change": {"description": '"up", "down" or ""'},
        "available": {"description": "How many this line may hold (stock, at most 99)"},
    },
)


class CartOut(BaseModel):
    items: list[CartLineOut]
    total_items: int
    subtotal: str = Field(examples=["48.00"])
    tax: str
    shipping: str
    total: str
    currency: str = Field(examples=["USD"])
    messages: list[str] = Field(description="Findings: price changes, sold-out or short lines")
    message: str = Field("", examples=["Added"])


class WishlistVariantOut(BaseModel):
    sku_id: str
    label: str = Field(examples=["M / Navy"])
    stock_label: str = Field(examples=["Only 2 left"])
    is_sold_out: bool


class WishlistItemOut(BaseModel):
    product_id: str
    slug: str
    name: str
    brand: str
    image_url: str
    price: str
    is_sold_out: bool
    default_sku_id: str
    variants: list[WishlistVariantOut] = Field(
        default_factory=list, description="With more than one, name the chosen one as sku_id to move-to-cart"
    )


class WishlistOut(BaseModel):
    items: list[WishlistItemOut]
    total_items: int
    message: str = ""


class MergeOutcomeOut(BaseModel):
    added: int
    increased: int
    reduced: list[tuple[str, int]]
    dropped: list[str]
    wishlist_added: int


class MergeOut(BaseModel):
    cart: CartOut
    wishlist: WishlistOut
    outcome: MergeOutcomeOut
    message: str = Field(examples=["3 items added to your cart; 1 reduced to the 2 in stock"])
    already_applied: bool = Field(description="True when this merge id was applied before")


class MoveOut(BaseModel):
    cart: CartOut
    wishlist: WishlistOut
    message: str = "Moved to cart"


Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_LINE_QUANTITY, description="A whole number from 1 to 99")]


class AddItemRequest(RequestModel):
    sku_id: str = Field(min_length=1, max_length=64, description="A product variant's id")
    quantity: Quantity = 1


class SetQuantityRequest(RequestModel):
    quantity: Quantity


class GuestLineIn(RequestModel):
    sku_id: str = Field(max_length=64)
    quantity: StrictInt = Field(description="Lines below 1 are dropped; above 99 capped")
    price_seen: str = Field("", max_length=20)
    name: str = Field("", max_length=255)
    image: str = Field("", max_length=500)
    product_id: str = Field("", max_length=64)
    added_at: str = Field("", max_length=40)


class MergeRequest(RequestModel):
    merge_id: str = Field(min_length=1, max_length=100, description="Made by the client; applied once")
    lines: list[GuestLineIn] = Field(default_factory=list, max_length=MAX_MERGE_LINES)
    wishlist: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=MAX_MERGE_LINES)


class WishlistAddRequest(RequestModel):
    product_id: str = Field(min_length=1, max_length=64)


class MoveToCartRequest(RequestModel):
    sku_id: str | None = Field(
        None,
        max_length=64,
        description="The variant chosen (one of the item's `variants`): required when the product has more than "
        "one (else 422 naming `sku_id`); a one-variant product may leave it out",
    )


ERRORS = {
    401: {"model": CartErrorOut, "description": "No or an invalid bearer token"},
    404: {"model": CartErrorOut, "description": "Unknown SKU or product, or not this user's line"},
    409: {"model": CartErrorOut, "description": "More than the stock (with `available`), or an Idempotency-Key reused"},
    422: {
        "model": CartErrorOut,
        "description": "A quantity that is not a whole number from 1 to 99, or a malformed body",
    },
    429: {"model": CartErrorOut, "description": "Too many cart changes (`Retry-After`)"},
}

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Makes a retried request safe: applied once, same answer"),
]


# --- helpers ------------------------------------------------------------------------------------


def cart_limit(user: CurrentUser, limiter: LimiterDep) -> None:
    """Count a cart or wishlist change against the user's limit (429 + Retry-After when full)."""
    limiter.check("cart", [f"user:{user.id}"], get_settings().rate_limit_cart, message="Too many cart changes")


Limited = [Depends(cart_limit)]


def cart_body(view: cart.CartView, message: str = "") -> dict:
    return {**view.as_dict(), "message": message}


def wishlist_body(view: wishlist.WishlistView, message: str = "") -> dict:
    return {"items": [asdict(item) for item in view.items], "total_items": view.total, "message": message}


def _hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def idempotent(
    *,
    session,
    user_id,
    key: str | None,
    body: dict,
    run: Callable[[str | None, str], dict],
    status: int = 200,
) -> JSONResponse:
    """Run ``run(op_id, request_hash)`` once per ``Idempotency-Key``; a retry gets the stored answer."""
    if key is None:
        return JSONResponse(run(None, ""), status_code=status)
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        raise CartError("invalid", f"Idempotency-Key must be 1 to {MAX_KEY} characters", field="Idempotency-Key")
    op_id, request_hash = f"key:{key}", _hash(body)
    stored = find_operation(session, user_id=user_id, op_id=op_id)
    if stored is not None:
        if stored.request_hash != request_hash:
            raise CartError(
                "conflict",
                "This Idempotency-Key was already used for a different request",
                field="Idempotency-Key",
            )
        if stored.response is not None:
            return JSONResponse(
                stored.response, status_code=stored.status_code or status, headers={"Idempotent-Replayed": "true"}
            )
    session.rollback()  # end the read transaction before the change
    content = run(op_id, request_hash)
    claim_operation(session, user_id=user_id, op_id=op_id, kind="response", request_hash=request_hash)
    store_response(session, user_id=user_id, op_id=op_id, response=content, status_code=status)
    session.commit()
    return JSONResponse(content, status_code=status)


# --- cart ---------------------------------------------------------------------------------------

router = APIRouter(prefix="/api/v1", route_class=CartRoute, responses=ERRORS)
CART = ["cart"]
WISH = ["wishlist"]


@router.get("/cart", tags=CART, response_model=CartOut, summary="The caller's cart with totals")
def get_cart(user: CurrentUser, session: SessionDep) -> JSONResponse:
    return JSONResponse(cart_body(cart.get_cart(session=session, user_id=user.id)))


@router.get(
    "/cart/validate",
    tags=CART,
    response_model=CartOut,
    summary="The cart with its findings: price changes since added, sold-out or short lines",
)
def validate_cart(user: CurrentUser, session: SessionDep) -> JSONResponse:
    return JSONResponse(cart_body(cart.validate_cart(session=session, user_id=user.id)))


@router.post(
    "/cart/items",
    tags=CART,
    response_model=CartOut,
    dependencies=Limited,
    summary="Add a SKU (to its line when there is one); refused above the stock",
)
def add_item(body: AddItemRequest, user: CurrentUser, session: SessionDep, key: IdempotencyKey = None) -> JSONResponse:
    def run(op_id, request_hash):
        view = cart.add_item(
            session=session,
            user_id=user.id,
            sku_id=body.sku_id,
            quantity=body.quantity,
            op_id=op_id,
            request_hash=request_hash,
        )
        return cart_body(view, "Added")

    return idempotent(session=session, user_id=user.id, key=key, body=body.model_dump(), run=run)


@router.put(
    "/cart/items/{item_id}", tags=CART, response_model=CartOut, dependencies=Limited, summary="Set a line's quantity"
)
def set_quantity(
    item_id: str, body: SetQuantityRequest, user: CurrentUser, session: SessionDep, key: IdempotencyKey = None
) -> JSONResponse:
    def run(op_id, request_hash):
        view = cart.set_quantity(
            session=session,
            user_id=user.id,
            item_id=item_id,
            quantity=body.quantity,
            op_id=op_id,
            request_hash=request_hash,
        )
        return cart_body(view, "Updated")

    return idempotent(
        session=session, user_id=user.id, key=key, body={"item_id": item_id, **body.model_dump()}, run=run
    )


@router.delete(
    "/cart/items/{item_id}", tags=CART, response_model=CartOut, dependencies=Limited, summary="Remove a line"
)
def remove_item(item_id: str, user: CurrentUser, session: SessionDep, key: IdempotencyKey = None) -> JSONResponse:
    def run(op_id, request_hash):
        view = cart.remove_item(
            session=session, user_id=user.id, item_id=item_id, op_id=op_id, request_hash=request_hash
        )
        return cart_body(view, "Removed")

    return idempotent(session=session, user_id=user.id, key=key, body={"remove": item_id}, run=run)


@router.delete("/cart", tags=CART, response_model=CartOut, dependencies=Limited, summary="Empty the cart")
def clear_cart(user: CurrentUser, session: SessionDep, key: IdempotencyKey = None) -> JSONResponse:
    def run(op_id, request_hash):
        view = cart.clear_cart(session=session, user_id=user.id, op_id=op_id, request_hash=request_hash)
        return cart_body(view, "Cart cleared")

    return idempotent(session=session, user_id=user.id, key=key, body={"clear": "cart"}, run=run)


@router.post(
    "/cart/merge",
    tags=CART,
    response_model=MergeOut,
    dependencies=Limited,
    summary="Merge a guest cart and wishlist after log-in (one transaction, once per merge_id)",
)
def merge(body: MergeRequest, user: CurrentUser, session: SessionDep, key: IdempotencyKey = None) -> JSONResponse:
    def run(_op_id, _request_hash):
        result = cart.merge_guest(
            session=session,
            user_id=user.id,
            merge_id=body.merge_id,
            lines=[GuestLine(**line.model_dump()) for line in body.lines],
            wishlist=body.wishlist,
        )
        return {
            "cart": cart_body(result.cart),
            "wishlist": wishlist_body(result.wishlist),
            "outcome": asdict(result.outcome),
            "message": result.message,
            "already_applied": result.already_applied,
        }

    return idempotent(session=session, user_id=user.id, key=key, body=body.model_dump(), run=run)


# --- wishlist -----------------------------------------------------------------------------------


@router.get("/wishlist", tags=WISH, response_model=WishlistOut, summary="The caller's wishlist")
def get_wishlist(user: CurrentUser, session: SessionDep) -> JSONResponse:
    return JSONResponse(wishlist_body(wishlist.get_wishlist(session=session, user_id=user.id)))


@router.post("/wishlist/items", tags=WISH, response_model=WishlistOut, dependencies=Limited, summary="Keep a product")
def add_to_wishlist(
    body: WishlistAddRequest, user: CurrentUser, session: SessionDep, key: IdempotencyKey = None
) -> JSONResponse:
    def run(op_id, request_hash):
        view = wishlist.add_to_wishlist(
            session=session, user_id=user.id, product_id=body.product_id, op_id=op_id, request_hash=request_hash
        )
        return wishlist_body(view, "Added")

    return idempotent(session=session, user_id=user.id, key=key, body=body.model_dump(), run=run)


@router.delete(
    "/wishlist/items/{product_id}",
    tags=WISH,
    response_model=WishlistOut,
    dependencies=Limited,
    summary="Forget a product",
)
def remove_from_wishlist(
    product_id: str, user: CurrentUser, session: SessionDep, key: IdempotencyKey = None
) -> JSONResponse:
    def run(op_id, request_hash):
        view = wishlist.remove_from_wishlist(
            session=session, user_id=user.id, product_id=product_id, op_id=op_id, request_hash=request_hash
        )
        return wishlist_body(view, "Removed")

    return idempotent(session=session, user_id=user.id, key=key, body={"remove": product_id}, run=run)


@router.delete("/wishlist", tags=WISH, response_model=WishlistOut, dependencies=Limited, summary="Empty the wishlist")
def clear_wishlist(user: CurrentUser, session: SessionDep, key: IdempotencyKey = None) -> JSONResponse:
    def run(op_id, request_hash):
        view = wishlist.clear_wishlist(session=session, user_id=user.id, op_id=op_id, request_hash=request_hash)
        return wishlist_body(view, "Wishlist cleared")

    return idempotent(session=session, user_id=user.id, key=key, body={"clear": "wishlist"}, run=run)


@router.post(
    "/wishlist/items/{product_id}/move-to-cart",
    tags=WISH,
    response_model=MoveOut,
    dependencies=Limited,
    summary="Put one in the cart (stock checked), then off the wishlist",
)
def move_to_cart(
    product_id: str,
    user: CurrentUser,
    session: SessionDep,
    body: MoveToCartRequest | None = None,
    key: IdempotencyKey = None,
) -> JSONResponse:
    sku_id = body.sku_id if body else None

    def run(op_id, request_hash):
        cart_view, wish_view = wishlist.move_to_cart(
            session=session,
            user_id=user.id,
            product_id=product_id,
            sku_id=sku_id,
            op_id=op_id,
            request_hash=request_hash,
        )
        return {"cart": cart_body(cart_view), "wishlist": wishlist_body(wish_view), "message": "Moved to cart"}

    return idempotent(session=session, user_id=user.id, key=key, body={"move": product_id, "sku_id": sku_id}, run=run)
