"""A user's saved addresses: list, add, edit, delete, and the default one per type.

Every function is scoped to ``user_id``: an address id of another user is "not found", never
changed. At most one address per type (shipping, billing) is the default; the first address
of a type becomes it, and deleting the default promotes the next newest one.
"""

from __future__ import annotations

import uuid
from typing import Any

import pycountry
import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.domain.auth import InvalidInput
from marque_app.domain.checkout import InvalidCheckout
from marque_app.models import Address
from marque_app.models.enums import ADDRESS_TYPES
from marque_app.views.addresses import AddressView

# (field, label, required, max length)
_FIELDS = (
    ("first_name", "First name", True, 100),
    ("last_name", "Last name", True, 100),
    ("company", "Company", False, 100),
    ("address_line_1", "Address", True, 255),
    ("address_line_2", "Address line 2", False, 255),
    ("city", "City", True, 100),
    ("state", "State or region", True, 100),
    ("postal_code", "Postal code", True, 20),
    ("phone", "Phone", False, 20),
)


class AddressNotFound(LookupError):
    """No address with this id belongs to the user."""


def address_problems(data: dict[str, Any]) -> dict[str, str]:
    """Every field of an address at fault, with its message (``{"city": "City is required"}``);
    empty when :func:`clean_address` accepts it. For forms that show all the problems at once."""
    problems: dict[str, str] = {}
    for name, label, required, limit in _FIELDS:
        value = str(data.get(name) or "").strip()
        if required and not value:
            problems[name] = f"{label} is required"
        elif len(value) > limit:
            problems[name] = f"{label} is at most {limit} characters"
    country = str(data.get("country") or "US").strip().upper()
    if not _is_country(country):
        problems["country"] = COUNTRY_MESSAGE
    elif "state" not in problems and region_code(country, str(data.get("state") or "")) is None:
        problems["state"] = REGION_MESSAGE
    return problems


COUNTRY_MESSAGE = "Choose a country from the list"
REGION_MESSAGE = "Choose a state or region from the list"

# ISO 3166 from pycountry, read once at import (never on the event loop): every country by its
# name, and the first-level regions of the countries whose addresses name one from a fixed list.
COUNTRIES: tuple[tuple[str, str], ...] = tuple(
    sorted(((c.alpha_2, getattr(c, "common_name", None) or c.name) for c in pycountry.countries), key=lambda c: c[1])
)
_COUNTRY_CODES = frozenset(code for code, _ in COUNTRIES)
REGION_COUNTRIES = ("US", "CA", "AU", "MX", "IN", "BR")


def _regions(country: str) -> tuple[tuple[str, str], ...]:
    found = pycountry.subdivisions.get(country_code=country) or []
    top = [s for s in found if not s.parent_code]
    return tuple(sorted(((s.code.split("-", 1)[1], s.name) for s in top), key=lambda r: r[1]))


#: {"US": (("AL", "Alabama"), ...)}: the states or regions an address of that country names
REGIONS: dict[str, tuple[tuple[str, str], ...]] = {code: _regions(code) for code in REGION_COUNTRIES}


def _is_country(code: str) -> bool:
    return code in _COUNTRY_CODES


def region_code(country: str, state: str) -> str | None:
    """The region's code ("IL") for a country with a fixed list, from its code or its name
    ("il", "Illinois"); the state unchanged for other countries; None when it is not in the list."""
    regions = REGIONS.get(country)
    if not regions:
        return state
    wanted = state.strip().casefold()
    for code, name in regions:
        if wanted in (code.casefold(), name.casefold(), f"{country}-{code}".casefold()):
            return code
    return None


def clean_address(data: dict[str, Any]) -> dict[str, Any]:
    """The address fields of ``data`` trimmed and checked.

    Raises:
        InvalidInput: a required field is blank, a value is too long, an unknown type, or a
            country that is not a 2-letter code (``field`` names the input).
    """
    out: dict[str, Any] = {}
    for name, label, required, limit in _FIELDS:
        value = str(data.get(name) or "").strip()
        if required and not value:
            raise InvalidInput(f"{label} is required", field=name)
        if len(value) > limit:
            raise InvalidInput(f"{label} is at most {limit} characters", field=name)
        out[name] = value if (value or required) else None
    kind = str(data.get("type") or "shipping").strip().lower()
    if kind not in ADDRESS_TYPES:
        raise InvalidInput("The address type is shipping or billing", field="type")
    country = str(data.get("country") or "US").strip().upper()
    if not _is_country(country):
        raise InvalidInput(COUNTRY_MESSAGE, field="country")
    region = region_code(country, out["state"])
    if region is None:
        raise InvalidInput(REGION_MESSAGE, field="state")
    out["type"], out["country"], out["state"] = kind, country, region
    return out


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise AddressNotFound(str(value)) from None


def _rows(session: Session, user_id: uuid.UUID) -> list[Address]:
    return list(
        session.exec(
            select(Address)
            .where(Address.user_id == user_id)
            .order_by(Address.is_default.desc(), Address.created_at.desc(), Address.id)
        ).all()
    )


def list_addresses(*, session: Session, user_id: Any) -> list[AddressView]:
    """The user's addresses, defaults first, then newest first."""
    return [AddressView.of(row) for row in _rows(session, _uuid(user_id))]


def _own(session: Session, user_id: uuid.UUID, address_id: Any) -> Address:
    row = session.get(Address, _uuid(address_id))
    if row is None or row.user_id != user_id:
        raise AddressNotFound(str(address_id))
    return row


def _make_default(session: Session, row: Address) -> None:
    session.exec(
        sa.update(Address)
        .where(Address.user_id == row.user_id, Address.type == row.type, Address.id != row.id)
        .values(is_default=False)
    )
    row.is_default = True


def save_address(
    *,
    session: Session,
    user_id: Any,
    data: dict[str, Any],
    address_id: Any = None,
) -> AddressView:
    """Add an address (``address_id`` None) or change one of the user's.

    ``data["is_default"]`` true makes it the default of its type; the first address of a type
    is the default anyway.

    Raises:
        InvalidInput: see :func:`clean_address`.
        AddressNotFound: ``address_id`` is not one of the user's addresses.
    """
    uid = _uuid(user_id)
    values = clean_address(data)
    if address_id:
        row = _own(session, uid, address_id)
        for name, value in values.items():
            setattr(row, name, value)
    else:
        row = Address(user_id=uid, **values)
    session.add(row)
    session.flush()
    has_default = (
        session.exec(
            select(Address.id).where(
                Address.user_id == uid, Address.type == row.type, Address.is_default, Address.id != row.id
            )
        ).first()
        is not None
    )
    if bool(data.get("is_default")) or not has_default:
        _make_default(session, row)
    elif row.is_default and has_default:  # moved to a type that already has a default
        row.is_default = False
    session.add(row)
    session.commit()
    return AddressView.of(row)


def set_default_address(*, session: Session, user_id: Any, address_id: Any) -> AddressView:
    """Make one of the user's addresses the default of its type.

    Raises:
        AddressNotFound: not one of the user's addresses.
    """
    row = _own(session, _uuid(user_id), address_id)
    _make_default(session, row)
    session.add(row)
    session.commit()
    return AddressView.of(row)


def delete_address(*, session: Session, user_id: Any, address_id: Any) -> None:
    """Delete one of the user's addresses; the newest other one of its type becomes the default.

    Raises:
        AddressNotFound: not one of the user's addresses.
    """
    uid = _uuid(user_id)
    row = _own(session, uid, address_id)
    was_default, kind = row.is_default, row.type
    session.delete(row)
    session.flush()
    if was_default:
        nxt = session.exec(
            select(Address)
            .where(Address.user_id == uid, Address.type == kind)
            .order_by(Address.created_at.desc(), Address.id)
        ).first()
        if nxt is not None:
            nxt.is_default = True
            session.add(nxt)
    session.commit()


def validate_order_address(data: dict[str, Any] | None, *, prefix: str = "shipping_address") -> dict[str, Any]:
    """An order address trimmed and checked (the address book's rules).

    Raises:
        InvalidCheckout: a required field missing or too long; ``field`` is
            ``"<prefix>.<name>"`` (e.g. ``"shipping_address.city"``).
    """
    if not isinstance(data, dict):
        raise InvalidCheckout("An address is required", field=prefix)
    what = "Billing" if prefix.startswith("billing") else "Shipping"
    try:
        values = clean_address({**data, "type": "shipping"})
    except InvalidInput as err:
        raise InvalidCheckout(f"{what} address: {err.message}", field=f"{prefix}.{err.field}") from None
    values.pop("type", None)
    return {k: (v or "") for k, v in values.items()}
