"""Checkout rules: shipping methods, coupon maths and eligibility, totals, and checkout errors.

Standard library only. Money is ``Decimal`` rounded half-up to the cent; never a float.

Totals (:func:`checkout_totals`): ``subtotal`` is the sum of the lines; the coupon's
``discount`` comes off the subtotal (never more than it); ``shipping`` is the method's cost
(standard is free at or above ``free_shipping_over`` of the subtotal, and a free-shipping coupon
makes any method free); ``tax`` is ``tax_rate`` times (subtotal - discount); ``total`` is
subtotal - discount + shipping + tax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from marque_app.domain.errors import DomainError
from marque_app.domain.money import format_money

CENTS = Decimal("0.01")
ZERO = Decimal("0.00")

PERCENTAGE = "percentage"
FIXED_AMOUNT = "fixed_amount"
FREE_SHIPPING = "free_shipping"
COUPON_TYPES = (PERCENTAGE, FIXED_AMOUNT, FREE_SHIPPING)

PAYMENT_METHODS = ("cod", "stripe", "paypal")
#: how the shopper and the admin read each method
PAYMENT_METHOD_LABELS = {"cod": "Cash on delivery", "stripe": "Card", "paypal": "PayPal"}
MAX_ORDER_LINES = 200
MAX_IDEMPOTENCY_KEY = 100


def cents(amount: Decimal | int | str) -> Decimal:
    if isinstance(amount, float):
        raise TypeError("money must be Decimal, int or str, never float")
    return Decimal(amount).quantize(CENTS, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# Errors


class CheckoutError(DomainError):
    """A refused checkout or order operation, with a message fit for a toast.

    Attributes:
        kind: ``invalid``, ``not_found``, ``sold_out``, ``price_changed``, ``coupon``,
            ``conflict``, ``rate_limited`` or ``unauthorized``.
        message: words for the shopper.
        field: the form/request field at fault, "" when none.
    """

    kind = "invalid"

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidCheckout(CheckoutError):
    """Bad input: a missing address field, an unknown shipping method, an empty cart: 422."""


class OrderNotFound(CheckoutError):
    """No such order for this customer (another customer's order answers the same): 404."""

    kind = "not_found"

    def __init__(self, message: str = "Order not found", *, field: str = "order") -> None:
        super().__init__(message, field=field)


class CheckoutUnauthorized(CheckoutError):
    """Not logged in (or the account is gone) where an account is needed: 401."""

    kind = "unauthorized"


class OrderConflict(CheckoutError):
    """The order's status does not allow this (cancel a shipped order, ...): 409."""

    kind = "conflict"


class CheckoutRateLimited(CheckoutError):
    """Too many checkout attempts from this user or guest address: 429, ``retry_after`` seconds."""

    kind = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        minutes = -(-self.retry_after // 60)  # ceil: never "0 minutes"
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(f"Too many checkout attempts, try again in {minutes} {unit}")


@dataclass(frozen=True)
class SoldOutItem:
    sku_id: str
    name: str
    requested: int
    available: int


class SoldOut(CheckoutError):
    """One or more lines are sold out or short since the cart was shown: 409.

    ``items`` lists each short line with how many are left; nothing was written.
    """

    kind = "sold_out"

    def __init__(self, items: list[SoldOutItem], message: str = "") -> None:
        self.items = list(items)
        if not message:
            message = sold_out_message(self.items)
        super().__init__(message, field="lines")


class PriceChanged(CheckoutError):
    """The total differs from ``expected_total``: 409, carrying the new quote to confirm.

    ``quote`` is a :class:`marque_app.services.checkout.Quote`; nothing was written.
    """

    kind = "price_changed"

    def __init__(self, quote: Any, *, expected: Decimal, actual: Decimal, currency: str = "USD") -> None:
        self.quote = quote
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"The total changed from {format_money(expected, currency)} to {format_money(actual, currency)}; "
            "please review and confirm the new total",
            field="expected_total",
        )


class CouponInvalid(CheckoutError):
    """The coupon cannot be used: 422 with ``reason`` (unknown, inactive, not_started, expired,
    used_up, customer_limit, below_minimum) and ``field="coupon_code"``."""

    kind = "coupon"

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message, field="coupon_code")


def sold_out_message(items: list[SoldOutItem]) -> str:
    parts = []
    for item in items[:3]:
        if item.available <= 0:
            parts.append(f"{item.name} is sold out")
        else:
            parts.append(f"only {item.available} of {item.name} left")
    more = len(items) - 3
    text = "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
    return (text[:1].upper() + text[1:]) if text else "Some items are sold out"


# --------------------------------------------------------------------------------------------
# Shipping


@dataclass(frozen=True)
class ShippingMethod:
    code: str
    name: str
    cost: Decimal  # before the free-shipping threshold and coupons
    days: str
    free_over_threshold: bool = False  # free when the subtotal reaches free_shipping_over


def shipping_methods(*, shipping_flat: Decimal, express_cost: Decimal = Decimal("14.99")) -> list[ShippingMethod]:
    """The shipping methods offered, cheapest first."""
    return [
        ShippingMethod("standard", "Standard", cents(shipping_flat), "3-5 business days", free_over_threshold=True),
        ShippingMethod("express", "Express", cents(express_cost), "1-2 business days"),
    ]


def shipping_cost(
    method: ShippingMethod, *, subtotal: Decimal, free_shipping_over: Decimal, free_shipping_coupon: bool = False
) -> Decimal:
    """What ``method`` costs for this subtotal: 0 for an empty order or a free-shipping coupon."""
    if subtotal <= 0 or free_shipping_coupon:
        return ZERO
    if method.free_over_threshold and subtotal >= Decimal(free_shipping_over):
        return ZERO
    return cents(method.cost)


# --------------------------------------------------------------------------------------------
# Coupons


@dataclass(frozen=True)
class CouponTerms:
    """The parts of a coupon that decide whether and how much it applies."""

    code: str
    type: str
    value: Decimal
    minimum_order_amount: Decimal | None = None
    maximum_discount_amount: Decimal | None = None
    usage_limit: int | None = None
    usage_limit_per_customer: int | None = None
    used_count: int = 0
    starts_at: datetime | None = None
    expires_at: datetime | None = None
    is_active: bool = True


@dataclass(frozen=True)
class CouponEffect:
    discount: Decimal  # off the subtotal
    free_shipping: bool


def coupon_effect(terms: CouponTerms, *, subtotal: Decimal) -> CouponEffect:
    """The discount of an applicable coupon.

    Percentage: ``value`` % of the subtotal, at most ``maximum_discount_amount``. Fixed amount:
    ``value``. Either is never more than the subtotal. Free shipping: no discount, shipping free.
    """
    subtotal = cents(subtotal)
    if terms.type == FREE_SHIPPING:
        return CouponEffect(ZERO, True)
    if terms.type == PERCENTAGE:
        discount = cents(subtotal * Decimal(terms.value) / Decimal(100))
        if terms.maximum_discount_amount is not None:
            discount = min(discount, cents(terms.maximum_discount_amount))
    elif terms.type == FIXED_AMOUNT:
        discount = cents(terms.value)
        if terms.maximum_discount_amount is not None:
            discount = min(discount, cents(terms.maximum_discount_amount))
    else:
        raise ValueError(f"unknown coupon type {terms.type!r}")
    return CouponEffect(max(min(discount, subtotal), ZERO), False)


def coupon_problem(
    terms: CouponTerms, *, subtotal: Decimal, now: datetime, used_by_customer: int = 0, currency: str = "USD"
) -> CouponInvalid | None:
    """Why the coupon cannot be used now for this subtotal, or None when it can."""
    code = terms.code
    if not terms.is_active:
        return CouponInvalid("inactive", f"The coupon {code} is no longer active")
    if terms.starts_at is not None and now < terms.starts_at:
        return CouponInvalid("not_started", f"The coupon {code} is not valid yet")
    if terms.expires_at is not None and now >= terms.expires_at:
        return CouponInvalid("expired", f"The coupon {code} has expired")
    if terms.usage_limit is not None and terms.used_count >= terms.usage_limit:
        return CouponInvalid("used_up", f"The coupon {code} has been used up")
    if terms.usage_limit_per_customer is not None and used_by_customer >= terms.usage_limit_per_customer:
        return CouponInvalid("customer_limit", f"You have already used the coupon {code}")
    if terms.minimum_order_amount is not None and cents(subtotal) < cents(terms.minimum_order_amount):
        short = cents(terms.minimum_order_amount) - cents(subtotal)
        return CouponInvalid(
            "below_minimum",
            f"Spend {format_money(short, currency)} more to use {code} "
            f"(minimum order {format_money(terms.minimum_order_amount, currency)})",
        )
    return None


def normalize_code(code: str | None) -> str:
    """Coupon codes are matched case-insensitively, stored upper-case, spaces trimmed."""
    return (code or "").strip().upper()


# --------------------------------------------------------------------------------------------
# Totals


@dataclass(frozen=True)
class CheckoutTotals:
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    items: int = 0
    free_shipping: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def checkout_totals(
    lines: list[tuple[Decimal, int]],
    *,
    method: ShippingMethod,
    tax_rate: Decimal,
    free_shipping_over: Decimal,
    coupon: CouponTerms | None = None,
) -> CheckoutTotals:
    """Totals of ``(unit_price, quantity)`` lines with a shipping method and an applicable coupon."""
    for price, _ in lines:
        if isinstance(price, float):
            raise TypeError("money must be Decimal, int or str, never float")
    subtotal = cents(sum((Decimal(price) * qty for price, qty in lines), Decimal("0")))
    effect = coupon_effect(coupon, subtotal=subtotal) if coupon is not None else CouponEffect(ZERO, False)
    shipping = shipping_cost(
        method, subtotal=subtotal, free_shipping_over=free_shipping_over, free_shipping_coupon=effect.free_shipping
    )
    taxable = subtotal - effect.discount
    tax = cents(taxable * Decimal(tax_rate))
    return CheckoutTotals(
        subtotal=subtotal,
        discount=effect.discount,
        shipping=shipping,
        tax=tax,
        total=taxable + shipping + tax,
        items=sum(qty for _, qty in lines),
        free_shipping=effect.free_shipping,
    )


def email_problem(email: str | None) -> str:
    """What is wrong with a guest's e-mail: ``""`` (nothing), ``"missing"`` or ``"shape"``."""
    value = (email or "").strip().lower()
    if not value:
        return "missing"
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or len(value) > 255:
        return "shape"
    return ""


def check_email(email: str | None) -> str:
    """A guest's e-mail trimmed and lower-cased.

    Raises:
        InvalidCheckout: empty or not shaped like an address (``field="guest_email"``).
    """
    if email_problem(email):
        raise InvalidCheckout("Enter a valid e-mail address", field="guest_email")
    return (email or "").strip().lower()


def free_shipping_note(subtotal: Decimal, *, threshold: Decimal, currency: str, has_lines: bool = True) -> str:
    """What the checkout says below the shipping choice: how much more makes standard shipping
    free ("" once it is, or with nothing to buy)."""
    if not has_lines or subtotal >= threshold:
        return ""
    return (
        f"Standard shipping is free on orders over {format_money(threshold, currency)}: "
        f"add {format_money(threshold - subtotal, currency)} more."
    )


def check_idempotency_key(key: str | None) -> str | None:
    if key is None or key == "":
        return None
    if not isinstance(key, str) or not key.strip() or len(key.strip()) > MAX_IDEMPOTENCY_KEY:
        raise InvalidCheckout(f"An idempotency key is 1 to {MAX_IDEMPOTENCY_KEY} characters", field="idempotency_key")
    return key.strip()
