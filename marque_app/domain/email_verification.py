"""E-mail verification rules: when a new link may be sent, whether a link is still good.

Standard library only. A link carries a random token; only its HMAC is stored, with an expiry.
It is single-use (the stored hash is cleared when it is used), and replaced by a newer link or
an e-mail change (an old link then no longer matches anything).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta


def resend_wait(last_sent_at: datetime | None, *, now: datetime, interval_seconds: int) -> int:
    """Seconds until another verification e-mail may be sent (0: now)."""
    if last_sent_at is None or interval_seconds <= 0:
        return 0
    left = (last_sent_at + timedelta(seconds=interval_seconds) - now).total_seconds()
    return max(0, math.ceil(left))


def link_expired(expires_at: datetime | None, *, now: datetime) -> bool:
    """Whether a link with this expiry can no longer be used (no expiry: unusable)."""
    return expires_at is None or now >= expires_at


def verification_state(*, email: str | None, verified: bool) -> str:
    """``none`` (no e-mail address), ``verified`` or ``unverified``: what the account page shows."""
    if not email:
        return "none"
    return "verified" if verified else "unverified"
