"""The client's address behind reverse proxies (``MARQUE_TRUSTED_PROXY_HOPS``).

Rate limits, log-in budgets and the activity log key on the address a request came from. An
instance reached directly sees the shopper's address as its peer; behind nginx every peer is the
proxy, and the shopper's address is the one the proxy appended to ``X-Forwarded-For``. Only
entries appended by proxies the operator trusts count: each proxy appends the address it was
reached from, so with ``hops`` trusted proxies in front the client is the ``hops``-th entry from
the right. Entries further left were written by the client itself and may be anything.

``hops == 0`` (the default: nothing in front) ignores the header, so a client cannot pick an
address by sending one. A request that carries fewer entries than ``hops`` did not come through
the whole chain, and its peer is used. This is the rule Reflex applies to the websocket's
``router.session.client_ip`` (``Config.trusted_proxy_hops``, set from the same setting).
"""

from __future__ import annotations

from collections.abc import Iterable

UNKNOWN = "unknown"


def forwarded_chain(values: Iterable[str]) -> list[str]:
    """The addresses of ``X-Forwarded-For`` header values, in order (repeated headers joined)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def client_address(peer: str | None, forwarded_for: str | Iterable[str] | None, hops: int) -> str:
    """The client's address: the ``hops``-th ``X-Forwarded-For`` entry from the right when
    ``hops`` trusted proxies are in front, else the connection's ``peer``."""
    if hops < 0:
        raise ValueError("the number of trusted proxy hops cannot be negative")
    if hops and forwarded_for:
        chain = forwarded_chain([forwarded_for] if isinstance(forwarded_for, str) else forwarded_for)
        if len(chain) >= hops:
            return chain[-hops]
    return peer or UNKNOWN
