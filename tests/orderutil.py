"""Builders for the checkout and order tests: addresses, coupons, a user's cart, statement counting."""

from __future__ import annotations

import random
import string
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from marque_app.models import CartItem, Coupon
from marque_app.models.types import utcnow


def tag(n: int = 8) -> str:
    return "".join(random.choices(string.ascii_uppercase, k=n))


def address(**overrides) -> dict:
    base = {
        "first_name": "Ann",
        "last_name": "Lee",
        "address_line_1": "1 Main St",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "country": "US",
        "phone": "+12025550143",
    }
    return {**base, **overrides}


def make_coupon(session, *, type: str = "percentage", value: str = "10", **kw) -> Coupon:
    now = utcnow()
    coupon = Coupon(
        code=kw.pop("code", f"C{tag()}"),
        name="Test coupon",
        type=type,
        value=Decimal(value),
        starts_at=kw.pop("starts_at", now - timedelta(days=1)),
        **kw,
    )
    session.add(coupon)
    session.commit()
    return coupon


def fill_cart(session, user, variants, quantity: int = 1, *, price_seen: str | None = None) -> None:
    for variant in variants:
        session.add(
            CartItem(
                user_id=user.id,
                product_id=variant.product_id,
                product_variant_id=variant.id,
                quantity=quantity,
                unit_price=Decimal(price_seen) if price_seen is not None else (variant.price or Decimal("20.00")),
            )
        )
    session.commit()


@contextmanager
def counted(session):
    """The SQL statements the session's connection runs inside the block (no SAVEPOINT bookkeeping)."""
    statements: list[str] = []
    engine = session.connection().engine

    def record(_conn, _cursor, statement, _params, _ctx, _many):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
