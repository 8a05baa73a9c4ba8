"""The product listing (filters, sort, pages), brands, the category tree with counts, recommendations.

Every function takes the session (and, optionally, the catalog cache) as keyword arguments and
returns frozen dataclasses. Shoppers see active products only. A listing page runs a fixed
number of queries whatever its size: the category tree (with a category filter), the brand
(with a brand filter), and one statement for the page with its cards and the total
(:func:`marque_app.services.catalog.card_select`).

Caching: pass ``cache=catalog_cache()`` (``marque_app.services.cache``) to keep results in Redis
when it is configured; ``cache=None`` (the default) always reads the database. Results are keyed
by the query's canonical parameters and dropped by ``invalidate_products()`` /
``invalidate_categories()``.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from marque_app.domain.listing import ListingQuery
from marque_app.models import Brand, Category, Product, ProductVariant
from marque_app.models.enums import ProductStatus
from marque_app.services.cache import CatalogCache, catalog_cache, local_fetch
from marque_app.services.catalog import (
    CategoryLink,
    ProductCard,
    ProductDetail,
    all_categories,
    card_from_row,
    card_select,
    category_breadcrumb,
    category_link,
    descendant_ids,
    product_cards,
    product_detail,
)
from marque_app.services.replica import read_session
from marque_app.views.catalog import BrandLink

T = TypeVar("T")

#: Pages further than this are past the end of any catalog: only counted (the databases' integers
#: cannot take any offset a query string can name).
_MAX_OFFSET = 2**53

#: Slugs are at most 255 characters: longer references are unknown without a query.
MAX_REF_LENGTH = 255


# --------------------------------------------------------------------------------------------
# Public schemas


@dataclass(frozen=True)
class ListingPage:
    """One page of a product listing, with what the page needs around it.

    ``pages`` is the real number of pages (0 when nothing matched); a page past the end has no
    products but the real ``total`` and ``pages``.
    """

    products: list[ProductCard] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 24
    pages: int = 0
    query: ListingQuery = field(default_factory=ListingQuery)
    category: CategoryLink | None = None
    breadcrumb: list[CategoryLink] = field(default_factory=list)
    subcategories: list[CategoryLink] = field(default_factory=list)
    brand: BrandLink | None = None


@dataclass(frozen=True)
class CategoryNode:
    """A category of the tree with its active product count (subcategories included)."""

    id: str = ""
    slug: str = ""
    name: str = ""
    description: str = ""
    image_url: str = ""
    product_count: int = 0
    children: list[CategoryNode] = field(default_factory=list)


class UnknownCategory(LookupError):
    """No active category has this slug."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"unknown category: {slug}")
        self.slug = slug


class UnknownBrand(LookupError):
    """No active brand has this slug."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"unknown brand: {slug}")
        self.slug = slug


# --------------------------------------------------------------------------------------------
# Helpers


def _active() -> sa.ColumnElement[bool]:
    return col(Product.status) == ProductStatus.active


def _in_stock() -> sa.ColumnElement[bool]:
    """Can be bought now: the same rule as a card's "sold out" badge, in SQL.

    Untracked or back-orderable products always; a product with variants when one of them has
    stock; a product without variants when it has stock itself.
    """
    variant = ProductVariant
    has_stock = sa.select(variant.id).where(variant.product_id == Product.id, variant.inventory_quantity > 0).exists()
    has_variants = sa.select(variant.id).where(variant.product_id == Product.id).exists()
    return sa.or_(
        Product.track_inventory == sa.false(),
        Product.allow_backorder == sa.true(),
        has_stock,
        # The column first: the variants are probed only for a product that has stock itself.
        sa.and_(Product.inventory_quantity > 0, ~has_variants),
    )


_SORT_COLUMNS = {
    "newest": Product.created_at,
    "name": Product.name,
    "price": Product.price,
    "rating": Product.rating_average,
}


def _order_by(query: ListingQuery) -> list[sa.ColumnElement]:
    column = _SORT_COLUMNS[query.sort]
    # The id breaks ties the same way round, so pages never overlap or skip a product.
    if query.order == "asc":
        return [column.asc(), Product.id.asc()]
    return [column.desc(), Product.id.desc()]


def _cached(
    cache: CatalogCache | None,
    name: str,
    params: dict[str, str],
    compute: Callable[[], T],
    result_type: object,
    kinds: tuple[str, ...] = ("products",),
) -> T:
    if cache is None:
        return compute()
    return cache.fetch(name, params, compute, result_type=result_type, kinds=kinds)


def _brand_link(brand: Brand, count: int = 0) -> BrandLink:
    return BrandLink(
        id=str(brand.id),
        slug=brand.slug,
        name=brand.name,
        description=brand.description or "",
        logo_url=brand.logo_url or "",
        product_count=count,
    )


def _clean_ref(ref: str | None) -> str:
    """``ref`` stripped, or "" when it cannot name anything (too long, control characters)."""
    ref = (ref or "").strip()
    if len(ref) > MAX_REF_LENGTH or not ref.isprintable():
        return ""
    return ref


def _find_active_product(session: Session, ref: str) -> Product | None:
    """The active product whose id or slug is ``ref``."""
    ref = _clean_ref(ref)
    if not ref:
        return None
    try:
        condition = Product.id == uuid.UUID(ref)
    except ValueError:
        condition = Product.slug == ref
    return session.exec(select(Product).where(condition, _active())).first()


# --------------------------------------------------------------------------------------------
# Services


def list_products(*, session: Session, query: ListingQuery, cache: CatalogCache | None = None) -> ListingPage:
    """One page of active products matching ``query``.

    Args:
        session: An open database session.
        query: Filters, sort and page (``parse_listing_query`` makes one from a query string).
        cache: The catalog cache, or None to read the database.

    Returns:
        The page, with the category (breadcrumb, subcategories) or brand it is filtered by.
        A page past the end has no products, with the real total.

    Raises:
        UnknownCategory: no active category has the query's category slug.
        UnknownBrand: no active brand has the query's brand slug.
    """
    return _cached(
        cache,
        "listing",
        query.to_params(),
        lambda: _list_products(session, query),
        ListingPage,
        kinds=("products", "categories"),
    )


def _list_products(session: Session, query: ListingQuery) -> ListingPage:
    where: list[sa.ColumnElement[bool]] = [_active()]
    category = brand = None
    breadcrumb: list[CategoryLink] = []
    subcategories: list[CategoryLink] = []
    if query.category:
        categories = all_categories(session)
        found = next((c for c in categories if c.slug == query.category), None)
        if found is None:
            raise UnknownCategory(query.category)
        category = category_link(found)
        breadcrumb = category_breadcrumb(categories, found.id)
        subcategories = [category_link(c) for c in categories if c.parent_id == found.id]
        ids = descendant_ids(categories, found.id)
        where.append(Product.category_id == ids[0] if len(ids) == 1 else Product.category_id.in_(ids))
    if query.brand:
        row = session.exec(select(Brand).where(Brand.slug == query.brand, Brand.is_active == sa.true())).first()
        if row is None:
            raise UnknownBrand(query.brand)
        brand = _brand_link(row)
        where.append(Product.brand_id == row.id)
    if query.min_price is not None:
        where.append(Product.price >= query.min_price)
    if query.max_price is not None:
        where.append(Product.price <= query.max_price)
    if query.min_rating is not None:
        where.append(Product.rating_average >= query.min_rating)
    if query.in_stock:
        where.append(_in_stock())

    # One statement for the page, its cards and the total; a page past the end (no rows to
    # carry the total) counts on its own.
    rows: Sequence[sa.Row] = []
    if query.offset < _MAX_OFFSET:
        rows = session.execute(
            card_select(where, _order_by(query), offset=query.offset, limit=query.per_page, with_total=True)
        ).all()
    total = rows[0].total if rows else session.exec(select(sa.func.count()).select_from(Product).where(*where)).one()
    return ListingPage(
        products=[card_from_row(row) for row in rows],
        total=total,
        page=query.page,
        per_page=query.per_page,
        pages=math.ceil(total / query.per_page),
        query=query,
        category=category,
        breadcrumb=breadcrumb,
        subcategories=subcategories,
        brand=brand,
    )


def list_brands(*, session: Session, cache: CatalogCache | None = None, category: str = "") -> list[BrandLink]:
    """The active brands, by name, each with its number of active products.

    With ``category`` (a category's slug), the brands that have active products in that
    category or below it, each counted there (a category page's brand filter says "Copperline
    (7)" for the 7 it shows, not the brand's 28 in the whole store). An unknown category: none.
    """
    return _cached(
        cache,
        "brands",
        {"category": category} if category else {},
        lambda: _list_brands(session, category),
        list[BrandLink],
        kinds=("categories", "products"),
    )


def _list_brands(session: Session, category: str = "") -> list[BrandLink]:
    where: list[sa.ColumnElement[bool]] = [_active(), Product.brand_id.is_not(None)]
    if category:
        categories = all_categories(session)
        found = next((c for c in categories if c.slug == category), None)
        if found is None:
            return []
        where.append(Product.category_id.in_(descendant_ids(categories, found.id)))
    counts = dict(
        session.exec(select(Product.brand_id, sa.func.count()).where(*where).group_by(Product.brand_id)).all()
    )
    brands = session.exec(select(Brand).where(Brand.is_active == sa.true()).order_by(Brand.name)).all()
    return [_brand_link(b, counts.get(b.id, 0)) for b in brands if not category or counts.get(b.id)]


def get_brand(*, session: Session, slug: str, cache: CatalogCache | None = None) -> BrandLink | None:
    """The active brand with this slug and its number of active products, or None."""
    slug = _clean_ref(slug).lower()
    if not slug:
        return None
    return _cached(
        cache,
        "brand",
        {"slug": slug},
        lambda: _get_brand(session, slug),
        BrandLink | None,
        kinds=("categories", "products"),
    )


def _get_brand(session: Session, slug: str) -> BrandLink | None:
    brand = session.exec(select(Brand).where(Brand.slug == slug, Brand.is_active == sa.true())).first()
    if brand is None:
        return None
    count = session.exec(
        select(sa.func.count()).select_from(Product).where(_active(), Product.brand_id == brand.id)
    ).one()
    return _brand_link(brand, count)


def category_nodes(*, session: Session, cache: CatalogCache | None = None) -> list[CategoryNode]:
    """The whole active category tree, in display order, with active product counts.

    A category's count includes its subcategories' products. Two queries.
    """
    return _cached(
        cache,
        "categories",
        {},
        lambda: _category_nodes(session),
        list[CategoryNode],
        kinds=("categories", "products"),
    )


def _category_nodes(session: Session) -> list[CategoryNode]:
    categories = all_categories(session)
    direct = dict(
        session.exec(
            select(Product.category_id, sa.func.count())
            .where(_active(), Product.category_id.is_not(None))
            .group_by(Product.category_id)
        ).all()
    )
    active_ids = {c.id for c in categories}
    children: dict[uuid.UUID | None, list[Category]] = {}
    for c in categories:
        # A child of an inactive category is hidden with it.
        parent = c.parent_id if c.parent_id in active_ids else ("hidden" if c.parent_id else None)
        children.setdefault(parent, []).append(c)

    def build(category: Category, seen: frozenset) -> CategoryNode:
        kids = [build(k, seen | {k.id}) for k in children.get(category.id, []) if k.id not in seen]
        return CategoryNode(
            id=str(category.id),
            slug=category.slug,
            name=category.name,
            description=category.description or "",
            image_url=category.image_url or "",
            product_count=direct.get(category.id, 0) + sum(k.product_count for k in kids),
            children=kids,
        )

    return [build(c, frozenset({c.id})) for c in children.get(None, [])]


def product_page(*, session: Session, ref: str, cache: CatalogCache | None = None) -> ProductDetail | None:
    """The product page of the active product whose id or slug is ``ref``, or None."""
    ref = _clean_ref(ref)
    if not ref:
        return None
    return _cached(
        cache,
        "product",
        {"ref": ref},
        lambda: _product_page(session, ref),
        ProductDetail | None,
        kinds=("products", "categories"),
    )


def _product_page(session: Session, ref: str) -> ProductDetail | None:
    try:
        product_id = uuid.UUID(ref)
    except ValueError:
        return product_detail(session=session, slug=ref)
    slug = session.exec(select(Product.slug).where(Product.id == product_id, _active())).first()
    return product_detail(session=session, slug=slug) if slug else None


def recommendations(
    *,
    session: Session,
    product_ref: str,
    limit: int = 8,
    cache: CatalogCache | None = None,
) -> list[ProductCard] | None:
    """Active products like this one: its category first, then its brand.

    Args:
        session: An open database session.
        product_ref: The product's id or slug.
        limit: The most products to return.
        cache: The catalog cache, or None to read the database.

    Returns:
        Up to ``limit`` cards (never the product itself), or None when no active product has
        this id or slug.
    """
    ref = _clean_ref(product_ref)
    if not ref:
        return None
    return _cached(
        cache,
        "recommendations",
        {"ref": ref, "limit": str(limit)},
        lambda: _recommendations(session, ref, limit),
        list[ProductCard] | None,
    )


def _recommendations(session: Session, ref: str, limit: int) -> list[ProductCard] | None:
    product = _find_active_product(session, ref)
    if product is None:
        return None
    order = (
        Product.featured.desc(),
        Product.rating_average.desc(),
        Product.created_at.desc(),
        Product.id,
    )
    rows: list[Product] = []
    if product.category_id is not None and limit > 0:
        rows.extend(
            session.exec(
                select(Product)
                .where(_active(), Product.category_id == product.category_id, Product.id != product.id)
                .order_by(*order)
                .limit(limit)
            ).all()
        )
    if product.brand_id is not None and len(rows) < limit:
        other_category = (
            sa.or_(Product.category_id.is_(None), Product.category_id != product.category_id)
            if product.category_id is not None
            else sa.true()
        )
        rows.extend(
            session.exec(
                select(Product)
                .where(
                    _active(),
                    Product.brand_id == product.brand_id,
                    Product.id != product.id,
                    other_category,
                )
                .order_by(*order)
                .limit(limit - len(rows))
            ).all()
        )
    return product_cards(session, rows)


# --- storefront page reads, from the process-local tier (services.cache.local_fetch) -----------


def cached_listing(query: ListingQuery) -> ListingPage:
    """:func:`list_products` for the storefront's listing pages (Redis tier behind it).

    Raises:
        UnknownCategory, UnknownBrand: as :func:`list_products` (never kept).
    """

    def compute() -> ListingPage:
        with read_session() as session:
            return list_products(session=session, query=query, cache=catalog_cache())

    return local_fetch("listing", query.to_params(), compute, kinds=("products", "categories"))


def cached_brands(category: str = "") -> list[BrandLink]:
    """:func:`list_brands` for the listing pages' brand filter (within the listing's category)
    and the brands index."""

    def compute() -> list[BrandLink]:
        with read_session() as session:
            return list_brands(session=session, cache=catalog_cache(), category=category)

    return local_fetch("brands", {"category": category} if category else {}, compute, kinds=("categories", "products"))
