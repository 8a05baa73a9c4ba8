"""Which carrier a tracking number belongs to, and the carrier's page for it.

Orders keep the tracking number only (no carrier column): the number's own format names the
carrier (a UPS number starts "1Z", USPS numbers are 20-22 digits starting 9x, ...). One table of
carriers and their tracking-page templates; a number that matches none is shown plain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Carrier:
    """A carrier: its name, the tracking number's pattern and its tracking page's URL template."""

    name: str
    pattern: re.Pattern[str]
    url_template: str  # "{number}" is replaced by the (URL-quoted) tracking number


CARRIERS: tuple[Carrier, ...] = (
    Carrier("UPS", re.compile(r"1Z[0-9A-Z]{16}"), "https://www.ups.com/track?tracknum={number}"),
    Carrier(
        "USPS",
        re.compile(r"9[2-5]\d{18,20}|[A-Z]{2}\d{9}US"),
        "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    ),
    Carrier("FedEx", re.compile(r"\d{12}|\d{15}"), "https://www.fedex.com/fedextrack/?trknbr={number}"),
    Carrier(
        "DHL",
        re.compile(r"\d{10}|JJD\d{18}"),
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={number}",
    ),
)


@dataclass(frozen=True)
class TrackingLink:
    """A tracking number as shown: its carrier ("" when unknown) and page ("" when unknown)."""

    number: str
    carrier: str = ""
    url: str = ""


def _normal(number: str) -> str:
    return re.sub(r"[\s-]", "", number).upper()


def find_carrier(number: str) -> Carrier | None:
    """The carrier whose format the whole tracking number has (spaces and dashes ignored), or None."""
    compact = _normal(number)
    for carrier in CARRIERS:
        if carrier.pattern.fullmatch(compact):
            return carrier
    return None


def tracking_link(number: str) -> TrackingLink:
    """The tracking number with its carrier's page, or the plain number when the carrier is unknown.

    Args:
        number: The tracking number as the admin entered it ("" before the order ships).

    Returns:
        ``TrackingLink(number, carrier, url)``; ``carrier`` and ``url`` are "" when no carrier's
        format matches.
    """
    number = number.strip()
    carrier = find_carrier(number) if number else None
    if carrier is None:
        return TrackingLink(number=number)
    return TrackingLink(
        number=number,
        carrier=carrier.name,
        url=carrier.url_template.format(number=quote(_normal(number), safe="")),
    )
