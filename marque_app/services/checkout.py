"""Checkout: the quote (what will be charged) and placing the order in one transaction.

CONTRACT READY

Shared by the Reflex states and the REST API. Every function takes its collaborators as keyword
arguments: ``session`` (a SQLModel session), ``now`` (tests; default UTC now), ``settings``
(default ``get_settings()``: ``tax_rate``, ``shipping_flat``, ``free_shipping_over``,
``currency``), ``sms``/``mailer`` (the log-in issue's senders: ``auth.get_sms_sender()``,
``auth.get_email_sender()``; None sends nothing). Money is ``Decimal`` everywhere;
``to_dict()`` on the results gives JSON-ready dicts (amounts as "24.00" strings) for state vars.
Failures raise :class:`CheckoutError` subclasses (from ``marque_app.domain.checkout``) with a
toast-ready ``message``, the form ``field`` at fault and the HTTP ``status``:

    InvalidCheckout (422)   missing address field (field="shipping_address.city"), bad e-mail
                            (field="guest_email"), unknown shipping method (field="shipping_method"),
                            unknown payment method, empty cart (field="lines")
    CouponInvalid (422)     field="coupon_code", .reason: unknown | inactive | not_started |
                            expired | used_up | customer_limit | below_minimum
    SoldOut (409)           .items: [SoldOutItem(sku_id, name, requested, available)]
    PriceChanged (409)      .quote: the new Quote to show and confirm, .expected, .actual
    CheckoutUnauthorized (401)  the user id is unknown (account deleted)

A refused checkout writes nothing. API::

    from marque_app.services import checkout

    checkout.list_shipping_methods(settings=None) -> list[ShippingOption]   # costs before threshold
    checkout.quote_checkout(
        session=, user_id=<uuid|str|None>, guest_lines=[GuestLine(...)] | None,
        shipping_method="standard", coupon_code="", guest_email="", shipping_country="US",
        settings=None, now=None,
    ) -> Quote(lines: [QuoteLine], subtotal, discount, shipping, tax, tax_rate, total, currency,
               shipping_method, shipping_methods: [ShippingOption(code, name, days, cost, selected)],
               coupon: CouponInfo | None, coupon_error: str, problems: [Problem(kind, sku_id,
               message)], item_count, can_place)
        # a logged-in user's cart comes from the database (user_id given, guest_lines ignored);
        # a guest's from guest_lines. A bad coupon does not raise here: coupon=None and
        # coupon_error="The coupon X has expired". Problems: sold_out, short, price_changed,
        # unavailable. can_place is False when a line is sold out/short/unavailable.
    checkout.place_order(
        session=, user_id=None, guest_email=None, guest_lines=None,
        shipping_address={first_name, last_name, address_line_1, address_line_2?, city, state,
                          postal_code, country="US", phone?, company?},
        billing_address=None (same as shipping), save_address=False, shipping_method="standard",
        coupon_code="", payment_method="cod" | "stripe", expected_total=Decimal | None,
        idempotency_key=None, notes="", sms=None, mailer=None, now=None, settings=None,
    ) -> orders.OrderDetail
        # one transaction: stock re-checked and taken under row locks (never oversells), prices
        # re-checked (expected_total differs -> PriceChanged with the new quote), order + lines
        # with a product snapshot + inventory movements ("sale") + coupon usage + a pending
        # Payment row (method as given) + the first timeline entry; the user's cart emptied.
        # The same idempotency_key from the same customer returns the first order (no second
        # order, no second stock decrement), also when two requests race.
        # expected_total=None skips the price confirmation (API clients that do not quote).
    checkout.validate_address(data: dict, *, prefix="shipping_address") -> dict   # InvalidCheckout

Coupons alone: ``marque_app.services.coupons.validate_coupon``. Orders after placing:
``marque_app.services.orders``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from marque_app.domain.cart import GuestLine
from marque_app.domain.checkout import (
    CheckoutError,
    CheckoutUnauthorized,
    CouponInvalid,
    InvalidCheckout,
    OrderConflict,
    OrderNotFound,
    PriceChanged,
    SoldOut,
    SoldOutItem,
)
from marque_app.settings import Settings

__all__ = [
    "CheckoutError", "CheckoutUnauthorized", "CouponInfo", "CouponInvalid", "GuestLine", "InvalidCheckout",
    "OrderConflict", "OrderNotFound", "PriceChanged", "Problem", "Quote", "QuoteLine", "ShippingOption",
    "SoldOut", "SoldOutItem", "list_shipping_methods", "place_order", "quote_checkout", "validate_address",
]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


class _Dict:
    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class QuoteLine(_Dict):
    sku_id: str
    product_id: str
    product_slug: str
    name: str
    variant_label: str  # "M / Navy"
    sku: str  # the SKU code
    image_url: str
    quantity: int
    unit_price: Decimal  # the current price
    line_total: Decimal
    available: int  # units on hand (99 when the product is not tracked)
    price_seen: Decimal | None = None  # what the cart showed
    price_change: str = ""  # "up", "down" or ""
    is_sold_out: bool = False
    is_short: bool = False  # fewer in stock than the quantity

    @property
    def price_changed(self) -> bool:
        return bool(self.price_change)


@dataclass(frozen=True)
class ShippingOption(_Dict):
    code: str  # "standard", "express"
    name: str
    days: str  # "3-5 business days"
    cost: Decimal  # for this order (0 when free)
    selected: bool = False


@dataclass(frozen=True)
class CouponInfo(_Dict):
    code: str
    type: str  # percentage | fixed_amount | free_shipping
    name: str
    discount: Decimal  # off the subtotal
    free_shipping: bool
    message: str  # "SAVE10: -$5.00"


@dataclass(frozen=True)
class Problem(_Dict):
    kind: str  # sold_out | short | price_changed | unavailable
    sku_id: str
    message: str


@dataclass(frozen=True)
class Quote(_Dict):
    lines: list[QuoteLine] = field(default_factory=list)
    subtotal: Decimal = Decimal("0.00")
    discount: Decimal = Decimal("0.00")
    shipping: Decimal = Decimal("0.00")
    tax: Decimal = Decimal("0.00")
    tax_rate: Decimal = Decimal("0")
    total: Decimal = Decimal("0.00")
    currency: str = "USD"
    shipping_method: str = "standard"
    shipping_methods: list[ShippingOption] = field(default_factory=list)
    coupon: CouponInfo | None = None
    coupon_error: str = ""
    problems: list[Problem] = field(default_factory=list)
    item_count: int = 0
    can_place: bool = False


def list_shipping_methods(*, settings: Settings | None = None) -> list[ShippingOption]:
    """The shipping methods with their base cost (before the free-shipping threshold)."""
    raise NotImplementedError


def validate_address(data: dict[str, Any] | None, *, prefix: str = "shipping_address") -> dict[str, Any]:
    """An order address trimmed and checked (the address book's rules).

    Raises:
        InvalidCheckout: a required field missing or too long; ``field`` is
            ``"<prefix>.<name>"`` (e.g. ``"shipping_address.city"``).
    """
    raise NotImplementedError


def quote_checkout(
    *,
    session,
    user_id=None,
    guest_lines: list[GuestLine] | None = None,
    shipping_method: str = "standard",
    coupon_code: str | None = "",
    guest_email: str | None = "",
    shipping_country: str = "US",
    settings: Settings | None = None,
    now: datetime | None = None,
) -> Quote:
    """What the checkout will charge now (reads only)."""
    raise NotImplementedError


def place_order(
    *,
    session,
    user_id=None,
    guest_email: str | None = None,
    guest_lines: list[GuestLine] | None = None,
    shipping_address: dict[str, Any] | None = None,
    billing_address: dict[str, Any] | None = None,
    save_address: bool = False,
    shipping_method: str = "standard",
    coupon_code: str | None = "",
    payment_method: str = "cod",
    expected_total: Decimal | None = None,
    idempotency_key: str | None = None,
    notes: str = "",
    sms=None,
    mailer=None,
    now: datetime | None = None,
    settings: Settings | None = None,
):
    """Place the order (see the module docstring). Returns ``orders.OrderDetail``."""
    raise NotImplementedError
