"""The Alembic migrations build the schema of the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import marque_app.models as models
from marque_app.services import migrations
from marque_app.services.db import make_engine
from tests.dbutil import scratch_database


def _diff(conn) -> list:
    mc = MigrationContext.configure(
        conn,
        opts={"compare_type": True, "include_object": migrations.include_object(conn.dialect.name)},
    )
    return compare_metadata(mc, models.metadata)


def test_migrations_and_models_agree(tmp_path):
    with scratch_database(tmp_path) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                assert migrations.current_revision(conn) == migrations.head_revision()
                assert _diff(conn) == []
        finally:
            engine.dispose()


def test_downgrade_to_empty_and_back(tmp_path):
    with scratch_database(tmp_path) as url:
        migrations.upgrade(url)
        from alembic import command

        command.downgrade(migrations.alembic_config(url), "base")
        engine = make_engine(url)
        try:
            tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
            assert tables == set()
        finally:
            engine.dispose()
        migrations.upgrade(url)


def test_every_seed_table_exists(engine):
    expected = {
        "users",
        "addresses",
        "categories",
        "brands",
        "products",
        "product_images",
        "product_variants",
        "cart_items",
        "orders",
        "order_items",
        "payments",
        "product_reviews",
        "wishlists",
        "coupons",
        "coupon_usage",
        "inventory_movements",
        "returns",
        "return_items",
        "analytics_events",
    }
    assert expected <= set(sa.inspect(engine).get_table_names())


def test_postgresql_has_partial_and_full_text_indexes(engine):
    inspector = sa.inspect(engine)
    names = {ix["name"] for ix in inspector.get_indexes("products")}
    assert {"idx_products_status", "idx_products_category", "idx_products_brand"} <= names
    if engine.dialect.name == "postgresql":
        assert "idx_products_search" in names
        with engine.connect() as conn:
            ddl = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_products_category'"
            ).scalar_one()
        assert "WHERE (status = 'active'" in ddl


def test_postgresql_listing_indexes_cover_the_filtered_count(engine):
    # Autogenerate does not compare INCLUDE lists, so the columns are checked here: the count of
    # a category or brand listing with the in-stock filter must stay an index-only scan (0011).
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        rows = dict(
            conn.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
                "('idx_products_category_price', 'idx_products_brand_price')"
            ).all()
        )
    covered = "track_inventory, allow_backorder, inventory_quantity, rating_average)"
    assert f"INCLUDE (brand_id, {covered}" in rows["idx_products_category_price"]
    assert f"INCLUDE (category_id, {covered}" in rows["idx_products_brand_price"]
