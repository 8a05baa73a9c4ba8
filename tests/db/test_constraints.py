"""The database itself refuses what the seed's constraints forbid."""

from __future__ import annotations

import uuid
from datetime import UTC
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.models import (
    Brand,
    CartItem,
    Category,
    Order,
    Product,
    ProductReview,
    ProductStatus,
    ProductVariant,
    User,
    Wishlist,
)


def _fails(session: Session, *rows) -> None:
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.add_all(rows)
        session.flush()


@pytest.fixture
def catalog(session):
    category = Category(name="Tees", slug=f"tees-{uuid.uuid4().hex[:6]}")
    brand = Brand(name=f"B{uuid.uuid4().hex[:6]}", slug=f"b-{uuid.uuid4().hex[:6]}")
    session.add_all([category, brand])
    session.flush()
    product = Product(
        name="Tee",
        slug=f"tee-{uuid.uuid4().hex[:6]}",
        sku=f"T-{uuid.uuid4().hex[:6]}",
        price=Decimal("19.99"),
        status=ProductStatus.active,
        category_id=category.id,
        brand_id=brand.id,
    )
    session.add(product)
    session.flush()
    variant = ProductVariant(
        product_id=product.id,
        sku=f"{product.sku}-M",
        name="M",
        inventory_quantity=3,
        attributes={"size": "M", "color": "Navy"},
    )
    user = User(email=f"{uuid.uuid4().hex[:8]}@example.com")
    session.add_all([variant, user])
    session.flush()
    return product, variant, user


def test_cart_quantity_must_be_positive(session, catalog):
    product, variant, user = catalog
    _fails(session, CartItem(user_id=user.id, product_id=product.id, product_variant_id=variant.id, quantity=0))


def test_cart_row_needs_a_user_or_a_session(session, catalog):
    product, variant, _ = catalog
    _fails(session, CartItem(product_id=product.id, product_variant_id=variant.id, quantity=1))
    session.add(CartItem(session_id="guest-1", product_id=product.id, product_variant_id=variant.id, quantity=1))
    session.flush()


def test_one_cart_row_per_owner_and_sku(session, catalog):
    product, variant, user = catalog
    session.add(CartItem(user_id=user.id, product_id=product.id, product_variant_id=variant.id, quantity=1))
    session.flush()
    _fails(session, CartItem(user_id=user.id, product_id=product.id, product_variant_id=variant.id, quantity=2))


def test_one_wishlist_row_per_user_and_product(session, catalog):
    product, _, user = catalog
    session.add(Wishlist(user_id=user.id, product_id=product.id))
    session.flush()
    _fails(session, Wishlist(user_id=user.id, product_id=product.id))


@pytest.mark.parametrize("rating", [0, 6])
def test_review_rating_is_one_to_five(session, catalog, rating):
    product, _, user = catalog
    _fails(session, ProductReview(product_id=product.id, user_id=user.id, rating=rating))


def test_order_needs_a_user_or_a_guest_email(session):
    address = {"line1": "1 Main St"}
    _fails(
        session,
        Order(
            order_number="MQ-TEST-1",
            subtotal=Decimal("1"),
            total_amount=Decimal("1"),
            shipping_address=address,
            billing_address=address,
        ),
    )
    session.add(
        Order(
            order_number="MQ-TEST-2",
            guest_email="g@example.com",
            subtotal=Decimal("1"),
            total_amount=Decimal("1"),
            shipping_address=address,
            billing_address=address,
        )
    )
    session.flush()


def test_user_needs_email_or_phone_and_both_are_unique(session):
    _fails(session, User(first_name="Nobody"))
    session.add(User(phone="+15555550199"))
    session.flush()
    _fails(session, User(phone="+15555550199"))
    session.add(User(email="one@example.com"))
    session.flush()
    _fails(session, User(email="one@example.com"))


def test_unknown_enum_value_is_refused(session, catalog):
    product, _, _ = catalog
    with pytest.raises((sa.exc.StatementError, LookupError, sa.exc.IntegrityError)), session.begin_nested():
        session.execute(sa.update(Product).where(Product.id == product.id).values(status="deleted"))


def test_money_is_decimal_and_timestamps_are_aware_utc(session, catalog):
    product, _, _ = catalog
    session.expire_all()
    fresh = session.exec(select(Product).where(Product.id == product.id)).one()
    assert fresh.price == Decimal("19.99") and isinstance(fresh.price, Decimal)
    assert fresh.created_at.tzinfo is not None
    assert fresh.created_at.utcoffset() == UTC.utcoffset(None)
