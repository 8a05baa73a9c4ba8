"""The page-metadata rules (domain/seo.py): titles, descriptions, escaping, injection, robots."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from marque_app.domain import seo


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (("", "  Two\n lines  "), "Two lines"),
        (("",), seo.SITE_DESCRIPTION),
        (("word " * 50,), ("word " * 31).strip() + "…"),
    ],
)
def test_describe_takes_the_first_text_on_one_line_cut_at_a_word(candidates, expected):
    assert seo.describe(*candidates) == expected
    assert len(seo.describe(*candidates)) <= seo.DESCRIPTION_LENGTH


def test_titles_are_one_rule_for_server_and_pages():
    assert seo.listing_title("Shirts") == "Shirts | Marque"
    assert seo.listing_title("Shirts", 3) == "Shirts (page 3) | Marque"
    assert seo.product_title("Oxford Shirt") == "Oxford Shirt"
    assert seo.product_title("") == "Marque"
    assert seo.search_title("") == "Search | Marque"


def test_script_json_cannot_close_its_script_element():
    text = seo.script_json({"d": "</script><!-- & -->"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"d": "</script><!-- & -->"}


def test_head_tags_escape_attributes_and_mark_what_the_server_added():
    meta = seo.PageMeta(title='A "quoted" <title>', description='x" onload="alert(1)', path="/p?a=1&b=2")
    head = seo.head_tags(meta, "https://shop.example/")
    assert '<title data-marque-seo="">A &quot;quoted&quot; &lt;title&gt;</title>' in head
    assert 'content="x&quot; onload=&quot;alert(1)"' in head
    assert '<link rel="canonical" href="https://shop.example/p?a=1&amp;b=2" data-marque-seo=""/>' in head
    assert all("data-marque-seo" in tag for tag in re.findall(r"<(?:title|meta|link|script)\b[^>]*>", head))


def test_product_json_ld_claims_a_rating_only_with_reviews():
    facts = seo.ProductFacts(name="Cap", path="/products/cap", price_amount="9.00", images=["/products/cap.svg"])
    data = seo.product_json_ld(facts, "https://shop.example")
    assert data["image"] == ["https://shop.example/products/cap.svg"]
    assert "aggregateRating" not in data
    rated = seo.product_json_ld(
        seo.ProductFacts(name="Cap", path="/products/cap", rating="4.0", review_count=2), "https://shop.example"
    )
    assert rated["aggregateRating"]["ratingValue"] == "4.0"


SHELL = (
    '<!DOCTYPE html><html><head><meta charSet="utf-8"/><title>Old</title>'
    '<meta content="Old description" name="description"/><meta content="favicon.ico" property="og:image"/>'
    '<link rel="stylesheet" href="/a.css"/></head><body class="b"><div id="root"></div></body></html>'
)


def test_inject_replaces_the_shells_title_description_and_image_and_keeps_the_rest():
    out = seo.inject(SHELL, "<title>New</title>", "<p>first paint</p>")
    assert out.count("<title>") == 1 and "<title>New</title>" in out
    assert "Old description" not in out and "favicon.ico" not in out
    assert '<link rel="stylesheet" href="/a.css"/>' in out
    assert '<body class="b"><p>first paint</p><div id="root">' in out
    assert seo.inject("no head here", "<title>x</title>") == "no head here"


def test_robots_and_sitemap():
    robots = seo.robots_txt("https://shop.example").splitlines()
    assert {"Disallow: /admin", "Disallow: /account", "Disallow: /checkout", "Disallow: /cart"} <= set(robots)
    assert robots[-1] == "Sitemap: https://shop.example/sitemap.xml"
    xml = seo.sitemap_xml(
        [seo.SitemapEntry("/products/a&b", datetime(2026, 3, 4, 23, 59, tzinfo=UTC)), seo.SitemapEntry("/")],
        "https://shop.example",
    )
    assert "<loc>https://shop.example/products/a&amp;b</loc><lastmod>2026-03-04</lastmod>" in xml
    assert "<url><loc>https://shop.example/</loc></url>" in xml


# React Router's document as Reflex builds it (head preloads, the module bootstrap at the end).
_SHELL = (
    '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>'
    '<link as="style" href="/assets/__reflex_global_styles-CeR61GtM.css" rel="preload"/>'
    '<link rel="modulepreload" href="/assets/manifest-f4456fbe.js"/>'
    '<link rel="modulepreload" href="/assets/entry.client-CCWdYbG9.js"/>'
    '<link rel="modulepreload" href="/assets/root-BH7v7TyL.js"/>'
    '<link href="/assets/__reflex_global_styles-CeR61GtM.css" rel="stylesheet" type="text/css"/></head>'
    "<body><div>app</div><script>window.__reactRouterContext = {};</script>"
    '<script type="module" async="">import "/assets/manifest-f4456fbe.js";\n'
    'import * as route0 from "/assets/root-BH7v7TyL.js";\n'
    'import * as route1 from "/assets/_products_.__slug_._index-DU7eDVE2.js";\n  \n'
    '  window.__reactRouterRouteModules = {"root":route0,"routes/products":route1};\n\n'
    'import("/assets/entry.client-CCWdYbG9.js");</script><!--$--><script>done();</script></body></html>'
)


def test_paint_first_drops_the_module_preloads_and_boots_the_app_after_the_first_frame():
    import shutil
    import subprocess

    out = seo.paint_first(_SHELL)
    assert "modulepreload" not in out and 'type="module"' not in out
    assert 'rel="stylesheet"' in out and "<script>done();</script>" in out  # the rest is kept
    boot = re.search(r"<script>(\(function\(\)\{var started.*?)</script>", out)
    assert boot is not None
    node = shutil.which("node")
    assert node, "node is needed (it builds the frontend too)"
    # The boot script in Node, import() answered by a stub that notes each module when asked.
    harness = """
    const seen = [];
    globalThis.window = {};
    globalThis.document = {visibilityState: process.argv[2]};
    globalThis.requestAnimationFrame = (f) => setTimeout(() => { seen.push("frame"); f(); }, 0);
    const load = (url) => { seen.push(url); return Promise.resolve({url}); };
    eval(process.argv[1].replace(/import\\(/g, "load("));
    seen.push("parsed");
    setTimeout(() => console.log(JSON.stringify({seen, modules: window.__reactRouterRouteModules})), 50);
    """
    modules = {
        "root": {"url": "/assets/root-BH7v7TyL.js"},
        "routes/products": {"url": "/assets/_products_.__slug_._index-DU7eDVE2.js"},
    }
    wanted = [
        "/assets/manifest-f4456fbe.js",
        "/assets/root-BH7v7TyL.js",
        "/assets/_products_.__slug_._index-DU7eDVE2.js",
        "/assets/entry.client-CCWdYbG9.js",
    ]
    for visibility, first in (("visible", ["parsed", "frame"]), ("hidden", ["parsed", "/assets/manifest-f4456fbe.js"])):
        ran = subprocess.run(
            [node, "-e", harness, boot.group(1), visibility], capture_output=True, text=True, timeout=30, check=True
        )
        result = json.loads(ran.stdout)
        assert result["seen"][:2] == first  # a visible tab paints first; a hidden one draws no frames
        assert ("frame" in result["seen"]) == (visibility == "visible")
        assert [s for s in result["seen"] if s.startswith("/")] == wanted  # in order, each once
        assert result["modules"] == modules


def test_paint_first_leaves_a_shell_it_does_not_know_unchanged():
    odd = _SHELL.replace('import("/assets/entry.client-CCWdYbG9.js");', 'start("/assets/entry.client-CCWdYbG9.js");')
    assert seo.paint_first(odd) == odd
    assert seo.paint_first("<html><body>plain</body></html>") == "<html><body>plain</body></html>"


def test_listing_summary_escapes_and_shows_at_most_the_first_tiles():
    cards = [seo.SummaryCard(name=f"Shirt <{i}>", price=f"${i}.00", image=f"/p/{i}.svg", brand="A&B") for i in range(9)]
    out = seo.listing_summary('Shirts "new"', cards)
    assert '<p class="mq-heading">Shirts &quot;new&quot;</p>' in out
    assert re.findall(r'<p class="mq-name">([^<]*)</p>', out) == [
        f"Shirt &lt;{i}&gt;" for i in range(seo.SUMMARY_CARDS)
    ]
    assert out.count('fetchpriority="high"') == 2 and '<p class="mq-brand">A&amp;B</p>' in out
    assert "body:has([data-testid=logo]) #marque-first-paint{display:none}" in out  # gone once the app draws
