"""catalog search

Revision ID: 0002
Revises: 0001
Listing indexes and full-text search support: pg_trgm for did-you-mean on PostgreSQL (the seed's tsvector GIN index
exists since 0001); on SQLite, the FTS5 index the search service reads.

Create Date: 2026-11-21 14:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


# --- listing: indexes for the filtered, sorted product listing ---------------------------------


_LISTING_INDEXES = (
    ("idx_products_active_created", "products", ["created_at", "id"], "status = 'active'"),
    ("idx_products_active_price", "products", ["price", "id"], "status = 'active'"),
    ("idx_products_active_name", "products", ["name", "id"], "status = 'active'"),
    ("idx_products_active_rating", "products", ["rating_average", "id"], "status = 'active'"),
    ("idx_products_category_price", "products", ["category_id", "price", "id"], "status = 'active'"),
    ("idx_products_brand_price", "products", ["brand_id", "price", "id"], "status = 'active'"),
    ("idx_product_variants_in_stock", "product_variants", ["product_id"], "inventory_quantity > 0"),
)
_RELATED_ORDER = ["featured DESC", "rating_average DESC", "created_at DESC", "id"]
_RELATED_INDEXES = (
    ("idx_products_category_related", "category_id"),
    ("idx_products_brand_related", "brand_id"),
)


def _listing_upgrade() -> None:
    import sqlalchemy as sa

    for name, table, columns, where in _LISTING_INDEXES:
        op.create_index(
            name, table, columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where)
        )
    active = "status = 'active'"
    for name, first in _RELATED_INDEXES:
        op.create_index(
            name,
            "products",
            [first, *(sa.literal_column(c) for c in _RELATED_ORDER)],
            postgresql_where=sa.text(active),
            sqlite_where=sa.text(active),
        )


def _listing_downgrade() -> None:
    for name, _first in reversed(_RELATED_INDEXES):
        op.drop_index(name, table_name="products")
    for name, table, _columns, _where in reversed(_LISTING_INDEXES):
        op.drop_index(name, table_name=table)


# --- search: full-text (tsvector GIN on PostgreSQL, FTS5 on SQLite), did-you-mean -------------
#
# PostgreSQL: the seed's GIN index idx_products_search (0001) serves the full-text match; here
# pg_trgm and ``search_terms``, the vocabulary did-you-mean looks misspellings up in (the words of
# product, brand and category names, trigram-indexed). Statement-level triggers with transition
# tables keep it filled, COPY included, at one INSERT ... SELECT per statement. A word is never
# removed: the service checks that a suggestion finds something before offering it.
#
# SQLite: ``products_fts``, an FTS5 table (porter stemming) over name, description, brand and
# category, keyed by product id (rowids of a table without an INTEGER PRIMARY KEY may change on
# VACUUM), kept in sync by triggers on products, brands and categories; ``products_fts_terms``
# (fts5vocab) lists its terms for did-you-mean. None of these objects is a model:
# migrations.include_object leaves them out of the drift check.

_PG_TERM_TRIGGERS = ("products", "brands", "categories")

_SQLITE_FTS_ROW = """
    INSERT INTO products_fts (product_id, name, description, brand, category)
    SELECT new.id, new.name, coalesce(new.description, ''),
           coalesce((SELECT name FROM brands WHERE id = new.brand_id), ''),
           coalesce((SELECT name FROM categories WHERE id = new.category_id), '');
"""

_SQLITE_TRIGGERS = {
    "products_fts_insert": f"""
        CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
        {_SQLITE_FTS_ROW}
        END""",
    "products_fts_update": f"""
        CREATE TRIGGER products_fts_update
        AFTER UPDATE OF id, name, description, brand_id, category_id ON products BEGIN
        DELETE FROM products_fts WHERE product_id = old.id;
        {_SQLITE_FTS_ROW}
        END""",
    "products_fts_delete": """
        CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
        DELETE FROM products_fts WHERE product_id = old.id;
        END""",
    "brands_fts_update": """
        CREATE TRIGGER brands_fts_update AFTER UPDATE OF name ON brands BEGIN
        UPDATE products_fts SET brand = new.name
        WHERE product_id IN (SELECT id FROM products WHERE brand_id = new.id);
        END""",
    "brands_fts_delete": """
        CREATE TRIGGER brands_fts_delete AFTER DELETE ON brands BEGIN
        UPDATE products_fts SET brand = ''
        WHERE product_id IN (SELECT id FROM products WHERE brand_id = old.id);
        END""",
    "categories_fts_update": """
        CREATE TRIGGER categories_fts_update AFTER UPDATE OF name ON categories BEGIN
        UPDATE products_fts SET category = new.name
        WHERE product_id IN (SELECT id FROM products WHERE category_id = new.id);
        END""",
    "categories_fts_delete": """
        CREATE TRIGGER categories_fts_delete AFTER DELETE ON categories BEGIN
        UPDATE products_fts SET category = ''
        WHERE product_id IN (SELECT id FROM products WHERE category_id = old.id);
        END""",
}


def _search_upgrade() -> None:
    if _is_postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE TABLE search_terms (term varchar(100) PRIMARY KEY)")
        op.execute(
            "CREATE INDEX idx_search_terms_trgm ON search_terms USING gin (term gin_trgm_ops)"
        )
        op.execute(
            """
            CREATE FUNCTION search_terms_add() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO search_terms (term)
                SELECT DISTINCT w
                FROM new_rows, regexp_split_to_table(lower(new_rows.name), '[^[:alpha:]]+') AS w
                WHERE length(w) BETWEEN 3 AND 100
                ON CONFLICT DO NOTHING;
                RETURN NULL;
            END $$"""
        )
        for table in _PG_TERM_TRIGGERS:
            for event in ("insert", "update"):
                op.execute(
                    f"CREATE TRIGGER {table}_search_terms_{event} AFTER {event.upper()} ON {table} "
                    "REFERENCING NEW TABLE AS new_rows "
                    "FOR EACH STATEMENT EXECUTE FUNCTION search_terms_add()"
                )
        op.execute(
            """
            INSERT INTO search_terms (term)
            SELECT DISTINCT w
            FROM (SELECT name FROM products UNION SELECT name FROM brands
                  UNION SELECT name FROM categories) AS n,
                 regexp_split_to_table(lower(n.name), '[^[:alpha:]]+') AS w
            WHERE length(w) BETWEEN 3 AND 100
            ON CONFLICT DO NOTHING"""
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE products_fts USING fts5("
            "product_id UNINDEXED, name, description, brand, category, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        op.execute("CREATE VIRTUAL TABLE products_fts_terms USING fts5vocab(products_fts, 'row')")
        for ddl in _SQLITE_TRIGGERS.values():
            op.execute(ddl)
        op.execute(
            """
            INSERT INTO products_fts (product_id, name, description, brand, category)
            SELECT p.id, p.name, coalesce(p.description, ''), coalesce(b.name, ''),
                   coalesce(c.name, '')
            FROM products AS p
            LEFT JOIN brands AS b ON b.id = p.brand_id
            LEFT JOIN categories AS c ON c.id = p.category_id"""
        )


def _search_downgrade() -> None:
    if _is_postgresql():
        for table in _PG_TERM_TRIGGERS:
            for event in ("insert", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_search_terms_{event} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS search_terms_add()")
        op.execute("DROP TABLE IF EXISTS search_terms")
        op.execute("DROP EXTENSION IF EXISTS pg_trgm")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS products_fts_terms")
        op.execute("DROP TABLE IF EXISTS products_fts")


def upgrade() -> None:
    _listing_upgrade()
    _search_upgrade()


def downgrade() -> None:
    _search_downgrade()
    _listing_downgrade()
