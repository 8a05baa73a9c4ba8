"""The catalog REST API: product listing, product detail, recommendations, categories, brands.

Read-only, over the same services as the storefront pages (``services.listing``), through the
catalog cache when Redis is configured. Bad input gets a 4xx with a message naming the
parameter; what the client sent is never echoed back (a slug only when it is a plain slug).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from marque_app.api.schemas import (
    Brand,
    CategoryRef,
    CategoryTree,
    ErrorOut,
    ProductDetailOut,
    ProductList,
    ProductListing,
    ProductSummary,
)
from marque_app.domain.listing import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    SORT_FIELDS,
    ListingQueryError,
    parse_listing_query,
)
from marque_app.services import listing
from marque_app.services.cache import catalog_cache
from marque_app.services.db import get_engine
from marque_app.services.replica import read_session
from marque_app.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["catalog"])

MAX_RECOMMENDATIONS = 24
_PLAIN_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")

_NOT_FOUND = {404: {"model": ErrorOut, "description": "Not found"}}
_BAD_INPUT = {422: {"model": ErrorOut, "description": "A query parameter is invalid"}}


def get_session(request: Request) -> Iterator[Session]:
    """A read session on the app's engine (``create_api(engine=...)``); with the configured one,
    on the read replica when it may serve (``services/replica.py``)."""
    make_engine = getattr(request.app.state, "engine", None) or get_engine
    if make_engine is get_engine:
        with read_session() as session:
            yield session
        return
    with Session(make_engine(), expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _error(status: int, detail: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail, "field": field}, status_code=status)


def _named(kind: str, slug: str) -> str:
    """'unknown brand: acme', or without the value when it is not a plain slug."""
    return f"unknown {kind}: {slug}" if _PLAIN_SLUG.fullmatch(slug) else f"unknown {kind}"


def _currency() -> str:
    return get_settings().currency


# Plain strings on purpose: the listing parser checks them and says what is wrong in words.
_Text = Annotated[str | None, Query()]


@router.get(
    "/products",
    response_model=ProductListing,
    summary="List products with filters, sort and pagination",
    description=(
        "Active products only. A category includes its subcategories. A page past the end "
        "returns no items with the real `total` and `pages`. Prices are decimal strings."
    ),
    responses={**_NOT_FOUND, **_BAD_INPUT},
)
def list_products(
    request: Request,
    session: SessionDep,
    category: Annotated[str | None, Query(description="Category slug (subcategories included)")] = None,
    brand: Annotated[str | None, Query(description="Brand slug")] = None,
    min_price: Annotated[str | None, Query(description="Lowest price, inclusive, e.g. 10 or 9.99")] = None,
    max_price: Annotated[str | None, Query(description="Highest price, inclusive; not below min_price")] = None,
    rating: Annotated[str | None, Query(description="Minimum average rating, 1 to 5")] = None,
    in_stock: Annotated[str | None, Query(description="1/true: only products that can be bought now")] = None,
    sort: Annotated[str | None, Query(description=f"One of {', '.join(SORT_FIELDS)} (default newest)")] = None,
    order: Annotated[str | None, Query(description="asc or desc (default desc)")] = None,
    page: Annotated[str | None, Query(description="Page number, from 1")] = None,
    per_page: Annotated[
        str | None, Query(description=f"Products per page, 1 to {MAX_PER_PAGE} (default {DEFAULT_PER_PAGE})")
    ] = None,
):
    try:
        query, _ = parse_listing_query(request.query_params, strict=True)
    except ListingQueryError as error:
        return _error(422, error.message, error.field)
    try:
        result = listing.list_products(session=session, query=query, cache=catalog_cache())
    except listing.UnknownCategory as error:
        return _error(404, _named("category", error.slug), "category")
    except listing.UnknownBrand as error:
        return _error(404, _named("brand", error.slug), "brand")
    currency = _currency()
    return ProductListing(
        items=[ProductSummary.from_card(c, currency=currency) for c in result.products],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        pages=result.pages,
        filters=query.to_params(),
        category=CategoryRef.from_link(result.category) if result.category else None,
        breadcrumb=[CategoryRef.from_link(c) for c in result.breadcrumb],
        subcategories=[CategoryRef.from_link(c) for c in result.subcategories],
        brand=Brand.from_link(result.brand) if result.brand else None,
    )


# Declared before /products/{ref}, which would otherwise take "recommendations" for a slug.
@router.get(
    "/products/recommendations/{ref}",
    response_model=ProductList,
    summary="Products like this one (same category, then same brand)",
    responses={**_NOT_FOUND, **_BAD_INPUT},
)
def product_recommendations(
    session: SessionDep,
    ref: Annotated[str, Path(description="The product's id (UUID) or slug")],
    limit: Annotated[str | None, Query(description=f"How many, 1 to {MAX_RECOMMENDATIONS} (default 8)")] = None,
):
    count = 8
    if limit not in (None, ""):
        text = limit.strip()
        if not (text.isascii() and text.isdecimal() and len(text) <= 3) or not (1 <= int(text) <= MAX_RECOMMENDATIONS):
            return _error(422, f"limit must be a whole number from 1 to {MAX_RECOMMENDATIONS}", "limit")
        count = int(text)
    cards = listing.recommendations(session=session, product_ref=ref, limit=count, cache=catalog_cache())
    if cards is None:
        return _error(404, "product not found")
    currency = _currency()
    return ProductList(
        items=[ProductSummary.from_card(c, currency=currency) for c in cards],
        total=len(cards),
        page=1,
        per_page=count,
        pages=1 if cards else 0,
    )


@router.get(
    "/products/{ref}",
    response_model=ProductDetailOut,
    summary="One product with its variants, images, reviews and related products",
    description="By id (UUID) or slug. Drafts, archived and unknown products are 404.",
    responses=_NOT_FOUND,
)
def get_product(
    session: SessionDep,
    ref: Annotated[str, Path(description="The product's id (UUID) or slug")],
):
    detail = listing.product_page(session=session, ref=ref, cache=catalog_cache())
    if detail is None:
        return _error(404, "product not found")
    return ProductDetailOut.from_detail(detail, currency=_currency())


@router.get(
    "/categories",
    response_model=list[CategoryTree],
    summary="The category tree with active product counts",
)
def list_categories(session: SessionDep):
    return [CategoryTree.from_node(n) for n in listing.category_nodes(session=session, cache=catalog_cache())]


@router.get(
    "/brands",
    response_model=list[Brand],
    summary="Active brands by name, with active product counts",
)
def list_brands(session: SessionDep):
    return [Brand.from_link(b) for b in listing.list_brands(session=session, cache=catalog_cache())]


@router.get(
    "/brands/{slug}",
    response_model=Brand,
    summary="One brand with its active product count",
    responses=_NOT_FOUND,
)
def get_brand(session: SessionDep, slug: Annotated[str, Path(description="The brand's slug")]):
    brand = listing.get_brand(session=session, slug=slug, cache=catalog_cache())
    if brand is None:
        return _error(404, "brand not found")
    return Brand.from_link(brand)
