"""The one root of every refusal the rules and services raise, and its stable codes.

Each error carries ``kind``, a stable code from :data:`KINDS` (what the API maps to an HTTP
status in ``marque_app.api.errors.HTTP_STATUS`` and the states to a toast), ``message`` (words fit
to show) and ``field`` (the input at fault, when there is one). Subclasses add what their
refusal needs (``retry_after``, ``available``, ``items``, ``quote``, ``reason``).
"""

from __future__ import annotations

#: The stable codes. Adding one means adding its HTTP status in ``api/errors.py`` (a unit test
#: holds the two together).
KINDS = frozenset(
    {
        "invalid",  # the input breaks a rule
        "coupon",  # the coupon cannot be used (``reason`` says why)
        "not_found",  # no such thing (or not this caller's)
        "conflict",  # the state of the thing does not allow it (a taken e-mail, a shipped order)
        "sold_out",  # lines sold out or short since the cart was shown
        "price_changed",  # the total is not the one the shopper confirmed
        "insufficient_stock",  # fewer left than the cart line asks
        "unauthorized",  # not logged in, or the token is bad
        "forbidden",  # logged in, but this role may not
        "rate_limited",  # too many attempts (``retry_after`` seconds)
        "bad_signature",  # a webhook not signed with this endpoint's secret
        "unavailable",  # a provider that is not configured
        "provider",  # the payment provider refused or could not be reached
    }
)


class DomainError(Exception):
    """A refusal with a stable ``kind``, a ``message`` for people and the ``field`` at fault."""

    kind: str = "invalid"

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def check_kind(kind: str, allowed: frozenset[str], what: str) -> str:
    """``kind`` when it is one of ``allowed`` (a subset of :data:`KINDS`); else ValueError."""
    if kind not in allowed or kind not in KINDS:
        raise ValueError(f"unknown {what} error kind {kind!r}")
    return kind
