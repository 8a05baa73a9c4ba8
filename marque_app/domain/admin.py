"""The admin's rules: what a product, variant, category, brand, coupon, stock adjustment or note
must be before it is saved, and which product status moves are allowed.

Pure Python (stdlib only). Every check raises :class:`AdminError` naming the form field at fault,
with words fit for a form ("Price cannot be negative"); the services check the database-wide
rules (unique slug and SKU) and the API answers ``{"detail", "field"}`` with the error's status.
Forms send text, the API sends JSON numbers or text: both are read by the same parsers here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from marque_app.domain.errors import DomainError, check_kind

PRODUCT_STATUSES = ("draft", "active", "archived")
#: The product status machine: archived products come back as drafts, to be checked first.
STATUS_MOVES: dict[str, tuple[str, ...]] = {
    "draft": ("draft", "active", "archived"),
    "active": ("active", "draft", "archived"),
    "archived": ("archived", "draft"),
}
COUPON_TYPES = ("percentage", "fixed_amount", "free_shipping")
ADJUSTMENT_TYPES = ("adjustment", "restock")
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_MONEY = Decimal("99999999.99")  # NUMERIC(10,2)
MAX_STOCK = 1_000_000
MAX_VARIANTS = 100
MAX_IMAGES = 20
MAX_PER_PAGE = 100

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]*")
_CENTS = Decimal("0.01")


class AdminError(DomainError):
    """A refused admin change.

    Attributes:
        kind: ``invalid``, ``not_found`` or ``conflict`` (a duplicate slug or SKU, a stock that
            would go below zero, a forbidden status move).
        message: words for the form.
        field: the form field at fault ("price", "variants.1.sku"), or "".
    """

    KINDS = frozenset({"invalid", "not_found", "conflict"})

    def __init__(self, kind: str, message: str, *, field: str = "") -> None:
        super().__init__(message, field=field)
        self.kind = check_kind(kind, self.KINDS, "admin")
        self.field: str = field


def invalid(message: str, field: str = "") -> AdminError:
    return AdminError("invalid", message, field=field)


# --- plain values --------------------------------------------------------------------------------


def slugify(text: str) -> str:
    """``"Linen Shirt (Navy)"`` -> ``"linen-shirt-navy"``: ASCII letters, digits and dashes."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:100].strip("-")


def text(raw: Mapping[str, Any], name: str, label: str, *, required: bool = False, limit: int = 255) -> str:
    """The trimmed text of ``raw[name]`` ("" when missing); too long or missing-but-required fails."""
    value = raw.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid(f"{label} must be text", name)
    value = value.strip()
    if required and not value:
        raise invalid(f"{label} is required", name)
    if len(value) > limit:
        raise invalid(f"{label} is too long (at most {limit} characters)", name)
    return value


def money(value: object, name: str, label: str, *, required: bool = True) -> Decimal | None:
    """A non-negative amount with at most 2 decimals, from a JSON number or text ("24", "9.99")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise invalid(f"{label} is required", name)
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise invalid(f"{label} must be an amount such as 24.99", name)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(f"{label} must be an amount such as 24.99", name) from None
    if not amount.is_finite():
        raise invalid(f"{label} must be an amount such as 24.99", name)
    if amount < 0:
        raise invalid(f"{label} cannot be negative", name)
    if amount != amount.quantize(_CENTS):
        raise invalid(f"{label} has more than 2 decimals", name)
    if amount > MAX_MONEY:
        raise invalid(f"{label} is too large", name)
    return amount.quantize(_CENTS)


def whole(
    value: object, name: str, label: str, *, required: bool = True, minimum: int | None = 0, maximum: int = MAX_STOCK
) -> int | None:
    """A whole number from JSON or text ("12", "-3"); floats and "1.5" are refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise invalid(f"{label} is required", name)
        return None
    if isinstance(value, bool):
        raise invalid(f"{label} must be a whole number", name)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,9}", value.strip()):
        number = int(value.strip())
    else:
        raise invalid(f"{label} must be a whole number", name)
    if minimum is not None and number < minimum:
        raise invalid(f"{label} cannot be negative" if minimum == 0 else f"{label} must be at least {minimum}", name)
    if abs(number) > maximum:
        raise invalid(f"{label} is too large", name)
    return number


def flag(value: object, default: bool = False) -> bool:
    """A checkbox or JSON boolean: true/"on"/"true"/"1" are true."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"on", "true", "1", "yes"}


def when(value: object, name: str, label: str) -> datetime | None:
    """An aware UTC datetime from ISO text (``2026-12-01T10:00``; no zone means UTC) or a datetime."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise invalid(f"{label} must be a date and time such as 2026-12-01T10:00", name) from None
    else:
        raise invalid(f"{label} must be a date and time", name)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def slug_of(raw: Mapping[str, Any], *, source: str, limit: int = 100) -> str:
    """The form's slug, or one made from ``source`` (the name) when left empty."""
    slug = text(raw, "slug", "Slug", limit=limit).lower()
    if not slug:
        slug = slugify(source)
    if not slug or not _SLUG.fullmatch(slug):
        raise invalid("Slug may hold only lowercase letters, digits and single dashes", "slug")
    return slug


# --- products ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductInput:
    name: str
    slug: str
    sku: str
    description: str
    short_description: str
    meta_title: str
    meta_description: str
    category_id: str
    brand_id: str
    price: Decimal
    compare_price: Decimal | None
    status: str
    featured: bool
    low_stock_threshold: int


@dataclass(frozen=True)
class VariantInput:
    id: str  # "" for a new variant
    sku: str
    name: str
    attributes: dict[str, str]
    price: Decimal | None
    stock: int | None  # None: unchanged (an existing variant's stock moves by adjustments)


@dataclass(frozen=True)
class ImageInput:
    id: str  # "" for a new picture
    url: str
    alt_text: str


def check_product(raw: Mapping[str, Any]) -> ProductInput:
    """The product part of a form or API body, checked (unique slug/SKU is the service's part)."""
    name = text(raw, "name", "Name", required=True)
    slug = slug_of(raw, source=name, limit=255)
    sku = text(raw, "sku", "Product SKU", limit=100) or slug.upper()[:100]
    if not _SKU.fullmatch(sku):
        raise invalid("SKU may hold letters, digits, dots, dashes and underscores", "sku")
    price = money(raw.get("price"), "price", "Price")
    assert price is not None  # money() raises for a missing required amount
    compare = money(raw.get("compare_price"), "compare_price", "Compare-at price", required=False)
    if compare is not None and compare <= price:
        raise invalid("Compare-at price must be above the price (or left empty)", "compare_price")
    status = text(raw, "status", "Status", limit=20) or "draft"
    if status not in PRODUCT_STATUSES:
        raise invalid("Status must be draft, active or archived", "status")
    return ProductInput(
        name=name,
        slug=slug,
        sku=sku,
        description=text(raw, "description", "Description", limit=20_000),
        short_description=text(raw, "short_description", "Short description", limit=1000),
        meta_title=text(raw, "meta_title", "SEO title", limit=255),
        meta_description=text(raw, "meta_description", "SEO description", limit=1000),
        category_id=text(raw, "category_id", "Category", limit=64),
        brand_id=text(raw, "brand_id", "Brand", limit=64),
        price=price,
        compare_price=compare,
        status=status,
        featured=flag(raw.get("featured")),
        low_stock_threshold=whole(
            raw.get("low_stock_threshold", 5),
            "low_stock_threshold",
            "Low-stock threshold",
            required=False,
            maximum=100_000,
        )
        or 0,
    )


def parse_attributes(value: object, name: str) -> dict[str, str]:
    """``{"size": "M"}`` or the form's text ``size=M, color=Navy``."""
    if value is None or value == "":
        return {}
    if isinstance(value, Mapping):
        pairs = [(str(k).strip(), str(v).strip()) for k, v in value.items()]
    elif isinstance(value, str):
        pairs = []
        for part in value.split(","):
            if not part.strip():
                continue
            key, sep, val = part.partition("=")
            if not sep:
                key, sep, val = part.partition(":")
            if not sep or not key.strip() or not val.strip():
                raise invalid("Attributes are written like size=M, color=Navy", name)
            pairs.append((key.strip(), val.strip()))
    else:
        raise invalid("Attributes are written like size=M, color=Navy", name)
    if any(len(k) > 50 or len(v) > 100 for k, v in pairs):
        raise invalid("An attribute is too long", name)
    return dict(pairs)


# --- variant options (Size, Colour): one input per option the product uses -----------------------

MAX_OPTIONS = 5
_OPTION_NAME = re.compile(r"[^\W\d_][\w -]{0,49}")


def option_names(attribute_sets: Sequence[Mapping[str, Any]]) -> list[str]:
    """The options a product's variants use, in the order they first appear ("size", "color")."""
    names: list[str] = []
    for attributes in attribute_sets:
        names.extend(k for k in attributes if k not in names)
    return names


def option_field(index: int, name: str) -> str:
    """The form's (and an error's) name for a variant row's option value."""
    return f"variants.{index}.attributes.{name}"


def check_option_name(raw: object, existing: Sequence[str]) -> str:
    """A new option for the product's variants ("Colour"): a name of letters first, at most 50
    characters, not one it already has (whatever the case), at most five in all."""
    name = text({"option": raw}, "option", "Option name", required=True, limit=50)
    if not _OPTION_NAME.fullmatch(name):
        raise invalid("An option name starts with a letter (letters, digits, spaces, dashes)", "option")
    if name.casefold() in {e.casefold() for e in existing}:
        raise invalid(f"The variants already have {name}", "option")
    if len(existing) >= MAX_OPTIONS:
        raise invalid(f"At most {MAX_OPTIONS} options", "option")
    return name


def option_problem(name: str, value: object) -> str:
    """What one option value of a variant row earns on its own ("" = fine)."""
    if not isinstance(value, str) or not value.strip():
        return f"Give this variant's {name}"
    if len(value.strip()) > 100:
        return f"{name} is too long (at most 100 characters)"
    return ""


def check_variant_options(attribute_sets: Sequence[Mapping[str, Any]], first_index: int = 0) -> None:
    """Every variant gives a value for every option the product uses, and no two variants have
    the same values (two "Size M, Colour Navy" rows). The page, the API's product save and its
    "add a variant" hold to this one rule (``first_index``: where the checked rows start)."""
    names = option_names(attribute_sets)
    if len(names) > MAX_OPTIONS:
        raise invalid(f"At most {MAX_OPTIONS} options", "variants")
    seen: dict[tuple[str, ...], int] = {}
    for i, attributes in enumerate(attribute_sets):
        for name in names:
            problem = option_problem(name, attributes.get(name))
            if problem:
                raise invalid(problem, option_field(i + first_index, name))
        if names:
            key = tuple(str(attributes[n]).strip().casefold() for n in names)
            if key in seen:
                what = ", ".join(f"{n} {attributes[n]}" for n in names)
                raise AdminError(
                    "conflict",
                    f"Two variants are both {what}",
                    field=option_field(i + first_index, names[0]),
                )
            seen[key] = i


def format_attributes(attributes: Mapping[str, Any] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in (attributes or {}).items())


def check_variant(raw: Mapping[str, Any], index: int | None = None) -> VariantInput:
    """One variant row; fields are named ``variants.<index>.<field>`` in a whole form."""

    def at(name: str) -> str:
        return name if index is None else f"variants.{index}.{name}"

    row = {at(k): v for k, v in raw.items()}
    sku = text(row, at("sku"), "SKU", required=True, limit=100)
    if not _SKU.fullmatch(sku):
        raise invalid("SKU may hold letters, digits, dots, dashes and underscores", at("sku"))
    return VariantInput(
        id=text(row, at("id"), "Variant", limit=64),
        sku=sku,
        name=text(row, at("name"), "Variant name", required=True, limit=100),
        attributes=parse_attributes(raw.get("attributes"), at("attributes")),
        price=money(raw.get("price"), at("price"), "Variant price", required=False),
        stock=whole(raw.get("stock", raw.get("inventory_quantity")), at("stock"), "Stock", required=False),
    )


def check_variants(rows: Sequence[Mapping[str, Any]]) -> list[VariantInput]:
    """Every variant row checked, no SKU twice in the form (case-insensitive), and the options
    the same for every variant (:func:`check_variant_options`)."""
    if len(rows) > MAX_VARIANTS:
        raise invalid(f"At most {MAX_VARIANTS} variants", "variants")
    variants = [check_variant(row, i) for i, row in enumerate(rows)]
    check_variant_options([v.attributes for v in variants])
    seen: dict[str, int] = {}
    for i, variant in enumerate(variants):
        key = variant.sku.upper()
        if key in seen:
            raise AdminError("conflict", f"SKU {variant.sku} is used twice in this form", field=f"variants.{i}.sku")
        seen[key] = i
    return variants


def check_images(rows: Sequence[Mapping[str, Any]]) -> list[ImageInput]:
    if len(rows) > MAX_IMAGES:
        raise invalid(f"At most {MAX_IMAGES} pictures", "images")
    images = []
    for i, row in enumerate(rows):
        url = text(row, "url", "Picture", required=True, limit=500)
        if not url.startswith("/") or url.startswith("//"):
            raise invalid("A picture must be one uploaded here", f"images.{i}.url")
        images.append(
            ImageInput(
                id=text(row, "id", "Picture", limit=64), url=url, alt_text=text(row, "alt_text", "Alt text", limit=255)
            )
        )
    return images


def check_status_move(current: str, wanted: str) -> None:
    """Refuse a move the product status machine forbids (archived -> active)."""
    if wanted not in PRODUCT_STATUSES:
        raise invalid("Status must be draft, active or archived", "status")
    if wanted not in STATUS_MOVES.get(current, ()):
        raise AdminError(
            "conflict",
            f"A product cannot go from {current} to {wanted}; make it a draft first",
            field="status",
        )


def check_undo_archive(current: str, previous: str) -> None:
    """Undoing an archive puts the product back to the status it had just before (active too:
    the one way from archived to active, since nothing else changed in between)."""
    if current != "archived":
        raise AdminError("conflict", f"This product is {current} now, not archived: nothing to undo", field="status")
    if previous not in ("draft", "active"):
        raise invalid("Status must be draft or active", "status")


def check_can_activate(status: str, variant_count: int) -> None:
    if status == "active" and variant_count == 0:
        raise invalid("An active product needs at least one variant", "status")


# --- pictures ------------------------------------------------------------------------------------


def sniff_image(head: bytes) -> str | None:
    """The picture type from its first bytes (PNG, JPEG, WebP, GIF), else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def check_image_upload(filename: str, data: bytes) -> str:
    """The file extension to store ``data`` under; refuses a non-picture or one over 5 MB."""
    if len(data) > MAX_IMAGE_BYTES:
        raise invalid(f"{filename or 'The file'} is over 5 MB", "images")
    if not data:
        raise invalid(f"{filename or 'The file'} is empty", "images")
    kind = sniff_image(data[:16])
    if kind is None:
        raise invalid(f"{filename or 'The file'} is not a PNG, JPEG, WebP or GIF picture", "images")
    return kind


# --- categories and brands -----------------------------------------------------------------------


@dataclass(frozen=True)
class TaxonomyInput:
    name: str
    slug: str
    description: str
    parent_id: str = ""
    sort_order: int = 0
    is_active: bool = True
    website: str = ""


def check_category(raw: Mapping[str, Any]) -> TaxonomyInput:
    name = text(raw, "name", "Name", required=True, limit=100)
    return TaxonomyInput(
        name=name,
        slug=slug_of(raw, source=name),
        description=text(raw, "description", "Description", limit=5000),
        parent_id=text(raw, "parent_id", "Parent", limit=64),
        sort_order=whole(
            raw.get("sort_order"), "sort_order", "Sort order", required=False, minimum=None, maximum=100_000
        )
        or 0,
        is_active=flag(raw.get("is_active"), default=True),
    )


def check_brand(raw: Mapping[str, Any]) -> TaxonomyInput:
    name = text(raw, "name", "Name", required=True, limit=100)
    website = text(raw, "website", "Website", limit=255)
    if website and not re.match(r"https?://[^\s/]+\.[^\s]+$", website):
        raise invalid("Website must be an address such as https://example.com", "website")
    return TaxonomyInput(
        name=name,
        slug=slug_of(raw, source=name),
        description=text(raw, "description", "Description", limit=5000),
        is_active=flag(raw.get("is_active"), default=True),
        website=website,
    )


# --- coupons -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CouponInput:
    code: str
    name: str
    description: str
    type: str
    value: Decimal
    minimum_order_amount: Decimal | None
    maximum_discount_amount: Decimal | None
    usage_limit: int | None
    usage_limit_per_customer: int | None
    starts_at: datetime | None
    expires_at: datetime | None
    is_active: bool


def check_coupon(raw: Mapping[str, Any]) -> CouponInput:
    """Code unique (the service's part) and uppercase; percentage 0-100; value >= 0; dates in
    order; limits >= 1 or empty."""
    code = text(raw, "code", "Code", required=True, limit=50).upper()
    if not _CODE.fullmatch(code):
        raise invalid("Code may hold letters, digits, dashes and underscores", "code")
    kind = text(raw, "type", "Type", required=True, limit=20)
    if kind not in COUPON_TYPES:
        raise invalid("Type must be percentage, fixed_amount or free_shipping", "type")
    value = money(raw.get("value"), "value", "Value", required=kind != "free_shipping") or Decimal("0.00")
    if kind == "percentage" and value > 100:
        raise invalid("A percentage is from 0 to 100", "value")
    starts = when(raw.get("starts_at"), "starts_at", "Start")
    expires = when(raw.get("expires_at"), "expires_at", "End")
    if starts and expires and expires <= starts:
        raise invalid("The end must come after the start", "expires_at")
    return CouponInput(
        code=code,
        name=text(raw, "name", "Name", required=True, limit=100),
        description=text(raw, "description", "Description", limit=2000),
        type=kind,
        value=value,
        minimum_order_amount=money(
            raw.get("minimum_order_amount"), "minimum_order_amount", "Minimum order", required=False
        ),
        maximum_discount_amount=money(
            raw.get("maximum_discount_amount"), "maximum_discount_amount", "Maximum discount", required=False
        ),
        usage_limit=whole(raw.get("usage_limit"), "usage_limit", "Usage limit", required=False, minimum=1),
        usage_limit_per_customer=whole(
            raw.get("usage_limit_per_customer"),
            "usage_limit_per_customer",
            "Limit per customer",
            required=False,
            minimum=1,
        ),
        starts_at=starts,
        expires_at=expires,
        is_active=flag(raw.get("is_active"), default=True),
    )


# --- stock and notes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    quantity_change: int
    reason: str
    movement_type: str


def check_adjustment(raw: Mapping[str, Any]) -> Adjustment:
    """A stock change: a non-zero whole number, a reason, "adjustment" or "restock" (adds only)."""
    change = whole(raw.get("quantity_change", raw.get("quantity")), "quantity_change", "Quantity", minimum=None)
    assert change is not None  # whole() raises for a missing required number
    if change == 0:
        raise invalid("Quantity must not be 0", "quantity_change")
    kind = text(raw, "movement_type", "Type", limit=20) or ("restock" if change > 0 else "adjustment")
    if kind not in ADJUSTMENT_TYPES:
        raise invalid("Type must be adjustment or restock", "movement_type")
    if kind == "restock" and change < 0:
        raise invalid("A restock adds stock; use an adjustment to remove", "quantity_change")
    return Adjustment(change, text(raw, "reason", "Reason", required=True, limit=500), kind)


def check_note(raw: Mapping[str, Any]) -> str:
    return text(raw, "note", "Note", required=True, limit=2000)


# --- paging --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    page: int = 1
    per_page: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def paging(page: object = None, per_page: object = None, default: int = 20) -> Paging:
    """Page numbers from a query string; nonsense falls back to the first page."""
    p = whole(page, "page", "Page", required=False, minimum=1, maximum=1_000_000) or 1
    n = whole(per_page, "per_page", "Per page", required=False, minimum=1, maximum=MAX_PER_PAGE) or default
    return Paging(p, n)


@dataclass(frozen=True)
class Page:
    """One page of rows with how many there are in all."""

    items: list[Any] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page) if self.per_page else 0


# --- one field at a time (the admin forms clear an error as the field is corrected) --------------


def _sku(value: object, name: str, label: str) -> None:
    sku = text({name: value}, name, label, required=True, limit=100)
    if not _SKU.fullmatch(sku):
        raise invalid("SKU may hold letters, digits, dots, dashes and underscores", name)


def _product_sku(value: object, name: str) -> None:
    if isinstance(value, str) and not value.strip():
        return  # empty: made from the slug
    _sku(value, name, "Product SKU")


def _coupon_code(value: object, name: str) -> None:
    code = text({name: value}, name, "Code", required=True, limit=50).upper()
    if not _CODE.fullmatch(code):
        raise invalid("Code may hold letters, digits, dashes and underscores", name)


# The rules of each field on its own, with the words the whole form's check uses (check_product,
# check_variant, check_category, check_brand, check_coupon). Rules that need two fields
# (compare-at above price) or the database (a slug taken) are checked again on save.
FieldRule = Callable[[object, str], object]
FIELD_RULES: dict[str, dict[str, FieldRule]] = {
    "product": {
        "name": lambda v, n: text({n: v}, n, "Name", required=True),
        "sku": _product_sku,
        "price": lambda v, n: money(v, n, "Price"),
        "compare_price": lambda v, n: money(v, n, "Compare-at price", required=False),
        "meta_title": lambda v, n: text({n: v}, n, "SEO title", limit=255),
        "meta_description": lambda v, n: text({n: v}, n, "SEO description", limit=1000),
        "low_stock_threshold": lambda v, n: whole(v, n, "Low-stock threshold", required=False, maximum=100_000),
    },
    "variant": {
        "sku": lambda v, n: _sku(v, n, "SKU"),
        "name": lambda v, n: text({n: v}, n, "Variant name", required=True, limit=100),
        "price": lambda v, n: money(v, n, "Variant price", required=False),
        "stock": lambda v, n: whole(v, n, "Stock", required=False),
    },
    "category": {"name": lambda v, n: text({n: v}, n, "Name", required=True, limit=100)},
    "brand": {"name": lambda v, n: text({n: v}, n, "Name", required=True, limit=100)},
    "coupon": {
        "code": _coupon_code,
        "name": lambda v, n: text({n: v}, n, "Name", required=True, limit=100),
    },
    "adjustment": {
        "reason": lambda v, n: text({n: v}, n, "Reason", required=True, limit=500),
    },
}


def field_problem(form: str, name: str, value: object) -> str:
    """What one field of an admin form still earns on its own ("" = nothing now): the form's
    error is cleared (or its words updated) as the admin corrects the field. ``variants.2.sku``
    is a variant row's field. A field without a rule of its own: "" (the save checks it again)."""
    if name.startswith("variants."):
        form, name = "variant", name.split(".", 2)[-1]
        if name.startswith("attributes."):
            return option_problem(name.removeprefix("attributes."), value)
    rule = FIELD_RULES.get(form, {}).get(name)
    if rule is None:
        return ""
    try:
        rule(value, name)
    except AdminError as err:
        return err.message
    return ""
