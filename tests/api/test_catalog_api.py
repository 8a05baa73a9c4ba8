"""The catalog REST API over HTTP: filters, sorts, pages, errors, bad input and the Redis cache.

The API reads through the test's own session (rolled back afterwards), so each test sees exactly
the rows it made. The cache tests use the real Redis at 127.0.0.1:6379 under a key prefix of
their own, and delete only their own keys.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import quote

import pytest
import redis as redis_lib
from fastapi.testclient import TestClient

from marque_app.api import catalog as catalog_api
from marque_app.api import create_api
from marque_app.models import Product, ProductStatus
from marque_app.services.cache import CatalogCache
from marque_app.settings import get_settings
from tests.db.test_catalog_service import add_brand, add_category, add_product
from tests.dbutil import REDIS_URL, redis_or_fail


@pytest.fixture
def api(session, monkeypatch) -> Iterator[TestClient]:
    """The API app reading through this test's session, without Redis."""
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setenv("MARQUE_RATE_LIMIT_ENABLED", "false")
    get_settings.cache_clear()
    app = create_api()
    app.dependency_overrides[catalog_api.get_session] = lambda: session
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    get_settings.cache_clear()


@pytest.fixture
def shop(session):
    clothing = add_category(session, "Clothing", sort_order=0)
    shirts = add_category(session, "Shirts", parent=clothing)
    knitwear = add_category(session, "Knitwear", parent=clothing, sort_order=1)
    acme = add_brand(session, "Acme")
    zenith = add_brand(session, "Zenith")
    p = {
        "oxford": add_product(
            session,
            "Oxford Shirt",
            category=shirts,
            brand=acme,
            price="40.00",
            compare_price="50.00",
            variants=[("M", "Navy", 3, None), ("L", "Navy", 0, "42.50")],
            images=2,
            days_ago=5,
            rating_average=Decimal("4.50"),
            review_count=4,
        ),
        "linen": add_product(
            session,
            "Linen Shirt",
            category=shirts,
            brand=zenith,
            price="60.00",
            variants=[("M", "White", 0, None)],
            days_ago=1,
        ),
        "cardigan": add_product(
            session,
            "Cardigan",
            category=knitwear,
            brand=acme,
            price="80.00",
            inventory_quantity=4,
            days_ago=3,
            rating_average=Decimal("5.00"),
            review_count=1,
        ),
        "jumper": add_product(session, "Jumper", category=knitwear, brand=zenith, price="25.10", days_ago=2),
        "draft": add_product(session, "Draft Shirt", category=shirts, brand=acme, status=ProductStatus.draft),
        "archived": add_product(session, "Old Shirt", category=shirts, brand=acme, status=ProductStatus.archived),
    }
    return {"clothing": clothing, "shirts": shirts, "knitwear": knitwear, "acme": acme, "zenith": zenith, **p}


def names(response):
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


# --- listing ------------------------------------------------------------------------------------


def test_listing_by_category_includes_subcategories_and_hides_drafts(api, shop):
    response = api.get("/api/v1/products", params={"category": shop["clothing"].slug, "sort": "name", "order": "asc"})
    assert names(response) == ["Cardigan", "Jumper", "Linen Shirt", "Oxford Shirt"]
    body = response.json()
    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (4, 1, 24, 1)
    assert body["category"]["slug"] == shop["clothing"].slug
    assert [c["name"] for c in body["subcategories"]] == ["Shirts", "Knitwear"]
    assert body["filters"] == {"category": shop["clothing"].slug, "sort": "name", "order": "asc"}


def test_every_filter(api, shop):
    base = {"category": shop["clothing"].slug, "sort": "price", "order": "asc"}
    assert names(api.get("/api/v1/products", params={**base, "brand": shop["acme"].slug})) == [
        "Oxford Shirt",
        "Cardigan",
    ]
    assert names(api.get("/api/v1/products", params={**base, "min_price": "30", "max_price": "60"})) == [
        "Oxford Shirt",
        "Linen Shirt",
    ]
    assert names(api.get("/api/v1/products", params={**base, "rating": "5"})) == ["Cardigan"]
    assert names(api.get("/api/v1/products", params={**base, "in_stock": "true"})) == ["Oxford Shirt", "Cardigan"]
    brand_page = api.get("/api/v1/products", params={"brand": shop["zenith"].slug}).json()
    assert brand_page["brand"]["name"] == shop["zenith"].name and brand_page["total"] == 2


@pytest.mark.parametrize(
    "sort,order,expected",
    [
        ("newest", "desc", ["Linen Shirt", "Jumper", "Cardigan", "Oxford Shirt"]),
        ("newest", "asc", ["Oxford Shirt", "Cardigan", "Jumper", "Linen Shirt"]),
        ("name", "desc", ["Oxford Shirt", "Linen Shirt", "Jumper", "Cardigan"]),
        ("price", "desc", ["Cardigan", "Linen Shirt", "Oxford Shirt", "Jumper"]),
        ("rating", "desc", ["Cardigan", "Oxford Shirt"]),
    ],
)
def test_sorts(api, shop, sort, order, expected):
    got = names(api.get("/api/v1/products", params={"category": shop["clothing"].slug, "sort": sort, "order": order}))
    assert got[: len(expected)] == expected


def test_pagination_and_a_page_past_the_end(api, shop):
    params = {"category": shop["clothing"].slug, "sort": "name", "order": "asc", "per_page": "3"}
    first = api.get("/api/v1/products", params=params).json()
    second = api.get("/api/v1/products", params={**params, "page": "2"}).json()
    assert [i["name"] for i in first["items"]] == ["Cardigan", "Jumper", "Linen Shirt"]
    assert [i["name"] for i in second["items"]] == ["Oxford Shirt"]
    assert first["pages"] == second["pages"] == 2 and first["total"] == 4
    past = api.get("/api/v1/products", params={**params, "page": "50"})
    assert past.status_code == 200
    assert past.json()["items"] == [] and past.json()["total"] == 4 and past.json()["page"] == 50


def test_prices_are_decimal_strings_with_a_currency(api, shop):
    body = api.get("/api/v1/products", params={"category": shop["shirts"].slug, "sort": "price", "order": "asc"}).json()
    oxford = body["items"][0]
    assert oxford["price"] == "40.00" and isinstance(oxford["price"], str)
    assert oxford["compare_price"] == "50.00" and oxford["is_on_sale"] is True
    assert oxford["currency"] == "USD"
    assert oxford["url"] == f"/products/{shop['oxford'].slug}"
    jumper = api.get(
        "/api/v1/products", params={"category": shop["knitwear"].slug, "sort": "price", "order": "asc"}
    ).json()["items"][0]
    assert jumper["price"] == "25.10" and jumper["compare_price"] is None


# --- errors and bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "params,field",
    [
        ({"min_price": "-1"}, "min_price"),
        ({"min_price": "50", "max_price": "10"}, "max_price"),
        ({"rating": "9"}, "rating"),
        ({"page": "0"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"sort": "popularity"}, "sort"),
        ({"order": "up"}, "order"),
        ({"in_stock": "perhaps"}, "in_stock"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(api, shop, params, field):
    response = api.get("/api/v1/products", params=params)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert field in response.json()["detail"]


def test_unknown_category_or_brand_is_404(api, shop):
    response = api.get("/api/v1/products", params={"category": "no-such-thing"})
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown category: no-such-thing", "field": "category"}
    response = api.get("/api/v1/products", params={"brand": "nobody"})
    assert response.status_code == 404 and response.json()["field"] == "brand"


NASTY = [
    "x" * 10_240,
    "'; DROP TABLE products; --",
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "100%_\\",
    "👟🔥",
    "\x00",
]


@pytest.mark.parametrize("value", NASTY, ids=lambda v: repr(v[:12]))
@pytest.mark.parametrize(
    "key", ["category", "brand", "min_price", "max_price", "rating", "in_stock", "sort", "order", "page", "per_page"]
)
def test_bad_input_is_never_a_500_nor_echoed(api, shop, key, value):
    response = api.get("/api/v1/products", params={key: value})
    assert response.status_code in (200, 404, 422), response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "<script>" not in response.text and "<img" not in response.text
    assert "DROP TABLE" not in response.text
    assert value[:50] not in response.text or value.strip() == ""


@pytest.mark.parametrize("value", NASTY, ids=lambda v: repr(v[:12]))
def test_bad_product_references_are_404(api, shop, value):
    for path in ("/api/v1/products/{}", "/api/v1/products/recommendations/{}", "/api/v1/brands/{}"):
        response = api.get(path.format(quote(value, safe="")))
        assert response.status_code == 404, (path, response.text)
        assert "<script>" not in response.text and "DROP TABLE" not in response.text


def test_products_table_survives_the_injection_attempt(api, shop, session):
    api.get("/api/v1/products", params={"category": "x'; DELETE FROM products; --"})
    api.get("/api/v1/products/x'; DELETE FROM products; --")
    assert session.get(Product, shop["oxford"].id) is not None


# --- product, recommendations, categories, brands -----------------------------------------


def test_product_by_slug_and_by_id(api, shop):
    by_slug = api.get(f"/api/v1/products/{shop['oxford'].slug}")
    by_id = api.get(f"/api/v1/products/{shop['oxford'].id}")
    assert by_slug.status_code == by_id.status_code == 200
    assert by_slug.json() == by_id.json()
    body = by_slug.json()
    assert body["price"] == "40.00" and body["compare_price"] == "50.00" and body["currency"] == "USD"
    variants = {v["size"]: v for v in body["variants"]}
    assert variants["M"]["price"] == "40.00" and variants["M"]["stock_status"] in ("in_stock", "low_stock")
    assert variants["L"]["price"] == "42.50" and variants["L"]["stock_status"] == "sold_out"
    assert len(body["images"]) == 2 and body["breadcrumb"][-1]["name"] == "Shirts"
    assert all(isinstance(r["price"], str) for r in body["related"])


@pytest.mark.parametrize("which", ["draft", "archived"])
def test_draft_archived_and_unknown_products_are_404(api, shop, which):
    assert api.get(f"/api/v1/products/{shop[which].slug}").status_code == 404
    assert api.get(f"/api/v1/products/{shop[which].id}").status_code == 404
    assert api.get(f"/api/v1/products/{uuid.uuid4()}").status_code == 404
    assert api.get("/api/v1/products/no-such-product").json() == {"detail": "product not found", "field": None}


def test_recommendations(api, shop):
    response = api.get(f"/api/v1/products/recommendations/{shop['oxford'].id}")
    assert names(response) == ["Linen Shirt", "Cardigan"]  # same category, then same brand
    assert names(api.get(f"/api/v1/products/recommendations/{shop['oxford'].slug}", params={"limit": "1"})) == [
        "Linen Shirt"
    ]
    assert api.get(f"/api/v1/products/recommendations/{shop['draft'].id}").status_code == 404
    bad = api.get(f"/api/v1/products/recommendations/{shop['oxford'].slug}", params={"limit": "0"})
    assert bad.status_code == 422 and bad.json()["field"] == "limit"


def test_categories_tree_and_brands(api, shop):
    tree = {c["slug"]: c for c in api.get("/api/v1/categories").json()}
    clothing = tree[shop["clothing"].slug]
    assert clothing["product_count"] == 4
    assert [(c["name"], c["product_count"]) for c in clothing["children"]] == [("Shirts", 2), ("Knitwear", 2)]
    brands = {b["slug"]: b for b in api.get("/api/v1/brands").json()}
    assert brands[shop["acme"].slug]["product_count"] == 2
    assert brands[shop["zenith"].slug]["product_count"] == 2
    one = api.get(f"/api/v1/brands/{shop['acme'].slug}").json()
    assert one["name"] == shop["acme"].name and one["product_count"] == 2


def test_openapi_documents_the_catalog(api):
    schema = api.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/products",
        "/api/v1/products/{ref}",
        "/api/v1/products/recommendations/{ref}",
        "/api/v1/categories",
        "/api/v1/brands",
    ):
        assert path in paths and paths[path]["get"]["summary"]
    params = {p["name"]: p for p in paths["/api/v1/products"]["get"]["parameters"]}
    assert set(params) >= {
        "category",
        "brand",
        "min_price",
        "max_price",
        "rating",
        "in_stock",
        "sort",
        "order",
        "page",
        "per_page",
    }
    assert all(p.get("description") for p in params.values())
    price = schema["components"]["schemas"]["ProductSummary"]["properties"]["price"]
    assert price["type"] == "string"


# --- the Redis cache ----------------------------------------------------------------------------


@pytest.fixture
def redis_client() -> Iterator[redis_lib.Redis]:
    client = redis_or_fail()
    yield client
    client.close()


@pytest.fixture
def cache(redis_client, monkeypatch) -> Iterator[CatalogCache]:
    """A catalog cache on the real Redis under a key prefix of this test's own."""
    prefix = f"marque-test-{uuid.uuid4().hex[:12]}:"
    the_cache = CatalogCache(redis_client, prefix=prefix)
    monkeypatch.setattr(catalog_api, "catalog_cache", lambda: the_cache)
    yield the_cache
    keys = list(redis_client.scan_iter(match=f"{prefix}*"))
    if keys:
        redis_client.delete(*keys)


def _own_keys(cache: CatalogCache) -> list[bytes]:
    return sorted(cache.redis.scan_iter(match=f"{cache.prefix}catalog:*"))


def test_listing_is_cached_until_products_are_invalidated(api, shop, session, cache):
    params = {"category": shop["shirts"].slug, "sort": "name", "order": "asc"}
    assert names(api.get("/api/v1/products", params=params)) == ["Linen Shirt", "Oxford Shirt"]
    shop["linen"].name = "Renamed Shirt"
    session.add(shop["linen"])
    session.flush()
    # Still the cached page: the change was made behind the cache's back.
    assert names(api.get("/api/v1/products", params=params)) == ["Linen Shirt", "Oxford Shirt"]
    cache.invalidate_products()
    assert names(api.get("/api/v1/products", params=params)) == ["Oxford Shirt", "Renamed Shirt"]


def test_same_query_written_differently_shares_one_key(api, shop, cache):
    slug = shop["shirts"].slug
    api.get("/api/v1/products", params={"category": slug, "min_price": "10.00", "order": "desc"})
    api.get("/api/v1/products", params={"min_price": "10", "category": slug.upper(), "page": "1"})
    listing_keys = [k for k in _own_keys(cache) if b":listing:" in k]
    assert len(listing_keys) == 1
    assert f"category={slug}".encode() in listing_keys[0] and b"min_price=10" in listing_keys[0]


def test_product_categories_and_brands_are_cached_with_the_seed_ttls(api, shop, cache):
    api.get(f"/api/v1/products/{shop['oxford'].slug}")
    api.get("/api/v1/categories")
    api.get("/api/v1/brands")
    ttls = {k.split(b":")[2]: cache.redis.ttl(k) for k in _own_keys(cache) if b":gen:" not in k}
    assert 3500 < ttls[b"product"] <= 3600
    assert 21500 < ttls[b"categories"] <= 21600
    assert 21500 < ttls[b"brands"] <= 21600


def test_cached_product_reads_back_identical(api, shop, cache):
    first = api.get(f"/api/v1/products/{shop['oxford'].id}").json()
    again = api.get(f"/api/v1/products/{shop['oxford'].id}").json()
    assert again == first
    assert any(b":product:" in k for k in _own_keys(cache))


def test_invalidation_reaches_every_worker(api, shop, session, cache):
    """Another process's cache object (its own connection) sees the generation bump at once."""
    other_worker = CatalogCache(redis_lib.Redis.from_url(REDIS_URL), prefix=cache.prefix)
    api.get("/api/v1/categories")
    session.add(shop["cardigan"])
    shop["cardigan"].status = ProductStatus.archived
    session.flush()
    before = {c["slug"]: c["product_count"] for c in api.get("/api/v1/categories").json()}
    assert before[shop["clothing"].slug] == 4  # cached
    other_worker.invalidate_categories()
    after = {c["slug"]: c["product_count"] for c in api.get("/api/v1/categories").json()}
    assert after[shop["clothing"].slug] == 3
    other_worker.redis.close()


def test_a_redis_that_went_away_falls_back_to_the_database(api, shop, monkeypatch, caplog):
    gone = CatalogCache(redis_lib.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2))
    monkeypatch.setattr(catalog_api, "catalog_cache", lambda: gone)
    with caplog.at_level(logging.WARNING, logger="marque_app.services.cache"):
        response = api.get("/api/v1/products", params={"category": shop["shirts"].slug})
        assert sorted(names(response)) == ["Linen Shirt", "Oxford Shirt"]
        assert api.get(f"/api/v1/products/{shop['oxford'].slug}").status_code == 200
    assert "reading the database" in caplog.text
    assert caplog.text.count("reading the database") == 1  # logged once, then left alone a while
    assert gone.invalidate_products() is False  # logged, never raised


def test_no_redis_configured_means_no_cache(api, shop, monkeypatch):
    from marque_app.services import cache as cache_module

    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    get_settings.cache_clear()
    assert cache_module.catalog_cache() is None
    cache_module.invalidate_products()  # a no-op, not an error
    monkeypatch.setenv("REFLEX_REDIS_URL", REDIS_URL)
    get_settings.cache_clear()
    configured = cache_module.catalog_cache()
    assert configured is not None and configured.ttl == {"products": 3600, "categories": 21600}


def test_module_level_invalidation_bumps_both_generations(cache, monkeypatch):
    """What the admin, the generator and `cli seed` call: one INCR per kind, on the configured cache."""
    from marque_app.services import cache as cache_module

    monkeypatch.setattr(cache_module, "catalog_cache", lambda: cache)
    cache_module.invalidate_products()
    cache_module.invalidate_catalog()
    gens = cache.redis.mget([cache.generation_key("products"), cache.generation_key("categories")])
    assert gens == [b"2", b"1"]


# --- the shared generations as a process keeps them (services.cache.local_fetch) -----------


def _worker(cache: CatalogCache) -> CatalogCache:
    """Another worker's cache object: its own connection, the same keys."""
    return CatalogCache(redis_lib.Redis.from_url(REDIS_URL), prefix=cache.prefix)


def _counting_mget(cache: CatalogCache, monkeypatch) -> list[int]:
    calls: list[int] = []
    real = cache.redis.mget

    def mget(keys, *args):
        calls.append(1)
        return real(keys, *args)

    monkeypatch.setattr(cache.redis, "mget", mget)
    return calls


def _listening(cache: CatalogCache) -> None:
    cache.shared_generations(("products",))
    deadline = time.monotonic() + 5
    while not cache._listening:
        assert time.monotonic() < deadline, "the listener did not subscribe"
        time.sleep(0.01)


def test_a_process_reads_the_shared_generations_once_a_second_not_on_every_read(cache, monkeypatch):
    reader = _worker(cache)
    _listening(reader)
    calls = _counting_mget(reader, monkeypatch)
    assert reader.shared_generations(("products", "categories")) == (0, 0)
    for _ in range(50):
        assert reader.shared_generations(("products",)) == (0,)
    assert len(calls) == 1
    reader.redis.close()


def test_another_workers_bump_is_heard_at_once(cache, monkeypatch):
    from marque_app.services import cache as cache_module

    monkeypatch.setattr(cache_module, "SHARED_FRESH", 3600.0)  # only the listener can end the copy
    reader = _worker(cache)
    _listening(reader)
    assert reader.shared_generations(("products", "categories")) == (0, 0)
    cache.invalidate_products()  # the other worker: INCR and PUBLISH
    deadline = time.monotonic() + 2
    while reader.shared_generations(("products", "categories")) != (1, 0):
        assert time.monotonic() < deadline, "the bump was not heard"
        time.sleep(0.005)
    reader.redis.close()


def test_a_bump_that_is_not_published_is_seen_within_shared_fresh(cache, monkeypatch):
    from marque_app.services import cache as cache_module

    monkeypatch.setattr(cache_module, "SHARED_FRESH", 0.2)
    reader = _worker(cache)
    _listening(reader)
    assert reader.shared_generations(("products",)) == (0,)
    cache.redis.incr(cache.generation_key("products"))  # an older release: no PUBLISH
    assert reader.shared_generations(("products",)) == (0,)  # the copy, for SHARED_FRESH
    time.sleep(0.25)
    assert reader.shared_generations(("products",)) == (1,)
    reader.redis.close()


def test_without_a_listener_every_read_asks_redis_and_a_dead_redis_gives_none(cache, monkeypatch):
    reader = _worker(cache)
    monkeypatch.setattr(reader, "_listen", lambda: None)  # never subscribed (as while Redis is down)
    calls = _counting_mget(reader, monkeypatch)
    for _ in range(3):
        assert reader.shared_generations(("products",)) == (0,)
    assert len(calls) == 3
    gone = CatalogCache(redis_lib.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2))
    assert gone.shared_generations(("products",)) is None
    reader.redis.close()
