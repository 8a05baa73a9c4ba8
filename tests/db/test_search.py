"""Full-text search against a real database: PostgreSQL (tsvector GIN, pg_trgm) or SQLite (FTS5).

Each test runs in a transaction that is rolled back; the index triggers fire inside it.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import select

from marque_app.models import Brand, Category, Product, ProductStatus
from marque_app.services import search as search_service
from marque_app.services.generator import generate
from marque_app.services.search import MAX_QUERY_LENGTH, TOO_LONG, did_you_mean, search, suggest

_serial = itertools.count(1)


def add_brand(session, name) -> Brand:
    brand = Brand(name=name, slug=f"brand-{next(_serial)}")
    session.add(brand)
    session.flush()
    return brand


def add_category(session, name) -> Category:
    category = Category(name=name, slug=f"category-{next(_serial)}")
    session.add(category)
    session.flush()
    return category


def add_product(session, name, *, description=None, brand=None, category=None, **extra) -> Product:
    n = next(_serial)
    product = Product(
        name=name,
        slug=f"p-{n}",
        sku=f"SRCH-{n}",
        price=Decimal("20.00"),
        description=description,
        brand_id=brand.id if brand else None,
        category_id=category.id if category else None,
        status=extra.pop("status", ProductStatus.active),
        **extra,
    )
    session.add(product)
    session.flush()
    return product


def names(page) -> list[str]:
    return [c.name for c in page.products]


@pytest.fixture
def shop(session):
    """A small catalog: a brand, two categories, products with words in different places."""
    fjell = add_brand(session, "Fjellstad")
    boots = add_category(session, "Hiking Boots")
    mugs = add_category(session, "Camp Mugs")
    add_product(session, "Trail Boot", description="Waterproof leather.", category=boots)
    add_product(session, "Summit Parka", description="Warm enough for a trail at dawn.")
    add_product(session, "Enamel Cup", brand=fjell, category=mugs)
    add_product(session, "Draft Trail Boot", status=ProductStatus.draft, category=boots)
    add_product(session, "Archived Trail Boot", status=ProductStatus.archived)
    return {"brand": fjell, "boots": boots, "mugs": mugs}


def test_name_hits_rank_above_description_hits_and_hidden_products_never_show(session, shop):
    page = search(session=session, query="trail")
    assert names(page) == ["Trail Boot", "Summit Parka"]
    assert (page.total, page.pages, page.page, page.query) == (2, 1, 1, "trail")
    assert page.products[0].slug.startswith("p-") and page.products[0].price == "$20.00"


def test_brand_and_category_names_find_their_products(session, shop):
    assert names(search(session=session, query="fjellstad")) == ["Enamel Cup"]
    # a category's name finds its products although neither name nor description says it
    assert names(search(session=session, query="mugs")) == ["Enamel Cup"]
    assert "Trail Boot" in names(search(session=session, query="hiking"))


def test_every_word_must_match_and_words_are_stemmed(session, shop):
    assert names(search(session=session, query="trail boot")) == ["Trail Boot"]
    assert names(search(session=session, query="BOOTS")) == ["Trail Boot"]
    assert search(session=session, query="trail mug").total == 0


def test_pages_and_a_page_past_the_end(session):
    for n in range(5):
        add_product(session, f"Quokka Tote {n}")
    first = search(session=session, query="quokka", per_page=2)
    assert (first.total, first.pages, len(first.products)) == (5, 3, 2)
    last = search(session=session, query="quokka", page=3, per_page=2)
    assert len(last.products) == 1
    seen = names(first) + names(search(session=session, query="quokka", page=2, per_page=2))
    assert len(set(seen + names(last))) == 5
    past = search(session=session, query="quokka", page=9, per_page=2)
    assert (past.products, past.total, past.pages, past.page) == ([], 5, 3, 9)


def test_the_index_follows_inserts_updates_and_deletes(session, shop):
    product = add_product(session, "Zephyr Lantern")
    assert names(search(session=session, query="zephyr")) == ["Zephyr Lantern"]

    product.name = "Nimbus Lantern"
    session.add(product)
    session.flush()
    assert search(session=session, query="zephyr").total == 0
    assert names(search(session=session, query="nimbus")) == ["Nimbus Lantern"]

    product.status = ProductStatus.archived
    session.add(product)
    session.flush()
    assert search(session=session, query="nimbus").total == 0

    product.status = ProductStatus.active
    product.brand_id = shop["brand"].id
    session.add(product)
    session.flush()
    assert "Nimbus Lantern" in names(search(session=session, query="fjellstad"))

    session.delete(product)
    session.flush()
    assert search(session=session, query="nimbus").total == 0


def test_renaming_a_brand_or_category_moves_its_products(session, shop):
    shop["brand"].name = "Vindur"
    shop["mugs"].name = "Tumblers"
    session.add_all([shop["brand"], shop["mugs"]])
    session.flush()
    assert names(search(session=session, query="vindur")) == ["Enamel Cup"]
    assert names(search(session=session, query="tumblers")) == ["Enamel Cup"]
    assert search(session=session, query="fjellstad").total == 0


def test_did_you_mean_offers_a_spelling_that_finds_products(session, shop):
    add_product(session, "Organic Cotton Hoodie")
    page = search(session=session, query="cottn", correct=False)
    assert page.total == 0
    assert page.did_you_mean == "cotton"
    assert names(search(session=session, query=page.did_you_mean)) == ["Organic Cotton Hoodie"]
    # by default a query that finds nothing is answered with its one correction's results
    shown = search(session=session, query="cottn")
    assert (shown.query, shown.corrected_from, shown.did_you_mean) == ("cotton", "cottn", "")
    assert names(shown) == ["Organic Cotton Hoodie"] and shown.total == 1
    assert did_you_mean(session=session, query="organic cotonn") == "organic cotton"
    # nothing to correct, or nothing close: no suggestion
    assert search(session=session, query="trail").did_you_mean == ""
    assert did_you_mean(session=session, query="xqzvw") == ""


def test_a_word_finds_its_synonyms_and_plurals(session, shop):
    """ "sweater" finds sweatshirts and jumpers (synonyms), "sweaters" too; the other words of
    the query still have to match (issue 15)."""
    add_product(session, "Loopback Cotton Sweatshirt")
    add_product(session, "Merino Jumper", description="A warm navy knit.")
    add_product(session, "Navy Zip Hoodie")
    add_product(session, "Cotton Tote")
    found = names(search(session=session, query="sweater"))
    assert sorted(found) == ["Loopback Cotton Sweatshirt", "Merino Jumper", "Navy Zip Hoodie"]
    assert sorted(names(search(session=session, query="sweaters"))) == sorted(found)
    assert sorted(names(search(session=session, query="cotton sweater"))) == ["Loopback Cotton Sweatshirt"]
    assert sorted(names(search(session=session, query="navy sweater"))) == ["Merino Jumper", "Navy Zip Hoodie"]
    assert search(session=session, query="sweater").did_you_mean == ""  # not "weather"
    assert names(search(session=session, query="trail boot")) == ["Trail Boot"]  # no synonyms: as before


@pytest.mark.parametrize("query", ["sweater", "sweater AND NOT x*", '"sweater" OR tote'])
def test_synonym_queries_are_words_not_syntax(session, shop, query):
    add_product(session, "Loopback Cotton Sweatshirt")
    add_product(session, "Cotton Tote")
    page = search(session=session, query=query)
    assert "Cotton Tote" not in names(page) or "tote" in query


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE products; --",
        '" OR 1=1 --',
        "<script>alert(1)</script>",
        "boot AND NOT NEAR(x y) * ^ : -- (",
        "!!! ??? ... &&& |||",
        "😀🔥",
        "trail\x00boot",
        "C:\\path\\%_*",
        "  ",
        "",
    ],
)
def test_special_input_never_fails(session, shop, query):
    page = search(session=session, query=query)
    assert page.error == ""
    assert all(c.name != "Draft Trail Boot" for c in page.products)
    suggest(session=session, prefix=query)
    # the database is still there and still answers
    assert session.exec(select(sa.func.count()).select_from(Product)).one() >= 5


def test_operators_are_words_not_syntax(session, shop):
    # "boot AND" would be an FTS5/tsquery operator if it were passed through
    assert names(search(session=session, query="boot*")) == ["Trail Boot"]
    assert names(search(session=session, query='"trail" "boot"')) == ["Trail Boot"]
    assert names(search(session=session, query="trail & (boot)!")) == ["Trail Boot"]


def test_a_long_query_is_refused_with_a_message(session, shop):
    page = search(session=session, query="boot " * 2048)  # 10 KB
    assert (page.error, page.total, page.products) == (TOO_LONG, 0, [])
    assert str(MAX_QUERY_LENGTH) in page.error
    assert search(session=session, query="x" * MAX_QUERY_LENGTH).error == ""
    assert suggest(session=session, prefix="boot " * 2048) == []


def test_suggestions_complete_the_last_word(session, shop):
    found = suggest(session=session, prefix="tra")
    assert [(s.kind, s.label) for s in found] == [("product", "Trail Boot"), ("product", "Summit Parka")]
    assert found[0].url == f"/products/{found[0].slug}"
    brand = suggest(session=session, prefix="fjel")
    assert [(s.kind, s.label) for s in brand] == [("brand", "Fjellstad"), ("product", "Enamel Cup")]
    assert brand[0].url == f"/brands/{shop['brand'].slug}"
    category = suggest(session=session, prefix="hik")
    assert category[0].kind == "category" and category[0].label == "Hiking Boots"
    assert suggest(session=session, prefix="t") == []
    assert len(suggest(session=session, prefix="tra", limit=1)) == 1


def test_generated_catalog_is_searchable(session):
    generate(session=session, products=40, seed=11)
    product = session.exec(select(Product).where(Product.sku.like("GEN-%")).order_by(Product.sku.desc())).first()
    number = product.name.rsplit(" ", 1)[1]
    assert product.name in names(search(session=session, query=product.name))
    assert names(search(session=session, query=number)) == [product.name]
    brand = session.get(Brand, product.brand_id)
    assert search(session=session, query=brand.name).total > 0


def test_the_searched_words(session):
    assert search_service.query_words("Hello, wörld! 100% _x_ 😀") == ["hello", "wörld", "100", "x"]
    assert search_service.fts5_match(['a"b', "c"], prefix=True) == '"a""b" "c"*'
    assert search_service.clean_query("a\x00b\n c")[0] == "a b c"
