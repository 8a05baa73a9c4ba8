"""The catalog: a category tree, brands, products, their images, variants (SKUs) and reviews."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .enums import REVIEW_STATUSES, ProductStatus, one_of, pg_enum
from .types import JSONType, created_at, money, pg_only, pk, timestamp, updated_at

ACTIVE = sa.text("status = 'active'")


class Category(SQLModel, table=True):
    """A node of the category tree (``parent_id`` is null at the top)."""

    __tablename__ = "categories"

    id: uuid.UUID = pk()
    name: str = Field(max_length=100)
    slug: str = Field(max_length=100, unique=True)
    description: str | None = Field(default=None, sa_type=sa.Text)
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="categories.id", index=True)
    image_url: str | None = Field(default=None, max_length=500)
    sort_order: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    is_active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    created_at: datetime = created_at()


class Brand(SQLModel, table=True):
    __tablename__ = "brands"

    id: uuid.UUID = pk()
    name: str = Field(max_length=100, unique=True)
    slug: str = Field(max_length=100, unique=True)
    logo_url: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, sa_type=sa.Text)
    website: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    created_at: datetime = created_at()


class Product(SQLModel, table=True):
    """A product as shoppers see it. What goes in a cart is one of its variants."""

    __tablename__ = "products"
    __table_args__ = (
        sa.CheckConstraint("price >= 0", name="product_price_not_negative"),
        sa.CheckConstraint("inventory_quantity >= 0 OR allow_backorder", name="product_stock_not_negative"),
        sa.Index("idx_products_status", "status", postgresql_where=ACTIVE, sqlite_where=ACTIVE),
        sa.Index("idx_products_category", "category_id", postgresql_where=ACTIVE, sqlite_where=ACTIVE),
        sa.Index("idx_products_brand", "brand_id", postgresql_where=ACTIVE, sqlite_where=ACTIVE),
        # Written as PostgreSQL prints it back, so autogenerate sees no difference.
        pg_only(
            sa.Index(
                "idx_products_search",
                sa.text(
                    "to_tsvector('english'::regconfig, (name::text || ' '::text) || COALESCE(description, ''::text))"
                ),
                postgresql_using="gin",
            )
        ),
    )

    id: uuid.UUID = pk()
    name: str = Field(max_length=255)
    slug: str = Field(max_length=255, unique=True)
    description: str | None = Field(default=None, sa_type=sa.Text)
    short_description: str | None = Field(default=None, sa_type=sa.Text)
    sku: str = Field(max_length=100, unique=True)
    barcode: str | None = Field(default=None, max_length=100)

    price: Decimal = money()
    compare_price: Decimal | None = money(nullable=True)
    cost_price: Decimal | None = money(nullable=True)

    track_inventory: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    inventory_quantity: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    low_stock_threshold: int = Field(default=5, sa_column_kwargs={"server_default": "5"})
    allow_backorder: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})

    weight: Decimal | None = Field(default=None, sa_type=sa.Numeric(8, 2))
    dimensions: dict[str, Any] | None = Field(default=None, sa_type=JSONType)

    category_id: uuid.UUID | None = Field(default=None, foreign_key="categories.id")
    brand_id: uuid.UUID | None = Field(default=None, foreign_key="brands.id")

    meta_title: str | None = Field(default=None, max_length=255)
    meta_description: str | None = Field(default=None, sa_type=sa.Text)

    status: ProductStatus = Field(
        default=ProductStatus.draft,
        sa_type=pg_enum(ProductStatus, "product_status"),
        nullable=False,
        sa_column_kwargs={"server_default": ProductStatus.draft.value},
    )
    featured: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    requires_shipping: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    is_digital: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})

    # Kept up to date from approved reviews, so listings can sort and filter by rating cheaply.
    rating_average: Decimal = Field(
        default=Decimal("0"), sa_type=sa.Numeric(3, 2), sa_column_kwargs={"server_default": "0"}
    )
    review_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})

    published_at: datetime | None = timestamp()
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


_products = Product.__table__.c
sa.Index(
    "idx_products_active_featured",
    _products.featured,
    _products.created_at.desc(),
    postgresql_where=ACTIVE,
    sqlite_where=ACTIVE,
)

# The listing (services/listing.py): every sort, alone or after an equality on category or
# brand, reads its page in index order; the id makes the order total, so pages never overlap.
# On PostgreSQL the category and brand ones also carry (INCLUDE) the columns of the other filters
# and of the in-stock rule, so a filtered listing's count is an index-only scan that never visits
# the table (migration 0011); SQLite has no INCLUDE and keeps the plain index.
_LISTING_FILTERS = ("track_inventory", "allow_backorder", "inventory_quantity", "rating_average")
for _name, _columns, _include in (
    ("idx_products_active_created", (_products.created_at, _products.id), ()),
    ("idx_products_active_price", (_products.price, _products.id), ()),
    ("idx_products_active_name", (_products.name, _products.id), ()),
    ("idx_products_active_rating", (_products.rating_average, _products.id), ()),
    (
        "idx_products_category_price",
        (_products.category_id, _products.price, _products.id),
        ("brand_id", *_LISTING_FILTERS),
    ),
    (
        "idx_products_brand_price",
        (_products.brand_id, _products.price, _products.id),
        ("category_id", *_LISTING_FILTERS),
    ),
    (  # a brand within a department: the category in the index condition (migration 0016)
        "idx_products_brand_category_price",
        (_products.brand_id, _products.category_id, _products.price, _products.id),
        _LISTING_FILTERS,
    ),
):
    sa.Index(
        _name,
        *_columns,
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
        **({"postgresql_include": list(_include)} if _include else {}),
    )
# Related products and recommendations: the best of a category or a brand, read in index order.
for _name, _first in (
    ("idx_products_category_related", _products.category_id),
    ("idx_products_brand_related", _products.brand_id),
):
    sa.Index(
        _name,
        _first,
        _products.featured.desc(),
        _products.rating_average.desc(),
        _products.created_at.desc(),
        _products.id,
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )


class ProductImage(SQLModel, table=True):
    __tablename__ = "product_images"

    id: uuid.UUID = pk()
    product_id: uuid.UUID = Field(foreign_key="products.id", ondelete="CASCADE", index=True)
    url: str = Field(max_length=500)
    alt_text: str | None = Field(default=None, max_length=255)
    sort_order: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = created_at()


class ProductVariant(SQLModel, table=True):
    """A SKU: one combination of attributes (``{"size": "M", "color": "Navy"}``)."""

    __tablename__ = "product_variants"
    __table_args__ = (
        sa.CheckConstraint("price IS NULL OR price >= 0", name="variant_price_not_negative"),
        pg_only(sa.Index("idx_product_variants_attributes", "attributes", postgresql_using="gin")),
    )

    id: uuid.UUID = pk()
    product_id: uuid.UUID = Field(foreign_key="products.id", ondelete="CASCADE", index=True)
    sku: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=100)
    price: Decimal | None = money(nullable=True)  # null: the product's price
    inventory_quantity: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    attributes: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    sort_order: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = created_at()


IN_STOCK = sa.text("inventory_quantity > 0")
# The listing's "in stock" filter: does this product have a variant that can be bought?
sa.Index(
    "idx_product_variants_in_stock",
    ProductVariant.__table__.c.product_id,
    postgresql_where=IN_STOCK,
    sqlite_where=IN_STOCK,
)


class ProductReview(SQLModel, table=True):
    __tablename__ = "product_reviews"
    __table_args__ = (
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name="review_rating_range"),
        sa.CheckConstraint(one_of("status", REVIEW_STATUSES), name="review_status_known"),
        sa.Index(
            "idx_reviews_product",
            "product_id",
            postgresql_where=sa.text("status = 'approved'"),
            sqlite_where=sa.text("status = 'approved'"),
        ),
    )

    id: uuid.UUID = pk()
    product_id: uuid.UUID = Field(foreign_key="products.id", ondelete="CASCADE")
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    order_item_id: uuid.UUID | None = Field(default=None, foreign_key="order_items.id")
    rating: int
    title: str | None = Field(default=None, max_length=255)
    content: str | None = Field(default=None, sa_type=sa.Text)
    verified_purchase: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    status: str = Field(default="pending", max_length=20, sa_column_kwargs={"server_default": "pending"})
    helpful_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class ReviewVote(SQLModel, table=True):
    """One "helpful" vote of one user on one review."""

    __tablename__ = "review_votes"
    __table_args__ = (sa.UniqueConstraint("review_id", "user_id", name="uq_review_vote_review_user"),)

    id: uuid.UUID = pk()
    review_id: uuid.UUID = Field(foreign_key="product_reviews.id", ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    created_at: datetime = created_at()
