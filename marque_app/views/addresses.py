"""A saved address as pages and the API show it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the table class only for the annotation: no SQLModel at run time
    from marque_app.models import Address


@dataclass(frozen=True)
class AddressView:
    """A saved address as pages and the API show it (ids as strings)."""

    id: str = ""
    type: str = "shipping"
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    address_line_1: str = ""
    address_line_2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = "US"
    phone: str = ""
    is_default: bool = False

    @classmethod
    def of(cls, row: Address) -> AddressView:
        return cls(
            id=str(row.id),
            type=row.type,
            first_name=row.first_name,
            last_name=row.last_name,
            company=row.company or "",
            address_line_1=row.address_line_1,
            address_line_2=row.address_line_2 or "",
            city=row.city,
            state=row.state,
            postal_code=row.postal_code,
            country=row.country,
            phone=row.phone or "",
            is_default=row.is_default,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
