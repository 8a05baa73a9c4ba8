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
    CheckoutRateLimited (429)  .retry_after: MARQUE_RATE_LIMIT_CHECKOUT reached (``limiter=`` given)
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

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marque_app.domain.cart import (
    MAX_LINE_QUANTITY,
    CartError,
    GuestLine,
    capped_sum,
    is_line_quantity,
    normalize_uuid,
    parse_price,
    price_change,
)
from marque_app.domain.checkout import (
    MAX_ORDER_LINES,
    PAYMENT_METHODS,
    CheckoutError,
    CheckoutRateLimited,
    CheckoutUnauthorized,
    CouponInvalid,
    CouponTerms,
    InvalidCheckout,
    OrderConflict,
    OrderNotFound,
    PriceChanged,
    ShippingMethod,
    SoldOut,
    SoldOutItem,
    cents,
    check_email,
    check_idempotency_key,
    checkout_totals,
    normalize_code,
    shipping_cost,
    shipping_methods,
)
from marque_app.domain.orders import PENDING, STATUS_LABELS, make_order_number, placement_note
from marque_app.models import (
    Address,
    CartItem,
    Coupon,
    CouponUsage,
    InventoryMovement,
    Order,
    OrderItem,
    OrderStatusHistory,
    Payment,
)
from marque_app.models.enums import OrderStatus, PaymentStatus
from marque_app.models.types import utcnow
from marque_app.services.addresses import validate_order_address as validate_address
from marque_app.services.cart_ops import dialect_insert, lock_user
from marque_app.services.skus import Sku as _Sku
from marque_app.services.skus import first_images, load_skus, take_units
from marque_app.settings import Settings, get_settings
from marque_app.views.base import JsonView

log = logging.getLogger("marque.checkout")

__all__ = [
    "CheckoutError",
    "CheckoutUnauthorized",
    "CouponInfo",
    "CouponInvalid",
    "GuestLine",
    "InvalidCheckout",
    "OrderConflict",
    "OrderNotFound",
    "PriceChanged",
    "Problem",
    "Quote",
    "QuoteLine",
    "ShippingOption",
    "SoldOut",
    "SoldOutItem",
    "list_shipping_methods",
    "place_order",
    "quote_checkout",
    "validate_address",
]


@dataclass(frozen=True)
class QuoteLine(JsonView):
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
class ShippingOption(JsonView):
    code: str  # "standard", "express"
    name: str
    days: str  # "3-5 business days"
    cost: Decimal  # for this order (0 when free)
    selected: bool = False


@dataclass(frozen=True)
class CouponInfo(JsonView):
    code: str
    type: str  # percentage | fixed_amount | free_shipping
    name: str
    discount: Decimal  # off the subtotal
    free_shipping: bool
    message: str  # "SAVE10: -$5.00"


@dataclass(frozen=True)
class Problem(JsonView):
    kind: str  # sold_out | short | price_changed | unavailable
    sku_id: str
    message: str


@dataclass(frozen=True)
class Quote(JsonView):
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


# --------------------------------------------------------------------------------------------
# Inputs


def _settings(settings: Settings | None) -> Settings:
    return settings or get_settings()


def _methods(s: Settings) -> list[ShippingMethod]:
    return shipping_methods(shipping_flat=s.shipping_flat, express_cost=s.shipping_express)


def _method(code: str | None, s: Settings) -> ShippingMethod:
    wanted = (code or "standard").strip().lower()
    for method in _methods(s):
        if method.code == wanted:
            return method
    raise InvalidCheckout("Choose a shipping method", field="shipping_method")


def list_shipping_methods(*, settings: Settings | None = None) -> list[ShippingOption]:
    """The shipping methods with their base cost (before the free-shipping threshold)."""
    return [ShippingOption(m.code, m.name, m.days, m.cost) for m in _methods(_settings(settings))]


def _user_uuid(user_id) -> uuid.UUID:
    if isinstance(user_id, uuid.UUID):
        return user_id
    norm = normalize_uuid(str(user_id)) if user_id is not None else ""
    if not norm:
        raise CheckoutUnauthorized("Session expired, please log in")
    return uuid.UUID(norm)


def _expected(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise InvalidCheckout("The expected total must be a decimal string, not a float", field="expected_total")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidCheckout("The expected total is not an amount", field="expected_total") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidCheckout("The expected total is not an amount", field="expected_total")
    return cents(amount)


@dataclass(slots=True)
class _Want:
    """One line to buy: a SKU, a quantity, what the shopper saw."""

    sku_id: str
    quantity: int
    price_seen: Decimal | None
    name: str = ""


def _guest_wants(lines: Iterable[GuestLine] | None, *, strict: bool) -> list[_Want]:
    out: dict[str, _Want] = {}
    for line in lines or []:
        quantity = line.quantity
        if not is_line_quantity(quantity):
            if strict:
                raise InvalidCheckout(f"A quantity is 1 to {MAX_LINE_QUANTITY}", field="lines")
            continue
        sku = normalize_uuid(line.sku_id) if isinstance(line.sku_id, str) else ""
        if not sku:
            if strict:
                raise InvalidCheckout("A line names an unknown product", field="lines")
            continue
        if sku in out:
            out[sku].quantity = capped_sum(out[sku].quantity, quantity)
        else:
            out[sku] = _Want(sku, quantity, parse_price(line.price_seen), line.name or "")
    if len(out) > MAX_ORDER_LINES:
        raise InvalidCheckout(f"At most {MAX_ORDER_LINES} different items per order", field="lines")
    return list(out.values())


def _cart_wants(session: Session, uid: uuid.UUID) -> list[_Want]:
    rows = session.execute(
        sa.select(CartItem.product_variant_id, CartItem.quantity, CartItem.unit_price)
        .where(CartItem.user_id == uid)
        .order_by(CartItem.added_at, CartItem.id)
    ).all()
    out: dict[str, _Want] = {}
    for sku, quantity, price in rows:
        if sku is None:
            continue
        key = str(sku)
        if key in out:
            out[key].quantity += quantity
        else:
            out[key] = _Want(key, quantity, price)
    return list(out.values())


# --------------------------------------------------------------------------------------------
# SKUs


def _skus(session: Session, ids: Iterable[str], *, lock: bool) -> dict[str, _Sku]:
    """The SKUs by id string (:func:`marque_app.services.skus.load_skus`; ``lock`` takes their rows)."""
    return {str(k): v for k, v in load_skus(session, (uuid.UUID(i) for i in ids), lock=lock).items()}


# --------------------------------------------------------------------------------------------
# Quote


@dataclass
class _Priced:
    """A quote with what placing the order needs from it."""

    quote: Quote
    skus: dict[str, _Sku]
    wants: list[_Want]
    short: list[SoldOutItem]
    coupon: Coupon | None
    coupon_problem: CouponInvalid | None


def _price(
    session: Session,
    wants: list[_Want],
    skus: dict[str, _Sku],
    *,
    method: ShippingMethod,
    coupon_code: str | None,
    user_id: uuid.UUID | None,
    guest_email: str | None,
    s: Settings,
    now: datetime,
) -> _Priced:
    from marque_app.services import coupons as coupon_service

    images = first_images(session, (sku.product_id for sku in skus.values()))
    lines: list[QuoteLine] = []
    problems: list[Problem] = []
    short: list[SoldOutItem] = []
    for want in wants:
        sku = skus.get(want.sku_id)
        if sku is None or not sku.is_active:
            name = sku.product_name if sku else (want.name or "An item")
            problems.append(Problem("unavailable", want.sku_id, f"{name} is no longer available"))
            short.append(SoldOutItem(want.sku_id, name, want.quantity, 0))
            continue
        available = sku.available()
        sold_out = available <= 0
        is_short = not sold_out and want.quantity > available
        change = price_change(want.price_seen, sku.price)
        lines.append(
            QuoteLine(
                sku_id=want.sku_id,
                product_id=str(sku.product_id),
                product_slug=sku.slug,
                name=sku.product_name,
                variant_label=sku.label,
                sku=sku.sku,
                image_url=images.get(sku.product_id, ""),
                quantity=want.quantity,
                unit_price=cents(sku.price),
                line_total=cents(sku.price * want.quantity),
                available=available,
                price_seen=want.price_seen,
                price_change=change,
                is_sold_out=sold_out,
                is_short=is_short,
            )
        )
        if sold_out:
            problems.append(Problem("sold_out", want.sku_id, f"{sku.product_name} is sold out"))
            short.append(SoldOutItem(want.sku_id, sku.product_name, want.quantity, 0))
        elif is_short:
            problems.append(Problem("short", want.sku_id, f"Only {available} of {sku.product_name} left in stock"))
            short.append(SoldOutItem(want.sku_id, sku.product_name, want.quantity, available))
        if change:
            from marque_app.domain.money import format_money

            problems.append(
                Problem(
                    "price_changed",
                    want.sku_id,
                    f"The price of {sku.product_name} went {change} from "
                    f"{format_money(want.price_seen, s.currency)} to {format_money(sku.price, s.currency)}",
                )
            )
    priced = [(line.unit_price, line.quantity) for line in lines if not line.is_sold_out]
    subtotal = cents(sum((p * q for p, q in priced), Decimal("0")))
    coupon_row: Coupon | None = None
    coupon_info: CouponInfo | None = None
    problem: CouponInvalid | None = None
    code = normalize_code(coupon_code)
    terms: CouponTerms | None = None
    if code:
        try:
            coupon_row, check = coupon_service.check_coupon(
                session,
                code,
                subtotal=subtotal,
                user_id=user_id,
                guest_email=guest_email,
                now=now,
                currency=s.currency,
            )
            terms = coupon_service.terms_of(coupon_row)
            coupon_info = CouponInfo(
                check.code, check.type, check.name, check.discount, check.free_shipping, check.message
            )
        except CouponInvalid as err:
            problem = err
    totals = checkout_totals(
        priced, method=method, tax_rate=s.tax_rate, free_shipping_over=s.free_shipping_over, coupon=terms
    )
    options = [
        ShippingOption(
            m.code,
            m.name,
            m.days,
            shipping_cost(
                m,
                subtotal=totals.subtotal,
                free_shipping_over=s.free_shipping_over,
                free_shipping_coupon=totals.free_shipping,
            ),
            selected=m.code == method.code,
        )
        for m in _methods(s)
    ]
    quote = Quote(
        lines=lines,
        subtotal=totals.subtotal,
        discount=totals.discount,
        shipping=totals.shipping,
        tax=totals.tax,
        tax_rate=Decimal(s.tax_rate),
        total=totals.total,
        currency=s.currency,
        shipping_method=method.code,
        shipping_methods=options,
        coupon=coupon_info,
        coupon_error=problem.message if problem else "",
        problems=problems,
        item_count=sum(line.quantity for line in lines),
        can_place=bool(lines) and not short,
    )
    return _Priced(quote, skus, wants, short, coupon_row, problem)


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
    """What the checkout will charge now (reads only; a fixed number of queries).

    Raises:
        InvalidCheckout: unknown shipping method.
        CheckoutUnauthorized: a user id that is not a uuid.
    """
    s = _settings(settings)
    method = _method(shipping_method, s)
    email = (guest_email or "").strip().lower() or None
    if user_id is not None:
        uid = _user_uuid(user_id)
        wants = _cart_wants(session, uid)
    else:
        uid = None
        wants = _guest_wants(guest_lines, strict=False)
    skus = _skus(session, (w.sku_id for w in wants), lock=False)
    return _price(
        session,
        wants,
        skus,
        method=method,
        coupon_code=coupon_code,
        user_id=uid,
        guest_email=email,
        s=s,
        now=now or utcnow(),
    ).quote


# --------------------------------------------------------------------------------------------
# Placing the order


def _existing(session: Session, scoped_key: str | None) -> uuid.UUID | None:
    if not scoped_key:
        return None
    return session.execute(sa.select(Order.id).where(Order.idempotency_key == scoped_key)).scalar()


def _insert_order(session: Session, values: dict[str, Any], scoped_key: str | None) -> tuple[uuid.UUID | None, str]:
    """Insert the order with a fresh number; ``(None, "")`` when the idempotency key is taken.

    ``ON CONFLICT DO NOTHING`` covers both unique columns: a concurrent request with the same
    key waits for the first one here and then finds its order; a number that is taken (1 in
    ~887 million per order) is drawn again.
    """
    table = Order.__table__
    for _ in range(8):
        number = make_order_number()
        stmt = (
            dialect_insert(session, table)
            .values(**values, order_number=number)
            .on_conflict_do_nothing()
            .returning(table.c.id)
        )
        new_id = session.execute(stmt).scalar()
        if new_id is not None:
            return new_id, number
        if scoped_key and _existing(session, scoped_key) is not None:
            return None, ""
    raise CheckoutError("Could not number the order, please try again")


def _take_stock(session: Session, lines: list[QuoteLine], skus: dict[str, _Sku]) -> list[SoldOutItem]:
    """Take the stock of the tracked lines (:func:`services.skus.take_units`); the lines that
    could not be taken (the rows are locked already, so none is expected)."""
    if take_units(session, [(skus[line.sku_id], line.quantity) for line in lines]):
        return []
    tracked = [line for line in lines if skus[line.sku_id].track_inventory]
    fresh = _skus(session, (line.sku_id for line in tracked), lock=False)
    return [
        SoldOutItem(line.sku_id, line.name, line.quantity, fresh[line.sku_id].available())
        for line in tracked
        if fresh[line.sku_id].available() < line.quantity
    ] or [SoldOutItem(tracked[0].sku_id, tracked[0].name, tracked[0].quantity, 0)]


def _snapshot(line: QuoteLine, sku: _Sku) -> dict[str, Any]:
    return {
        "sku_id": line.sku_id,
        "sku": sku.sku,
        "product_id": line.product_id,
        "slug": sku.slug,
        "name": sku.product_name,
        "variant_name": sku.variant_name,
        "variant_label": line.variant_label,
        "attributes": sku.attributes or {},
        "image_url": line.image_url,
        "unit_price": str(line.unit_price),
    }


def _save_address(session: Session, uid: uuid.UUID, address: dict[str, Any], now: datetime) -> None:
    """Add the shipping address to the user's book unless the same one is there (two statements)."""
    rows = session.execute(sa.select(Address).where(Address.user_id == uid, Address.type == "shipping")).scalars().all()
    keys = ("first_name", "last_name", "address_line_1", "address_line_2", "city", "state", "postal_code", "country")
    for row in rows:
        if all((getattr(row, k) or "") == (address.get(k) or "") for k in keys):
            return
    values = {k: (address.get(k) or None) for k in (*keys, "company", "phone")}
    for k in ("first_name", "last_name", "address_line_1", "city", "state", "postal_code", "country"):
        values[k] = address.get(k) or ""
    session.execute(
        sa.insert(Address.__table__).values(
            id=uuid.uuid4(),
            user_id=uid,
            type="shipping",
            is_default=not any(r.is_default for r in rows),
            created_at=now,
            **values,
        )
    )


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
    limiter=None,
    client: str = "",
):
    """Place the order in one transaction (see the module docstring). Returns ``orders.OrderDetail``.

    ``limiter`` (a ``RateLimiter``; the API and the checkout page pass theirs) counts the attempt
    against ``MARQUE_RATE_LIMIT_CHECKOUT`` (:func:`check_checkout_limit`), once the input is valid.

    Statements: a fixed number whatever the number of lines (lock the user, the idempotency
    key, the cart, the SKUs locked, their images, the coupon and its usage, the order, one
    stock update per table, one insert per table of lines, movements, timeline, payment,
    coupon, the cart emptied).

    Raises:
        InvalidCheckout, CouponInvalid, SoldOut, PriceChanged, CheckoutUnauthorized.
    """
    from marque_app.services import orders as order_service

    s = _settings(settings)
    now = now or utcnow()
    order = _check_input(
        user_id=user_id,
        guest_email=guest_email,
        guest_lines=guest_lines,
        shipping_address=shipping_address,
        billing_address=billing_address,
        shipping_method=shipping_method,
        payment_method=payment_method,
        expected_total=expected_total,
        idempotency_key=idempotency_key,
        notes=notes,
        s=s,
    )
    if limiter is not None:
        check_checkout_limit(limiter=limiter, user_id=order.uid, client=client, settings=s)

    def done(order_id: uuid.UUID):
        return order_service.order_detail(session=session, order_id=order_id)

    try:
        wants, found = _load_lines(session, order)
        if found is not None:
            session.rollback()
            return done(found)
        skus = _skus(session, (w.sku_id for w in wants), lock=True)
        if order.uid is None:
            # A racing twin of this guest request waited on the SKU locks: its order is visible now.
            found = _existing(session, order.scoped_key)
            if found is not None:
                session.rollback()
                return done(found)
        priced = _check_prices_and_stock(session, order, wants, skus, coupon_code=coupon_code, s=s, now=now)
        quote = priced.quote
        order_id, number = _insert_order(session, _order_values(order, quote, s=s, now=now), order.scoped_key)
        if order_id is None:
            found = _existing(session, order.scoped_key)
            session.rollback()
            return done(found)
        short = _take_stock(session, quote.lines, skus)
        if short:
            raise SoldOut(short)
        _write_lines(session, order, quote, skus, order_id=order_id, number=number, now=now)
        _write_payment(session, order, quote, order_id=order_id, currency=s.currency, now=now)
        _use_coupon(session, order, priced, order_id=order_id, now=now)
        if order.uid is not None:
            session.execute(sa.delete(CartItem.__table__).where(CartItem.__table__.c.user_id == order.uid))
            if save_address:
                _save_address(session, order.uid, order.ship, now)
        session.commit()
    except IntegrityError:
        session.rollback()
        found = _existing(session, order.scoped_key)  # a twin with the same key won the race
        if found is not None:
            return done(found)
        raise
    except BaseException:
        session.rollback()
        raise
    _after_stock_change(skus, quote.lines)
    detail = done(order_id)
    notice = _notify_after_commit(session, order, number=number, sms=sms, mailer=mailer)
    # what the placement actually sent (an SMS, an e-mail or nothing): the confirmation says so,
    # and the order keeps it for a later visit (without senders nothing was tried: not recorded)
    channel, to = ("none", "") if notice is None or not notice.channel else (notice.channel, notice.to)
    if notice is not None:
        _record_sent(session, order_id, channel, to)
    return replace(detail, sent_channel=channel, sent_to=to)


def _record_sent(session: Session, order_id: uuid.UUID, channel: str, to: str) -> None:
    """Keep what the confirmation went out as in the order's first timeline entry
    (``domain.orders.placement_note``; ``orders.order_detail`` reads it back). The order is
    placed already: a failure here is logged, never the shopper's."""
    try:
        session.execute(
            sa.update(OrderStatusHistory.__table__)
            .where(
                OrderStatusHistory.__table__.c.order_id == order_id,
                OrderStatusHistory.__table__.c.from_status.is_(None),
                OrderStatusHistory.__table__.c.to_status == PENDING,
            )
            .values(note=placement_note(channel, to))
        )
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not record the confirmation sent for order %s", order_id)


@dataclass(frozen=True)
class PlacedAndPaid:
    """An order just placed, and what happened to its payment at once.

    Attributes:
        order: the order (``orders.OrderDetail``), read again after the payment.
        approve_url: PayPal: where the shopper approves the payment ("" otherwise).
        payment_error: a saved card was declined or PayPal could not be reached: the order is
            placed, its payment waits (the shopper can pay from their orders).
    """

    order: Any
    approve_url: str = ""
    payment_error: str = ""


def place_and_pay(
    *,
    session,
    saved_card: str | None = None,
    providers=None,
    **order: Any,
) -> PlacedAndPaid:
    """Place the order (:func:`place_order`, same arguments) and start its payment: a saved card
    (``saved_card``, a logged-in shopper's ``pm_...`` with ``payment_method="stripe"``) is charged
    now; PayPal gets its order and approve link. The checkout page and the REST API both call
    this, so the card is checked before anything is written: a card that is not the shopper's
    refuses the checkout and records nothing.

    Raises:
        what :func:`place_order` raises; ``InvalidCheckout`` (``saved_card`` without a login or
        with another method, PayPal not offered); ``PaymentError`` (the card is not theirs: 404;
        expired: 409; Stripe off: 503; Stripe down: 502).
    """
    from marque_app.services import orders as order_service
    from marque_app.services import payments

    providers = payments.get_providers() if providers is None else providers
    method = str(order.get("payment_method") or "cod").strip().lower()
    user_id = order.get("user_id")
    if saved_card:
        if user_id is None:
            raise InvalidCheckout("Log in to pay with a saved card", field="saved_card")
        if method != "stripe":
            raise InvalidCheckout("A saved card is paid by card: choose card as the payment", field="saved_card")
        payments.saved_cards.owned_card(session=session, user_id=user_id, card_id=saved_card, providers=providers)
        session.rollback()  # the check only read; place_order starts its own transaction
    if method == "paypal" and "paypal" not in providers:
        raise InvalidCheckout("PayPal is not available right now", field="payment_method")
    detail = place_order(session=session, **order)
    if detail.payment_status != PaymentStatus.pending.value:
        return PlacedAndPaid(order=detail)  # a retried request: its order was paid already
    oid = uuid.UUID(str(detail.id))
    approve, problem = "", ""
    try:
        if saved_card:
            view = payments.pay_with_saved_card(
                session=session, order_id=oid, user_id=user_id, saved_card=saved_card, providers=providers
            )
            problem = view.message
        elif method == "paypal":
            approve = payments.start_new_order_payment(session=session, order_id=oid, providers=providers).approve_url
    except payments.PaymentError as err:
        session.rollback()
        problem = err.message
    # read again for the payment's new state; what the placement sent is known only from placing
    fresh = order_service.order_detail(session=session, order_id=oid)
    fresh = replace(fresh, sent_channel=detail.sent_channel, sent_to=detail.sent_to)
    return PlacedAndPaid(order=fresh, approve_url=approve, payment_error=problem)


# --- the steps of place_order, in order ---------------------------------------------------------


@dataclass(frozen=True)
class _OrderInput:
    """What place_order was asked for, checked: nothing here needs the database."""

    method: ShippingMethod
    payment: str
    ship: dict[str, Any]
    bill: dict[str, Any]
    expected: Decimal | None
    notes: str
    uid: uuid.UUID | None  # the customer; None for a guest
    email: str | None  # the guest's e-mail
    guest_wants: list[_Want]
    scoped_key: str | None  # the idempotency key within this customer or guest


def _check_input(
    *,
    user_id,
    guest_email,
    guest_lines,
    shipping_address,
    billing_address,
    shipping_method,
    payment_method,
    expected_total,
    idempotency_key,
    notes,
    s: Settings,
) -> _OrderInput:
    """Step 1: the request's fields checked (method, payment, addresses, key, e-mail, guest lines).

    Raises:
        InvalidCheckout: the first field at fault.
    """
    method = _method(shipping_method, s)
    payment = (payment_method or "cod").strip().lower()
    if payment not in PAYMENT_METHODS:
        raise InvalidCheckout("Choose a payment method", field="payment_method")
    ship = validate_address(shipping_address, prefix="shipping_address")
    bill = validate_address(billing_address, prefix="billing_address") if billing_address else dict(ship)
    key = check_idempotency_key(idempotency_key)
    expected = _expected(expected_total)
    uid: uuid.UUID | None = None
    email: str | None = None
    guest_wants: list[_Want] = []
    if user_id is not None:
        uid = _user_uuid(user_id)
        scope = str(uid)
    else:
        email = check_email(guest_email)
        scope = f"guest:{email}"
        guest_wants = _guest_wants(guest_lines, strict=True)
    return _OrderInput(
        method=method,
        payment=payment,
        ship=ship,
        bill=bill,
        expected=expected,
        notes=(notes or "").strip()[:2000],
        uid=uid,
        email=email,
        guest_wants=guest_wants,
        scoped_key=f"{scope}:{key}" if key else None,
    )


def _load_lines(session: Session, order: _OrderInput) -> tuple[list[_Want], uuid.UUID | None]:
    """Step 2: the lines to buy (the customer's cart, under its lock, or the guest's), or the id
    of the order this idempotency key already placed.

    Raises:
        CheckoutUnauthorized: the customer's account is gone.
        InvalidCheckout: nothing to buy.
    """
    if order.uid is not None:
        try:
            lock_user(session, order.uid)
        except CartError:
            raise CheckoutUnauthorized("Session expired, please log in") from None
        found = _existing(session, order.scoped_key)
        if found is not None:
            return [], found
        wants = _cart_wants(session, order.uid)
    else:
        wants = order.guest_wants
    if not wants:
        found = _existing(session, order.scoped_key)
        if found is not None:
            return [], found
        raise InvalidCheckout("Your cart is empty", field="lines")
    return wants, None


def _check_prices_and_stock(
    session: Session,
    order: _OrderInput,
    wants: list[_Want],
    skus: dict[str, _Sku],
    *,
    coupon_code,
    s: Settings,
    now: datetime,
) -> _Priced:
    """Step 3: the quote of the locked SKUs; refused when a line is short, the coupon does not
    apply, or the total is not the one the shopper confirmed.

    Raises:
        SoldOut, CouponInvalid, PriceChanged.
    """
    priced = _price(
        session,
        wants,
        skus,
        method=order.method,
        coupon_code=coupon_code,
        user_id=order.uid,
        guest_email=order.email,
        s=s,
        now=now,
    )
    quote = priced.quote
    if priced.short:
        raise SoldOut(priced.short)
    if priced.coupon_problem is not None:
        raise priced.coupon_problem
    if order.expected is not None and order.expected != quote.total:
        raise PriceChanged(quote, expected=order.expected, actual=quote.total, currency=s.currency)
    return priced


def _order_values(order: _OrderInput, quote: Quote, *, s: Settings, now: datetime) -> dict[str, Any]:
    """Step 4: the order row (written by :func:`_insert_order`, which also makes its number)."""
    return {
        "id": uuid.uuid4(),
        "user_id": order.uid,
        "guest_email": order.email,
        "status": OrderStatus.pending,
        "payment_status": PaymentStatus.pending,
        "subtotal": quote.subtotal,
        "tax_rate": Decimal(s.tax_rate),
        "tax_amount": quote.tax,
        "shipping_amount": quote.shipping,
        "discount_amount": quote.discount,
        "total_amount": quote.total,
        "currency": s.currency,
        "shipping_address": order.ship,
        "billing_address": order.bill,
        "shipping_method": order.method.code,
        "notes": order.notes or None,
        "coupon_code": quote.coupon.code if quote.coupon else None,
        "idempotency_key": order.scoped_key,
        "created_at": now,
        "updated_at": now,
    }


def _write_lines(
    session: Session,
    order: _OrderInput,
    quote: Quote,
    skus: dict[str, _Sku],
    *,
    order_id: uuid.UUID,
    number: str,
    now: datetime,
) -> None:
    """Step 6 (after the stock is taken): the order lines with their product snapshot, the "sale"
    stock movements and the first timeline entry; one insert per table."""
    session.execute(
        sa.insert(OrderItem.__table__),
        [
            {
                "id": uuid.uuid4(),
                "order_id": order_id,
                "product_id": skus[line.sku_id].product_id,
                "product_variant_id": skus[line.sku_id].id,
                "product_name": line.name[:255],
                "product_sku": skus[line.sku_id].sku,
                "product_snapshot": _snapshot(line, skus[line.sku_id]),
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "total_price": line.line_total,
                "status": OrderStatus.pending,
                "created_at": now,
            }
            for line in quote.lines
        ],
    )
    moves = [
        {
            "id": uuid.uuid4(),
            "product_id": skus[line.sku_id].product_id,
            "product_variant_id": skus[line.sku_id].id,
            "movement_type": "sale",
            "quantity_change": -line.quantity,
            "quantity_after": skus[line.sku_id].stock - line.quantity,
            "reference_type": "order",
            "reference_id": order_id,
            "notes": f"Order {number}",
            "created_by": order.uid,
            "created_at": now,
        }
        for line in quote.lines
        if skus[line.sku_id].track_inventory
    ]
    if moves:
        session.execute(sa.insert(InventoryMovement.__table__), moves)
    session.execute(
        sa.insert(OrderStatusHistory.__table__).values(
            id=uuid.uuid4(),
            order_id=order_id,
            from_status=None,
            to_status=PENDING,
            note=STATUS_LABELS[PENDING],
            actor_id=order.uid,
            created_at=now,
        )
    )


def _write_payment(
    session: Session, order: _OrderInput, quote: Quote, *, order_id: uuid.UUID, currency: str, now: datetime
) -> None:
    """Step 7: the pending payment of the order's total, with the method the shopper chose."""
    session.execute(
        sa.insert(Payment.__table__).values(
            id=uuid.uuid4(),
            order_id=order_id,
            payment_method=order.payment,
            amount=quote.total,
            currency=currency,
            status=PaymentStatus.pending,
            created_at=now,
        )
    )


def _use_coupon(session: Session, order: _OrderInput, priced: _Priced, *, order_id: uuid.UUID, now: datetime) -> None:
    """Step 8: one use of the coupon taken (refused when a racing order took its last one), and
    the usage recorded.

    Raises:
        CouponInvalid: ``used_up``.
    """
    quote = priced.quote
    if priced.coupon is None or quote.coupon is None:
        return
    c = Coupon.__table__
    taken = session.execute(
        sa.update(c)
        .where(c.c.id == priced.coupon.id, sa.or_(c.c.usage_limit.is_(None), c.c.used_count < c.c.usage_limit))
        .values(used_count=c.c.used_count + 1)
    ).rowcount
    if taken != 1:
        raise CouponInvalid("used_up", f"The coupon {priced.coupon.code} has been used up")
    session.execute(
        sa.insert(CouponUsage.__table__).values(
            id=uuid.uuid4(),
            coupon_id=priced.coupon.id,
            user_id=order.uid,
            order_id=order_id,
            discount_amount=quote.discount,
            used_at=now,
        )
    )


def _notify_after_commit(session: Session, order: _OrderInput, *, number: str, sms, mailer):
    """Last step, once the order is committed: tell the customer (SMS or e-mail) it was placed.

    Returns the ``Notice`` sent (its channel "" when nothing was), None without senders."""
    if sms is None and mailer is None:
        return None
    from marque_app.services.notifications import notify_status

    return notify_status(
        session=session,
        user_id=order.uid,
        guest_email=order.email,
        order_number=number,
        status=PENDING,
        sms=sms,
        mailer=mailer,
    )


def check_checkout_limit(*, limiter, user_id=None, client: str = "", settings: Settings | None = None) -> None:
    """Count one checkout attempt: per user when logged in, else per client (guest) address.

    The rule is ``MARQUE_RATE_LIMIT_CHECKOUT`` (10 an hour). ``place_order`` calls this when it
    is given a limiter, so the API and the checkout page share the one check.

    Raises:
        CheckoutRateLimited: "Too many checkout attempts, try again in 12 minutes" (429).
    """
    s = _settings(settings)
    key = f"user:{user_id}" if user_id else f"ip:{client or 'unknown'}"
    decision = limiter.hit_many("checkout", [key], s.rate_limit_checkout)
    if not decision.allowed:
        raise CheckoutRateLimited(decision.retry_after)


def _after_stock_change(skus: dict[str, _Sku], lines: list[QuoteLine]) -> None:
    """Listings show in-stock flags: drop the cached product results when a SKU sold out."""
    sold_out = any(skus[line.sku_id].track_inventory and skus[line.sku_id].stock - line.quantity <= 0 for line in lines)
    if sold_out:
        from marque_app.services import cache

        cache.invalidate_products()


# --- shared with services.order_changes (changing a placed order's items) -----------------------

#: A SKU with its product's columns, as placing an order reads it.
SkuRow = _Sku


def read_skus(session: Session, ids: Iterable[str], *, lock: bool) -> dict[str, SkuRow]:
    """The SKUs by id with their products (one query); ``lock`` takes their rows in id order, as
    placing an order does (see :func:`_skus`)."""
    return _skus(session, ids, lock=lock)


def quote_line(session: Session, sku: SkuRow, quantity: int) -> QuoteLine:
    """A line of ``quantity`` units of ``sku`` at today's price (its image read)."""
    image = first_images(session, [sku.product_id]).get(sku.product_id, "")
    return QuoteLine(
        sku_id=str(sku.id),
        product_id=str(sku.product_id),
        product_slug=sku.slug,
        name=sku.product_name,
        variant_label=sku.label,
        sku=sku.sku,
        image_url=image,
        quantity=quantity,
        unit_price=cents(sku.price),
        line_total=cents(sku.price * quantity),
        available=sku.available(),
    )


def line_snapshot(line: QuoteLine, sku: SkuRow) -> dict[str, Any]:
    """The product snapshot an order line keeps (as placing an order writes it)."""
    return _snapshot(line, sku)


def shipping_method(code: str | None, *, settings: Settings | None = None) -> ShippingMethod:
    """The shipping method of ``code`` (checkout's list). Raises InvalidCheckout."""
    return _method(code, _settings(settings))
