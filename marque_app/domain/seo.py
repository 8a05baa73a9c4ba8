"""What a page tells search engines and link previews before any JavaScript runs.

Pure: the head tags (title, description, canonical, Open Graph, Twitter, robots), the JSON-LD
(schema.org ``Product`` with ``Offer`` and ``AggregateRating``, ``BreadcrumbList``, ``WebSite``
with ``SearchAction``), the sitemap and robots.txt, and how they go into the prerendered shell
HTML that Reflex serves for every page (``inject``). The page states' titles use the same rules
(``product_title``, ``listing_title``), so the title the server sends is the one the app shows.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape as xml_escape

SITE_NAME = "Marque"
SITE_DESCRIPTION = "Marque: clothing, shoes and everyday goods from independent brands."
HOME_TITLE = "Marque | Clothing and everyday goods from independent brands"
#: The picture of pages that have none of their own (a link preview needs one).
SITE_IMAGE = "/logo.svg"
#: Search engines show about this many characters of a description.
DESCRIPTION_LENGTH = 160
#: Paths no search engine should crawl: private, per-shopper or transactional pages.
DISALLOWED = ("/admin", "/account", "/checkout", "/cart", "/orders", "/wishlist", "/api/")
SCHEMA = "https://schema.org"
AVAILABILITY = {True: f"{SCHEMA}/InStock", False: f"{SCHEMA}/OutOfStock"}

NOT_FOUND_TITLES = {
    "product": "Product not found | Marque",
    "category": "Category not found | Marque",
    "brand": "Brand not found | Marque",
}


# --- titles: one rule for the server's head and the page states -------------------------------


def product_title(meta_title: str) -> str:
    """A product page's title: its own meta title (the product's name when none was set)."""
    return meta_title or SITE_NAME


def listing_title(heading: str, page: int = 1) -> str:
    """A category, brand or all-products page's title: ``Shirts (page 2) | Marque``."""
    suffix = f" (page {page})" if page > 1 else ""
    return f"{heading}{suffix} | {SITE_NAME}"


def search_title(query: str) -> str:
    return f"Search results for “{query}” | {SITE_NAME}" if query else f"Search | {SITE_NAME}"


def describe(*candidates: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """The first non-empty candidate on one line, cut at a word to ``limit`` characters."""
    for text in candidates:
        text = " ".join((text or "").split())
        if text:
            if len(text) <= limit:
                return text
            cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
            return f"{cut}…"
    return SITE_DESCRIPTION


# --- the page's metadata -------------------------------------------------------------------------


@dataclass(frozen=True)
class Crumb:
    name: str
    path: str


@dataclass(frozen=True)
class ProductFacts:
    """What the Product JSON-LD and the first-paint summary say about one product."""

    name: str
    path: str
    description: str = ""
    sku: str = ""
    brand: str = ""
    images: Sequence[str] = ()
    price_amount: str = ""  # "24.00"
    price: str = ""  # "$24.00", shown in the summary
    compare_price: str = ""
    currency: str = "USD"
    in_stock: bool = True
    rating: str = ""  # "4.5"; empty without approved reviews
    review_count: int = 0


@dataclass(frozen=True)
class PageMeta:
    """Everything the server puts in one page's head (and, for a product, its first paint)."""

    title: str
    description: str
    path: str  # the canonical path, with its query string when that makes another page
    status: int = 200
    og_type: str = "website"
    image: str = SITE_IMAGE
    image_alt: str = ""
    noindex: bool = False
    breadcrumb: Sequence[Crumb] = ()
    product: ProductFacts | None = None
    website: bool = False  # the WebSite + SearchAction JSON-LD (home)
    preload_image: str = ""  # the picture that is the page's largest paint
    heading: str = ""  # a listing's name, with ``cards`` its first-paint summary
    cards: Sequence[SummaryCard] = ()


@dataclass(frozen=True)
class SummaryCard:
    """One product tile of a listing's first-paint summary."""

    name: str
    price: str  # "$24.00"
    image: str = ""
    brand: str = ""


def absolute(base_url: str, path: str) -> str:
    """``path`` on the public site (``https://shop.example/products/x``); absolute URLs stay."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", path, re.IGNORECASE):
        return path
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def product_json_ld(facts: ProductFacts, base_url: str) -> dict[str, Any]:
    offer: dict[str, Any] = {
        "@type": "Offer",
        "url": absolute(base_url, facts.path),
        "priceCurrency": facts.currency,
        "price": facts.price_amount,
        "availability": AVAILABILITY[facts.in_stock],
        "itemCondition": f"{SCHEMA}/NewCondition",
    }
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Product",
        "name": facts.name,
        "url": absolute(base_url, facts.path),
        "description": facts.description,
        "image": [absolute(base_url, i) for i in facts.images],
        "offers": offer,
    }
    if facts.sku:
        data["sku"] = facts.sku
    if facts.brand:
        data["brand"] = {"@type": "Brand", "name": facts.brand}
    if facts.review_count > 0 and facts.rating:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": facts.rating,
            "reviewCount": facts.review_count,
            "bestRating": "5",
            "worstRating": "1",
        }
    return data


def breadcrumb_json_ld(crumbs: Sequence[Crumb], base_url: str) -> dict[str, Any]:
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": c.name, "item": absolute(base_url, c.path)}
            for i, c in enumerate(crumbs, start=1)
        ],
    }


def website_json_ld(base_url: str, search_path: str = "/search") -> dict[str, Any]:
    return {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": SITE_NAME,
        "url": absolute(base_url, "/"),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": absolute(base_url, f"{search_path}?q={{search_term_string}}"),
            },
            "query-input": "required name=search_term_string",
        },
    }


def json_ld(meta: PageMeta, base_url: str) -> list[dict[str, Any]]:
    """The page's JSON-LD objects, in order."""
    out = []
    if meta.website:
        out.append(website_json_ld(base_url))
    if meta.product is not None:
        out.append(product_json_ld(meta.product, base_url))
    if meta.breadcrumb:
        out.append(breadcrumb_json_ld(meta.breadcrumb, base_url))
    return out


def script_json(data: object) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>``, ``<!--`` or ``&`` survives."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _tag(name: str, attrs: dict[str, str]) -> str:
    text = " ".join(f'{k}="{html.escape(v)}"' for k, v in attrs.items())
    return f'<{name} {text} data-marque-seo=""/>'


def head_tags(meta: PageMeta, base_url: str) -> str:
    """The ``<head>`` elements of ``meta``, each marked ``data-marque-seo`` (``assets/page_head.js``
    removes them once the app has its own title, or has moved to another page)."""
    url = absolute(base_url, meta.path)
    image = absolute(base_url, meta.image)
    tags = [
        f'<title data-marque-seo="">{html.escape(meta.title)}</title>',
        _tag("meta", {"name": "description", "content": meta.description}),
        _tag("link", {"rel": "canonical", "href": url}),
    ]
    if meta.noindex:
        tags.append(_tag("meta", {"name": "robots", "content": "noindex, follow"}))
    og = {
        "og:site_name": SITE_NAME,
        "og:type": meta.og_type,
        "og:title": meta.title,
        "og:description": meta.description,
        "og:url": url,
        "og:image": image,
    }
    if meta.image_alt:
        og["og:image:alt"] = meta.image_alt
    if meta.product is not None and meta.product.price_amount:
        og["product:price:amount"] = meta.product.price_amount
        og["product:price:currency"] = meta.product.currency
    tags += [_tag("meta", {"property": k, "content": v}) for k, v in og.items()]
    twitter = {
        "twitter:card": "summary_large_image" if meta.product is not None else "summary",
        "twitter:title": meta.title,
        "twitter:description": meta.description,
        "twitter:image": image,
    }
    tags += [_tag("meta", {"name": k, "content": v}) for k, v in twitter.items()]
    if meta.preload_image:
        tags.append(
            _tag("link", {"rel": "preload", "as": "image", "href": meta.preload_image, "fetchpriority": "high"})
        )
    tags += [
        f'<script type="application/ld+json" data-marque-seo="">{script_json(d)}</script>'
        for d in json_ld(meta, base_url)
    ]
    return "".join(tags)


# --- the first paint: the product's name, price and picture in the HTML -------------------------

SUMMARY_ID = "marque-first-paint"
# Shown until the app has drawn its own header (the CSS :has() below, no script): the summary is
# what a phone shows while the app's JavaScript downloads and runs. It lies over the page (fixed)
# rather than in its flow, so the app's content does not move when it goes (no layout shift).
SUMMARY_STYLE = (
    f"#{SUMMARY_ID}{{font-family:ui-sans-serif,system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
    "position:fixed;inset:0;z-index:2147483647;overflow:hidden;background:#fff;"
    "box-sizing:border-box;padding:16px max(16px,calc((100vw - 1200px)/2));color:#1c2024}"
    f"#{SUMMARY_ID} .mq-logo{{font-size:24px;font-weight:700;letter-spacing:-0.03em;margin:0 0 16px}}"
    f"#{SUMMARY_ID} img{{width:100%;max-width:560px;height:auto;aspect-ratio:1/1;border-radius:16px;"
    "display:block;background:#f0f0f3}"
    f"#{SUMMARY_ID} .mq-brand{{color:#60646c;font-size:14px;margin:16px 0 4px}}"
    f"#{SUMMARY_ID} h1{{font-size:28px;line-height:1.2;margin:0 0 8px}}"
    f"#{SUMMARY_ID} .mq-price{{font-size:20px;font-weight:600;margin:0}}"
    f"#{SUMMARY_ID} s{{color:#60646c;font-weight:400;margin-left:8px}}"
    f"#{SUMMARY_ID} .mq-heading{{font-size:24px;font-weight:700;line-height:1.2;margin:0 0 16px}}"
    f"#{SUMMARY_ID} .mq-grid{{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}}"
    f"@media (min-width:768px){{#{SUMMARY_ID} .mq-grid{{grid-template-columns:repeat(4,minmax(0,1fr))}}}}"
    f"#{SUMMARY_ID} .mq-grid img{{border-radius:12px}}"
    # the first tile across the grid: bigger than any tile the app draws, so the page's largest
    # paint is this early one, not the app's grid a moment later
    f"#{SUMMARY_ID} .mq-grid>div:first-child{{grid-column:1/-1;max-width:560px}}"
    f"#{SUMMARY_ID} .mq-grid .mq-brand{{margin:8px 0 2px;font-size:12px}}"
    f"#{SUMMARY_ID} .mq-grid .mq-name{{font-size:14px;margin:0 0 2px}}"
    f"#{SUMMARY_ID} .mq-grid .mq-price{{font-size:14px}}"
    f"body:has([data-testid=logo]) #{SUMMARY_ID}{{display:none}}"
)

#: Tiles in a listing's first-paint summary (what a phone's first screen and a little more shows).
SUMMARY_CARDS = 6


def product_summary(facts: ProductFacts) -> str:
    """The product's picture, brand, name and price as plain HTML (no script needed)."""
    e = html.escape
    picture = (
        f'<img src="{e(facts.images[0])}" alt="{e(facts.name)}" width="560" height="560" fetchpriority="high"/>'
        if facts.images
        else ""
    )
    compare = f"<s>{e(facts.compare_price)}</s>" if facts.compare_price else ""
    return (
        f'<style data-marque-seo="">{SUMMARY_STYLE}</style>'
        f'<div id="{SUMMARY_ID}" data-marque-seo="">'
        f'<p class="mq-logo">marque</p>{picture}'
        f'<p class="mq-brand">{e(facts.brand)}</p><p class="mq-name">{e(facts.name)}</p>'
        f'<p class="mq-price">{e(facts.price)}{compare}</p></div>'
    )


def listing_summary(heading: str, cards: Sequence[SummaryCard]) -> str:
    """A listing's name and its first tiles (picture, brand, name, price) as plain HTML, in a
    grid of two columns (four on a wide screen) with the first tile across it, until the app has
    drawn the page."""
    e = html.escape
    tiles = []
    for i, card in enumerate(cards[:SUMMARY_CARDS]):
        priority = ' fetchpriority="high"' if i < 2 else ' loading="lazy"' if i >= 4 else ""
        picture = (
            f'<img src="{e(card.image)}" alt="{e(card.name)}" width="300" height="300"{priority}/>'
            if card.image
            else ""
        )
        brand = f'<p class="mq-brand">{e(card.brand)}</p>' if card.brand else ""
        tiles.append(
            f'<div>{picture}{brand}<p class="mq-name">{e(card.name)}</p><p class="mq-price">{e(card.price)}</p></div>'
        )
    return (
        f'<style data-marque-seo="">{SUMMARY_STYLE}</style>'
        f'<div id="{SUMMARY_ID}" data-marque-seo="">'
        f'<p class="mq-logo">marque</p><p class="mq-heading">{e(heading)}</p>'
        f'<div class="mq-grid">{"".join(tiles)}</div></div>'
    )


# --- into the prerendered shell -----------------------------------------------------------------

# What the shell already has that the page's own head replaces.
_REPLACED = [
    re.compile(r"<title\b[^>]*>.*?</title\s*>", re.IGNORECASE | re.DOTALL),
    re.compile(r"<meta\b[^>]*\bname=\"description\"[^>]*/?>", re.IGNORECASE),
    re.compile(r"<meta\b[^>]*\bproperty=\"og:image\"[^>]*/?>", re.IGNORECASE),
]
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def inject(shell: str, head: str, body: str = "") -> str:
    """``shell`` (a prerendered page) with ``head`` before ``</head>`` (its own title,
    description and og:image taken out) and ``body`` at the start of ``<body>``."""
    end = _HEAD_END.search(shell)
    if end is None:
        return shell
    top, rest = shell[: end.start()], shell[end.start() :]
    for pattern in _REPLACED:
        top = pattern.sub("", top)
    out = top + head + rest
    if body and (start := _BODY_START.search(out)) is not None:
        out = out[: start.end()] + body + out[start.end() :]
    return out


# --- sitemap and robots.txt -----------------------------------------------------------------------


@dataclass(frozen=True)
class SitemapEntry:
    path: str
    lastmod: datetime | None = None


@dataclass(frozen=True)
class Sitemap:
    entries: list[SitemapEntry] = field(default_factory=list)


def sitemap_xml(entries: Iterable[SitemapEntry], base_url: str) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for entry in entries:
        lines.append(f"  <url><loc>{xml_escape(absolute(base_url, entry.path))}</loc>")
        if entry.lastmod is not None:
            lines[-1] += f"<lastmod>{entry.lastmod.date().isoformat()}</lastmod>"
        lines[-1] += "</url>"
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots_txt(base_url: str, sitemap_path: str = "/sitemap.xml") -> str:
    lines = [
        "User-agent: *",
        *(f"Disallow: {p}" for p in DISALLOWED),
        "",
        f"Sitemap: {absolute(base_url, sitemap_path)}",
    ]
    return "\n".join(lines) + "\n"


# --- the page's first paint before the app's JavaScript -------------------------------------------

_MODULEPRELOAD = re.compile(r"<link\b[^>]*\brel=\"modulepreload\"[^>]*/?>", re.IGNORECASE)
# React Router's bootstrap (``<Scripts/>``): the manifest, the matched route modules, the entry.
_BOOTSTRAP = re.compile(r"<script type=\"module\" async=\"\">(?P<code>[^<]*?import\(\"[^\"]+\"\);)</script>")
_STATIC_IMPORT = re.compile(r"import\s+(?:\*\s+as\s+(?P<name>route\d+)\s+from\s+)?\"(?P<url>[^\"]+)\";")
_ROUTE_MODULES = re.compile(r"window\.__reactRouterRouteModules\s*=\s*(?P<modules>\{[^;]*\});")
_ENTRY = re.compile(r"import\(\"(?P<url>[^\"]+)\"\);\s*$")

#: The classic script that boots the app once the page has painted: the same modules in the
#: same order as React Router's (each evaluated after the one before), started at the next frame
#: after the first paint, or at once in a tab that is not visible (it draws no frames).
_BOOT = (
    "(function(){{var started=false;function go(){{if(started)return;started=true;"
    "{chain}.then(function(m){{window.__reactRouterRouteModules={modules};return import({entry});}});}}"
    'if(document.visibilityState!=="visible"){{go();}}else{{requestAnimationFrame(function(){{setTimeout(go,0);}});'
    "setTimeout(go,1000);}}}})();"
)


def paint_first(shell: str) -> str:
    """``shell`` with the app's scripts started after the first paint, for a page that paints
    without them (a :func:`product_summary` or :func:`listing_summary`, the prerendered home
    page): the module preloads React Router
    puts in the head (27-35 scripts, ~300 KB, fetched with the stylesheet and the picture on a
    slow line) are dropped and its module bootstrap becomes a classic script that imports the same
    modules, in the same order, at the frame after the first paint. The app then loads as before,
    its modules fetched as the imports find them. A shell whose bootstrap is not the expected one
    comes back unchanged."""
    found = _BOOTSTRAP.search(shell)
    if found is None:
        return shell
    code = found.group("code")
    imports = list(_STATIC_IMPORT.finditer(code))
    modules = _ROUTE_MODULES.search(code)
    entry = _ENTRY.search(code)
    if not imports or modules is None or entry is None:
        return shell
    chain = "Promise.resolve([])"
    for imp in imports:  # each module evaluated after the one before, as static imports are
        keep = "m.concat([x])" if imp.group("name") else "m"
        url = json.dumps(imp.group("url"))
        chain += f".then(function(m){{return import({url}).then(function(x){{return {keep};}});}})"
    names = [imp.group("name") for imp in imports if imp.group("name")]
    route_modules = modules.group("modules")
    for index, name in enumerate(names):
        route_modules = re.sub(rf"\b{name}\b", f"m[{index}]", route_modules)
    boot = _BOOT.format(chain=chain, modules=route_modules, entry=json.dumps(entry.group("url")))
    out = shell[: found.start()] + f"<script>{boot}</script>" + shell[found.end() :]
    return _MODULEPRELOAD.sub("", out)
