"""The catalog's view types: product tiles, category and brand links, picker options."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProductCard:
    """What a product tile in a grid shows."""

    id: str = ""
    slug: str = ""
    name: str = ""
    brand: str = ""
    price: str = ""
    compare_price: str = ""  # empty unless the product is on sale
    is_on_sale: bool = False
    is_sold_out: bool = False
    image_url: str = ""
    price_amount: str = ""  # "24.00", for clients that need the amount
    compare_price_amount: str = ""  # "30.00" when on sale, else empty
    image_alt: str = ""
    rating: str = ""  # "4.5", empty without reviews
    review_count: int = 0


@dataclass(frozen=True)
class CategoryLink:
    """A category in the navigation, a tile or a breadcrumb."""

    id: str = ""
    slug: str = ""
    name: str = ""
    description: str = ""
    image_url: str = ""
    product_count: int = 0


@dataclass(frozen=True)
class NavCategory:
    """A top-level category in the header, with its subcategories."""

    id: str = ""
    slug: str = ""
    name: str = ""
    children: list[CategoryLink] = field(default_factory=list)


@dataclass(frozen=True)
class ProductImageView:
    url: str = ""
    alt: str = ""


@dataclass(frozen=True)
class OptionView:
    """One size or colour button of the variant picker."""

    value: str = ""
    is_available: bool = True  # the combination with the other chosen option exists
    is_in_stock: bool = True  # ... and can be bought


@dataclass(frozen=True)
class BrandLink:
    """A brand in a list, a filter or at the top of a brand page."""

    id: str = ""
    slug: str = ""
    name: str = ""
    description: str = ""
    logo_url: str = ""
    product_count: int = 0  # active products; filled by list_brands and get_brand
