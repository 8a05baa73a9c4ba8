"""A large synthetic catalog (100,000 products and their variants) for benchmarks.

Rows are made in Python and written in bulk: ``COPY`` on PostgreSQL, ``executemany`` in
chunks elsewhere. The demo store is loaded first when the database is empty, and its categories,
brands and pictures are reused.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.models import Brand, Category, Product, ProductImage, ProductVariant
from marque_app.services import cache
from marque_app.services import seed as demo

PRODUCT_COLS = (
    "id",
    "name",
    "slug",
    "description",
    "short_description",
    "sku",
    "price",
    "compare_price",
    "track_inventory",
    "inventory_quantity",
    "low_stock_threshold",
    "allow_backorder",
    "category_id",
    "brand_id",
    "meta_title",
    "meta_description",
    "status",
    "featured",
    "requires_shipping",
    "is_digital",
    "rating_average",
    "review_count",
    "published_at",
    "created_at",
    "updated_at",
)
VARIANT_COLS = (
    "id",
    "product_id",
    "sku",
    "name",
    "price",
    "inventory_quantity",
    "attributes",
    "sort_order",
    "created_at",
)
IMAGE_COLS = ("id", "product_id", "url", "alt_text", "sort_order", "created_at")


def generate(*, session: Session, products: int = 100_000, seed: int = 7) -> dict[str, float]:
    """Add ``products`` active products (1-6 variants each) to the catalog.

    Args:
        session: an open session on the target database; committed here.
        products: how many products to add.
        seed: random seed (the same seed gives the same rows).

    Returns:
        Counts of rows written and the seconds it took.
    """
    started = time.perf_counter()
    if demo.is_empty(session=session):
        demo.load_demo(session=session)
        session.commit()
    rng = random.Random(seed)
    kinds = {kind.slug: kind for _, _, _, subs in demo.TREE for kind in subs}
    leaves = session.exec(select(Category).where(Category.parent_id.is_not(None))).all()
    leaves = [c for c in leaves if c.slug in kinds]
    brands = session.exec(select(Brand)).all()
    pictures: dict[uuid.UUID, list[str]] = defaultdict(list)
    for category_id, url in session.exec(
        select(Product.category_id, ProductImage.url).join(ProductImage, ProductImage.product_id == Product.id)
    ):
        pictures[category_id].append(url)  # type: ignore[index]  # the join leaves products with a category
    batch = uuid.uuid4().hex[:6]

    product_rows, variant_rows, image_rows = [], [], []
    for n in range(products):
        category = leaves[n % len(leaves)]
        kind = kinds[category.slug]
        brand = brands[rng.randrange(len(brands))]
        noun = kind.nouns[rng.randrange(len(kind.nouns))]
        name = (
            f"{demo.ADJECTIVES[rng.randrange(len(demo.ADJECTIVES))]} "
            f"{demo.MATERIALS[rng.randrange(len(demo.MATERIALS))]} {noun} {n + 1}"
        )
        pid = uuid.uuid4()
        price = Decimal(rng.randrange(kind.price[0] * 100, kind.price[1] * 100 + 1)) / 100
        compare = (price * Decimal("1.25")).quantize(Decimal("0.01")) if rng.random() < 0.2 else None
        created = demo.ANCHOR - timedelta(days=rng.randrange(0, 720), seconds=rng.randrange(86400))
        sku = f"GEN-{batch}-{n + 1:06d}"
        colours = rng.sample(demo.COLOURS, k=rng.choice((1, 2, 3)))
        combos = [(c, s) for c in colours for s in kind.sizes][: rng.randint(1, 6)]
        stock_total = 0
        for v, (colour, size) in enumerate(combos):
            stock = 0 if rng.random() < 0.08 else rng.randint(1, 150)
            stock_total += stock
            variant_rows.append(
                (
                    uuid.uuid4(),
                    pid,
                    f"{sku}-{v + 1}",
                    f"{colour} / {size}",
                    None,
                    stock,
                    json.dumps({"size": size, "color": colour}),
                    v,
                    created,
                )
            )
        rating = Decimal(rng.randint(25, 50)) / 10 if rng.random() < 0.7 else Decimal(0)
        product_rows.append(
            (
                pid,
                name,
                f"{demo.slugify(name)}-{batch}",
                f"{name} by {brand.name}. {brand.description}",
                f"{noun} by {brand.name}.",
                sku,
                price,
                compare,
                True,
                stock_total,
                5,
                False,
                category.id,
                brand.id,
                f"{name} | {brand.name}",
                f"Shop the {name} by {brand.name}.",
                "active",
                rng.random() < 0.01,
                True,
                False,
                rating,
                rng.randint(1, 40) if rating else 0,
                created,
                created,
                created,
            )
        )
        urls = pictures.get(category.id) or ["/products/placeholder.svg"]
        image_rows.append((uuid.uuid4(), pid, urls[rng.randrange(len(urls))], name, 0, created))

    made = time.perf_counter()
    bind = session.connection()
    if bind.dialect.name == "postgresql":
        # GIN indexes are much cheaper to build once than to maintain row by row.
        gin = [
            ix
            for table in (Product.__table__, ProductVariant.__table__)
            for ix in table.indexes
            if ix.info.get("pg_only")
        ]
        for index in gin:
            bind.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
        _copy(bind, "products", PRODUCT_COLS, product_rows)
        _copy(bind, "product_variants", VARIANT_COLS, variant_rows)
        _copy(bind, "product_images", IMAGE_COLS, image_rows)
        for index in gin:
            bind.execute(sa.schema.CreateIndex(index))
        bind.exec_driver_sql("ANALYZE products; ANALYZE product_variants; ANALYZE product_images")
    else:
        _insert(bind, Product.__table__, PRODUCT_COLS, product_rows)
        _insert(bind, ProductVariant.__table__, VARIANT_COLS, variant_rows)
        _insert(bind, ProductImage.__table__, IMAGE_COLS, image_rows)
    postgres = bind.dialect.name == "postgresql"
    session.commit()
    engine = session.get_bind()
    if postgres and isinstance(engine, sa.Engine):  # committed for real (not a caller's savepoint)
        # Rows just copied in have no visibility map yet: until autovacuum gets to them the
        # listings' counts read the heap (a listing's first page took 49 ms on 100,000 products
        # with a sequential scan, 6 ms after). VACUUM runs outside a transaction.
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM (ANALYZE) products, product_variants, product_images"
            )
    cache.invalidate_products()
    return {
        "products": len(product_rows),
        "variants": len(variant_rows),
        "images": len(image_rows),
        "build_s": round(made - started, 2),
        "write_s": round(time.perf_counter() - made, 2),
    }


def _copy(conn: sa.Connection, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    cursor = conn.connection.dbapi_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert(conn: sa.Connection, table: sa.Table, cols: tuple[str, ...], rows: list[tuple]) -> None:
    stmt = table.insert()
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        conn.execute(stmt, [dict(zip(cols, _sqlite_row(r), strict=True)) for r in chunk])


def _sqlite_row(row: tuple) -> tuple:
    return tuple(json.loads(v) if isinstance(v, str) and v.startswith("{") else v for v in row)


__all__ = ["generate"]
