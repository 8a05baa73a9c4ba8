"""The checkout page (/checkout) and the order confirmation (/orders/[ref]/confirmation).

One page, in steps: contact (a guest's e-mail), shipping address (an account's saved ones or a
new one), billing, shipping method, coupon, payment, summary. Every number on the page comes
from the checkout service's quote; "Place order" sends the total the page shows, so a price
that moved in between is confirmed by the shopper before anything is charged. An idempotency
key, made once per checkout attempt and kept in this state, makes a double click (or a retry
after a dropped connection) return the one order.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import reflex as rx
from sqlalchemy.exc import OperationalError

from marque_app import routes
from marque_app.domain.cart import parse_guest_cart
from marque_app.domain.checkout import (
    PAYMENT_METHOD_LABELS,
    CheckoutError,
    CheckoutUnauthorized,
    CouponInvalid,
    PriceChanged,
    SoldOut,
    email_problem,
    free_shipping_note,
)
from marque_app.domain.money import decimal_string, format_money
from marque_app.services import addresses as address_services
from marque_app.services import auth as auth_services
from marque_app.services import checkout as checkout_services
from marque_app.services import orders as orders_services
from marque_app.services import payments as payment_services
from marque_app.services.addresses import AddressView
from marque_app.services.auth.ratelimit import get_rate_limiter
from marque_app.services.payments import card_payments_enabled, paypal_enabled
from marque_app.settings import get_settings
from marque_app.state.analytics import track
from marque_app.state.auth import AuthState, call_service, client_address, holds_user_data
from marque_app.state.cart import OFFLINE, SERVER_ERROR, CartState
from marque_app.views.payments import SavedCardView

# (name, label, required, autocomplete token, max length): the address form, in order
ADDRESS_FIELDS: tuple[tuple[str, str, bool, str, int], ...] = (
    ("first_name", "First name", True, "given-name", 100),
    ("last_name", "Last name", True, "family-name", 100),
    ("address_line_1", "Address", True, "address-line1", 255),
    ("address_line_2", "Address line 2", False, "address-line2", 255),
    ("city", "City", True, "address-level2", 100),
    ("state", "State or region", True, "address-level1", 100),
    ("postal_code", "Postal code", True, "postal-code", 20),
    ("country", "Country (2 letters)", True, "country", 2),
    ("phone", "Phone", False, "tel", 20),
)
ADDRESS_NAMES = tuple(name for name, *_ in ADDRESS_FIELDS)
#: every key the page may show an error under (all present, so the page can index them)
ERROR_KEYS = (
    "email",
    "ship_address",
    *(f"ship_{name}" for name in ADDRESS_NAMES),
    *(f"bill_{name}" for name in ADDRESS_NAMES),
    "shipping_method",
    "payment_method",
)
NO_ERRORS: dict[str, str] = dict.fromkeys(ERROR_KEYS, "")
FIX_FIELDS = "Check the highlighted fields"


@dataclass(frozen=True)
class QuoteLineView:
    sku_id: str = ""
    name: str = ""
    variant_label: str = ""
    quantity: int = 0
    unit_price: str = ""
    line_total: str = ""
    is_sold_out: bool = False


@dataclass(frozen=True)
class QuoteView:
    """What the order will cost, formatted; ``total_amount`` is the exact decimal string."""

    lines: list[QuoteLineView] = field(default_factory=list)
    subtotal: str = ""
    discount: str = ""
    has_discount: bool = False
    shipping: str = ""
    tax: str = ""
    total: str = ""
    total_amount: str = ""


@dataclass(frozen=True)
class ShippingOptionView:
    code: str = ""
    label: str = ""
    detail: str = ""
    cost: str = ""


@dataclass(frozen=True)
class PlacedView:
    """The order just placed, shown on the confirmation page."""

    number: str = ""
    email: str = ""
    lines: list[QuoteLineView] = field(default_factory=list)
    subtotal: str = ""
    discount: str = ""
    has_discount: bool = False
    shipping: str = ""
    tax: str = ""
    total: str = ""
    payment: str = ""
    ship_to: list[str] = field(default_factory=list)


def text_of(form: dict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def address_from_form(form: dict, prefix: str) -> dict[str, str]:
    """The address typed under ``<prefix>_<field>`` names, trimmed; the country upper-cased."""
    data = {name: text_of(form, f"{prefix}_{name}") for name in ADDRESS_NAMES}
    data["country"] = (data["country"] or "US").upper()
    return data


def address_errors(data: dict[str, str], prefix: str) -> dict[str, str]:
    """Per-field messages for an address (``{"ship_city": "City is required"}``); empty when
    it is complete: the address book's rules (``services.addresses.address_problems``)."""
    return {f"{prefix}_{name}": message for name, message in address_services.address_problems(data).items()}


#: The words for each problem of :func:`marque_app.domain.checkout.email_problem`.
EMAIL_MESSAGES = {
    "missing": "E-mail is required, for the order confirmation",
    "shape": "Enter an e-mail address such as name@example.com",
}


def email_error(email: str) -> str:
    problem = email_problem(email)
    return EMAIL_MESSAGES[problem] if problem else ""


def address_lines(address: dict[str, Any] | AddressView) -> list[str]:
    """An address as the lines of a label."""
    get = (
        (lambda k: getattr(address, k, ""))
        if isinstance(address, AddressView)
        else (lambda k: str(address.get(k) or ""))
    )
    name = f"{get('first_name')} {get('last_name')}".strip()
    street = " ".join(p for p in (get("address_line_1"), get("address_line_2")) if p)
    place = f"{get('postal_code')} {get('city')}, {get('state')} {get('country')}".strip(" ,")
    return [line for line in (name, get("company"), street, place, get("phone")) if line]


def stripe_configured() -> bool:
    """Card payments show only when Stripe is an enabled provider and has a key."""
    return card_payments_enabled()


def paypal_configured() -> bool:
    """PayPal shows only when it is an enabled provider with its client id and secret (settings
    only: no I/O)."""
    return paypal_enabled()


@holds_user_data
class CheckoutState(rx.State):
    is_loaded: bool = False
    is_empty: bool = False
    is_user: bool = False
    user_label: str = ""
    addresses: list[AddressView] = []
    address_choice: str = "new"  # a saved address id, or "new"
    billing_same: bool = True
    shipping_options: list[ShippingOptionView] = []
    shipping_method: str = ""
    free_shipping_note: str = ""
    coupon_input: str = ""
    coupon_code: str = ""  # the applied coupon
    coupon_note: str = ""
    coupon_error: str = ""
    coupon_busy: bool = False
    payment_method: str = "cod"
    card_enabled: bool = False
    paypal_enabled: bool = False
    saved_cards: list[SavedCardView] = []
    card_choice: str = ""  # a saved card's id when paying by card
    payment_note: str = ""  # the order is placed but its payment was not taken (a declined card)
    quote: QuoteView = QuoteView()
    errors: dict[str, str] = NO_ERRORS
    error: str = ""
    placing: bool = False
    price_changed: bool = False
    old_total: str = ""
    sold_out: list[str] = []
    placed: PlacedView = PlacedView()
    confirmation_status: str = "loading"  # loading, found, missing
    _attempt_key: str = ""  # the idempotency key of this checkout attempt

    @rx.var
    def has_saved_addresses(self) -> bool:
        return bool(self.addresses)

    # --- loading -----------------------------------------------------------------------------

    async def _cart_lines(self) -> tuple[str | None, list]:
        """(user id, guest lines): the user's cart is read by the service from the database."""
        auth = await self.get_state(AuthState)
        if auth.is_logged_in and auth._user_id:
            return auth._user_id, []
        cart = await self.get_state(CartState)
        lines, _ = parse_guest_cart(cart.guest_cart)
        return None, lines

    @rx.event
    async def load_checkout(self):
        """/checkout (after the cart loaded): who is buying, saved addresses, the quote."""
        auth = await self.get_state(AuthState)
        user = await auth.require_user() if auth.token else None
        self.is_user = user is not None
        self.user_label = auth.user_name if user is not None else ""
        self.errors = dict(NO_ERRORS)
        self.error = ""
        self.price_changed, self.old_total, self.sold_out = False, "", []
        self.placing = False
        self.card_enabled = stripe_configured()
        self.paypal_enabled = paypal_configured()
        if (self.payment_method == "stripe" and not self.card_enabled) or (
            self.payment_method == "paypal" and not self.paypal_enabled
        ):
            self.payment_method = "cod"
        self.payment_note = ""
        await self._load_cards(user.id if user is not None and self.card_enabled else None)
        if not self._attempt_key or self.placed.number:
            self._attempt_key = uuid.uuid4().hex
            self.placed = PlacedView()
        if user is not None:
            saved = await call_service(address_services.list_addresses, user_id=user.id)
            self.addresses = [a for a in saved if a.type == "shipping"] or saved
            ids = {a.id for a in self.addresses}
            if self.address_choice not in ids:
                self.address_choice = self.addresses[0].id if self.addresses else "new"
        else:
            self.addresses, self.address_choice = [], "new"
        quote = await self._requote()
        self.is_loaded = True
        if quote is not None and quote.lines:
            track(self, "begin_checkout", {"total": self.quote.total_amount}, user_id=str(user.id) if user else None)

    async def _requote(self, coupon_code: str | None = None) -> checkout_services.Quote | None:
        """The quote of the cart as it is now, with the chosen method and coupon, shown on the
        page; None (and a message) when the service cannot answer."""
        user_id, lines = await self._cart_lines()
        code = self.coupon_code if coupon_code is None else coupon_code
        try:
            quote = await call_service(
                checkout_services.quote_checkout,
                user_id=user_id,
                guest_lines=lines,
                shipping_method=self.shipping_method or "standard",
                coupon_code=code,
            )
        except CheckoutUnauthorized:
            self.error = "Your account is no longer available; log in again"
            return None
        except CheckoutError as err:
            self.error = err.message
            return None
        except OperationalError:
            self.error = OFFLINE
            return None
        self._show_quote(quote)
        return quote

    def _show_quote(self, quote: checkout_services.Quote) -> None:
        currency = quote.currency or get_settings().currency
        self.quote = quote_view(quote)
        self.is_empty = not quote.lines
        self.shipping_method = quote.shipping_method
        self.shipping_options = [
            ShippingOptionView(
                code=o.code,
                label=o.name,
                detail=o.days,
                cost="Free" if o.cost == 0 else format_money(o.cost, currency),
            )
            for o in quote.shipping_methods
        ]
        self.free_shipping_note = free_shipping_note(
            quote.subtotal,
            threshold=get_settings().free_shipping_over,
            currency=currency,
            has_lines=bool(quote.lines),
        )
        if quote.coupon is not None:
            self.coupon_code, self.coupon_note = quote.coupon.code, quote.coupon.message
        else:
            self.coupon_code = self.coupon_note = ""
        self.sold_out = [
            line.name + (f" (only {line.available} left)" if line.is_short and line.available > 0 else "")
            for line in quote.lines
            if line.is_sold_out or line.is_short
        ]

    # --- the steps ---------------------------------------------------------------------------

    @rx.event
    def choose_address(self, value: str):
        self.address_choice = value
        self.errors = {**self.errors, "ship_address": ""}

    @rx.event
    def set_billing_same(self, value: bool):
        self.billing_same = bool(value)

    @rx.event
    async def choose_shipping(self, code: str):
        if code not in {o.code for o in self.shipping_options}:
            return
        self.shipping_method = code
        await self._requote()

    async def _load_cards(self, user_id: Any) -> None:
        """The shopper's saved cards (a choice when paying by card); none if Stripe is down."""
        cards: list[SavedCardView] = []
        if user_id is not None:
            try:
                cards = list(await call_service(payment_services.saved_cards.list_cards, user_id=user_id))
            except payment_services.PaymentError:
                cards = []
        self.saved_cards = [c for c in cards if not c.is_expired]
        if self.card_choice not in {c.id for c in self.saved_cards}:
            self.card_choice = self.saved_cards[0].id if self.saved_cards else ""

    @rx.event
    def choose_payment(self, method: str):
        if (
            method == "cod"
            or (method == "stripe" and self.card_enabled)
            or (method == "paypal" and self.paypal_enabled)
        ):
            self.payment_method = method

    @rx.event
    def choose_card(self, card_id: str):
        if card_id in {c.id for c in self.saved_cards}:
            self.card_choice = card_id

    @rx.event
    def set_coupon_input(self, value: str):
        self.coupon_input = value[:50]
        self.coupon_error = ""

    @rx.event
    async def apply_coupon(self):
        """Apply the typed coupon: the quote says how much it takes off, or why it cannot."""
        code = self.coupon_input.strip()
        self.coupon_error = ""
        if not code:
            self.coupon_error = "Enter a coupon code"
            return
        self.coupon_busy = True
        yield
        quote = await self._requote(coupon_code=code)
        self.coupon_busy = False
        if quote is None:
            return
        if quote.coupon is None:
            self.coupon_error = quote.coupon_error or f"The coupon {code.upper()} cannot be used"
            return
        self.coupon_input = ""
        yield rx.toast.success(f"Coupon {quote.coupon.code} applied")

    @rx.event
    async def remove_coupon(self):
        self.coupon_code = self.coupon_note = self.coupon_error = ""
        await self._requote(coupon_code="")

    # --- place the order ---------------------------------------------------------------------

    def _check_form(self, form: dict) -> tuple[dict[str, str], dict | None, dict | None, str]:
        """(errors, shipping address, billing address or None, guest e-mail) of the form."""
        errors: dict[str, str] = {}
        email = ""
        if not self.is_user:
            email = text_of(form, "email").lower()
            if message := email_error(email):
                errors["email"] = message
        shipping: dict | None = None
        if self.is_user and self.address_choice != "new":
            chosen = next((a for a in self.addresses if a.id == self.address_choice), None)
            if chosen is None:
                errors["ship_address"] = "Choose one of your addresses, or enter a new one"
            else:
                shipping = {name: getattr(chosen, name) for name in (*ADDRESS_NAMES, "company")}
        else:
            shipping = address_from_form(form, "ship")
            errors.update(address_errors(shipping, "ship"))
        billing: dict | None = None
        if not self.billing_same:
            billing = address_from_form(form, "bill")
            errors.update(address_errors(billing, "bill"))
        return errors, shipping, billing, email

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.errors = {**NO_ERRORS, **errors}
        self.error = FIX_FIELDS if errors else ""

    @rx.event
    async def place_order(self, form: dict):
        """Place the order for the total the page shows (once per attempt key)."""
        if self.placed.number:  # a second click after the first one succeeded
            yield rx.redirect(routes.confirmation_url(self.placed.number))
            return
        if self.placing:
            return
        auth = await self.get_state(AuthState)
        user = await auth.require_user() if auth.token else None
        if self.is_user and user is None:
            yield auth.refusal()
            return
        self.error = ""
        self.price_changed = False
        errors, shipping, billing, email = self._check_form(form)
        self._show_errors(errors)
        if errors:
            yield rx.toast.error(FIX_FIELDS)
            return
        if not self.quote.total_amount:
            self.error = "Your cart is empty"
            return
        self.placing = True
        yield
        cart = await self.get_state(CartState)
        user_id, lines = await self._cart_lines()
        shown_total = self.quote.total
        saved_card = self.card_choice if self.payment_method == "stripe" and user_id and self.card_choice else None
        try:
            placed_now = await call_service(
                checkout_services.place_and_pay,
                saved_card=saved_card,
                user_id=user_id,
                guest_email=email or None,
                guest_lines=lines or None,
                shipping_address=shipping,
                billing_address=billing,
                save_address=self.is_user
                and self.address_choice == "new"
                and form.get("save_address") in (True, "on", "true"),
                shipping_method=self.shipping_method or "standard",
                coupon_code=self.coupon_code,
                payment_method=self.payment_method,
                expected_total=Decimal(self.quote.total_amount),
                idempotency_key=self._attempt_key,
                sms=auth_services.get_sms_sender(),
                mailer=auth_services.get_email_sender(),
                limiter=get_rate_limiter(),
                client=client_address(self.router),
            )
        except PriceChanged as err:
            self.placing = False
            self._show_quote(err.quote)
            self.old_total = shown_total
            self.price_changed = True
            yield rx.toast.warning("The total changed; please confirm the new total")
            return
        except SoldOut as err:
            self.placing = False
            await self._requote()
            if not self.sold_out:  # the quote no longer sees it (stock came back): name them
                self.sold_out = [item.name for item in err.items]
            yield rx.toast.error(err.message)
            return
        except CouponInvalid as err:
            self.placing = False
            self.coupon_error = err.message
            await self._requote(coupon_code="")
            yield rx.toast.error(err.message)
            return
        except CheckoutUnauthorized:
            self.placing = False
            yield auth.refusal()
            return
        except payment_services.PaymentError as err:  # the saved card was refused before placing
            self.placing = False
            self.error = err.message
            if err.field == "saved_card":
                await self._load_cards(user_id)
            yield rx.toast.error(err.message)
            return
        except CheckoutError as err:
            self.placing = False
            key = field_key(err.field)
            if key:
                self._show_errors({key: err.message})
            else:
                self.error = err.message
            yield rx.toast.error(err.message)
            return
        except OperationalError:
            self.placing = False
            self.error = OFFLINE
            yield rx.toast.error(OFFLINE)
            return
        except Exception:  # noqa: BLE001 - keep the page alive and say so
            self.placing = False
            self.error = SERVER_ERROR
            yield rx.toast.error(SERVER_ERROR)
            return
        order = placed_now.order
        self.placed = placed_view(order)
        self.placing = False
        self.payment_note = placed_now.payment_error
        track(
            self,
            "purchase",
            {
                "order_id": order.id,
                "total": str(order.total),
                "items": [{"product_id": line.product_id, "quantity": line.quantity} for line in order.lines],
            },
            user_id=str(user_id) if user_id else None,
        )
        self.coupon_code = self.coupon_note = self.coupon_input = ""
        # the order took the cart: empty the guest's storage as the merge does, or the user's lines
        if user_id is None:
            cart.guest_cart = ""
            cart.guest_meta = ""
            cart.priced = {}
        else:
            cart.user_lines = []
        cart.notices = []
        if placed_now.approve_url:  # PayPal: the shopper approves there, then comes back
            yield [
                rx.toast.success(f"Order {order.order_number} placed: approve the payment at PayPal"),
                rx.redirect(placed_now.approve_url),  # another host: the browser goes there
            ]
            return
        if placed_now.payment_error:
            yield [
                rx.toast.warning(f"Order {order.order_number} placed, but {placed_now.payment_error}"),
                rx.redirect(routes.confirmation_url(order.order_number)),
            ]
            return
        yield [
            rx.toast.success(f"Order {order.order_number} placed"),
            rx.redirect(routes.confirmation_url(order.order_number)),
        ]

    # --- PayPal's return ---------------------------------------------------------------------

    @rx.event
    async def load_paypal_return(self):
        """/checkout/paypal/return?token=...: the shopper approved (or cancelled) at PayPal;
        capture what they approved and show the order."""
        query = self.router.url.query_parameters
        token = str(query.get("token") or "")
        number = self.placed.number
        if query.get("cancelled") or not token:
            self.payment_note = "The PayPal payment was cancelled; the order waits for payment"
            yield rx.toast.warning(self.payment_note)
            yield rx.redirect(routes.confirmation_url(number) if number else routes.ACCOUNT_ORDERS)
            return
        try:
            view, number = await call_service(payment_services.capture_paypal_return, token=token)
            self.payment_note = "" if view.status == "paid" else "The PayPal payment is not complete yet"
        except payment_services.PaymentError as err:
            self.payment_note = err.message
            yield rx.toast.error(err.message)
        except OperationalError:
            self.payment_note = OFFLINE
            yield rx.toast.error(OFFLINE)
        if number and self.placed.number == number:
            self.placed = dataclasses.replace(self.placed, payment="PayPal" + ("" if self.payment_note else " (paid)"))
        yield rx.redirect(routes.confirmation_url(number) if number else routes.ACCOUNT_ORDERS)

    # --- the confirmation --------------------------------------------------------------------

    @rx.event
    async def load_confirmation(self):
        """/orders/[ref]/confirmation: the order just placed in this tab, or (logged in) one of
        the user's orders; anything else is not found (a guess shows nothing)."""
        ref = str(self.ref or "").strip().upper()
        auth = await self.get_state(AuthState)
        user = await auth.require_user() if auth.token else None
        self.is_user = user is not None
        if self.placed.number and self.placed.number == ref:
            self.confirmation_status = "found"
            return
        self.confirmation_status = "loading"
        if user is None:
            self.confirmation_status = "missing"
            return
        try:
            order = await call_service(orders_services.get_order, user_id=user.id, order_ref=ref)
        except CheckoutError:
            self.confirmation_status = "missing"
            return
        self.placed = placed_view(order)
        self.confirmation_status = "found"


def field_key(service_field: str) -> str:
    """The page's error key for a service's ``field`` ("shipping_address.city" -> "ship_city")."""
    head, _, name = (service_field or "").partition(".")
    if head == "shipping_address" and name:
        return f"ship_{name}" if f"ship_{name}" in NO_ERRORS else "ship_address"
    if head == "billing_address" and name:
        return f"bill_{name}" if f"bill_{name}" in NO_ERRORS else ""
    return {"guest_email": "email", "shipping_method": "shipping_method", "payment_method": "payment_method"}.get(
        service_field, ""
    )


def _line_view(line, currency: str) -> QuoteLineView:
    return QuoteLineView(
        sku_id=str(line.sku_id),
        name=line.name,
        variant_label=line.variant_label or "",
        quantity=line.quantity,
        unit_price=format_money(line.unit_price, currency),
        line_total=format_money(line.line_total, currency),
        is_sold_out=bool(getattr(line, "is_sold_out", False) or getattr(line, "is_short", False)),
    )


def quote_view(quote: checkout_services.Quote) -> QuoteView:
    """A quote for the page: every amount formatted, the total also as an exact string."""
    currency = quote.currency or get_settings().currency
    return QuoteView(
        lines=[_line_view(line, currency) for line in quote.lines],
        subtotal=format_money(quote.subtotal, currency),
        discount=format_money(quote.discount, currency),
        has_discount=quote.discount > 0,
        shipping="Free" if quote.lines and quote.shipping == 0 else format_money(quote.shipping, currency),
        tax=format_money(quote.tax, currency),
        total=format_money(quote.total, currency),
        total_amount=decimal_string(quote.total),
    )


def placed_view(order: orders_services.OrderDetail) -> PlacedView:
    currency = order.currency or get_settings().currency
    return PlacedView(
        number=order.order_number,
        email=order.email or "",
        lines=[_line_view(line, currency) for line in order.lines],
        subtotal=format_money(order.subtotal, currency),
        discount=format_money(order.discount, currency),
        has_discount=order.discount > 0,
        shipping="Free" if order.shipping == 0 else format_money(order.shipping, currency),
        tax=format_money(order.tax, currency),
        total=format_money(order.total, currency),
        payment=PAYMENT_METHOD_LABELS.get(order.payment_method, "Card"),
        ship_to=address_lines(order.shipping_address or {}),
    )
