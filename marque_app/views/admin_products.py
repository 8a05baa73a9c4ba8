"""The admin product form's schema, once: the fields a product, a variant row and a picture row
have in the admin form (``/admin/products/[admin_product]``), the REST API's bodies
(``api/admin_bodies.ProductIn``, built from these names) and the service's answer
(:class:`ProductForm`).

One family, as the FastAPI template has ``ItemBase``/``ItemCreate``/``ItemPublic``:
:class:`ProductFields` holds what an admin types (text as the form shows it), :class:`ProductForm`
adds what the service knows (id, rows, whether it was ordered). The form's state fills and reads
exactly :func:`field_names` of these classes; ``tests/unit/test_admin_product_schema.py`` holds
the state, the API and the domain's checked input (``domain.admin.ProductInput``) to them.
Standard library only, so a component may import it without loading SQLModel.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


def field_names(cls: type) -> tuple[str, ...]:
    """The fields of one of this module's dataclasses, in their order."""
    return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class ProductFields:
    """A product's own fields in the form (the variants and pictures are rows of their own)."""

    name: str = ""
    slug: str = ""
    sku: str = ""
    description: str = ""
    short_description: str = ""
    meta_title: str = ""
    meta_description: str = ""
    category_id: str = ""
    brand_id: str = ""
    price: str = ""
    compare_price: str = ""
    status: str = "draft"
    featured: bool = False
    low_stock_threshold: int = 5


@dataclass(frozen=True)
class VariantFields:
    """What an admin edits on a variant row (its stock only while the variant is new)."""

    sku: str = ""
    name: str = ""
    attributes: str = ""  # "size=M, color=Navy" (the API also takes {"size": "M"}); the form: one input per option
    price: str = ""  # "" = the product's price


@dataclass(frozen=True)
class VariantView(VariantFields):
    id: str = ""
    stock: int = 0
    low_stock_threshold: int = 0
    options: dict[str, str] = field(default_factory=dict)  # {"size": "M", "color": "Navy"}

    def as_row(self) -> dict[str, Any]:
        """This variant as a row of a save that keeps it unchanged (no stock: it moves by adjustments)."""
        row = {"id": self.id, **{name: getattr(self, name) for name in field_names(VariantFields)}}
        if self.options:
            row["attributes"] = dict(self.options)  # exact, whatever the values hold (commas too)
        return row


@dataclass(frozen=True)
class ImageFields:
    url: str = ""
    alt_text: str = ""


@dataclass(frozen=True)
class ImageView(ImageFields):
    id: str = ""

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ProductForm(ProductFields):
    """A product as the admin form shows it (the service's answer to a load or a save)."""

    id: str = ""
    variants: list[VariantView] = field(default_factory=list)
    images: list[ImageView] = field(default_factory=list)
    has_orders: bool = False


@dataclass(frozen=True)
class ProductRow:
    """A product in the admin's list."""

    id: str
    name: str
    slug: str
    sku: str
    status: str
    price: str
    category: str
    brand: str
    stock: int
    variant_count: int
    image_url: str
    updated: str
    status_label: str = ""  # "Archived" (domain.labels)
    price_text: str = ""  # "$24.00" (domain.money.format_money)


@dataclass(frozen=True)
class Choice:
    """An option of a form's select (a category, a brand)."""

    value: str
    label: str
