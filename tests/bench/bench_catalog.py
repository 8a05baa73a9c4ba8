"""How fast the catalog browses a 100,000-product PostgreSQL catalog: database and HTTP.

Run: ``.venv/bin/python -m tests.bench.bench_catalog [--repeat 200]``. It uses the kept benchmark
database of ``tests.bench.common.ensure_catalog()`` (built on first use), then times, without
any cache:

- ``listing_unfiltered``: the first page of all products (newest first), with its total;
- ``listing_filtered``: a department (subcategories included) + brand + price range + in stock,
  sorted by price;
- ``listing_leaf_by_price``: one leaf category sorted by price, a later page;
- ``product_page``: the product page's queries (``product_detail``), over many products;
- the same three through HTTP: the API served by granian on a free loopback port, timed with
  httpx (``http_*``);
- ``cached_*``: the listings through the Redis cache, when Redis answers at 127.0.0.1:6379.

Every SQL statement the services run is EXPLAINed; any sequential scan over products or
product_variants is reported in ``seq_scans`` (there must be none). Each bench prints one JSON
line; the last line is the summary with the targets (p95 under 20 ms for the database work,
under 60 ms over HTTP).
"""

from __future__ import annotations

import argparse
import random
import uuid
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.domain.listing import ListingQuery
from marque_app.models import Brand, Category, Product
from marque_app.services import listing
from marque_app.services.catalog import product_detail
from marque_app.services.db import make_engine
from tests.bench.common import ensure_catalog, figures, report, serve_api, timings

DB_TARGET_MS = 20.0
HTTP_TARGET_MS = 60.0
REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parents[2]


def scenarios(session: Session) -> dict[str, object]:
    """The queries to time, picked from the data: the biggest department, a brand, slugs."""
    categories = session.exec(select(Category)).all()
    by_parent: dict = {}
    for c in categories:
        by_parent.setdefault(c.parent_id, []).append(c)
    counts = dict(
        session.exec(
            select(Product.category_id, sa.func.count()).where(Product.status == "active").group_by(Product.category_id)
        ).all()
    )

    def total(category) -> int:
        return counts.get(category.id, 0) + sum(total(k) for k in by_parent.get(category.id, []))

    department = max(by_parent.get(None, []), key=total)
    leaf = max((c for c in categories if c.parent_id is not None), key=lambda c: counts.get(c.id, 0))
    brand = session.exec(select(Brand).order_by(Brand.name)).first()
    slugs = session.exec(select(Product.slug).where(Product.status == "active").order_by(Product.id).limit(2000)).all()
    return {
        "department": department.slug,
        "department_products": total(department),
        "leaf": leaf.slug,
        "brand": brand.slug,
        "slugs": list(slugs),
        "queries": {
            "listing_unfiltered": ListingQuery(),
            "listing_filtered": ListingQuery(
                category=department.slug,
                brand=brand.slug,
                min_price=Decimal("20"),
                max_price=Decimal("120"),
                in_stock=True,
                sort="price",
                order="asc",
            ),
            "listing_leaf_by_price": ListingQuery(category=leaf.slug, sort="price", order="desc", page=5),
        },
    }


@contextmanager
def recorded(engine: sa.Engine):
    """Collects (statement, parameters) of everything run on ``engine`` inside the block."""
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def seq_scans(engine: sa.Engine, statements: list[tuple[str, object]]) -> list[str]:
    """The sequential scans over products / product_variants in the plans of ``statements``."""
    found = []
    with engine.connect() as conn:
        for statement, parameters in statements:
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            for table in ("products", "product_variants"):
                if f"Seq Scan on {table} " in plan + " ":
                    found.append(f"{table}: {' '.join(statement.split())[:160]}")
    return found


def plans(engine: sa.Engine, statements: list[tuple[str, object]]) -> str:
    with engine.connect() as conn:
        return "\n\n".join(
            " ".join(s.split())[:300] + "\n" + "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN ANALYZE " + s, p))
            for s, p in statements
        )


# --- HTTP -------------------------------------------------------------------------------------


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each query")
    args = parser.parse_args()
    rng = random.Random(3)

    url = ensure_catalog()
    engine = make_engine(url)
    # The steady state autovacuum reaches soon after a bulk load: visibility map set, so counts
    # can be index-only scans.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) products, product_variants, product_images")
    results: dict[str, dict] = {}
    found_scans: list[str] = []
    try:
        with Session(engine) as session:
            setup = scenarios(session)
        slugs = setup["slugs"]

        def run_listing(query):
            with Session(engine) as session:
                return listing.list_products(session=session, query=query)

        def run_product():
            with Session(engine) as session:
                return product_detail(session=session, slug=rng.choice(slugs))

        for name, query in setup["queries"].items():
            with recorded(engine) as statements:
                page = run_listing(query)
            found_scans += seq_scans(engine, statements)
            if args.explain:
                print(f"### {name}\n{plans(engine, statements)}\n", flush=True)
            results[name] = figures(timings(lambda q=query: run_listing(q), repeat=args.repeat))
            report(name, **results[name], total=page.total, params=query.to_params())

        with recorded(engine) as statements:
            run_product()
        found_scans += seq_scans(engine, statements)
        if args.explain:
            print(f"### product_page\n{plans(engine, statements)}\n", flush=True)
        results["product_page"] = figures(timings(run_product, repeat=args.repeat))
        report("product_page", **results["product_page"], queries=len(statements))

        with serve_api(url, ready_path="/api/v1/categories") as base, httpx.Client(base_url=base, timeout=10) as client:
            paths = {
                "http_listing_unfiltered": lambda: "/api/v1/products",
                "http_listing_filtered": lambda: (
                    "/api/v1/products?" + httpx.QueryParams(setup["queries"]["listing_filtered"].to_params()).__str__()
                ),
                "http_product_page": lambda: f"/api/v1/products/{rng.choice(slugs)}",
            }
            for name, path in paths.items():

                def get(path=path):
                    response = client.get(path())
                    assert response.status_code == 200, response.text[:200]

                results[name] = figures(timings(get, repeat=args.repeat))
                report(name, **results[name])

        cached = cached_figures(engine, setup, args.repeat)
        for name, values in cached.items():
            report(name, **values)
    finally:
        engine.dispose()

    db_names = ["listing_unfiltered", "listing_filtered", "listing_leaf_by_price", "product_page"]
    http_names = [n for n in results if n.startswith("http_")]
    ok = (
        all(results[n]["p95_ms"] < DB_TARGET_MS for n in db_names)
        and all(results[n]["p95_ms"] < HTTP_TARGET_MS for n in http_names)
        and not found_scans
    )
    report(
        "catalog",
        median_ms=max(results[n]["median_ms"] for n in results),
        p95_ms=max(results[n]["p95_ms"] for n in results),
        db_p95_ms={n: results[n]["p95_ms"] for n in db_names},
        http_p95_ms={n: results[n]["p95_ms"] for n in http_names},
        targets_ms={"db_p95": DB_TARGET_MS, "http_p95": HTTP_TARGET_MS},
        seq_scans=found_scans,
        department=setup["department"],
        department_products=setup["department_products"],
        ok=ok,
    )


def cached_figures(engine: sa.Engine, setup: dict, repeat: int) -> dict[str, dict]:
    """The listings through the Redis cache (hits), when Redis answers; {} otherwise."""
    import redis as redis_lib

    from marque_app.services.cache import CatalogCache

    client = redis_lib.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis_lib.RedisError:
        return {}
    prefix = f"marque-bench-{uuid.uuid4().hex[:8]}:"
    cache = CatalogCache(client, prefix=prefix)
    out = {}
    try:
        for name, query in setup["queries"].items():

            def run(query=query):
                with Session(engine) as session:
                    return listing.list_products(session=session, query=query, cache=cache)

            out[f"cached_{name}"] = figures(timings(run, repeat=repeat))
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
    return out


if __name__ == "__main__":
    main()
