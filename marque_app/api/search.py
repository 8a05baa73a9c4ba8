"""The search REST API: ranked full-text product search and search-as-you-type suggestions.

Registered before the catalog router so that ``/api/v1/products/search`` is not taken for a
product called "search". Bad input gets a 422 with a message naming the parameter; the
parameters are read as plain strings so that FastAPI's own errors never echo a 10 KB query.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlmodel import Session

from marque_app.api.schemas import ErrorOut, ProductList, ProductSummary
from marque_app.services import search as search_service
from marque_app.services.db import get_engine
from marque_app.services.replica import read_session
from marque_app.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["search"])

_BAD_INPUT = {422: {"model": ErrorOut, "description": "A query parameter is invalid"}}


class SearchResults(ProductList):
    """One page of search results, best match first."""

    query: str = Field(description="The query as searched (control characters removed)")
    did_you_mean: str = Field("", description="A corrected query that finds products, when few matched; else empty")
    total_is_capped: bool = Field(
        False,
        description=f"More than `total` products match (only the first "
        f"{search_service.RANK_WINDOW} are ranked); show it as {search_service.RANK_WINDOW}+",
    )


class SuggestionOut(BaseModel):
    kind: str = Field(description='"product", "brand" or "category"')
    label: str
    slug: str
    url: str = Field(description="The storefront page to open")
    detail: str = Field("", description="The product's brand, or the kind in words")


class Suggestions(BaseModel):
    items: list[SuggestionOut]


def get_session(request: Request) -> Iterator[Session]:
    engine = getattr(request.app.state, "engine", None) or get_engine
    if engine is get_engine:  # the configured database: the read replica when it may serve
        with read_session() as session:
            yield session
        return
    with Session(engine(), expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _bad(field: str, message: str) -> JSONResponse:
    return JSONResponse({"detail": message, "field": field}, status_code=422)


def _int(value: str, *, field: str, low: int, high: int) -> int | JSONResponse:
    text = value.strip()
    if not text.isdigit() or len(text) > 6 or not low <= int(text) <= high:
        return _bad(field, f"{field} must be a whole number from {low} to {high}")
    return int(text)


@router.get(
    "/products/search",
    response_model=SearchResults,
    responses=_BAD_INPUT,
    summary="Search active products (full text, ranked)",
)
def search_products(
    session: SessionDep,
    q: Annotated[
        str,
        Query(
            description=f"Words to find in the name, description, brand or category (at most "
            f"{search_service.MAX_QUERY_LENGTH} characters). On PostgreSQL web-search syntax "
            'works: "a phrase", -excluded, or.'
        ),
    ] = "",
    page: Annotated[str, Query(description="Page number, from 1")] = "1",
    per_page: Annotated[str, Query(description=f"Products per page, 1 to {search_service.MAX_PER_PAGE}")] = "24",
):
    page_no = _int(page, field="page", low=1, high=100_000)
    if isinstance(page_no, JSONResponse):
        return page_no
    size = _int(per_page, field="per_page", low=1, high=search_service.MAX_PER_PAGE)
    if isinstance(size, JSONResponse):
        return size
    # the API answers the query as sent (its did_you_mean says what would find more)
    result = search_service.search(session=session, query=q, page=page_no, per_page=size, correct=False)
    if result.error:
        return _bad("q", result.error)
    currency = get_settings().currency
    return SearchResults(
        items=[ProductSummary.from_card(c, currency=currency) for c in result.products],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        pages=result.pages,
        query=result.query,
        did_you_mean=result.did_you_mean,
        total_is_capped=result.total_is_capped,
    )


@router.get(
    "/search/suggestions",
    response_model=Suggestions,
    responses=_BAD_INPUT,
    summary="Search-as-you-type: matching brands, categories and products",
)
def search_suggestions(
    session: SessionDep,
    q: Annotated[str, Query(description="What has been typed so far")] = "",
):
    text, error = search_service.clean_query(q)
    if error:
        return _bad("q", error)
    found = search_service.suggest(session=session, prefix=text)
    return Suggestions(
        items=[SuggestionOut(kind=s.kind, label=s.label, slug=s.slug, url=s.url, detail=s.detail) for s in found]
    )
