"""How fast an order is placed, and how many orders per second 20 concurrent buyers get through.

Run: ``.venv/bin/python -m tests.bench.bench_checkout [--repeat 30] [--orders-per-buyer 25]``.
On a scratch PostgreSQL database of its own (created on the ``MARQUE_BENCH_DATABASE_URL`` server,
default the local test server; migrated; dropped at the end) with 300 SKUs of plenty of stock:

- ``place_order`` for a logged-in shopper with 1, 10 and 50 cart lines, called directly (the cart
  is refilled untimed before each call): median, p95 and the statements it issues (counted with a
  ``before_cursor_execute`` listener; the number must not grow with the lines);
- throughput: 20 threads, each its own connection, each placing guest orders of 3 random SKUs
  (out of 300) back to back; orders per second over the wall time, and per-order median/p95.

Each size prints one JSON line; the last line is the summary.
"""

from __future__ import annotations

import argparse
import os
import random
import threading
import time
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.cart import GuestLine
from marque_app.models import CartItem, Product, ProductVariant, User
from marque_app.models.enums import ProductStatus
from marque_app.services import checkout, migrations
from marque_app.services.db import make_engine
from tests.bench.common import figures, report, server_url

SIZES = (1, 10, 50)
SKUS = 300
BUYERS = 20
ADDRESS = {
    "first_name": "Bench",
    "last_name": "Buyer",
    "address_line_1": "1 Main St",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "US",
}


def _catalog(engine: sa.Engine) -> list[tuple[uuid.UUID, uuid.UUID, Decimal]]:
    """300 SKUs (one per product) with a million units each: (variant id, product id, price)."""
    rows = []
    with Session(engine) as session:
        for i in range(SKUS):
            tag = uuid.uuid4().hex[:10]
            product = Product(
                name=f"Bench {i}",
                slug=f"bench-{tag}",
                sku=f"B-{tag}",
                price=Decimal("19.99"),
                status=ProductStatus.active,
                inventory_quantity=1_000_000,
            )
            session.add(product)
            session.flush()
            variant = ProductVariant(
                product_id=product.id,
                sku=f"B-{tag}-0",
                name="One size",
                inventory_quantity=1_000_000,
                attributes={"size": "M"},
            )
            session.add(variant)
            session.flush()
            rows.append((variant.id, product.id, Decimal("19.99")))
        session.commit()
    return rows


def _fill(engine: sa.Engine, user_id: uuid.UUID, skus) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(CartItem).where(CartItem.user_id == user_id))
        conn.execute(
            sa.insert(CartItem),
            [
                {
                    "id": uuid.uuid4(),
                    "user_id": user_id,
                    "product_id": pid,
                    "product_variant_id": vid,
                    "quantity": 1,
                    "unit_price": price,
                }
                for vid, pid, price in skus
            ],
        )


def _statements(engine: sa.Engine, fn) -> int:
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def bench_sizes(engine: sa.Engine, skus, repeat: int) -> dict[int, dict]:
    with Session(engine) as session:
        user = User(email=f"bench-{uuid.uuid4().hex[:8]}@example.com")
        session.add(user)
        session.commit()
        user_id = user.id
    out = {}
    for size in SIZES:

        def place():
            with Session(engine, expire_on_commit=False) as session:
                return checkout.place_order(session=session, user_id=user_id, shipping_address=ADDRESS)

        _fill(engine, user_id, skus[:size])
        statements = _statements(engine, place)
        samples = []
        for i in range(repeat + 3):
            _fill(engine, user_id, random.sample(skus, size))
            started = time.perf_counter()
            place()
            if i >= 3:  # warm-up
                samples.append((time.perf_counter() - started) * 1000)
        out[size] = {"lines": size, "statements": statements, **figures(samples)}
        report("checkout_place_order", **out[size])
    return out


def bench_concurrent(db_url: str, skus, per_buyer: int) -> dict:
    engine = sa.create_engine(db_url, pool_size=BUYERS + 2, max_overflow=0)
    barrier = threading.Barrier(BUYERS)
    samples: list[float] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def buyer(n: int) -> None:
        rnd = random.Random(n)
        mine: list[float] = []
        with Session(engine, expire_on_commit=False) as session:
            session.connection()
            session.rollback()
            barrier.wait(timeout=60)
            for _ in range(per_buyer):
                lines = [GuestLine(sku_id=str(vid), quantity=1) for vid, _, _ in rnd.sample(skus, 3)]
                started = time.perf_counter()
                try:
                    checkout.place_order(
                        session=session,
                        guest_email=f"buyer{n}@example.com",
                        guest_lines=lines,
                        shipping_address=ADDRESS,
                    )
                except Exception as err:  # noqa: BLE001 - counted and reported
                    with lock:
                        errors.append(err)
                mine.append((time.perf_counter() - started) * 1000)
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(BUYERS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    engine.dispose()
    orders = BUYERS * per_buyer - len(errors)
    result = {
        "buyers": BUYERS,
        "orders": orders,
        "errors": len(errors),
        "wall_s": round(wall, 3),
        "orders_per_s": round(orders / wall, 1),
        **{f"order_{k}": v for k, v in figures(samples).items()},
    }
    if errors:
        result["first_error"] = repr(errors[0])[:200]
    report("checkout_concurrent", **result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--orders-per-buyer", type=int, default=25)
    args = parser.parse_args()
    os.environ.setdefault("MARQUE_ENV", "test")
    os.environ["MARQUE_TEST_DATABASE_URL"] = server_url()
    from tests.dbutil import scratch_database

    with scratch_database(None) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        try:
            skus = _catalog(engine)
            sizes = bench_sizes(engine, skus, args.repeat)
            concurrent = bench_concurrent(url, skus, args.orders_per_buyer)
        finally:
            engine.dispose()
    counts = {s: sizes[s]["statements"] for s in SIZES}
    report(
        "checkout",
        median_ms=sizes[10]["median_ms"],
        p95_ms=sizes[10]["p95_ms"],
        median_ms_by_lines={s: sizes[s]["median_ms"] for s in SIZES},
        p95_ms_by_lines={s: sizes[s]["p95_ms"] for s in SIZES},
        statements_by_lines=counts,
        statements_constant=len(set(counts.values())) == 1,
        orders_per_s_20_buyers=concurrent["orders_per_s"],
        concurrent_errors=concurrent["errors"],
    )


if __name__ == "__main__":
    main()
