"""The admin states' server-side guard, with the event handlers called directly (no page, no
menu): a guest and a customer change nothing and read nothing; an admin does."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from marque_app.models import Coupon, ProductVariant, UserRole
from marque_app.services.auth.tokens import issue_token
from marque_app.settings import get_settings
from tests.cartutil import make_product, make_user
from tests.statetest import bind_app, module_database, state_tree


@pytest.fixture(scope="module")
def own_db(tmp_path_factory) -> Iterator[tuple[str, sa.Engine]]:
    with module_database(tmp_path_factory, "admin-db") as db:
        yield db


@pytest.fixture
def states(own_db, monkeypatch) -> Iterator[dict]:
    bind_app(monkeypatch, *own_db)
    _, sub = state_tree()

    from marque_app.state.admin.others import (
        AdminBrandsState,
        AdminCouponsState,
        AdminInventoryState,
    )
    from marque_app.state.admin.products import AdminProductsState
    from marque_app.state.auth import AuthState

    yield {
        "auth": sub(AuthState),
        "coupons": sub(AdminCouponsState),
        "inventory": sub(AdminInventoryState),
        "products": sub(AdminProductsState),
        "brands": sub(AdminBrandsState),
        "classes": (AdminCouponsState, AdminInventoryState, AdminProductsState),
    }
    get_settings.cache_clear()


@pytest.fixture
def db(own_db) -> Iterator[Session]:
    with Session(own_db[1], expire_on_commit=False) as session:
        yield session


def _token(user) -> str:
    return issue_token(user_id=user.id, role=user.role, email=user.email).access_token


def _coupon(db) -> Coupon:
    coupon = Coupon(code=f"G{uuid.uuid4().hex[:10].upper()}", name="Guard", type="percentage", value=Decimal("10"))
    db.add(coupon)
    db.commit()
    return coupon


@pytest.mark.parametrize("who", ["guest", "customer"])
def test_admin_handlers_called_directly_refuse_non_admins(states, db, who):
    coupons_cls, inventory_cls, products_cls = states["classes"]
    states["auth"].token = "" if who == "guest" else _token(make_user(db, role=UserRole.customer))
    coupon = _coupon(db)
    product, (variant,) = make_product(db, stock=(4,))

    out = asyncio.run(coupons_cls.deactivate.fn(states["coupons"], str(coupon.id)))
    out += asyncio.run(
        inventory_cls.adjust.fn(states["inventory"], {"sku": variant.sku, "quantity_change": "-4", "reason": "x"})
    )
    asyncio.run(products_cls.load_products.fn(states["products"]))

    expected = "Please log in first" if who == "guest" else "This needs the admin role"
    assert expected in str(out)
    db.expire_all()
    assert db.get(Coupon, coupon.id).is_active is True
    assert db.get(ProductVariant, variant.id).inventory_quantity == 4
    assert states["products"].items == [] and states["products"].total == 0


def test_admin_handlers_work_for_an_admin(states, db):
    coupons_cls, inventory_cls, products_cls = states["classes"]
    states["auth"].token = _token(make_user(db, role=UserRole.admin))
    coupon = _coupon(db)
    product, (variant,) = make_product(db, stock=(4,))

    asyncio.run(coupons_cls.deactivate.fn(states["coupons"], str(coupon.id)))
    asyncio.run(
        inventory_cls.adjust.fn(
            states["inventory"], {"sku": variant.sku, "quantity_change": "-4", "reason": "Shrinkage"}
        )
    )
    db.expire_all()
    assert db.get(Coupon, coupon.id).is_active is False
    assert db.get(ProductVariant, variant.id).inventory_quantity == 0
    assert states["inventory"].last_stock == f"{variant.sku}: 0 in stock"


def test_the_list_and_form_pages_save_edit_and_refuse_with_the_field_marked(states, db):
    from marque_app.models import Brand
    from marque_app.state.admin.others import AdminBrandsState

    states["auth"].token = _token(make_user(db, role=UserRole.admin))
    brands = states["brands"]
    name = f"Guard {uuid.uuid4().hex[:8]}"

    out = asyncio.run(AdminBrandsState.save.fn(brands, {"name": name, "slug": "", "is_active": "on"}))
    assert f"Brand {name} saved" in str(out)
    saved = db.exec(sa.select(Brand).where(Brand.name == name)).scalars().one()
    assert saved.is_active is True

    asyncio.run(AdminBrandsState.load_brands.fn(brands))
    assert str(saved.id) in {b.id for b in brands.items}
    asyncio.run(AdminBrandsState.edit.fn(brands, str(saved.id)))
    assert brands.draft.id == str(saved.id) and brands.form_key == str(saved.id)
    out = asyncio.run(AdminBrandsState.save.fn(brands, {"name": "", "slug": saved.slug}))  # no is_active: off
    assert brands.error and brands.error_field == "name"
    db.expire_all()
    assert db.get(Brand, saved.id).name == name  # the refused save changed nothing

    asyncio.run(AdminBrandsState.edit.fn(brands, ""))
    assert brands.draft.id == "" and brands.form_key == "new" and brands.error == ""
