"""Read side of the catalog for the storefront: home sections, listings, product detail.

Every function takes the session as a keyword argument and returns plain frozen dataclasses,
never rows. Only active products are visible to shoppers. Each function runs a fixed number of
queries, whatever the number of products it shows: related rows (brands, images, variant stock)
are fetched with one ``IN`` query per kind, never one query per product.

Prices leave this module as display strings (``"$24.00"``) plus, where a client needs the amount,
a string decimal (``"24.00"``): money is ``Decimal`` here and never becomes a float.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.sql.util import ClauseAdapter
from sqlmodel import Session, col, select

from marque_app.domain.cart import line_cap
from marque_app.domain.colours import picture_index_for_colour
from marque_app.domain.money import decimal_string, format_money, sale_price
from marque_app.domain.stock import SOLD_OUT, sellable_quantity, stock_status
from marque_app.models import Brand, Category, Product, ProductImage, ProductReview, ProductVariant
from marque_app.models.enums import ProductStatus
from marque_app.models.user import User
from marque_app.services.cache import local_fetch
from marque_app.views.catalog import CategoryLink, NavCategory, OptionView, ProductCard, ProductImageView

#: The order in which the picker offers the usual clothing sizes; others keep catalog order.
SIZE_ORDER = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "One Size")


# --------------------------------------------------------------------------------------------
# Public schemas


@dataclass(frozen=True)
class HomeSections:
    featured: list[ProductCard] = field(default_factory=list)
    new_arrivals: list[ProductCard] = field(default_factory=list)
    categories: list[CategoryLink] = field(default_factory=list)


@dataclass(frozen=True)
class VariantView:
    """A SKU as the picker sees it, with its own price and stock status."""

    id: str = ""
    sku: str = ""
    name: str = ""
    size: str = ""
    color: str = ""
    price: str = ""
    price_amount: str = ""  # "24.00"
    compare_price: str = ""
    compare_price_amount: str = ""  # "30.00" when on sale, else empty
    is_on_sale: bool = False
    stock_status: str = SOLD_OUT
    stock_label: str = ""
    quantity_available: int = 0
    max_quantity: int = 0  # how many one cart line may hold (domain.cart.line_cap): the selector's bound


@dataclass(frozen=True)
class ReviewView:
    rating: int = 0
    title: str = ""
    content: str = ""
    author: str = ""
    verified_purchase: bool = False
    date: str = ""


@dataclass(frozen=True)
class ProductDetail:
    """Everything the product page shows."""

    id: str = ""
    slug: str = ""
    name: str = ""
    brand: str = ""
    brand_slug: str = ""
    description: str = ""
    short_description: str = ""
    sku: str = ""
    price: str = ""
    price_amount: str = ""
    compare_price: str = ""
    compare_price_amount: str = ""  # "30.00" when on sale, else empty
    is_on_sale: bool = False
    is_sold_out: bool = False
    rating: str = ""
    review_count: int = 0
    meta_title: str = ""
    meta_description: str = ""
    images: list[ProductImageView] = field(default_factory=list)
    variants: list[VariantView] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    breadcrumb: list[CategoryLink] = field(default_factory=list)
    reviews: list[ReviewView] = field(default_factory=list)
    related: list[ProductCard] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Money and stock rules


def _sale_price(price: Decimal, compare_price: Decimal | None) -> str:
    """The struck-through price, shown only when it is above the selling price."""
    compare = sale_price(price, compare_price)
    return format_money(compare) if compare is not None else ""


def _sale_amount(price: Decimal, compare_price: Decimal | None) -> str:
    """The struck-through price as a decimal string ("30.00"), empty when not on sale."""
    compare = sale_price(price, compare_price)
    return decimal_string(compare) if compare is not None else ""


def _order_sizes(sizes: Iterable[str]) -> list[str]:
    unique = list(dict.fromkeys(s for s in sizes if s))
    known = {s: i for i, s in enumerate(SIZE_ORDER)}
    if all(s in known for s in unique):
        return sorted(unique, key=known.__getitem__)
    return unique


def _attr(attributes: dict | None, *names: str) -> str:
    for name in names:
        value = (attributes or {}).get(name)
        if value not in (None, ""):
            return str(value)
    return ""


def find_variant(variants: Sequence[VariantView], *, size: str, color: str) -> VariantView | None:
    """The variant with exactly this size and colour (empty string: the product has no such axis)."""
    return next((v for v in variants if v.size == size and v.color == color), None)


def default_variant(variants: Sequence[VariantView]) -> VariantView | None:
    """The variant a product page opens with: the first one in stock, else the first one."""
    return next((v for v in variants if v.stock_status != SOLD_OUT), variants[0] if variants else None)


def choose_variant(variants: Sequence[VariantView], *, size: str, color: str, changed: str) -> VariantView | None:
    """The variant to select after the shopper picked ``size`` or ``color``.

    The option just picked (``changed`` is ``"size"`` or ``"color"``) is kept; when the other
    option does not exist in that combination it moves to one that does, preferring stock.
    """
    exact = find_variant(variants, size=size, color=color)
    if exact is not None:
        return exact
    if changed == "size":
        candidates = [v for v in variants if v.size == size]
    else:
        candidates = [v for v in variants if v.color == color]
    return default_variant(candidates)


def _in_stock(v: VariantView | None) -> bool:
    return v is not None and v.stock_status != SOLD_OUT


def size_options(
    variants: Sequence[VariantView], *, sizes: Sequence[str], colors: Sequence[str], color: str
) -> list[OptionView]:
    """The size buttons, each marked in stock or not together with the chosen colour."""
    options = []
    for s in sizes:
        if colors:
            in_stock = _in_stock(find_variant(variants, size=s, color=color))
        else:
            in_stock = any(_in_stock(v) for v in variants if v.size == s)
        # picking a size moves the colour to one that exists, so every size is available
        options.append(OptionView(value=s, is_available=True, is_in_stock=in_stock))
    return options


def color_options(
    variants: Sequence[VariantView], *, sizes: Sequence[str], colors: Sequence[str], size: str
) -> list[OptionView]:
    """The colour buttons, each marked available / in stock together with the chosen size."""
    options = []
    for c in colors:
        match = find_variant(variants, size=size if sizes else "", color=c)
        options.append(OptionView(value=c, is_available=match is not None, is_in_stock=_in_stock(match)))
    return options


def variant_options(
    variants: Sequence[VariantView],
    *,
    sizes: Sequence[str],
    colors: Sequence[str],
    size: str,
    color: str,
) -> tuple[list[OptionView], list[OptionView]]:
    """Both rows of buttons of the variant picker: ``(sizes, colours)``."""
    return (
        size_options(variants, sizes=sizes, colors=colors, color=color),
        color_options(variants, sizes=sizes, colors=colors, size=size),
    )


def image_index_for_color(images: Sequence[ProductImageView], color: str) -> int | None:
    """The position of the first picture that shows ``color``
    (:func:`marque_app.domain.colours.picture_index_for_colour`); None when none does."""
    return picture_index_for_colour([image.alt for image in images], color)


# --------------------------------------------------------------------------------------------
# Queries


def _active() -> sa.ColumnElement[bool]:
    return col(Product.status) == ProductStatus.active


#: The product columns a card needs (and the listing sorts by).
_CARD_COLUMNS = (
    Product.id,
    Product.slug,
    Product.name,
    Product.price,
    Product.compare_price,
    Product.track_inventory,
    Product.allow_backorder,
    Product.inventory_quantity,
    Product.rating_average,
    Product.review_count,
    Product.brand_id,
    Product.created_at,
)


def card_select(
    where: Sequence[sa.ColumnElement[bool]],
    order_by: Sequence[sa.ColumnElement] = (),
    *,
    offset: int = 0,
    limit: int | None = None,
    with_total: bool = False,
) -> sa.Select:
    """One statement for the cards of the products matching ``where``, in ``order_by`` order.

    The page (``offset``/``limit``) is picked first over the product columns only; then each of
    its rows gets its brand's name, its first picture and its variants' stock as correlated
    subqueries, so the extra work is per card shown, never per product matched. With
    ``with_total`` every row also carries ``total``, the number of products matching ``where``
    (computed once by the database). Works on PostgreSQL and SQLite alike.
    """
    page = select(*_CARD_COLUMNS).where(*where).order_by(*order_by).offset(offset)
    if limit is not None:
        page = page.limit(limit)
    inner = page.subquery("page")
    adapt = ClauseAdapter(inner).traverse
    image = (
        sa.select(ProductImage.url, ProductImage.alt_text)
        .where(ProductImage.product_id == inner.c.id)
        .order_by(ProductImage.sort_order, ProductImage.created_at)
        .limit(1)
    )
    variants = ProductVariant
    columns = [
        *inner.c,
        sa.select(Brand.name).where(Brand.id == inner.c.brand_id).scalar_subquery().label("brand_name"),
        image.with_only_columns(ProductImage.url).scalar_subquery().label("image_url"),
        image.with_only_columns(ProductImage.alt_text).scalar_subquery().label("image_alt"),
        sa.select(sa.func.count()).where(variants.product_id == inner.c.id).scalar_subquery().label("variants"),
        sa.select(sa.func.count())
        .where(variants.product_id == inner.c.id, variants.inventory_quantity > 0)
        .scalar_subquery()
        .label("available"),
    ]
    if with_total:
        total = sa.select(sa.func.count()).select_from(Product).where(*where).correlate(None).scalar_subquery()
        columns.append(total.label("total"))
    return sa.select(*columns).select_from(inner).order_by(*(adapt(o) for o in order_by))


def card_from_row(row) -> ProductCard:
    """A :class:`ProductCard` from a row of :func:`card_select`."""
    # Sold out when no variant (or the product without variants) has a unit to sell.
    on_hand = row.available if row.variants else row.inventory_quantity
    sold_out = sellable_quantity(on_hand, track_inventory=row.track_inventory, allow_backorder=row.allow_backorder) == 0
    compare = _sale_price(row.price, row.compare_price)
    has_image = row.image_url is not None
    return ProductCard(
        id=str(row.id),
        slug=row.slug,
        name=row.name,
        brand=row.brand_name or "",
        price=format_money(row.price),
        compare_price=compare,
        is_on_sale=bool(compare),
        is_sold_out=sold_out,
        image_url=row.image_url or "",
        image_alt=(row.image_alt or row.name) if has_image else row.name,
        price_amount=decimal_string(row.price),
        compare_price_amount=_sale_amount(row.price, row.compare_price),
        rating=f"{row.rating_average:.1f}" if row.review_count else "",
        review_count=row.review_count,
    )


def product_cards(session: Session, products: Sequence[Product]) -> list[ProductCard]:
    """Cards for ``products``, in their order: one query whatever their number."""
    if not products:
        return []
    rows = session.execute(card_select([Product.id.in_([p.id for p in products])])).all()
    cards = {row.id: card_from_row(row) for row in rows}
    return [cards[p.id] for p in products if p.id in cards]


def all_categories(session: Session) -> list[Category]:
    """The whole (small) category tree in one query, in display order."""
    return list(
        session.exec(
            select(Category).where(Category.is_active == sa.true()).order_by(Category.sort_order, Category.name)
        )
    )


def category_link(category: Category) -> CategoryLink:
    return CategoryLink(
        id=str(category.id),
        slug=category.slug,
        name=category.name,
        description=category.description or "",
        image_url=category.image_url or "",
    )


def descendant_ids(categories: Sequence[Category], root: uuid.UUID) -> list[uuid.UUID]:
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c.id)
    found, todo = [], [root]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def category_breadcrumb(categories: Sequence[Category], category_id: uuid.UUID | None) -> list[CategoryLink]:
    """Root first, down to ``category_id`` itself."""
    by_id = {c.id: c for c in categories}
    trail: list[CategoryLink] = []
    seen: set[uuid.UUID] = set()
    current = by_id.get(category_id) if category_id else None
    while current is not None and current.id not in seen:
        seen.add(current.id)
        trail.append(category_link(current))
        current = by_id.get(current.parent_id) if current.parent_id else None
    return list(reversed(trail))


def category_tree(*, session: Session) -> list[NavCategory]:
    """The active top-level categories with their active children, for the navigation."""
    categories = all_categories(session)
    children: dict[uuid.UUID, list[CategoryLink]] = {}
    for c in categories:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(category_link(c))
    return [
        NavCategory(id=str(c.id), slug=c.slug, name=c.name, children=children.get(c.id, []))
        for c in categories
        if c.parent_id is None
    ]


def _category_tiles(session: Session, categories: Sequence[Category]) -> list[CategoryLink]:
    """Top-level categories with a product count and a picture (a product's, if none is set)."""
    top = [c for c in categories if c.parent_id is None]
    root_of: dict[uuid.UUID, uuid.UUID] = {}
    for t in top:
        for cid in descendant_ids(categories, t.id):
            root_of[cid] = t.id

    counts: dict[uuid.UUID, int] = {}
    for category_id, n in session.exec(
        select(Product.category_id, sa.func.count())
        .where(_active(), Product.category_id.is_not(None))
        .group_by(Product.category_id)
    ):
        root = root_of.get(category_id)
        if root:
            counts[root] = counts.get(root, 0) + n

    # One picture per top-level category: the first image of its best pictured product
    # (featured first), ranked per top-level category in one query.
    images: dict[uuid.UUID, str] = {}
    if root_of:
        root_case = sa.case({cid: str(rid) for cid, rid in root_of.items()}, value=Product.category_id)
        has_image = sa.select(ProductImage.id).where(ProductImage.product_id == Product.id).exists()
        ranked = (
            select(
                Product.id.label("product_id"),
                root_case.label("root_id"),
                sa.func.row_number()
                .over(
                    partition_by=root_case,
                    order_by=(
                        Product.featured.desc(),
                        Product.rating_average.desc(),
                        Product.created_at.desc(),
                        Product.id,
                    ),
                )
                .label("rank"),
            )
            .where(_active(), Product.category_id.in_(list(root_of)), has_image)
            .subquery()
        )
        leaders = dict(session.exec(select(ranked.c.product_id, ranked.c.root_id).where(ranked.c.rank == 1)).all())
        if leaders:
            for image in session.exec(
                select(ProductImage)
                .where(ProductImage.product_id.in_(list(leaders)))
                .order_by(ProductImage.product_id, ProductImage.sort_order)
            ):
                images.setdefault(uuid.UUID(str(leaders[image.product_id])), image.url)

    tiles = []
    for t in top:
        picture = t.image_url or images.get(t.id, "")
        tiles.append(
            CategoryLink(
                id=str(t.id),
                slug=t.slug,
                name=t.name,
                description=t.description or "",
                image_url=picture or "",
                product_count=counts.get(t.id, 0),
            )
        )
    return tiles


def home_sections(*, session: Session, featured_limit: int = 8, new_limit: int = 8) -> HomeSections:
    """The home page: featured products, newest arrivals and top-level category tiles.

    Args:
        session: An open database session.
        featured_limit: How many featured products to show.
        new_limit: How many new arrivals to show.

    Returns:
        The three sections, each holding active products only.
    """
    featured = session.exec(
        select(Product)
        .where(_active(), Product.featured == sa.true())
        .order_by(Product.created_at.desc(), Product.id)
        .limit(featured_limit)
    ).all()
    newest = session.exec(
        select(Product)
        .where(_active())
        .order_by(sa.func.coalesce(Product.published_at, Product.created_at).desc(), Product.id)
        .limit(new_limit)
    ).all()
    # One card query for both sections (a product can be in both).
    unique = list({p.id: p for p in [*featured, *newest]}.values())
    cards = {c.id: c for c in product_cards(session, unique)}
    categories = all_categories(session)
    return HomeSections(
        featured=[cards[str(p.id)] for p in featured],
        new_arrivals=[cards[str(p.id)] for p in newest],
        categories=_category_tiles(session, categories),
    )


def _variant_view(product: Product, variant: ProductVariant) -> VariantView:
    price = variant.price if variant.price is not None else product.price
    compare = _sale_price(price, product.compare_price)
    status, label = stock_status(
        variant.inventory_quantity,
        low_stock_threshold=product.low_stock_threshold,
        track_inventory=product.track_inventory,
        allow_backorder=product.allow_backorder,
    )
    return VariantView(
        id=str(variant.id),
        sku=variant.sku,
        name=variant.name,
        size=_attr(variant.attributes, "size"),
        color=_attr(variant.attributes, "color", "colour"),
        price=format_money(price),
        price_amount=decimal_string(price),
        compare_price=compare,
        compare_price_amount=_sale_amount(price, product.compare_price),
        is_on_sale=bool(compare),
        stock_status=status,
        stock_label=label,
        quantity_available=max(variant.inventory_quantity, 0),
        max_quantity=line_cap(
            sellable_quantity(
                variant.inventory_quantity,
                track_inventory=product.track_inventory,
                allow_backorder=product.allow_backorder,
            )
        ),
    )


def _author(first_name: str | None, last_name: str | None) -> str:
    first = (first_name or "").strip()
    last = (last_name or "").strip()
    if not first:
        return "Verified customer" if not last else f"{last[0]}."
    return f"{first} {last[0]}." if last else first


def _related_products(session: Session, product: Product, limit: int) -> list[Product]:
    """Up to ``limit`` active products of the same category, filled up with the same brand's.

    One statement: the best ``limit`` of the category and the best ``limit`` of the brand
    (outside that category, so nothing comes twice) are each picked by an index-friendly
    ordered ``LIMIT`` and glued with ``UNION ALL``; the category's come first.
    """
    best = (Product.featured.desc(), Product.rating_average.desc(), Product.created_at.desc())

    def top(group: int, *where: sa.ColumnElement[bool]):
        inner = (
            select(Product.id.label("id"))
            .where(_active(), Product.id != product.id, *where)
            .order_by(*best, Product.id)
            .limit(limit)
            .subquery()
        )
        return select(inner.c.id, sa.literal(group).label("grp"))

    parts = []
    if product.category_id:
        parts.append(top(0, Product.category_id == product.category_id))
    if product.brand_id:
        other_category = (
            sa.or_(Product.category_id != product.category_id, Product.category_id.is_(None))
            if product.category_id
            else sa.true()
        )
        parts.append(top(1, Product.brand_id == product.brand_id, other_category))
    if not parts or limit <= 0:
        return []
    picked = sa.union_all(*parts).subquery()
    return list(
        session.exec(
            select(Product)
            .join(picked, picked.c.id == Product.id)
            .order_by(picked.c.grp, *best, Product.id)
            .limit(limit)
        ).all()
    )


def product_detail(
    *, session: Session, slug: str, review_limit: int = 5, related_limit: int = 4
) -> ProductDetail | None:
    """The product page for ``slug``, or None when there is no active product by that slug.

    Args:
        session: An open database session.
        slug: The product's URL slug.
        review_limit: How many approved reviews to include (newest first).
        related_limit: How many other products to suggest: the same category's first, then
            the same brand's.

    Returns:
        The product with its images, variants (each with price and stock status), the size and
        colour options, a breadcrumb (top category first), reviews and related products.
    """
    product = session.exec(select(Product).where(Product.slug == slug, _active())).first()
    if product is None:
        return None

    brand = session.get(Brand, product.brand_id) if product.brand_id else None
    images = session.exec(
        select(ProductImage)
        .where(ProductImage.product_id == product.id)
        .order_by(ProductImage.sort_order, ProductImage.created_at)
    ).all()
    variants = session.exec(
        select(ProductVariant)
        .where(ProductVariant.product_id == product.id)
        .order_by(ProductVariant.sort_order, ProductVariant.name)
    ).all()
    categories = all_categories(session) if product.category_id else []
    reviews = session.exec(
        select(ProductReview, User.first_name, User.last_name)
        .join(User, User.id == ProductReview.user_id, isouter=True)
        .where(ProductReview.product_id == product.id, ProductReview.status == "approved")
        .order_by(ProductReview.created_at.desc())
        .limit(review_limit)
    ).all()
    related_rows = _related_products(session, product, related_limit)

    variant_views = [_variant_view(product, v) for v in variants]
    if variant_views:
        sold_out = all(v.stock_status == SOLD_OUT for v in variant_views)
    else:
        sold_out = (
            stock_status(
                product.inventory_quantity,
                low_stock_threshold=product.low_stock_threshold,
                track_inventory=product.track_inventory,
                allow_backorder=product.allow_backorder,
            )[0]
            == SOLD_OUT
        )
    compare = _sale_price(product.price, product.compare_price)
    return ProductDetail(
        id=str(product.id),
        slug=product.slug,
        name=product.name,
        brand=brand.name if brand else "",
        brand_slug=brand.slug if brand else "",
        description=product.description or "",
        short_description=product.short_description or "",
        sku=product.sku,
        price=format_money(product.price),
        price_amount=decimal_string(product.price),
        compare_price=compare,
        compare_price_amount=_sale_amount(product.price, product.compare_price),
        is_on_sale=bool(compare),
        is_sold_out=sold_out,
        rating=f"{product.rating_average:.1f}" if product.review_count else "",
        review_count=product.review_count,
        meta_title=product.meta_title or product.name,
        meta_description=product.meta_description or product.short_description or "",
        images=[ProductImageView(url=i.url, alt=i.alt_text or product.name) for i in images],
        variants=variant_views,
        sizes=_order_sizes(v.size for v in variant_views),
        colors=list(dict.fromkeys(v.color for v in variant_views if v.color)),
        breadcrumb=category_breadcrumb(categories, product.category_id),
        reviews=[
            ReviewView(
                rating=r.rating,
                title=r.title or "",
                content=r.content or "",
                author=_author(first, last) if r.user_id else "Customer",
                verified_purchase=r.verified_purchase,
                date=r.created_at.strftime("%b %d, %Y").replace(" 0", " "),
            )
            for r, first, last in reviews
        ],
        related=product_cards(session, related_rows),
    )


# --- storefront page reads, from the process-local tier (services.cache.local_fetch) -----------
# A page load then runs no statement while the entry is fresh; admin changes bump the
# generations, so the next read sees them. Called from Reflex handlers in a worker thread.


def _read(fn, **kwargs):
    from marque_app.services.replica import read_session  # replica imports db, which is light

    with read_session() as session:
        return fn(session=session, **kwargs)


def cached_product_detail(*, slug: str) -> ProductDetail | None:
    """:func:`product_detail` for the product page (reviews and related products included)."""
    return local_fetch(
        "product_detail", {"slug": slug}, lambda: _read(product_detail, slug=slug), kinds=("products", "categories")
    )


def cached_category_tree() -> list[NavCategory]:
    """:func:`category_tree` for the header of every page."""
    return local_fetch("category_tree", {}, lambda: _read(category_tree), kinds=("categories", "products"))


def cached_home_sections() -> HomeSections:
    """:func:`home_sections` for the home page."""
    return local_fetch("home_sections", {}, lambda: _read(home_sections), kinds=("products", "categories"))
