"""Server-sent page metadata on the production build (api/seo.py), in Chromium.

The head the server puts into a page must not break the app: after hydration a product,
category, brand and home page still work, have one ``<title>`` (the app's, which is the server's)
and run under the CSP with no violation; the first-paint summary is gone once the app has drawn.
With JavaScript off the product page still shows its name, price and picture. A plain GET (no
browser) of the real stack answers the metadata, a 404 for an unknown product, and the
catalog's own sitemap and robots.txt instead of Reflex's build-time sitemap.
"""

from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.request

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.test_security_headers import CspWatch


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=15) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def _catalog(app_db_url: str) -> sa.Row:
    """A reviewed product with a picture, one variant in good stock, its category and brand."""
    query = sa.text(
        "SELECT p.slug, p.name, COALESCE(NULLIF(p.meta_title, ''), p.name) AS title, c.slug AS category, c.name AS category_name, b.slug AS brand, b.name AS brand_name "
        "FROM products p JOIN categories c ON c.id = p.category_id JOIN brands b ON b.id = p.brand_id "
        "JOIN product_variants v ON v.product_id = p.id "
        "WHERE p.status = 'active' AND p.review_count > 0 AND v.inventory_quantity >= 20 "
        "AND EXISTS (SELECT 1 FROM product_images i WHERE i.product_id = p.id) "
        "AND (SELECT COUNT(*) FROM product_variants w WHERE w.product_id = p.id) = 1 "
        "ORDER BY p.slug LIMIT 1"
    )
    engine = sa.create_engine(app_db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(query).one()
    finally:
        engine.dispose()


def _titles(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('title')].map(t => t.textContent)")


def test_plain_get_has_the_metadata_and_404s_and_the_sitemap(base_url, app_db_url):
    item = _catalog(app_db_url)
    status, body = _get(f"{base_url}/products/{item.slug}")
    assert status == 200
    head = body.split("</head>", 1)[0]
    assert [html.unescape(t) for t in re.findall(r"<title[^>]*>(.*?)</title>", head)] == [item.title]
    blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', head)]
    product = next(b for b in blocks if b["@type"] == "Product")
    assert product["name"] == item.name and product["offers"]["@type"] == "Offer"
    assert product["aggregateRating"]["reviewCount"] > 0
    assert any(b["@type"] == "BreadcrumbList" for b in blocks)
    assert 'rel="canonical"' in head and 'property="og:title"' in head

    assert _get(f"{base_url}/products/no-such-product-anywhere")[0] == 404
    assert _get(f"{base_url}/categories/no-such-category")[0] == 404
    assert _get(f"{base_url}/brands/no-such-brand")[0] == 404
    assert _get(f"{base_url}/categories/{item.category}")[0] == 200

    status, sitemap = _get(f"{base_url}/sitemap.xml")
    assert status == 200
    assert f"/products/{item.slug}</loc><lastmod>" in sitemap
    assert f"/categories/{item.category}</loc>" in sitemap and f"/brands/{item.brand}</loc>" in sitemap
    for private in ("/admin", "/account", "/checkout", "/login"):
        assert f"{private}</loc>" not in sitemap and f"{private}/" not in sitemap, private
    status, robots = _get(f"{base_url}/robots.txt")
    assert status == 200 and "Disallow: /admin" in robots and "Sitemap: " in robots


def test_pages_with_the_servers_head_hydrate_with_one_title_and_no_csp_violation(page, app_db_url):
    item = _catalog(app_db_url)
    watch = CspWatch(page)

    watch.load(f"/products/{item.slug}")
    expect(page.get_by_test_id("product-name")).to_have_text(item.name)
    expect(page).to_have_title(item.title)
    assert _titles(page) == [item.title]
    assert page.locator('meta[name="description"]').count() == 1  # the app's, not also the server's
    expect(page.locator("#marque-first-paint")).to_be_hidden()  # the app has drawn its own
    page.get_by_test_id("add-to-cart").click()  # the page works: the add reaches the server
    expect(page.locator("[data-sonner-toast]").filter(has_text="Added to your cart")).to_be_visible()
    watch.check("the product page after adding to the cart")

    watch.load(f"/categories/{item.category}")
    expect(page.get_by_test_id("product-card").first).to_be_visible()
    expect(page).to_have_title(f"{item.category_name} | Marque")
    assert len(_titles(page)) == 1

    watch.load(f"/brands/{item.brand}")
    expect(page.get_by_test_id("product-card").first).to_be_visible()
    expect(page).to_have_title(f"{item.brand_name} | Marque")
    assert len(_titles(page)) == 1

    watch.load("/")
    expect(page.get_by_test_id("featured-grid")).to_be_visible()
    assert len(_titles(page)) == 1
    # a client-side navigation from a server-described page still sets the new page's title
    page.get_by_test_id("product-card").first.click()
    expect(page.get_by_test_id("product-name")).to_be_visible()
    expect(page).not_to_have_title(re.compile(r"^Marque \| Clothing"))
    assert len(_titles(page)) == 1
    watch.check("a client-side navigation to a product")


def test_the_product_shows_name_price_and_picture_without_javascript(browser, base_url, app_db_url):
    item = _catalog(app_db_url)
    context = browser.new_context(base_url=base_url, java_script_enabled=False, viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        response = page.goto(f"/products/{item.slug}")
        assert response is not None and response.status == 200
        summary = page.locator("#marque-first-paint")
        expect(summary).to_be_visible()
        expect(summary).to_contain_text(item.name)
        expect(summary).to_contain_text("$")
        picture = summary.locator("img")
        expect(picture).to_be_visible()
        assert page.evaluate("() => document.querySelector('#marque-first-paint img').naturalWidth") > 0
        assert page.title() == item.title
    finally:
        context.close()
