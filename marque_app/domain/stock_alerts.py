"""Back-in-stock alerts: who may ask, how they are told, when a restock is due, and retries.

Whether a SKU is sold out or back is :func:`marque_app.domain.stock.sellable_quantity`'s answer
(the one stock rule); this module only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from marque_app.domain.checkout import email_problem
from marque_app.domain.errors import DomainError, check_kind

SMS = "sms"
EMAIL = "email"
CHANNELS = (SMS, EMAIL)

#: Waiting for a restock, restocked and waiting to be sent, told.
WAITING, DUE, SENT = "waiting", "due", "sent"

#: A failed send is tried again after 1, 2, 4, ... minutes, at most an hour apart, this many times.
MAX_ATTEMPTS = 30
FIRST_RETRY_SECONDS = 60
MAX_RETRY_SECONDS = 3600

#: How long a flush owns the alerts it took before another instance may take them (a crash).
CLAIM_SECONDS = 300


class StockAlertError(DomainError):
    """A refused subscription or unsubscription (``kind``: invalid, not_found, conflict, unauthorized)."""

    def __init__(self, kind: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.kind = check_kind(kind, frozenset({"invalid", "not_found", "conflict", "unauthorized"}), "stock alert")


def is_sold_out(sellable: int | None) -> bool:
    """A SKU one may ask to be told about: ``sellable_quantity`` is 0 (not unlimited, none left)."""
    return sellable == 0


def is_back(sellable: int | None) -> bool:
    """A restocked SKU whose subscribers are due: unlimited or more than none sellable."""
    return sellable is None or sellable > 0


@dataclass(frozen=True)
class Contact:
    channel: str  # "sms" or "email"
    to: str  # an E.164 phone or a lower-cased e-mail address


def choose_contact(*, typed_email: str | None, phone: str | None, email: str | None, logged_in: bool) -> Contact:
    """How the shopper is told: a typed e-mail (a guest must type one), else the account's phone
    by SMS, else the account's e-mail.

    Raises:
        StockAlertError: a typed e-mail that is no address (``field="email"``), a guest without
            one, or an account with neither phone nor e-mail.
    """
    if typed_email is not None and typed_email.strip():
        if email_problem(typed_email):
            raise StockAlertError("invalid", "Enter a valid e-mail address", field="email")
        return Contact(EMAIL, typed_email.strip().lower())
    if not logged_in:
        raise StockAlertError("invalid", "Enter your e-mail address to be told when it is back", field="email")
    if phone:
        return Contact(SMS, phone)
    if email:
        return Contact(EMAIL, email.strip().lower())
    raise StockAlertError("invalid", "Your account has no phone or e-mail; enter an e-mail address", field="email")


def status_of(*, due: bool, sent: bool) -> str:
    """``waiting``, ``due`` or ``sent``."""
    if sent:
        return SENT
    return DUE if due else WAITING


def retry_delay_seconds(attempts: int) -> int:
    """Seconds before the next try after ``attempts`` failed ones (1 min, 2, 4, ... at most 1 h)."""
    if attempts < 1:
        return 0
    delay: int = FIRST_RETRY_SECONDS * 2 ** min(attempts - 1, 20)
    return min(delay, MAX_RETRY_SECONDS)


def gave_up(attempts: int) -> bool:
    """No more tries after :data:`MAX_ATTEMPTS` failures (the alert stays, unsent, for the admin)."""
    return attempts >= MAX_ATTEMPTS


def describe(product_name: str, variant_name: str) -> str:
    """``Tee (M / Navy)``, or just the product's name when the variant has no name of its own."""
    variant_name = (variant_name or "").strip()
    if not variant_name or variant_name.lower() in ("default", product_name.lower()):
        return product_name
    return f"{product_name} ({variant_name})"


def alert_message(*, product_name: str, variant_name: str, product_url: str, unsubscribe_url: str) -> tuple[str, str]:
    """The subject and text of the message: what is back, where to buy it, how to stop alerts."""
    what = describe(product_name, variant_name)
    subject = f"Back in stock: {what}"
    text = (
        f"Good news: {what} is back in stock at Marque. Buy it here: {product_url} "
        f"- You asked to be told once; to cancel alerts: {unsubscribe_url}"
    )
    return subject, text


def subscribed_notice(channel: str, contact: str) -> str:
    """What the page says once the shopper is on the list."""
    how = "text" if channel == SMS else "e-mail"
    return f"We'll {how} {contact} once when it is back in stock."
