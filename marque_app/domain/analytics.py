"""Analytics rules: which events exist, what of a shopper is kept, when nothing is, the funnel.

Pure Python (no Reflex, no database): the state hooks, the buffer's flush, the admin report and
the demo history all call these.

Privacy:
- The client address is kept **truncated**, never raw: an IPv4 address to its /24 network
  (``203.0.113.57`` -> ``203.0.113.0``), an IPv6 one to its /48 (the site prefix). A truncated
  address still fits the INET column, still says roughly where traffic comes from and still
  lets an operator spot one network flooding the store, but no longer names a household.
  A hash was not chosen: the IPv4 space is only 2^32 addresses, so an unsalted hash is
  reversed by trying them all in minutes, and a salted one that rotates loses the "same
  network" signal without being any more private than the truncation.
- ``DNT: 1`` (Do Not Track) or ``Sec-GPC: 1`` (Global Privacy Control) on the request, or the
  browser's ``navigator.doNotTrack`` / ``navigator.globalPrivacyControl`` (passed as a cookie by
  ``components/privacy.py``): no event at all, not even an anonymous one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PAGE_VIEW = "page_view"
PRODUCT_VIEW = "product_view"
SEARCH = "search"
ADD_TO_CART = "add_to_cart"
REMOVE_FROM_CART = "remove_from_cart"
BEGIN_CHECKOUT = "begin_checkout"
PURCHASE = "purchase"

EVENT_TYPES = (PAGE_VIEW, PRODUCT_VIEW, SEARCH, ADD_TO_CART, REMOVE_FROM_CART, BEGIN_CHECKOUT, PURCHASE)

#: The funnel's steps, in order: (event type, label). A step counts the sessions that had it.
FUNNEL = (
    (PAGE_VIEW, "Visits"),
    (PRODUCT_VIEW, "Product views"),
    (ADD_TO_CART, "Added to cart"),
    (BEGIN_CHECKOUT, "Checkout"),
    (PURCHASE, "Purchase"),
)

#: Cart ops (``components/cart_ops``) that are an add or a removal for analytics.
CART_OP_EVENTS = {"add": ADD_TO_CART, "move_to_cart": ADD_TO_CART, "remove": REMOVE_FROM_CART}

MAX_USER_AGENT = 512
MAX_REFERRER = 500
MAX_SESSION = 255
MAX_QUERY = 200


def truncate_ip(address: str | None) -> str | None:
    """The address with its host part zeroed (IPv4 /24, IPv6 /48); ``None`` for no or a bad one.

    An IPv4-mapped IPv6 address (``::ffff:203.0.113.57``) is truncated as the IPv4 it carries.
    """
    if not address:
        return None
    parts = address.strip().split(".")
    if len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
        return f"{int(parts[0])}.{int(parts[1])}.{int(parts[2])}.0"  # the common case, without ipaddress
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


#: Set by ``components/privacy.py``'s head script when the browser's ``navigator.doNotTrack`` or
#: ``navigator.globalPrivacyControl`` says so (a websocket handshake need not carry the headers).
NO_TRACK_COOKIE = "marque_no_track"


def tracking_refused(headers: Mapping[str, str]) -> bool:
    """Whether the request asks not to be tracked: ``DNT: 1`` or ``Sec-GPC: 1`` (any case), or
    the :data:`NO_TRACK_COOKIE` the page sets from the browser's own DNT / GPC setting."""
    for key, value in headers.items():
        name = key.lower()
        if name in ("dnt", "sec-gpc") and str(value).strip() == "1":
            return True
        if name == "cookie" and any(part.strip() == f"{NO_TRACK_COOKIE}=1" for part in str(value).split(";")):
            return True
    return False


def cart_event_type(op_type: object) -> str | None:
    """The analytics event of a cart op, or ``None`` (wishlist ops, quantity changes, clears)."""
    return CART_OP_EVENTS.get(op_type) if isinstance(op_type, str) else None


@dataclass(frozen=True)
class Event:
    """One event as the buffer holds it (and the table stores it)."""

    event_type: str
    at: datetime
    session_id: str | None = None
    user_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    ip_address: str | None = None  # already truncated
    user_agent: str | None = None
    referrer: str | None = None


def make_event(
    event_type: str,
    *,
    at: datetime,
    session_id: str | None = None,
    user_id: str | None = None,
    data: Mapping[str, Any] | None = None,
    client_ip: str | None = None,
    user_agent: str | None = None,
    referrer: str | None = None,
) -> Event:
    """An event with the address truncated and the free texts cut to the column sizes.

    Raises ValueError for an event type that does not exist (a typo must not fill the table).
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown analytics event {event_type!r}")
    return Event(
        event_type=event_type,
        at=at,
        session_id=(session_id or None) and session_id[:MAX_SESSION],
        user_id=user_id or None,
        data=dict(data or {}),
        ip_address=truncate_ip(client_ip),
        user_agent=(user_agent or None) and user_agent[:MAX_USER_AGENT],
        referrer=(referrer or None) and referrer[:MAX_REFERRER],
    )


# --- the report's arithmetic ---------------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` as a percentage with one decimal, ``None`` when there is no whole."""
    return round(100.0 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class FunnelStep:
    event_type: str
    label: str
    sessions: int
    from_previous: float | None  # % of the previous step's sessions (None for the first)
    from_start: float | None  # % of the first step's sessions


def funnel(sessions_by_type: Mapping[str, int]) -> list[FunnelStep]:
    """The funnel's steps from the number of sessions that had each event type."""
    steps: list[FunnelStep] = []
    first = sessions_by_type.get(FUNNEL[0][0], 0)
    previous: int | None = None
    for event_type, label in FUNNEL:
        n = int(sessions_by_type.get(event_type, 0))
        steps.append(
            FunnelStep(
                event_type=event_type,
                label=label,
                sessions=n,
                from_previous=None if previous is None else rate(n, previous),
                from_start=rate(n, first),
            )
        )
        previous = n
    return steps


def abandonment(started: int, finished: int) -> float | None:
    """The share (%) of sessions that started something (a cart, a checkout) and did not buy."""
    return rate(max(started - finished, 0), started)


def normal_query(query: object) -> str:
    """A search as the report groups it: trimmed, lower case, inner spaces collapsed, capped."""
    return " ".join(str(query or "").split()).lower()[:MAX_QUERY]
