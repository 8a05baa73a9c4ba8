"""The listing pages in a real browser: filters, sort and page in the URL, reload and back,
the empty state, bad links, unknown slugs and the phone layout.

Expected counts and prices are read from the app's own database with plain SQL (the in-stock
rule written out again here), so the tests follow whatever the demo catalog holds.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import wait_for_hydration

PER_PAGE = 24

IN_STOCK_SQL = """(
    NOT p.track_inventory OR p.allow_backorder
    OR EXISTS (SELECT 1 FROM product_variants v WHERE v.product_id = p.id AND v.inventory_quantity > 0)
    OR (NOT EXISTS (SELECT 1 FROM product_variants v WHERE v.product_id = p.id)
        AND p.inventory_quantity > 0)
)"""


@pytest.fixture(scope="session")
def app_db(app_db_url) -> sa.Engine:
    engine = sa.create_engine(app_db_url)
    yield engine
    engine.dispose()


def count_label(n: int) -> str:
    return f"{n:,} product" + ("" if n == 1 else "s")


def query_of(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(url).query).items()}


def card_prices(page) -> list[Decimal]:
    texts = page.get_by_test_id("product-grid").get_by_test_id("product-card-price").all_inner_texts()
    return [Decimal(t.replace("$", "").replace(",", "")) for t in texts]


def navigated(page, action) -> None:
    """Run ``action`` (a click that changes the URL) and wait for the new page's data."""
    page._marque_frames.clear()
    action()
    wait_for_hydration(page)


class Catalog:
    """Reads what the listing should show from the app's database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def rows(self, sql: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()

    def subtree_ids(self, category_id) -> list:
        cats = self.rows("SELECT id, parent_id FROM categories WHERE is_active")
        found, todo = [], [category_id]
        while todo:
            cur = todo.pop()
            found.append(cur)
            todo.extend(c.id for c in cats if c.parent_id == cur)
        return found

    def count(
        self,
        category_id=None,
        brand_id=None,
        low: int | None = None,
        high: int | None = None,
        in_stock: bool = False,
        rating: int | None = None,
    ) -> int:
        where, params = ["p.status = 'active'"], {}
        if category_id is not None:
            ids = self.subtree_ids(category_id)
            names = [f":c{i}" for i in range(len(ids))]
            where.append(f"p.category_id IN ({', '.join(names)})")
            params.update({f"c{i}": v for i, v in enumerate(ids)})
        if brand_id is not None:
            where.append("p.brand_id = :brand")
            params["brand"] = brand_id
        if low is not None:
            where.append("p.price >= :low")
            params["low"] = low
        if high is not None:
            where.append("p.price <= :high")
            params["high"] = high
        if in_stock:
            where.append(IN_STOCK_SQL)
        if rating is not None:
            where.append("p.rating_average >= :rating")
            params["rating"] = rating
        return self.rows(f"SELECT count(*) FROM products p WHERE {' AND '.join(where)}", **params)[0][0]

    def busiest_category_and_brand(self):
        """A top-level category and the brand with the most active products in it."""
        tops = self.rows(
            "SELECT id, slug, name FROM categories WHERE is_active AND parent_id IS NULL ORDER BY sort_order, name"
        )
        best = None
        for top in tops:
            ids = self.subtree_ids(top.id)
            names = [f":c{i}" for i in range(len(ids))]
            params = {f"c{i}": v for i, v in enumerate(ids)}
            brand = self.rows(
                "SELECT b.id, b.slug, b.name, count(*) AS n FROM products p "
                "JOIN brands b ON b.id = p.brand_id "
                f"WHERE p.status = 'active' AND b.is_active AND p.category_id IN ({', '.join(names)}) "
                "GROUP BY b.id, b.slug, b.name ORDER BY count(*) DESC, b.slug LIMIT 1",
                **params,
            )
            if brand and (best is None or brand[0].n > best[1].n):
                best = (top, brand[0])
        assert best is not None, "the demo catalog has no category with branded products"
        return best


@pytest.fixture(scope="session")
def catalog(app_db) -> Catalog:
    return Catalog(app_db)


# --- the tests --------------------------------------------------------------------------------


def test_filters_live_in_the_url_survive_reload_and_go_back(goto, catalog):
    top, brand = catalog.busiest_category_and_brand()
    prices = sorted(
        r.price
        for r in catalog.rows("SELECT price FROM products p WHERE status = 'active' AND brand_id = :b", b=brand.id)
    )
    low, high = math.floor(prices[0]), math.ceil(prices[len(prices) // 2])

    page = goto(f"/categories/{top.slug}")
    expect(page.get_by_test_id("listing-heading")).to_have_text(top.name)
    expect(page.get_by_test_id("listing-total")).to_have_text(count_label(catalog.count(category_id=top.id)))
    expect(page.get_by_test_id("category-tree")).to_contain_text(top.name)
    expect(page.get_by_test_id("breadcrumb")).to_contain_text(top.name)

    navigated(page, lambda: page.get_by_test_id("filter-brand").select_option(brand.slug))
    expect(page).to_have_url(re.compile(rf"/categories/{top.slug}\?brand={brand.slug}$"))
    by_brand = catalog.count(category_id=top.id, brand_id=brand.id)
    expect(page.get_by_test_id("listing-total")).to_have_text(count_label(by_brand))

    page.get_by_test_id("filter-min-price").fill(str(low))
    page.get_by_test_id("filter-max-price").fill(str(high))
    navigated(page, lambda: page.get_by_test_id("apply-price").click())
    expect(page).to_have_url(re.compile(rf"max_price={high}"))
    by_price = catalog.count(category_id=top.id, brand_id=brand.id, low=low, high=high)
    expect(page.get_by_test_id("listing-total")).to_have_text(count_label(by_price))
    assert all(low <= p <= high for p in card_prices(page))

    navigated(page, lambda: page.get_by_test_id("filter-in-stock").click())
    expect(page).to_have_url(re.compile(r"in_stock=1"))
    in_stock = catalog.count(category_id=top.id, brand_id=brand.id, low=low, high=high, in_stock=True)
    expect(page.get_by_test_id("listing-total")).to_have_text(count_label(in_stock))
    expect(page.get_by_test_id("product-grid").get_by_test_id("sold-out-badge")).to_have_count(0)
    assert query_of(page.url) == {
        "brand": brand.slug,
        "min_price": str(low),
        "max_price": str(high),
        "in_stock": "1",
    }
    filtered_url = page.url

    # Reload: the same listing, and the controls show the filters.
    page._marque_frames.clear()
    page.reload()
    wait_for_hydration(page)
    assert page.url == filtered_url
    expect(page.get_by_test_id("listing-total")).to_have_text(count_label(in_stock))
    expect(page.get_by_test_id("filter-brand")).to_have_value(brand.slug)
    expect(page.get_by_test_id("filter-min-price")).to_have_value(str(low))
    expect(page.get_by_test_id("filter-max-price")).to_have_value(str(high))
    expect(page.get_by_test_id("filter-in-stock")).to_have_attribute("aria-checked", "true")

    # Back: the previous filter set (without in-stock), its count and controls.
    navigated(page, page.go_back)
    assert "in_stock" not in query_of(page.url)
    assert query_of(page.url)["brand"] == brand.slug
    expect(page.get_by_test_id("listing-total")).to_have_text(count_label(by_price))
    expect(page.get_by_test_id("filter-in-stock")).to_have_attribute("aria-checked", "false")

    # Clear filters: back to the whole category (the page's own filter stays).
    navigated(page, lambda: page.get_by_test_id("filter-panel").get_by_test_id("clear-filters").click())
    expect(page).to_have_url(re.compile(rf"/categories/{top.slug}$"))
    expect(page.get_by_test_id("listing-total")).to_have_text(count_label(catalog.count(category_id=top.id)))


def test_sort_by_price_and_pagination(goto, catalog):
    total = catalog.count()
    pages = math.ceil(total / PER_PAGE)
    assert pages >= 3, "the demo catalog should fill at least three pages"

    page = goto("/shop")
    expect(page.get_by_test_id("listing-total")).to_have_text(count_label(total))
    expect(page.get_by_test_id("pagination")).to_contain_text(f"Page 1 of {pages}")

    navigated(page, lambda: page.get_by_test_id("sort-select").select_option("price-asc"))
    assert query_of(page.url) == {"sort": "price", "order": "asc"}
    expect(page.get_by_test_id("product-grid").get_by_test_id("product-card")).to_have_count(PER_PAGE)
    first_page = card_prices(page)
    assert first_page == sorted(first_page), f"not ascending: {first_page}"
    cheapest = catalog.rows("SELECT min(price) FROM products WHERE status = 'active'")[0][0]
    assert first_page[0] == Decimal(str(cheapest)).quantize(Decimal("0.01"))

    navigated(page, lambda: page.get_by_test_id("next-page").click())
    assert query_of(page.url) == {"sort": "price", "order": "asc", "page": "2"}
    expect(page.get_by_test_id("pagination")).to_contain_text(f"Page 2 of {pages}")
    second_page = card_prices(page)
    assert second_page == sorted(second_page)
    assert second_page[0] >= first_page[-1]
    expect(page.locator('[data-testid="page-link"][data-current="true"]')).to_have_text("2")

    navigated(page, lambda: page.get_by_test_id("page-link").filter(has_text=str(pages)).click())
    assert query_of(page.url)["page"] == str(pages)
    last = total - (pages - 1) * PER_PAGE
    expect(page.get_by_test_id("product-grid").get_by_test_id("product-card")).to_have_count(last)
    expect(page.get_by_test_id("next-page")).to_have_count(0)  # a disabled button, no link

    navigated(page, lambda: page.get_by_test_id("prev-page").click())
    assert query_of(page.url)["page"] == str(pages - 1)


def test_an_impossible_filter_says_why_and_clears(goto, catalog):
    top, brand = catalog.busiest_category_and_brand()

    page = goto(f"/categories/{top.slug}?brand={brand.slug}&min_price=99999&in_stock=1")

    empty = page.get_by_test_id("listing-empty")
    expect(empty).to_contain_text(f"No products in {top.name} from {brand.name} at $99,999.00 or more in stock.")
    expect(page.get_by_test_id("listing-total")).to_have_text("0 products")
    expect(page.get_by_test_id("product-card")).to_have_count(0)

    navigated(page, lambda: empty.get_by_test_id("clear-filters").click())
    expect(page).to_have_url(re.compile(rf"/categories/{top.slug}$"))
    expect(page.get_by_test_id("listing-empty")).to_have_count(0)
    expect(page.get_by_test_id("product-card").first).to_be_visible()


def test_bad_url_values_are_dropped_with_a_notice(goto, catalog):
    total = catalog.count()

    page = goto("/shop?min_price=-5&rating=9&sort=sideways&brand=no-such-brand-%3Cb%3E")

    notice = page.get_by_test_id("listing-notice")
    expect(notice).to_contain_text("minimum price")
    expect(notice).to_contain_text("rating")
    expect(notice).to_contain_text("sort")
    expect(notice).to_contain_text("brand in the link does not exist")
    expect(page.get_by_test_id("listing-total")).to_have_text(count_label(total))
    expect(page.locator("b", has_text="no-such-brand")).to_have_count(0)

    # Past the end: says so, with a link to the last page.
    pages = math.ceil(total / PER_PAGE)
    navigated(page, lambda: page.goto("/shop?page=999"))
    expect(page.get_by_test_id("listing-notice")).to_contain_text("past the end")
    expect(page.get_by_test_id("listing-total")).to_have_text(count_label(total))
    navigated(page, lambda: page.get_by_test_id("last-page-link").click())
    assert query_of(page.url) == {"page": str(pages)}
    expect(page.get_by_test_id("product-card").first).to_be_visible()


def test_unknown_category_brand_and_draft_product_are_not_found(goto, catalog, page_problems):
    page_problems.allow(r"HTTP 404: GET .*/(categories|brands|products)/")  # 404 pages (api/seo.py)
    draft = catalog.rows("SELECT slug FROM products WHERE status = 'draft' ORDER BY slug LIMIT 1")[0].slug
    for path, title in [
        ("/categories/no-such-category", "We couldn't find that category"),
        ("/brands/no-such-brand", "We couldn't find that brand"),
        (f"/products/{draft}", "We couldn't find that product"),
    ]:
        page = goto(path)
        expect(page.get_by_test_id("not-found")).to_contain_text(title)
        expect(page).to_have_title(re.compile("not found", re.I))
        expect(page.get_by_test_id("product-card")).to_have_count(0)
    expect(page.get_by_test_id("back-home")).to_be_visible()


def test_brands_index_and_a_brand_page(goto, catalog):
    brands = catalog.rows("SELECT id, slug, name FROM brands WHERE is_active ORDER BY name")

    page = goto("/brands")
    links = page.get_by_test_id("brand-link")
    expect(links).to_have_count(len(brands))
    brand = brands[0]

    navigated(page, lambda: links.filter(has_text=brand.name).first.click())
    expect(page).to_have_url(re.compile(rf"/brands/{brand.slug}$"))
    expect(page.get_by_test_id("listing-heading")).to_have_text(brand.name)
    expect(page.get_by_test_id("listing-total")).to_have_text(count_label(catalog.count(brand_id=brand.id)))
    expect(page.get_by_test_id("breadcrumb")).to_contain_text("Brands")
    names = page.get_by_test_id("product-grid").locator("[data-testid=product-card]")
    expect(names.first).to_contain_text(brand.name)

    # On a brand page the category filter stays in the query string, the brand in the path.
    top = catalog.rows(
        "SELECT c.id, c.slug FROM products p JOIN categories c ON c.id = p.category_id "
        "WHERE p.status = 'active' AND p.brand_id = :b ORDER BY c.slug LIMIT 1",
        b=brand.id,
    )[0]
    navigated(page, lambda: page.get_by_test_id("filter-category").select_option(top.slug))
    expect(page).to_have_url(re.compile(rf"/brands/{brand.slug}\?category={top.slug}$"))
    expect(page.get_by_test_id("listing-total")).to_have_text(
        count_label(catalog.count(category_id=top.id, brand_id=brand.id))
    )
    navigated(page, lambda: page.get_by_test_id("filter-category").select_option(""))
    navigated(page, lambda: page.get_by_test_id("filter-rating").select_option("4"))
    assert query_of(page.url) == {"rating": "4"}
    expect(page.get_by_test_id("listing-total")).to_have_text(count_label(catalog.count(brand_id=brand.id, rating=4)))


def test_phone_listing_has_a_filter_drawer_and_no_sideways_scroll(page, catalog):
    top, _ = catalog.busiest_category_and_brand()
    page.set_viewport_size({"width": 375, "height": 800})
    page._marque_frames.clear()
    page.goto(f"/categories/{top.slug}")
    wait_for_hydration(page)
    expect(page.get_by_test_id("product-card").first).to_be_visible()

    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the listing scrolls sideways on a phone: {widths}"
    expect(page.get_by_test_id("filter-brand")).to_be_hidden()
    page.get_by_test_id("filters-toggle").click()
    expect(page.get_by_test_id("filter-brand")).to_be_visible()
    expect(page.get_by_test_id("sort-select")).to_be_visible()
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the open filters scroll sideways: {widths}"
