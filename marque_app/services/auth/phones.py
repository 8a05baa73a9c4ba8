"""Phone numbers in E.164, read with the ``phonenumbers`` library."""

from __future__ import annotations

import re

import phonenumbers

from marque_app.domain.auth import InvalidInput
from marque_app.settings import get_settings

#: North American numbers reserved for fiction (NXX-555-0100..0199): the demo accounts use
#: them. Accepted outside production only; they reach no phone.
_FICTIONAL = re.compile(r"^\+1\d{3}55501\d\d$")

INVALID_PHONE = "Enter a valid phone number with its country code, e.g. +1 202 555 0143"


def normalize_phone(raw: str, *, region: str | None = None, allow_fictional: bool | None = None) -> str:
    """``raw`` as an E.164 number (``+12025550143``).

    Args:
        raw: what the user typed: spaces, dashes, brackets, a leading 00 or + are fine.
        region: the country of numbers typed without a country code (``MARQUE_PHONE_REGION``).
        allow_fictional: accept the reserved 555-01XX numbers (default: outside production).

    Raises:
        InvalidInput: not a valid number.
    """
    settings = get_settings()
    region = region or settings.phone_region
    if allow_fictional is None:
        allow_fictional = settings.env != "production"
    text = (raw or "").strip()
    if not text or len(text) > 32:
        raise InvalidInput(INVALID_PHONE, field="phone")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(INVALID_PHONE, field="phone") from None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(number) or (allow_fictional and _FICTIONAL.match(e164)):
        return e164
    raise InvalidInput(INVALID_PHONE, field="phone")
