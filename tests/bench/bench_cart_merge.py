"""How fast a guest cart merges on log-in, beside the seed's one-request-per-line approach.

Run: ``.venv/bin/python -m tests.bench.bench_cart_merge [--repeat 30]``. On a kept PostgreSQL
benchmark database of its own (``ensure_catalog("marque_bench_cart", products=20_000)``: the demo
store + 20,000 generated products, built on first use) with a user of
its own (its cart emptied before every run, deleted at the end), for 1, 10, 100 and 500 lines:

- ``service``: ``services.cart.merge_guest`` called directly: the statements it issues (counted
  with a ``before_cursor_execute`` listener), median and p95;
- ``http_merge``: ``POST /api/v1/cart/merge`` with the whole guest cart;
- ``http_per_line``: the seed's approach, one ``POST /api/v1/cart/items`` per line then a
  ``GET /api/v1/cart``, through the same server in the same run;
- ``ratio``: per-line median / merge median (over HTTP).

The API runs under granian on a free loopback port, rate limits off. Each size prints one JSON
line; the last line is the summary with the targets: 100 lines merge p95 under 30 ms and at least
20 times faster than per line.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

import httpx
import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.domain.cart import GuestLine
from marque_app.models import CartItem, Product, ProductVariant, User, Wishlist
from marque_app.models.enums import ProductStatus
from marque_app.services import cart
from marque_app.services.auth.tokens import issue_token
from marque_app.services.db import make_engine
from tests.bench.common import ensure_catalog, figures, report, serve_api

SIZES = (1, 10, 100, 500)
TARGET_P95_MS = 30.0
TARGET_RATIO = 20.0


def _skus(session: Session, n: int) -> list[str]:
    rows = session.exec(
        select(ProductVariant.id)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(
            Product.status == ProductStatus.active,
            ProductVariant.inventory_quantity >= 5,
            Product.track_inventory,
            sa.not_(Product.allow_backorder),
        )
        .order_by(ProductVariant.id)
        .limit(n)
    ).all()
    if len(rows) < n:
        raise SystemExit(f"the benchmark catalog has only {len(rows)} SKUs in stock; {n} needed")
    return [str(r) for r in rows]


def _empty(engine: sa.Engine, user_id: uuid.UUID) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(CartItem).where(CartItem.user_id == user_id))
        conn.execute(sa.delete(Wishlist).where(Wishlist.user_id == user_id))


def _count_statements(engine: sa.Engine, fn) -> int:
    seen = []

    def record(*_args):
        seen.append(1)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def _timed(engine: sa.Engine, user_id: uuid.UUID, fn, repeat: int, warmup: int = 2) -> list[float]:
    """Milliseconds of ``fn()``, each run on an empty cart (emptying is not timed)."""
    out = []
    for i in range(warmup + repeat):
        _empty(engine, user_id)
        started = time.perf_counter()
        fn()
        elapsed = (time.perf_counter() - started) * 1000
        if i >= warmup:
            out.append(elapsed)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    # A database of its own: the other benchmarks' runs never rebuild it under this one.
    url = ensure_catalog(os.environ.get("MARQUE_BENCH_CART_DB", "marque_bench_cart"), products=20_000)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        skus = _skus(session, max(SIZES))
        user = User(email=f"bench-cart-{uuid.uuid4().hex[:10]}@example.com")
        session.add(user)
        session.commit()
    token = issue_token(user_id=user.id, role=user.role, email=user.email).access_token
    headers = {"Authorization": f"Bearer {token}"}
    results = {}
    try:
        with serve_api(url) as base, httpx.Client(base_url=base, timeout=60, headers=headers) as client:
            for size in SIZES:
                lines = [GuestLine(sku_id=s, quantity=1) for s in skus[:size]]
                payload_lines = [{"sku_id": s, "quantity": 1} for s in skus[:size]]

                def service_merge(lines=lines):
                    with Session(engine, expire_on_commit=False) as session:
                        result = cart.merge_guest(
                            session=session, user_id=user.id, merge_id=uuid.uuid4().hex, lines=lines, wishlist=[]
                        )
                    assert result.cart.total_items == len(lines), result.message

                def http_merge(payload_lines=payload_lines, size=size):
                    r = client.post("/api/v1/cart/merge", json={"merge_id": uuid.uuid4().hex, "lines": payload_lines})
                    assert r.status_code == 200 and r.json()["cart"]["total_items"] == size, r.text

                def per_line(payload_lines=payload_lines, size=size):
                    for line in payload_lines:
                        r = client.post("/api/v1/cart/items", json=line)
                        assert r.status_code == 200, r.text
                    r = client.get("/api/v1/cart")
                    assert r.json()["total_items"] == size

                _empty(engine, user.id)
                statements = _count_statements(engine, service_merge)
                service = figures(_timed(engine, user.id, service_merge, args.repeat))
                merged = figures(_timed(engine, user.id, http_merge, args.repeat))
                slow_repeat = max(3, min(args.repeat, 300 // size))
                seed = figures(_timed(engine, user.id, per_line, slow_repeat, warmup=1))
                ratio = round(seed["median_ms"] / merged["median_ms"], 1)
                results[size] = {
                    "service": service,
                    "http_merge": merged,
                    "http_per_line": seed,
                    "ratio": ratio,
                    "statements": statements,
                }
                report(
                    f"cart_merge_{size}",
                    lines=size,
                    statements=statements,
                    **service,
                    http_merge=merged,
                    http_per_line=seed,
                    ratio=ratio,
                )
    finally:
        with Session(engine) as session:
            session.execute(sa.delete(User).where(User.id == user.id))
            session.commit()
        engine.dispose()

    hundred = results[100]
    statements = {size: r["statements"] for size, r in results.items()}
    report(
        "cart_merge",
        median_ms=hundred["http_merge"]["median_ms"],
        p95_ms=hundred["http_merge"]["p95_ms"],
        service_p95_ms=hundred["service"]["p95_ms"],
        statements=statements,
        statements_constant=len(set(statements.values())) == 1,
        ratios={size: r["ratio"] for size, r in results.items()},
        per_size={
            size: {
                "service_median_ms": r["service"]["median_ms"],
                "service_p95_ms": r["service"]["p95_ms"],
                "http_merge_median_ms": r["http_merge"]["median_ms"],
                "http_merge_p95_ms": r["http_merge"]["p95_ms"],
                "http_per_line_median_ms": r["http_per_line"]["median_ms"],
            }
            for size, r in results.items()
        },
        target_p95_ms=TARGET_P95_MS,
        target_ratio=TARGET_RATIO,
        meets_targets=hundred["http_merge"]["p95_ms"] < TARGET_P95_MS and hundred["ratio"] >= TARGET_RATIO,
    )


if __name__ == "__main__":
    main()
