"""Page metadata without JavaScript, 404s, /sitemap.xml and /robots.txt over HTTP.

The app under test is the one port's stack as ``rx.App(api_transformer=...)`` builds it:
SecurityHeaders(PageMetadata(the API with the compiled frontend mounted beneath it)). The
frontend is Reflex's own static server (``PrecompressedStaticFiles`` with the route matcher, gzip
sidecars) over pages from a real production build (``tests/api/shell``: the SPA shell that every
dynamic route gets, the prerendered home and search pages, Reflex's own sitemap). The catalog is
read through this test's connection (rolled back afterwards), so each test sees the rows it made.
"""

from __future__ import annotations

import functools
import gzip
import html
import json
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from reflex.route import get_router
from reflex.utils.exec import _match_routable_page
from reflex.utils.precompressed_staticfiles import PrecompressedStaticFiles

from marque_app.api import create_api
from marque_app.api.headers import SecurityHeaders, inline_script_hashes
from marque_app.api.seo import PageMetadata
from marque_app.models import ProductStatus
from marque_app.models.catalog import ProductImage
from marque_app.settings import get_settings
from tests.db.test_catalog_service import add_brand, add_category, add_product

SHELL = Path(__file__).parent / "shell"
ROUTES = ["products/[slug]", "categories/[slug]", "brands/[slug]", "shop", "brands", "index", "search", "cart", "404"]
PUBLIC = "https://shop.example"


@pytest.fixture
def web(tmp_path) -> Path:
    """The build's pages with their gzip sidecars, as ``reflex export`` leaves them."""
    out = tmp_path / "client"
    shutil.copytree(SHELL, out)
    for page in [*out.rglob("*.html"), out / "sitemap.xml"]:
        page.with_name(page.name + ".gz").write_bytes(gzip.compress(page.read_bytes()))
    return out


@pytest.fixture
def site(web, connection, engine, monkeypatch) -> Iterator[TestClient]:
    monkeypatch.setenv("MARQUE_PUBLIC_URL", PUBLIC)
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setenv("MARQUE_RATE_LIMIT_ENABLED", "false")
    get_settings.cache_clear()
    api = create_api(engine=lambda: engine)
    router = functools.partial(_match_routable_page, get_router(ROUTES))
    api.mount("/", PrecompressedStaticFiles(directory=web, html=True, encodings=["gzip"], router=router))
    app = SecurityHeaders(PageMetadata(api, engine=lambda: connection))
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        yield client
    get_settings.cache_clear()


@pytest.fixture
def shop(session):
    clothing = add_category(session, "Clothing")
    shirts = add_category(session, "Shirts", parent=clothing)
    shirts.description = "Oxford, linen & flannel shirts <for> every day."
    acme = add_brand(session, "Acme")
    acme.description = "Acme makes shirts in Portugal."
    oxford = add_product(
        session,
        "Oxford Shirt",
        category=shirts,
        brand=acme,
        price="40.00",
        compare_price="50.00",
        variants=[("M", "Navy", 3, None)],
        rating_average=Decimal("4.50"),
        review_count=4,
        short_description='A crisp oxford "button-down" </script><b>shirt</b>',
        meta_description="The Oxford Shirt: crisp cotton, button-down collar.",
    )
    session.add(ProductImage(product_id=oxford.id, url="/products/oxford-1.svg", alt_text="Oxford in navy", position=0))
    sold_out = add_product(session, "Linen Shirt", category=shirts, brand=acme, variants=[("M", "White", 0, None)])
    draft = add_product(session, "Secret Shirt", category=shirts, status=ProductStatus.draft)
    archived = add_product(session, "Old Shirt", category=shirts, status=ProductStatus.archived)
    hidden = add_category(session, "Hidden", is_active=False)
    session.flush()
    return {
        "clothing": clothing,
        "shirts": shirts,
        "acme": acme,
        "oxford": oxford,
        "sold_out": sold_out,
        "draft": draft,
        "archived": archived,
        "hidden": hidden,
    }


# --- reading the answers ------------------------------------------------------------------------


def titles(body: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<title[^>]*>(.*?)</title>", body, re.S)]


def metas(body: str, attr: str, key: str) -> list[str]:
    found = []
    for tag in re.findall(r"<meta\b[^>]*>", body):
        if re.search(rf'\b{attr}="{re.escape(key)}"', tag):
            found.append(html.unescape(re.search(r'\bcontent="([^"]*)"', tag).group(1)))
    return found


def canonical(body: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<link rel="canonical" href="([^"]*)"', body)]


def json_ld(body: str) -> dict[str, dict]:
    blocks = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', body, re.S)
    out = {}
    for block in blocks:
        data = json.loads(block)
        out[data["@type"]] = data
    return out


def head_of(body: str) -> str:
    return body.split("</head>", 1)[0]


# --- product pages --------------------------------------------------------------------------------


def test_product_page_html_has_its_title_description_canonical_og_and_json_ld(site, shop):
    oxford = shop["oxford"]
    res = site.get(f"/products/{oxford.slug}")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/html")
    body = res.text
    head = head_of(body)
    assert titles(body) == ["Oxford Shirt"]  # the product's own title, once (the shell had none)
    assert metas(head, "name", "description") == ["The Oxford Shirt: crisp cotton, button-down collar."]
    url = f"{PUBLIC}/products/{oxford.slug}"
    assert canonical(head) == [url]
    assert metas(head, "property", "og:type") == ["product"]
    assert metas(head, "property", "og:title") == ["Oxford Shirt"]
    assert metas(head, "property", "og:url") == [url]
    assert metas(head, "property", "og:image") == [f"{PUBLIC}/products/oxford-1.svg"]
    assert metas(head, "property", "product:price:amount") == ["40.00"]
    assert metas(head, "name", "twitter:card") == ["summary_large_image"]
    assert metas(head, "name", "twitter:image") == [f"{PUBLIC}/products/oxford-1.svg"]
    assert metas(head, "name", "robots") == []

    data = json_ld(head)
    product = data["Product"]
    assert product["name"] == "Oxford Shirt"
    assert product["sku"] == oxford.sku
    assert product["brand"] == {"@type": "Brand", "name": shop["acme"].name}
    assert product["image"] == [f"{PUBLIC}/products/oxford-1.svg"]
    assert product["offers"]["price"] == "40.00"
    assert product["offers"]["priceCurrency"] == "USD"
    assert product["offers"]["availability"] == "https://schema.org/InStock"
    assert product["offers"]["url"] == url
    assert product["aggregateRating"]["ratingValue"] == "4.5"
    assert product["aggregateRating"]["reviewCount"] == 4
    crumbs = [(i["position"], i["name"], i["item"]) for i in data["BreadcrumbList"]["itemListElement"]]
    assert crumbs == [
        (1, "Home", f"{PUBLIC}/"),
        (2, "Clothing", f"{PUBLIC}/categories/{shop['clothing'].slug}"),
        (3, "Shirts", f"{PUBLIC}/categories/{shop['shirts'].slug}"),
        (4, "Oxford Shirt", url),
    ]
    # the app's shell is all still there: its scripts and root
    assert "window.__reactRouterContext" in body and "radix-themes" in body


def test_product_text_cannot_break_out_of_the_json_ld_or_the_attributes(site, shop):
    body = site.get(f"/products/{shop['oxford'].slug}").text
    blocks = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', body, re.S)
    assert all("</" not in b and "<b>" not in b for b in blocks)
    assert '"button-down" \u003c/script>' not in body
    assert json_ld(body)["Product"]["description"].startswith('A crisp oxford "button-down" </script><b>shirt</b>')


def test_product_page_shows_name_price_and_picture_before_any_script(site, shop):
    body = site.get(f"/products/{shop['oxford'].slug}").text
    summary = re.search(r'<div id="marque-first-paint"[^>]*>(.*?)</div>', body, re.S).group(1)
    assert "Oxford Shirt" in summary and "$40.00" in summary and "$50.00" in summary
    assert '<img src="/products/oxford-1.svg"' in summary
    assert body.index('id="marque-first-paint"') < body.index("radix-themes")  # before the app's root
    assert '<link rel="preload" as="image" href="/products/oxford-1.svg"' in head_of(body)
    # the app's scripts wait for that first paint: no module preloads, React Router's bootstrap
    # started by a classic script after the first frame (seo.paint_first; tests/unit run it)
    assert "modulepreload" not in body and '<script type="module"' not in body
    assert re.search(r'<script>\(function\(\)\{var started=false;.*import\("/assets/entry\.client-', body)
    home = site.get("/").text  # prerendered: it paints without the app too
    assert "modulepreload" not in home and '<script type="module"' not in home
    search = site.get("/search", params={"q": "shirt"}).text  # nothing to paint without the app
    assert "modulepreload" in search and '<script type="module"' in search


def test_a_sold_out_product_is_offered_out_of_stock_and_without_a_rating(site, shop):
    product = json_ld(site.get(f"/products/{shop['sold_out'].slug}").text)["Product"]
    assert product["offers"]["availability"] == "https://schema.org/OutOfStock"
    assert "aggregateRating" not in product  # no approved reviews: no rating to claim


@pytest.mark.parametrize("which", ["draft", "archived", None])
def test_unknown_or_hidden_product_is_a_404_with_the_shop_shell(site, shop, which):
    slug = shop[which].slug if which else "no-such-product"
    res = site.get(f"/products/{slug}")
    assert res.status_code == 404
    assert titles(res.text) == ["Product not found | Marque"]
    assert metas(res.text, "name", "robots") == ["noindex, follow"]
    assert "Product" not in json_ld(res.text)
    assert "marque-first-paint" not in res.text
    assert "window.__reactRouterContext" in res.text  # the app renders its not-found page


def test_head_request_answers_the_same_status_without_a_body(site, shop):
    assert site.head(f"/products/{shop['oxford'].slug}").status_code == 200
    missing = site.head("/products/no-such-product")
    assert missing.status_code == 404 and missing.content == b""


def test_the_answer_is_gzipped_when_asked_and_its_csp_hashes_its_inline_scripts(site, shop):
    res = site.get(f"/products/{shop['oxford'].slug}", headers={"Accept-Encoding": "gzip"})
    assert res.headers["content-encoding"] == "gzip"
    assert res.headers["vary"] == "Accept-Encoding"
    assert "etag" not in res.headers  # the shell's validators do not describe this body
    csp = res.headers["content-security-policy"]
    for source in inline_script_hashes(res.content):  # httpx has decoded the body
        assert source in csp
    plain = site.get(f"/products/{shop['oxford'].slug}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == res.text


# --- category and brand pages ---------------------------------------------------------------------


def test_category_page_html_has_its_title_description_canonical_and_breadcrumb(site, shop):
    shirts = shop["shirts"]
    res = site.get(f"/categories/{shirts.slug}")
    assert res.status_code == 200
    head = head_of(res.text)
    assert titles(head) == ["Shirts | Marque"]
    assert metas(head, "name", "description") == ["Oxford, linen & flannel shirts <for> every day."]
    assert canonical(head) == [f"{PUBLIC}/categories/{shirts.slug}"]
    assert metas(head, "property", "og:type") == ["website"]
    crumbs = [i["name"] for i in json_ld(head)["BreadcrumbList"]["itemListElement"]]
    assert crumbs == ["Home", "Clothing", "Shirts"]
    # a filtered or sorted listing names the plain one as canonical; another page its page
    page2 = head_of(site.get(f"/categories/{shirts.slug}?page=2&sort=price&in_stock=1").text)
    assert canonical(page2) == [f"{PUBLIC}/categories/{shirts.slug}?page=2"]
    assert titles(page2) == ["Shirts (page 2) | Marque"]


def test_category_page_shows_its_name_and_first_products_before_any_script(site, shop):
    body = site.get(f"/categories/{shop['shirts'].slug}").text
    summary = re.search(r'<div id="marque-first-paint"[^>]*>(.*)</div></div>', body, re.S).group(1)
    assert '<p class="mq-heading">Shirts</p>' in summary
    names = re.findall(r'<p class="mq-name">([^<]*)</p>', summary)
    assert sorted(names) == ["Linen Shirt", "Oxford Shirt"]  # the listing's active products
    assert "$40.00" in summary and '<img src="/products/oxford-1.svg"' in summary
    assert "modulepreload" not in body  # its scripts start after that paint (seo.paint_first)
    # a page past the last one has no tiles to show: no summary, React Router's document
    empty = site.get(f"/categories/{shop['shirts'].slug}?page=9").text
    assert "marque-first-paint" not in empty.split("</head>", 1)[1] and "modulepreload" in empty


def test_brand_page_html_has_its_title_and_breadcrumb(site, shop):
    acme = shop["acme"]
    head = head_of(site.get(f"/brands/{acme.slug}").text)
    assert titles(head) == [f"{acme.name} | Marque"]
    assert metas(head, "name", "description") == ["Acme makes shirts in Portugal."]
    assert canonical(head) == [f"{PUBLIC}/brands/{acme.slug}"]
    crumbs = [i["name"] for i in json_ld(head)["BreadcrumbList"]["itemListElement"]]
    assert crumbs == ["Home", "Brands", acme.name]


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/categories/no-such-category", "Category not found | Marque"),
        ("/brands/no-such-brand", "Brand not found | Marque"),
    ],
)
def test_unknown_category_or_brand_is_a_404(site, shop, path, title):
    res = site.get(path)
    assert res.status_code == 404
    assert titles(res.text) == [title]


def test_inactive_category_is_a_404(site, shop):
    assert site.get(f"/categories/{shop['hidden'].slug}").status_code == 404


# --- home and search ------------------------------------------------------------------------------


def test_home_has_one_title_and_description_and_the_website_search_action(site, shop):
    res = site.get("/")
    assert res.status_code == 200
    head = head_of(res.text)
    # the prerendered page's own title, description and og:image are replaced, not doubled
    assert titles(head) == ["Marque | Clothing and everyday goods from independent brands"]
    assert len(metas(head, "name", "description")) == 1
    assert metas(head, "property", "og:image") == [f"{PUBLIC}/logo.svg"]
    assert canonical(head) == [f"{PUBLIC}/"]
    website = json_ld(head)["WebSite"]
    assert website["url"] == f"{PUBLIC}/"
    action = website["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == f"{PUBLIC}/search?q={{search_term_string}}"
    assert action["query-input"] == "required name=search_term_string"
    assert 'data-testid="logo"' in res.text  # the prerendered content is kept


def test_search_page_names_its_query_and_is_not_indexed(site, shop):
    res = site.get("/search/?q=oxford%20shirt")
    head = head_of(res.text)
    assert titles(head) == ["Search results for “oxford shirt” | Marque"]
    assert canonical(head) == [f"{PUBLIC}/search?q=oxford+shirt"]
    assert metas(head, "name", "robots") == ["noindex, follow"]
    assert "<script>alert" not in site.get("/search/?q=<script>alert(1)</script>").text


def test_other_pages_and_the_api_pass_through_untouched(site, shop):
    cart = site.get("/cart")
    assert cart.status_code == 200 and "data-marque-seo" not in cart.text  # a dynamic-shell route
    unknown = site.get("/no/such/page")
    assert unknown.status_code == 404 and "data-marque-seo" not in unknown.text
    api = site.get("/api/v1/openapi.json")
    assert api.status_code == 200 and api.json()["info"]["title"] == "Marque API"


# --- sitemap and robots.txt -------------------------------------------------------------------------


def test_sitemap_lists_active_products_categories_and_brands_with_lastmod(site, shop):
    res = site.get("/sitemap.xml")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ElementTree.fromstring(res.content)
    urls = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns) for u in root}
    oxford = f"{PUBLIC}/products/{shop['oxford'].slug}"
    assert urls[oxford] == shop["oxford"].updated_at.date().isoformat()
    assert f"{PUBLIC}/products/{shop['sold_out'].slug}" in urls
    assert f"{PUBLIC}/categories/{shop['shirts'].slug}" in urls
    assert f"{PUBLIC}/categories/{shop['clothing'].slug}" in urls
    assert f"{PUBLIC}/brands/{shop['acme'].slug}" in urls
    assert f"{PUBLIC}/" in urls
    assert all(urls.values()), "every entry has a lastmod"
    for gone in ("draft", "archived"):
        assert f"{PUBLIC}/products/{shop[gone].slug}" not in urls
    assert f"{PUBLIC}/categories/{shop['hidden'].slug}" not in urls
    for private in ("/admin", "/account", "/checkout", "/login", "/cart", "/register"):
        assert not any(u.startswith(PUBLIC + private) for u in urls), private
    assert not any("localhost" in u for u in urls)  # not Reflex's build-time sitemap


def test_sitemap_is_gzipped_when_asked(site, shop):
    res = site.get("/sitemap.xml", headers={"Accept-Encoding": "gzip"})
    assert res.headers["content-encoding"] == "gzip"
    assert f"/products/{shop['oxford'].slug}" in res.text


def test_robots_txt_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(site):
    res = site.get("/robots.txt")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/plain")
    lines = res.text.splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/admin", "/account", "/checkout", "/cart"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /" not in lines and "Disallow: /products" not in lines
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in lines


# --- the database down ------------------------------------------------------------------------------


@pytest.fixture
def down_site(web, monkeypatch) -> Iterator[TestClient]:
    """The same stack over a PostgreSQL address where nothing listens."""
    monkeypatch.setenv("MARQUE_PUBLIC_URL", PUBLIC)
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    get_settings.cache_clear()
    dead = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    api = create_api(engine=lambda: dead)
    router = functools.partial(_match_routable_page, get_router(ROUTES))
    api.mount("/", PrecompressedStaticFiles(directory=web, html=True, encodings=["gzip"], router=router))
    app = SecurityHeaders(PageMetadata(api, engine=lambda: dead))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    dead.dispose()
    get_settings.cache_clear()


def test_database_down_gives_503_with_the_app_shell_not_a_500(down_site):
    res = down_site.get("/products/anything")
    assert res.status_code == 503
    assert res.headers["retry-after"]
    assert "window.__reactRouterContext" in res.text  # the app shows its "try again" banner
    sitemap = down_site.get("/sitemap.xml")
    assert sitemap.status_code == 503 and sitemap.headers["retry-after"]
    assert down_site.get("/robots.txt").status_code == 200  # needs no database
