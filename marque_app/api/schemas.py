"""Public schemas of the API: :class:`RequestModel` (every request body's base), the error body,
and the catalog's response schemas.

Prices are strings of the decimal value ("24.00") with a ``currency`` field ("USD"), never
floats, so a client never rounds a cent away. The models are built from the services' frozen
dataclasses (``from_card``, ``from_detail`` ...), never from rows.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from marque_app.routes import product_url
from marque_app.services.catalog import CategoryLink, ProductCard, ProductDetail

PRICE_EXAMPLE = "24.00"
_price = Field(description='Decimal amount as a string, e.g. "24.00"', examples=[PRICE_EXAMPLE])
_compare = Field(
    None,
    description='The compare-at ("was") price as a decimal string when the product is on sale',
    examples=["30.00"],
)
_currency = Field(description="ISO 4217 currency code of every price here", examples=["USD"])


class RequestModel(BaseModel):
    """The base of every request body: a field the model does not name is refused.

    A misspelt or unknown field (``items`` for ``lines``, ``qty`` for ``quantity``) is a 422
    naming it, before the operation runs, instead of data silently dropped; the refused request
    records nothing (its merge id or ``Idempotency-Key`` stays unused). Strict: a value of
    another JSON type is refused too (``0`` is no date, ``"yes"`` no boolean), as the document says.
    """

    model_config = ConfigDict(extra="forbid", strict=True)


def model_of(view: type, name: str, docs: dict[str, dict[str, Any]] | None = None) -> type[BaseModel]:
    """An answer's response model with the fields of the view dataclass ``view`` (every one
    required, as the answer always has it), so the API's schema is the view's and cannot drift
    from it; ``docs`` adds a field's ``description``/``examples`` to the OpenAPI document."""
    hints = typing.get_type_hints(view)
    docs = docs or {}
    unknown = set(docs) - {f.name for f in dataclasses.fields(view)}
    if unknown:
        raise TypeError(f"{name}: no such field of {view.__name__}: {sorted(unknown)}")
    fields: dict[str, Any] = {
        f.name: (hints[f.name], Field(..., **docs.get(f.name, {}))) for f in dataclasses.fields(view)
    }
    return create_model(name, __doc__=view.__doc__, **fields)


def _date_text(value: Any) -> Any:
    if isinstance(value, str):
        return value
    raise ValueError("Input should be a date written YYYY-MM-DD")


#: A calendar day in a request body, written ``YYYY-MM-DD`` (a number is refused, not a timestamp).
IsoDate = Annotated[date, BeforeValidator(_date_text), Field(strict=False)]


def _or_none(text: str) -> str | None:
    return text or None


class ProductSummary(BaseModel):
    """A product in a list: listing pages, search results, recommendations."""

    id: str = Field(description="The product's UUID")
    slug: str
    name: str
    brand: str | None = Field(None, description="Brand name")
    price: str = _price
    compare_price: str | None = _compare
    currency: str = _currency
    is_on_sale: bool
    in_stock: bool = Field(description="At least one variant (or the product) can be bought now")
    image_url: str | None = None
    image_alt: str | None = None
    rating: str | None = Field(None, description='Average rating of approved reviews, e.g. "4.5"')
    review_count: int = 0
    url: str = Field(description="The product's storefront page", examples=["/products/oxford-shirt"])

    @classmethod
    def from_card(cls, card: ProductCard, *, currency: str) -> ProductSummary:
        return cls(
            id=card.id,
            slug=card.slug,
            name=card.name,
            brand=_or_none(card.brand),
            price=card.price_amount,
            compare_price=_or_none(card.compare_price_amount),
            currency=currency,
            is_on_sale=card.is_on_sale,
            in_stock=not card.is_sold_out,
            image_url=_or_none(card.image_url),
            image_alt=_or_none(card.image_alt),
            rating=_or_none(card.rating),
            review_count=card.review_count,
            url=product_url(card.slug),
        )


class ProductList(BaseModel):
    """One page of products."""

    items: list[ProductSummary]
    total: int = Field(description="How many products match, on every page")
    page: int = Field(description="This page's number, from 1")
    per_page: int
    pages: int = Field(description="How many pages there are (0 when nothing matched)")


class CategoryRef(BaseModel):
    """A category in a breadcrumb or a list of subcategories."""

    id: str
    slug: str
    name: str

    @classmethod
    def from_link(cls, link: CategoryLink) -> CategoryRef:
        return cls(id=link.id, slug=link.slug, name=link.name)


class Brand(BaseModel):
    """A brand with its number of active products."""

    id: str
    slug: str
    name: str
    description: str | None = None
    logo_url: str | None = None
    product_count: int = Field(0, description="Active products of this brand")

    @classmethod
    def from_link(cls, link) -> Brand:
        return cls(
            id=link.id,
            slug=link.slug,
            name=link.name,
            description=_or_none(link.description),
            logo_url=_or_none(link.logo_url),
            product_count=link.product_count,
        )


class ProductListing(ProductList):
    """A page of the product listing, with the filters it applied."""

    filters: dict[str, str] = Field(description="The filters, sort and page in effect, as canonical query parameters")
    category: CategoryRef | None = Field(None, description="The category filtered by")
    breadcrumb: list[CategoryRef] = Field(
        default_factory=list, description="From the top-level category down to this one"
    )
    subcategories: list[CategoryRef] = Field(default_factory=list)
    brand: Brand | None = Field(None, description="The brand filtered by")


class CategoryTree(BaseModel):
    """A category with its subcategories; counts include the subcategories' products."""

    id: str
    slug: str
    name: str
    description: str | None = None
    image_url: str | None = None
    product_count: int
    children: list[CategoryTree] = Field(default_factory=list)

    @classmethod
    def from_node(cls, node) -> CategoryTree:
        return cls(
            id=node.id,
            slug=node.slug,
            name=node.name,
            description=_or_none(node.description),
            image_url=_or_none(node.image_url),
            product_count=node.product_count,
            children=[cls.from_node(c) for c in node.children],
        )


class ProductImage(BaseModel):
    url: str
    alt: str


class ProductVariant(BaseModel):
    """A SKU of the product with its own price and stock."""

    id: str
    sku: str
    name: str
    size: str | None = None
    color: str | None = None
    price: str = _price
    compare_price: str | None = _compare
    currency: str = _currency
    stock_status: str = Field(description="in_stock, low_stock or sold_out")
    quantity_available: int


class Review(BaseModel):
    """An approved review."""

    rating: int = Field(ge=1, le=5)
    title: str | None = None
    content: str | None = None
    author: str
    verified_purchase: bool
    date: str


class ProductDetailOut(BaseModel):
    """Everything about one active product."""

    id: str
    slug: str
    name: str
    brand: str | None = None
    brand_slug: str | None = None
    description: str | None = None
    short_description: str | None = None
    sku: str
    price: str = _price
    compare_price: str | None = _compare
    currency: str = _currency
    is_on_sale: bool
    in_stock: bool
    rating: str | None = None
    review_count: int
    meta_title: str
    meta_description: str | None = None
    url: str
    images: list[ProductImage]
    variants: list[ProductVariant]
    sizes: list[str]
    colors: list[str]
    breadcrumb: list[CategoryRef]
    reviews: list[Review]
    related: list[ProductSummary]

    @classmethod
    def from_detail(cls, d: ProductDetail, *, currency: str) -> ProductDetailOut:
        return cls(
            id=d.id,
            slug=d.slug,
            name=d.name,
            brand=_or_none(d.brand),
            brand_slug=_or_none(d.brand_slug),
            description=_or_none(d.description),
            short_description=_or_none(d.short_description),
            sku=d.sku,
            price=d.price_amount,
            compare_price=_or_none(d.compare_price_amount),
            currency=currency,
            is_on_sale=d.is_on_sale,
            in_stock=not d.is_sold_out,
            rating=_or_none(d.rating),
            review_count=d.review_count,
            meta_title=d.meta_title,
            meta_description=_or_none(d.meta_description),
            url=product_url(d.slug),
            images=[ProductImage(url=i.url, alt=i.alt) for i in d.images],
            variants=[
                ProductVariant(
                    id=v.id,
                    sku=v.sku,
                    name=v.name,
                    size=_or_none(v.size),
                    color=_or_none(v.color),
                    price=v.price_amount,
                    compare_price=_or_none(v.compare_price_amount),
                    currency=currency,
                    stock_status=v.stock_status,
                    quantity_available=v.quantity_available,
                )
                for v in d.variants
            ],
            sizes=list(d.sizes),
            colors=list(d.colors),
            breadcrumb=[CategoryRef.from_link(c) for c in d.breadcrumb],
            reviews=[
                Review(
                    rating=r.rating,
                    title=_or_none(r.title),
                    content=_or_none(r.content),
                    author=r.author,
                    verified_purchase=r.verified_purchase,
                    date=r.date,
                )
                for r in d.reviews
            ],
            related=[ProductSummary.from_card(c, currency=currency) for c in d.related],
        )


class ErrorOut(BaseModel):
    """An error: what was wrong, and with which field or parameter (every 4xx/5xx of the API)."""

    detail: str = Field(description="What went wrong, in words")
    field: str | None = Field(
        None,
        description="The body field (dotted path, e.g. `lines.0.quantity`), query parameter or header at fault",
        examples=["lines.0.quantity"],
    )
