"""The catalog reads behind the server-sent page metadata, the sitemap and robots.txt.

``page_meta(path, params)`` answers what a page GET needs before any JavaScript runs (see
``api/seo.py``): the page's :class:`~marque_app.domain.seo.PageMeta`, or one with status 404 for
an unknown product, category or brand. The reads are the pages' own (``cached_product_detail``,
``cached_listing``), so a crawler's GET and the page's hydrate event share one cache entry; with
``catalog=SessionCatalog(engine)`` they run on that engine without the caches (tests, tools).
Everything here blocks: call it in a worker thread, never on the event loop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app import routes
from marque_app.domain import seo
from marque_app.domain.listing import DEFAULT_PER_PAGE, ListingQuery, parse_listing_query
from marque_app.domain.seo import Crumb, PageMeta, ProductFacts, SitemapEntry
from marque_app.models.catalog import Brand, Category, Product
from marque_app.models.enums import ProductStatus
from marque_app.services.cache import local_fetch
from marque_app.services.catalog import ProductDetail, cached_product_detail, product_detail
from marque_app.services.listing import ListingPage, UnknownBrand, UnknownCategory, cached_listing, list_products

PRODUCT_PREFIX = "/products/"
CATEGORY_PREFIX = "/categories/"
BRAND_PREFIX = "/brands/"


class Catalog(Protocol):
    def product(self, slug: str) -> ProductDetail | None: ...

    def listing(self, query: ListingQuery) -> ListingPage: ...

    def sitemap(self) -> list[SitemapEntry]: ...


class CachedCatalog:
    """The storefront's reads: the process-local tier (and Redis) before the database."""

    def product(self, slug: str) -> ProductDetail | None:
        return cached_product_detail(slug=slug)

    def listing(self, query: ListingQuery) -> ListingPage:
        return cached_listing(query)

    def sitemap(self) -> list[SitemapEntry]:
        from marque_app.services.replica import read_session

        def compute() -> list[SitemapEntry]:
            with read_session() as session:
                return sitemap_entries(session=session)

        return local_fetch("sitemap", {}, compute, kinds=("products", "categories"))


@dataclasses.dataclass(frozen=True)
class SessionCatalog:
    """The same reads on ``engine()``, uncached."""

    engine: Callable[[], sa.Engine | sa.Connection]

    def _run(self, fn, **kwargs):
        with Session(self.engine(), expire_on_commit=False) as session:
            return fn(session=session, **kwargs)

    def product(self, slug: str) -> ProductDetail | None:
        return self._run(product_detail, slug=slug)

    def listing(self, query: ListingQuery) -> ListingPage:
        return self._run(list_products, query=query)

    def sitemap(self) -> list[SitemapEntry]:
        return self._run(sitemap_entries)


# --- the pages ------------------------------------------------------------------------------------


def product_facts(detail: ProductDetail, *, currency: str) -> ProductFacts:
    return ProductFacts(
        name=detail.name,
        path=routes.product_url(detail.slug),
        description=seo.describe(detail.description, detail.short_description, limit=5000),
        sku=detail.sku,
        brand=detail.brand,
        images=[i.url for i in detail.images if i.url],
        price_amount=detail.price_amount,
        price=detail.price,
        compare_price=detail.compare_price,
        currency=currency,
        in_stock=not detail.is_sold_out,
        rating=detail.rating,
        review_count=detail.review_count,
    )


def _home_crumb() -> Crumb:
    return Crumb("Home", routes.HOME)


def product_meta(detail: ProductDetail, *, currency: str) -> PageMeta:
    facts = product_facts(detail, currency=currency)
    trail = [_home_crumb(), *(Crumb(c.name, routes.category_url(c.slug)) for c in detail.breadcrumb)]
    image = facts.images[0] if facts.images else seo.SITE_IMAGE
    return PageMeta(
        title=seo.product_title(detail.meta_title),
        description=seo.describe(detail.meta_description, detail.short_description, detail.description),
        path=facts.path,
        og_type="product",
        image=image,
        image_alt=detail.images[0].alt if detail.images else "",
        breadcrumb=[*trail, Crumb(detail.name, facts.path)],
        product=facts,
        preload_image=facts.images[0] if facts.images else "",
    )


def _page_number(params: Mapping[str, str]) -> int:
    return parse_listing_query({"page": params.get("page", "")}, strict=False)[0].page


def _with_page(path: str, page: int) -> str:
    return routes.listing_url(path, {"page": str(page)} if page > 1 else None)


def listing_meta(listing: ListingPage, *, kind: str, page: int) -> PageMeta:
    first_image = next((p.image_url for p in listing.products if p.image_url), "")
    if kind == "category" and listing.category is not None:
        c = listing.category
        path = routes.category_url(c.slug)
        trail = [_home_crumb(), *(Crumb(b.name, routes.category_url(b.slug)) for b in listing.breadcrumb)]
        heading, text, image = c.name, c.description, c.image_url or first_image
    else:
        b = listing.brand
        assert b is not None
        path = routes.brand_url(b.slug)
        trail = [_home_crumb(), Crumb("Brands", routes.BRANDS), Crumb(b.name, path)]
        heading, text, image = b.name, b.description, b.logo_url or first_image
    return PageMeta(
        title=seo.listing_title(heading, page),
        description=seo.describe(text),  # as ListingState.page_description
        path=_with_page(path, page),
        image=image or seo.SITE_IMAGE,
        breadcrumb=trail,
        preload_image=first_image,
        heading=heading,
        cards=[
            seo.SummaryCard(name=p.name, price=p.price, image=p.image_url, brand=p.brand)
            for p in listing.products[: seo.SUMMARY_CARDS]
        ],
    )


def not_found_meta(kind: str, path: str) -> PageMeta:
    return PageMeta(
        title=seo.NOT_FOUND_TITLES[kind],
        description="The page you are looking for does not exist or has moved.",
        path=path,
        status=404,
        noindex=True,
    )


def home_meta() -> PageMeta:
    return PageMeta(title=seo.HOME_TITLE, description=seo.SITE_DESCRIPTION, path=routes.HOME, website=True)


def search_meta(params: Mapping[str, str]) -> PageMeta:
    """A search page: its query in the title and canonical URL; results pages are not indexed
    (each query would be another thin page), the links on them are followed."""
    query = " ".join(str(params.get("q") or "").split())[:200]
    return PageMeta(
        title=seo.search_title(query),
        description=f"Products at Marque matching “{query}”." if query else seo.SITE_DESCRIPTION,
        path=routes.search_url(query),
        noindex=bool(query),
    )


def _slug(path: str, prefix: str) -> str | None:
    rest = path[len(prefix) :].strip("/")
    return rest if path.startswith(prefix) and rest and "/" not in rest else None


def is_meta_page(path: str) -> bool:
    """Whether ``page_meta`` has something to say about ``path``."""
    return path in (routes.HOME, routes.SEARCH, routes.SEARCH + "/") or any(
        _slug(path, p) is not None for p in (PRODUCT_PREFIX, CATEGORY_PREFIX, BRAND_PREFIX)
    )


def page_meta(path: str, params: Mapping[str, str], *, catalog: Catalog, currency: str) -> PageMeta | None:
    """The metadata of the page at ``path`` (already URL-decoded), or None for other paths."""
    from urllib.parse import unquote

    if path == routes.HOME:
        return home_meta()
    if path.rstrip("/") == routes.SEARCH:
        return search_meta(params)
    if (slug := _slug(path, PRODUCT_PREFIX)) is not None:
        detail = catalog.product(unquote(slug))
        if detail is None:
            return not_found_meta("product", path)
        return product_meta(detail, currency=currency)
    for kind, prefix in (("category", CATEGORY_PREFIX), ("brand", BRAND_PREFIX)):
        if (slug := _slug(path, prefix)) is not None:
            own = unquote(slug).strip().lower()
            page = _page_number(params)
            query = ListingQuery(page=page, per_page=DEFAULT_PER_PAGE, **{kind: own})
            try:
                listing = catalog.listing(query)
            except (UnknownCategory, UnknownBrand):
                return not_found_meta(kind, path)
            return listing_meta(listing, kind=kind, page=page)
    return None


# --- sitemap ----------------------------------------------------------------------------------------


def sitemap_entries(*, session: Session) -> list[SitemapEntry]:
    """Home, the listings, then every active category, brand and product with its last change.

    A category's or brand's page changes with its products: its lastmod is the latest change of
    an active product in it (its own creation when it has none). Four statements.
    """
    active = Product.status == ProductStatus.active
    products = session.exec(
        select(Product.slug, Product.updated_at, Product.category_id, Product.brand_id)
        .where(active)
        .order_by(Product.slug)
    ).all()
    latest = max((p.updated_at for p in products), default=None)
    by_category: dict = {}
    by_brand: dict = {}
    for p in products:
        for key, into in ((p.category_id, by_category), (p.brand_id, by_brand)):
            if key is not None and (into.get(key) is None or p.updated_at > into[key]):
                into[key] = p.updated_at
    categories = session.exec(
        select(Category.id, Category.slug, Category.parent_id, Category.created_at)
        .where(Category.is_active == sa.true())
        .order_by(Category.sort_order, Category.slug)
    ).all()
    parents = {c.id: c.parent_id for c in categories}
    # A parent category lists its subcategories' products too.
    rolled: dict = {}
    for cid, changed in by_category.items():
        seen = set()
        while cid is not None and cid in parents and cid not in seen:
            seen.add(cid)
            if rolled.get(cid) is None or changed > rolled[cid]:
                rolled[cid] = changed
            cid = parents[cid]
    brands = session.exec(
        select(Brand.id, Brand.slug, Brand.created_at).where(Brand.is_active == sa.true()).order_by(Brand.slug)
    ).all()
    entries = [
        SitemapEntry(routes.HOME, latest),
        SitemapEntry(routes.SHOP, latest),
        SitemapEntry(routes.BRANDS, latest),
    ]
    entries += [SitemapEntry(routes.category_url(c.slug), _newest(rolled.get(c.id), c.created_at)) for c in categories]
    entries += [SitemapEntry(routes.brand_url(b.slug), _newest(by_brand.get(b.id), b.created_at)) for b in brands]
    entries += [SitemapEntry(routes.product_url(p.slug), p.updated_at) for p in products]
    return entries


def _newest(a: datetime | None, b: datetime | None) -> datetime | None:
    values = [v for v in (a, b) if v is not None]
    return max(values) if values else None
