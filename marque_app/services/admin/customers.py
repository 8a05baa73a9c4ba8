"""Customers for the admin: search, a customer's record (orders, cart, wishlist, addresses,
notes) and notes appended by admins. Orders are read here, never changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.domain.admin import AdminError, Page, Paging, check_note
from marque_app.domain.labels import ORDER_STATUS, PAYMENT_STATUS, label
from marque_app.domain.money import format_money
from marque_app.models import (
    Address,
    CartItem,
    CustomerNote,
    Order,
    Product,
    ProductVariant,
    User,
    UserRole,
    Wishlist,
    utcnow,
)

from .activity import Actor, record
from .products import as_uuid


@dataclass(frozen=True)
class CustomerRow:
    id: str
    name: str
    email: str
    phone: str
    role: str
    is_active: bool
    joined: str
    order_count: int


@dataclass(frozen=True)
class OrderLine:
    id: str
    number: str
    date: str
    status: str
    payment_status: str
    total: str
    tracking_number: str
    status_label: str = ""  # domain.labels
    payment_label: str = ""


@dataclass(frozen=True)
class CartLine:
    sku: str
    product: str
    variant: str
    quantity: int


@dataclass(frozen=True)
class NoteView:
    id: str
    body: str
    author: str
    at: str


@dataclass(frozen=True)
class CustomerDetail:
    id: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    role: str = ""
    is_active: bool = True
    joined: str = ""
    last_login: str = ""
    orders: list[OrderLine] = field(default_factory=list)
    cart: list[CartLine] = field(default_factory=list)
    wishlist: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    notes: list[NoteView] = field(default_factory=list)


def _name(user: User) -> str:
    return f"{user.first_name} {user.last_name}".strip()


def _value(member: Any) -> str:
    return getattr(member, "value", str(member))


def search_customers(*, session: Session, paging: Paging = Paging(), q: str = "", role: str = "customer") -> Page:
    """Accounts whose name, e-mail or phone contains ``q`` (role ``customer`` by default; "" all)."""
    stmt = select(User)
    if role:
        try:
            stmt = stmt.where(User.role == UserRole(role))
        except ValueError:
            stmt = stmt.where(sa.false())
    needle = q.strip().lower()
    if needle:
        digits = "".join(ch for ch in needle if ch.isdigit())
        conditions = [
            sa.func.lower(User.email).contains(needle, autoescape=True),
            # the very expression of idx_users_name_trgm (a bound ' ' would not match the index)
            sa.func.lower(User.first_name.op("||")(sa.literal_column("' '")).op("||")(User.last_name)).contains(
                needle, autoescape=True
            ),
        ]
        if len(digits) >= 3:
            conditions.append(User.phone.contains(digits, autoescape=True))
        stmt = stmt.where(sa.or_(*conditions))
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    users = session.exec(
        stmt.order_by(User.created_at.desc(), User.id).offset(paging.offset).limit(paging.per_page)
    ).all()
    counts = (
        dict(
            session.exec(
                select(Order.user_id, sa.func.count())
                .where(Order.user_id.in_([u.id for u in users]))
                .group_by(Order.user_id)
            ).all()
        )
        if users
        else {}
    )
    items = [
        CustomerRow(
            id=str(u.id),
            name=_name(u),
            email=u.email or "",
            phone=u.phone or "",
            role=_value(u.role),
            is_active=u.is_active,
            joined=u.created_at.strftime("%Y-%m-%d"),
            order_count=counts.get(u.id, 0),
        )
        for u in users
    ]
    return Page(items, total, paging.page, paging.per_page)


def _address(a: Address) -> str:
    parts = [
        f"{a.first_name} {a.last_name}".strip(),
        a.company,
        a.address_line_1,
        a.address_line_2,
        f"{a.postal_code} {a.city}".strip(),
        a.state,
        a.country,
    ]
    return f"{a.type}{' (default)' if a.is_default else ''}: " + ", ".join(p for p in parts if p)


def get_customer(*, session: Session, user_id: object, order_limit: int = 50) -> CustomerDetail:
    user = session.get(User, as_uuid(user_id, what="Customer"))
    if user is None:
        raise AdminError("not_found", "Customer not found")
    orders = session.exec(
        select(Order).where(Order.user_id == user.id).order_by(Order.created_at.desc()).limit(order_limit)
    ).all()
    cart = session.exec(
        select(CartItem, ProductVariant, Product)
        .join(ProductVariant, ProductVariant.id == CartItem.product_variant_id)
        .join(Product, Product.id == CartItem.product_id)
        .where(CartItem.user_id == user.id)
        .order_by(CartItem.added_at)
    ).all()
    wishlist = session.exec(
        select(Product.name)
        .join(Wishlist, Wishlist.product_id == Product.id)
        .where(Wishlist.user_id == user.id)
        .order_by(Wishlist.added_at.desc())
    ).all()
    addresses = session.exec(select(Address).where(Address.user_id == user.id).order_by(Address.created_at)).all()
    notes = session.exec(
        select(CustomerNote).where(CustomerNote.user_id == user.id).order_by(CustomerNote.created_at.desc())
    ).all()
    return CustomerDetail(
        id=str(user.id),
        name=_name(user),
        email=user.email or "",
        phone=user.phone or "",
        role=_value(user.role),
        is_active=user.is_active,
        joined=user.created_at.strftime("%Y-%m-%d"),
        last_login=user.last_login.strftime("%Y-%m-%d %H:%M UTC") if user.last_login else "",
        orders=[
            OrderLine(
                id=str(o.id),
                number=o.order_number,
                date=o.created_at.strftime("%Y-%m-%d"),
                status=_value(o.status),
                payment_status=_value(o.payment_status),
                total=format_money(o.total_amount, o.currency),
                tracking_number=o.tracking_number or "",
                status_label=label(ORDER_STATUS, o.status),
                payment_label=label(PAYMENT_STATUS, o.payment_status),
            )
            for o in orders
        ],
        cart=[CartLine(sku=v.sku, product=p.name, variant=v.name, quantity=c.quantity) for c, v, p in cart],
        wishlist=list(wishlist),
        addresses=[_address(a) for a in addresses],
        notes=[
            NoteView(
                id=str(n.id),
                body=n.body,
                author=n.author_email or "(deleted account)",
                at=n.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            )
            for n in notes
        ],
    )


def add_note(
    *,
    session: Session,
    actor: Actor,
    user_id: object,
    data: Mapping[str, Any],
    now: datetime | None = None,
) -> CustomerDetail:
    """Append a note (with its author and time) to a customer's record."""
    now = now or utcnow()
    body = check_note(data)
    user = session.get(User, as_uuid(user_id, what="Customer"))
    if user is None:
        raise AdminError("not_found", "Customer not found")
    session.add(
        CustomerNote(user_id=user.id, author_id=actor.id, author_email=actor.email[:255], body=body, created_at=now)
    )
    record(
        session=session,
        actor=actor,
        action="customer.note",
        entity_type="customer",
        entity_id=user.id,
        summary=f"Note on {user.email or user.phone or user.id}: {body[:200]}",
        now=now,
    )
    session.commit()
    return get_customer(session=session, user_id=user.id)
