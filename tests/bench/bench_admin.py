"""How fast the admin's aggregate pages answer on a store with a real order history.

Run: ``.venv/bin/python -m tests.bench.bench_admin [--orders 100000] [--repeat 30]``.
On a scratch PostgreSQL database of its own (created on the ``MARQUE_BENCH_DATABASE_URL`` server,
default the local test server; migrated; dropped at the end) filled in SQL with 10,000 customers,
1,000 products and ``--orders`` orders of 1-5 lines spread over the last 180 days (about one in
ten cancelled or refunded, one in five a guest's). Then, each called directly ``--repeat`` times:

- ``dashboard``: today / 7 / 30 days, the 30-day series, orders by status, top products, low stock,
  sold-out demand (what ``/admin`` and ``GET /api/v1/admin/dashboard`` compute);
- ``report`` sales by day, by product and by customer over the last 30 and the last 366 days;
- ``list_orders``: the first page, a search by order number and by e-mail, a status + date filter;
- ``search_customers`` by part of an e-mail and of a name.

One JSON line per query; the last line is the summary (the dashboard's figures as median/p95).
"""

from __future__ import annotations

import argparse
import os
import time

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.admin import Paging
from marque_app.models.types import utcnow
from marque_app.services import migrations
from marque_app.services.admin import customers as admin_customers
from marque_app.services.admin import orders as admin_orders
from marque_app.services.admin import reports
from marque_app.services.db import make_engine
from tests.bench.common import figures, report, server_url, timings

CUSTOMERS = 10_000
PRODUCTS = 1_000

FILL = [
    # customers and products (one SKU each; one in twenty sold out)
    f"""INSERT INTO users (id, email, first_name, last_name, role)
        SELECT gen_random_uuid(), 'bench' || i || '@example.com', 'Bench', 'Buyer ' || i, 'customer'
        FROM generate_series(1, {CUSTOMERS}) AS i""",
    f"""INSERT INTO products (id, name, slug, sku, price, status, inventory_quantity, low_stock_threshold)
        SELECT gen_random_uuid(), 'Bench product ' || i, 'bench-product-' || i, 'BP-' || i,
               (10 + i % 90)::numeric, 'active', CASE WHEN i % 20 = 0 THEN 0 ELSE 50 END, 5
        FROM generate_series(1, {PRODUCTS}) AS i""",
    """INSERT INTO product_variants (id, product_id, sku, name, inventory_quantity, attributes)
       SELECT gen_random_uuid(), id, sku || '-M', 'Size M', inventory_quantity, '{"size": "M"}'
       FROM products WHERE sku LIKE 'BP-%'""",
    # orders: created over 180 days; status mostly delivered; 20 % guests
    """CREATE TEMP TABLE bench_users AS
       SELECT row_number() OVER (ORDER BY id) AS n, id FROM users WHERE email LIKE 'bench%@example.com'""",
    """CREATE TEMP TABLE bench_skus AS
       SELECT row_number() OVER (ORDER BY substring(p.sku from 4)::int) AS n, p.id AS product_id, v.id AS variant_id, p.name, v.sku, p.price
       FROM products p JOIN product_variants v ON v.product_id = p.id WHERE p.sku LIKE 'BP-%'""",
    """INSERT INTO orders (id, order_number, user_id, guest_email, status, payment_status, subtotal, total_amount,
                          shipping_amount, shipping_address, billing_address, created_at, updated_at)
       SELECT gen_random_uuid(), 'MQ-B' || lpad(i::text, 7, '0'),
              CASE WHEN i % 5 = 0 THEN NULL ELSE (SELECT id FROM bench_users WHERE n = 1 + (i * 7919) % :customers) END,
              CASE WHEN i % 5 = 0 THEN 'guest' || i || '@example.com' END,
              (ARRAY['delivered','delivered','delivered','shipped','processing','pending','delivered','delivered',
                     'cancelled','refunded'])[1 + i % 10]::order_status,
              'paid', 0, 0, 5,
              '{"first_name": "Bench", "city": "Springfield", "country": "US"}',
              '{"first_name": "Bench", "city": "Springfield", "country": "US"}',
              now() - (random() * interval '180 days'), now()
       FROM generate_series(1, :orders) AS i""",
    """INSERT INTO order_items (id, order_id, product_id, product_variant_id, product_name, product_sku,
                               product_snapshot, quantity, unit_price, total_price, status, created_at)
       SELECT gen_random_uuid(), o.id, s.product_id, s.variant_id, s.name, s.sku, '{}', 1 + k % 3, s.price,
              s.price * (1 + k % 3), o.status, o.created_at
       FROM orders o
       CROSS JOIN LATERAL generate_series(1, 1 + abs(hashtext(o.order_number)) % 5) AS k
       JOIN bench_skus s ON s.n = 1 + abs(hashtext(o.order_number || k)) % :products
       WHERE o.order_number LIKE 'MQ-B%'""",
    """UPDATE orders o SET subtotal = t.s, total_amount = t.s + 5
       FROM (SELECT order_id, sum(total_price) AS s FROM order_items GROUP BY order_id) t
       WHERE t.order_id = o.id AND o.order_number LIKE 'MQ-B%'""",
    # demand for sold-out SKUs: carts and wishlists of 2,000 customers
    """INSERT INTO cart_items (id, user_id, product_id, product_variant_id, quantity, unit_price, added_at, updated_at)
       SELECT gen_random_uuid(), u.id, s.product_id, s.variant_id, 1, s.price, now(), now()
       FROM bench_users u JOIN bench_skus s ON s.n = 20 * (1 + u.n % 50)
       WHERE u.n <= 2000""",
    """INSERT INTO wishlists (id, user_id, product_id, added_at)
       SELECT gen_random_uuid(), u.id, s.product_id, now()
       FROM bench_users u JOIN bench_skus s ON s.n = 20 * (1 + (u.n * 3) % 50)
       WHERE u.n <= 2000""",
    "ANALYZE",
]


def fill(engine: sa.Engine, orders: int) -> dict[str, int]:
    started = time.perf_counter()
    with engine.begin() as conn:
        for statement in FILL:
            conn.execute(sa.text(statement), {"orders": orders, "customers": CUSTOMERS, "products": PRODUCTS})
        counts = {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("orders", "order_items", "users", "products", "cart_items", "wishlists")
        }
    counts["fill_s"] = round(time.perf_counter() - started, 1)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("MARQUE_ENV", "test")
    os.environ["MARQUE_TEST_DATABASE_URL"] = server_url()
    from tests.dbutil import scratch_database

    results: dict[str, dict] = {}
    with scratch_database(None) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        try:
            counts = fill(engine, args.orders)
            print(f"filled: {counts}")
            today = utcnow().date()
            month_ago, year_ago = today.replace(day=1), today.replace(year=today.year - 1)
            sample = "MQ-B" + str(args.orders // 2).rjust(7, "0")
            with Session(engine) as session:
                cases = {
                    "dashboard": lambda: reports.dashboard(session=session),
                    "report_sales_30d": lambda: reports.report(session=session, kind="sales"),
                    "report_products_30d": lambda: reports.report(session=session, kind="products"),
                    "report_customers_30d": lambda: reports.report(session=session, kind="customers"),
                    "report_sales_366d": lambda: reports.report(
                        session=session,
                        kind="sales",
                        date_from=year_ago.isoformat() if year_ago else "",
                        date_to=today.isoformat(),
                    ),
                    "report_products_366d": lambda: reports.report(
                        session=session, kind="products", date_from=str(year_ago), date_to=str(today)
                    ),
                    "report_customers_366d": lambda: reports.report(
                        session=session, kind="customers", date_from=str(year_ago), date_to=str(today)
                    ),
                    "orders_first_page": lambda: admin_orders.list_orders(session=session, paging=Paging(1, 20)),
                    "orders_by_number": lambda: admin_orders.list_orders(
                        session=session, paging=Paging(1, 20), q=sample
                    ),
                    "orders_status_and_dates": lambda: admin_orders.list_orders(
                        session=session,
                        paging=Paging(1, 20),
                        status="shipped",
                        date_from=str(month_ago),
                        date_to=str(today),
                    ),
                    "orders_by_email": lambda: admin_orders.list_orders(
                        session=session, paging=Paging(1, 20), q="bench4242@"
                    ),
                    "customers_by_email": lambda: admin_customers.search_customers(
                        session=session, paging=Paging(1, 20), q="bench4242@"
                    ),
                    "customers_by_name": lambda: admin_customers.search_customers(
                        session=session, paging=Paging(1, 20), q="buyer 4242"
                    ),
                }
                for name, fn in cases.items():
                    results[name] = figures(timings(fn, repeat=args.repeat))
                    session.rollback()
                    report(f"admin.{name}", **results[name])
                dash = reports.dashboard(session=session)
                demand = len(dash.sold_out_demand)
        finally:
            engine.dispose()
    report(
        "admin",
        median_ms=results["dashboard"]["median_ms"],
        p95_ms=results["dashboard"]["p95_ms"],
        orders=args.orders,
        order_items=counts["order_items"],
        fill_s=counts["fill_s"],
        sold_out_rows=demand,
        median_ms_by_query={k: v["median_ms"] for k, v in results.items()},
        p95_ms_by_query={k: v["p95_ms"] for k, v in results.items()},
    )


if __name__ == "__main__":
    main()
