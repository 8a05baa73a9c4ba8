"""Coupons: look one up and say whether it applies, and why not.

CONTRACT READY

    from marque_app.services import coupons
    coupons.validate_coupon(session=, code="SAVE10", subtotal=Decimal, shipping=Decimal,
                            user_id=None, guest_email=None, now=None, currency="USD")
        -> CouponCheck(code, type, name, discount, free_shipping, message)
        # raises CouponInvalid (422, field="coupon_code") with .reason: unknown | inactive |
        # not_started | expired | used_up | customer_limit | below_minimum ("Spend $X more ...")

The maths and the rules are in ``marque_app.domain.checkout`` (``coupon_effect``,
``coupon_problem``); usage is counted by ``checkout.place_order`` with an atomic conditional
``UPDATE coupons SET used_count = used_count + 1 WHERE used_count < usage_limit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.checkout import (
    FREE_SHIPPING,
    PERCENTAGE,
    CouponInvalid,
    CouponTerms,
    cents,
    coupon_effect,
    coupon_problem,
    normalize_code,
)
from marque_app.domain.money import format_money
from marque_app.models import Coupon, CouponUsage, Order
from marque_app.models.types import utcnow


@dataclass(frozen=True)
class CouponCheck:
    code: str
    type: str
    name: str
    discount: Decimal
    free_shipping: bool
    message: str


def find_coupon(session: Session, code: str) -> Coupon | None:
    """The coupon with this code, whatever its case."""
    code = normalize_code(code)
    if not code:
        return None
    return session.execute(sa.select(Coupon).where(sa.func.upper(Coupon.code) == code)).scalars().first()


def terms_of(coupon: Coupon) -> CouponTerms:
    return CouponTerms(
        code=coupon.code,
        type=coupon.type,
        value=coupon.value,
        minimum_order_amount=coupon.minimum_order_amount,
        maximum_discount_amount=coupon.maximum_discount_amount,
        usage_limit=coupon.usage_limit,
        usage_limit_per_customer=coupon.usage_limit_per_customer,
        used_count=coupon.used_count,
        starts_at=coupon.starts_at,
        expires_at=coupon.expires_at,
        is_active=coupon.is_active,
    )


def used_by_customer(session: Session, coupon_id, *, user_id=None, guest_email: str | None = None) -> int:
    """How many times this customer (an account, or a guest's e-mail) used the coupon."""
    if user_id is not None:
        q = (
            sa.select(sa.func.count())
            .select_from(CouponUsage)
            .where(CouponUsage.coupon_id == coupon_id, CouponUsage.user_id == user_id)
        )
    elif guest_email:
        q = (
            sa.select(sa.func.count())
            .select_from(CouponUsage)
            .join(Order, Order.id == CouponUsage.order_id)
            .where(CouponUsage.coupon_id == coupon_id, sa.func.lower(Order.guest_email) == guest_email.lower())
        )
    else:
        return 0
    return int(session.execute(q).scalar_one())


def describe(coupon: Coupon | CouponTerms, discount: Decimal, currency: str = "USD") -> str:
    if coupon.type == FREE_SHIPPING:
        return f"{coupon.code}: free shipping"
    if coupon.type == PERCENTAGE:
        return f"{coupon.code}: {Decimal(coupon.value).normalize():f}% off, -{format_money(discount, currency)}"
    return f"{coupon.code}: -{format_money(discount, currency)}"


def check_coupon(
    session: Session,
    code: str,
    *,
    subtotal: Decimal,
    user_id=None,
    guest_email: str | None = None,
    now: datetime | None = None,
    currency: str = "USD",
) -> tuple[Coupon, CouponCheck]:
    """The coupon row and its effect. Raises CouponInvalid."""
    coupon = find_coupon(session, code)
    if coupon is None:
        shown = normalize_code(code)
        raise CouponInvalid("unknown", f"The coupon {shown} does not exist" if shown else "Enter a coupon code")
    terms = terms_of(coupon)
    used = 0
    if coupon.usage_limit_per_customer is not None:
        used = used_by_customer(session, coupon.id, user_id=user_id, guest_email=guest_email)
    problem = coupon_problem(terms, subtotal=subtotal, now=now or utcnow(), used_by_customer=used, currency=currency)
    if problem is not None:
        raise problem
    effect = coupon_effect(terms, subtotal=subtotal)
    return coupon, CouponCheck(
        code=coupon.code,
        type=coupon.type,
        name=coupon.name,
        discount=effect.discount,
        free_shipping=effect.free_shipping,
        message=describe(coupon, effect.discount, currency),
    )


def validate_coupon(
    *,
    session,
    code: str,
    subtotal: Decimal,
    shipping: Decimal = Decimal("0"),
    user_id=None,
    guest_email: str | None = None,
    now: datetime | None = None,
    currency: str = "USD",
) -> CouponCheck:
    """The coupon's effect on an order of ``subtotal`` (``shipping`` is what a free-shipping
    coupon saves). Raises CouponInvalid with the reason."""
    _, check = check_coupon(
        session,
        code,
        subtotal=cents(subtotal),
        user_id=user_id,
        guest_email=guest_email,
        now=now,
        currency=currency,
    )
    if check.free_shipping and shipping:
        return CouponCheck(
            **{**check.__dict__, "message": f"{check.code}: free shipping, -{format_money(shipping, currency)}"}
        )
    return check
