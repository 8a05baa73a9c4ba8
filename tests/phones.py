"""Fresh phone numbers for tests: one in eight million, so two tests never share one.

Four random digits (``+1202555XXXX``) gave two tests of one run the same number often enough
to fail a run now and then: the second met the first's resend gap or per-number limit.
"""

from __future__ import annotations

import secrets


def fresh_phone() -> str:
    """A valid, random E.164 number in Washington DC's 202 area: ``+1202NXXXXXX``."""
    exchange = 200 + secrets.randbelow(800)
    return f"+1202{exchange}{secrets.randbelow(10_000):04d}"


def fresh_typed_phone() -> tuple[str, str]:
    """A fresh number as a shopper types it, ``(202) 555-0143``, and its E.164 form."""
    e164 = fresh_phone()
    return f"(202) {e164[5:8]}-{e164[8:]}", e164
