"""Races made to happen: shoppers buying the last units, a double submit, a coupon's last use.

On PostgreSQL (MARQUE_TEST_DATABASE_URL set, part of ``make test-pg``) every buyer is a thread
with its own connection, released together by a barrier. On SQLite (one writer at a time) the
same checks run with the buyers one after another. Rows are committed for real and each test
checks only its own.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from marque_app.api.errors import http_status
from marque_app.domain.checkout import CouponInvalid, SoldOut
from marque_app.models import (
    CartItem,
    Coupon,
    CouponUsage,
    InventoryMovement,
    Order,
    OrderItem,
    OrderStatusHistory,
    Payment,
    Product,
    ProductImage,
    ProductVariant,
    User,
)
from marque_app.services import checkout
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart, make_coupon


@pytest.fixture
def real(engine):
    """A session that really commits (the race needs the rows visible to other connections).

    Afterwards the rows this test made are deleted again (users, products, coupons and the
    orders on them), so later tests that count the catalog see none of them.
    """
    before = {name: _ids(engine, table) for name, table in _OWNED.items()}
    with Session(engine, expire_on_commit=False) as session:
        yield session
    made = {name: _ids(engine, table) - before[name] for name, table in _OWNED.items()}
    with engine.begin() as conn:
        orders = set(made["orders"])
        for table in (CouponUsage, Payment, OrderStatusHistory, OrderItem):
            conn.execute(sa.delete(table).where(table.order_id.in_(orders)))
        conn.execute(sa.delete(InventoryMovement).where(InventoryMovement.product_id.in_(made["products"])))
        conn.execute(sa.delete(CartItem).where(CartItem.user_id.in_(made["users"])))
        conn.execute(sa.delete(Order).where(Order.id.in_(orders)))
        conn.execute(sa.delete(Coupon).where(Coupon.id.in_(made["coupons"])))
        conn.execute(sa.delete(ProductImage).where(ProductImage.product_id.in_(made["products"])))
        conn.execute(sa.delete(ProductVariant).where(ProductVariant.product_id.in_(made["products"])))
        conn.execute(sa.delete(Product).where(Product.id.in_(made["products"])))
        conn.execute(sa.delete(User).where(User.id.in_(made["users"])))


_OWNED = {"orders": Order, "products": Product, "coupons": Coupon, "users": User}


def _ids(engine: sa.Engine, table) -> set:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(table.id)).scalars())


@pytest.fixture
def racing_engine(db_url, engine):
    """PostgreSQL: an engine with a connection per buyer. SQLite: the run's engine."""
    if engine.dialect.name != "postgresql":
        yield engine
        return
    eng = sa.create_engine(db_url, pool_size=55, max_overflow=0)
    yield eng
    eng.dispose()


def run_together(engine: sa.Engine, jobs: list[Callable[[Session], object]]) -> list[object]:
    """Each job's result or exception; concurrent (barrier) on PostgreSQL, sequential on SQLite."""
    results: list[object] = [None] * len(jobs)
    if engine.dialect.name != "postgresql":
        for i, job in enumerate(jobs):
            with Session(engine, expire_on_commit=False) as session:
                try:
                    results[i] = job(session)
                except Exception as err:  # noqa: BLE001 - the test inspects it
                    results[i] = err
        return results
    barrier = threading.Barrier(len(jobs))

    def worker(i: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            session.connection()  # connected before the start
            try:
                barrier.wait(timeout=60)
                results[i] = job_result(jobs[i], session)
            except Exception as err:  # noqa: BLE001
                results[i] = err

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a buyer is stuck"
    return results


def job_result(job, session):
    return job(session)


def test_fifty_buyers_for_ten_units_sell_exactly_ten(real, racing_engine):
    concurrent = racing_engine.dialect.name == "postgresql"
    buyers = 50 if concurrent else 15
    product, (sku,) = make_product(real, stock=(10,))
    users = [make_user(real) for _ in range(buyers)]
    for user in users:
        fill_cart(real, user, [sku], 1)

    def buy(user):
        return lambda session: checkout.place_order(session=session, user_id=user.id, shipping_address=address())

    results = run_together(racing_engine, [buy(u) for u in users])
    sold = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(sold) == 10, refused[:3]
    assert len(refused) == buyers - 10 and all(isinstance(r, SoldOut) for r in refused), refused[:3]
    assert all(r.message.endswith("is sold out") and http_status(r) == 409 for r in refused)
    real.expire_all()
    assert (
        real.execute(sa.select(ProductVariant.inventory_quantity).where(ProductVariant.id == sku.id)).scalar_one() == 0
    )
    assert real.execute(sa.select(Product.inventory_quantity).where(Product.id == product.id)).scalar_one() == 0
    moves = real.execute(
        sa.select(InventoryMovement.quantity_change, InventoryMovement.quantity_after).where(
            InventoryMovement.product_variant_id == sku.id
        )
    ).all()
    assert len(moves) == 10 and all(change == -1 for change, _ in moves)
    assert sorted(after for _, after in moves) == list(range(10))  # 9, 8, ... 0: never below zero
    placed = real.execute(
        sa.select(sa.func.count()).select_from(Order).where(Order.user_id.in_([u.id for u in users]))
    ).scalar_one()
    assert placed == 10
    assert len({r.order_number for r in sold}) == 10


def test_double_submit_race_makes_one_order(real, racing_engine):
    user = make_user(real)
    _, (sku,) = make_product(real, stock=(5,))
    fill_cart(real, user, [sku], 2)
    key = f"submit-{uuid.uuid4().hex}"

    def submit(session):
        return checkout.place_order(session=session, user_id=user.id, shipping_address=address(), idempotency_key=key)

    results = run_together(racing_engine, [submit] * 6)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.id for r in results}) == 1
    real.expire_all()
    assert (
        real.execute(sa.select(ProductVariant.inventory_quantity).where(ProductVariant.id == sku.id)).scalar_one() == 3
    )
    assert real.execute(sa.select(sa.func.count()).select_from(Order).where(Order.user_id == user.id)).scalar_one() == 1


def test_guest_double_submit_race_makes_one_order(real, racing_engine):
    _, (sku,) = make_product(real, stock=(1,))
    email = f"race-{uuid.uuid4().hex[:8]}@example.com"
    from marque_app.domain.cart import GuestLine

    def submit(session):
        return checkout.place_order(
            session=session,
            guest_email=email,
            shipping_address=address(),
            guest_lines=[GuestLine(sku_id=str(sku.id), quantity=1)],
            idempotency_key="k",
        )

    results = run_together(racing_engine, [submit] * 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.id for r in results}) == 1
    assert (
        real.execute(sa.select(sa.func.count()).select_from(Order).where(Order.guest_email == email)).scalar_one() == 1
    )


def test_a_coupon_with_one_use_left_is_used_once(real, racing_engine):
    coupon = make_coupon(real, usage_limit=1, value="10")
    users = [make_user(real) for _ in range(6)]
    for user in users:  # each buys another product: no SKU lock orders them, only the coupon's UPDATE
        fill_cart(real, user, make_product(real, stock=(20,))[1], 1)

    def buy(user):
        return lambda session: checkout.place_order(
            session=session, user_id=user.id, shipping_address=address(), coupon_code=coupon.code
        )

    results = run_together(racing_engine, [buy(u) for u in users])
    ok = [r for r in results if not isinstance(r, Exception)]
    assert len(ok) == 1 and ok[0].discount == Decimal("2.00")
    assert all(isinstance(r, CouponInvalid) and r.reason == "used_up" for r in results if r not in ok)
    real.expire_all()
    assert real.execute(sa.select(Coupon.used_count).where(Coupon.id == coupon.id)).scalar_one() == 1
    assert (
        real.execute(
            sa.select(sa.func.count()).select_from(CouponUsage).where(CouponUsage.coupon_id == coupon.id)
        ).scalar_one()
        == 1
    )


def test_changing_an_order_races_a_buyer_for_the_last_unit(real, racing_engine):
    """A shopper asks one more unit of their order while another shopper buys the last one:
    exactly one of them gets it, the stock ends at 0, never below, and the movements add up."""
    from marque_app.services import order_changes

    for _ in range(5):
        _, (sku,) = make_product(real, stock=(2,))
        owner, buyer = make_user(real), make_user(real)
        fill_cart(real, owner, [sku], 1)
        placed = checkout.place_order(session=real, user_id=owner.id, shipping_address=address())
        fill_cart(real, buyer, [sku], 1)

        def change(session, placed=placed, sku=sku, owner=owner):
            return order_changes.modify_items(
                session=session, order_ref=placed.id, changes=[(str(sku.id), 2)], actor_id=owner.id
            )

        def buy(session, buyer=buyer):
            return checkout.place_order(session=session, user_id=buyer.id, shipping_address=address())

        results = run_together(racing_engine, [change, buy])
        won = [r for r in results if not isinstance(r, Exception)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], SoldOut), results
        real.expire_all()
        left = real.execute(
            sa.select(ProductVariant.inventory_quantity).where(ProductVariant.id == sku.id)
        ).scalar_one()
        assert left == 0
        changes = real.execute(
            sa.select(InventoryMovement.quantity_change, InventoryMovement.quantity_after).where(
                InventoryMovement.product_variant_id == sku.id
            )
        ).all()
        assert sum(c for c, _ in changes) == -2 and sorted(a for _, a in changes) == [0, 1]
        held = real.execute(
            sa.select(sa.func.coalesce(sa.func.sum(OrderItem.quantity), 0)).where(
                OrderItem.product_variant_id == sku.id
            )
        ).scalar_one()
        assert held == 2  # what the orders hold is what left the stock
        order = real.get(Order, uuid.UUID(placed.id))
        if isinstance(won[0], order_changes.ModifyResult):
            assert order.total_amount == won[0].order.total and won[0].order.lines[0].quantity == 2
        else:
            assert real.execute(sa.select(OrderItem.quantity).where(OrderItem.order_id == order.id)).scalar_one() == 1
