"""The base of every view: ``to_dict()`` gives a JSON-ready dict (Decimal and datetime as text)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any, cast


def jsonable(value: Any) -> Any:
    """``value`` with every Decimal and datetime inside it turned into a string."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


class JsonView:
    """Mixin for view dataclasses: ``to_dict()`` for state vars and API bodies."""

    def to_dict(self) -> dict[str, Any]:
        return cast(dict[str, Any], jsonable(asdict(self)))  # type: ignore[call-overload]  # a dataclass mixin
