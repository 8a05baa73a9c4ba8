"""The storefront's catalog reads against a real, migrated database (rolled back after each test)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marque_app.models import (
    Brand,
    Category,
    Product,
    ProductImage,
    ProductReview,
    ProductStatus,
    ProductVariant,
    User,
    utcnow,
)
from marque_app.services import catalog

_serial = itertools.count(1)


# --- builders ---------------------------------------------------------------------------------


def add_category(session, name, *, parent=None, sort_order=0, is_active=True) -> Category:
    category = Category(
        name=name,
        slug=f"{name.lower().replace(' ', '-')}-{next(_serial)}",
        parent_id=parent.id if parent else None,
        sort_order=sort_order,
        is_active=is_active,
    )
    session.add(category)
    session.flush()
    return category


def add_brand(session, name="Northwind") -> Brand:
    brand = Brand(name=f"{name} {next(_serial)}", slug=f"brand-{next(_serial)}")
    session.add(brand)
    session.flush()
    return brand


def add_product(
    session,
    name,
    *,
    category=None,
    brand=None,
    price="50.00",
    compare_price=None,
    status=ProductStatus.active,
    featured=False,
    variants=(),  # (size, colour, quantity, price or None)
    images=0,
    days_ago=0,
    low_stock_threshold=5,
    inventory_quantity=0,
    **extra,
) -> Product:
    n = next(_serial)
    when = utcnow() - timedelta(days=days_ago)
    product = Product(
        name=name,
        slug=f"{name.lower().replace(' ', '-')}-{n}",
        sku=f"SKU-{n}",
        price=Decimal(price),
        compare_price=Decimal(compare_price) if compare_price else None,
        status=status,
        featured=featured,
        category_id=category.id if category else None,
        brand_id=brand.id if brand else None,
        low_stock_threshold=low_stock_threshold,
        inventory_quantity=inventory_quantity,
        published_at=when,
        created_at=when,
        **extra,
    )
    session.add(product)
    session.flush()
    for i, (size, colour, quantity, own_price) in enumerate(variants):
        session.add(
            ProductVariant(
                product_id=product.id,
                sku=f"SKU-{n}-{i}",
                name=f"{colour} / {size}",
                price=Decimal(own_price) if own_price else None,
                inventory_quantity=quantity,
                attributes={"size": size, "color": colour},
                sort_order=i,
            )
        )
    for i in range(images):
        session.add(
            ProductImage(
                product_id=product.id,
                url=f"/products/{product.slug}-{i + 1}.svg",
                alt_text=f"{name} picture {i + 1}",
                sort_order=i,
            )
        )
    session.flush()
    return product


@pytest.fixture
def tree(session):
    """Clothing > Shirts and Clothing > Knitwear, plus an inactive top-level category."""
    clothing = add_category(session, "Clothing", sort_order=0)
    shirts = add_category(session, "Shirts", parent=clothing, sort_order=0)
    knitwear = add_category(session, "Knitwear", parent=clothing, sort_order=1)
    hidden = add_category(session, "Hidden", sort_order=5, is_active=False)
    return clothing, shirts, knitwear, hidden


class QueryCounter:
    def __init__(self, connection):
        self.count = 0
        sa.event.listen(connection, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


# --- home page --------------------------------------------------------------------------------


def test_home_shows_only_active_products(session, tree):
    _, shirts, knitwear, _ = tree
    brand = add_brand(session)
    live = add_product(
        session,
        "Oxford Shirt",
        category=shirts,
        brand=brand,
        featured=True,
        variants=[("M", "Navy", 10, None)],
        images=2,
    )
    add_product(session, "Draft Shirt", category=shirts, featured=True, status=ProductStatus.draft)
    add_product(session, "Old Sweater", category=knitwear, featured=True, status=ProductStatus.archived)

    home = catalog.home_sections(session=session)

    assert [c.name for c in home.featured] == ["Oxford Shirt"]
    assert [c.name for c in home.new_arrivals] == ["Oxford Shirt"]
    card = home.featured[0]
    assert card.slug == live.slug
    assert card.brand == brand.name
    assert card.price == "$50.00"
    assert card.image_url == f"/products/{live.slug}-1.svg"  # the first picture by sort order
    assert not card.is_sold_out


def test_new_arrivals_are_newest_first_and_limited(session, tree):
    _, shirts, _, _ = tree
    for days in (30, 1, 10, 3):
        add_product(session, f"Shirt {days} days", category=shirts, days_ago=days)

    home = catalog.home_sections(session=session, new_limit=3)

    assert [c.name for c in home.new_arrivals] == ["Shirt 1 days", "Shirt 3 days", "Shirt 10 days"]


def test_category_tiles_are_top_level_and_count_active_products_of_subcategories(session, tree):
    clothing, shirts, knitwear, _ = tree
    shoes = add_category(session, "Shoes", sort_order=1)
    add_product(session, "Shirt", category=shirts, images=1, featured=True)
    add_product(session, "Sweater", category=knitwear)
    add_product(session, "Draft Sweater", category=knitwear, status=ProductStatus.draft)

    tiles = catalog.home_sections(session=session).categories

    assert [t.name for t in tiles] == ["Clothing", "Shoes"]  # no subcategory, no inactive one
    by_name = {t.name: t for t in tiles}
    assert by_name["Clothing"].product_count == 2
    assert by_name["Clothing"].slug == clothing.slug
    assert by_name["Clothing"].image_url.endswith("-1.svg")  # a product's picture stands in
    assert by_name["Shoes"].product_count == 0
    assert by_name["Shoes"].image_url == ""
    assert shoes.slug == by_name["Shoes"].slug


def test_sold_out_and_sale_cards(session, tree):
    _, shirts, _, _ = tree
    add_product(
        session,
        "Gone Shirt",
        category=shirts,
        featured=True,
        variants=[("S", "Navy", 0, None), ("M", "Navy", 0, None)],
    )
    add_product(
        session,
        "Last Shirt",
        category=shirts,
        featured=True,
        variants=[("S", "Navy", 0, None), ("M", "Navy", 1, None)],
    )
    add_product(session, "Sale Shirt", category=shirts, featured=True, price="40.00", compare_price="55.00")
    add_product(
        session, "Odd Shirt", category=shirts, featured=True, price="40.00", compare_price="30.00"
    )  # a compare-at below the price is not a sale

    cards = {c.name: c for c in catalog.home_sections(session=session).featured}

    assert cards["Gone Shirt"].is_sold_out
    assert not cards["Last Shirt"].is_sold_out
    assert cards["Sale Shirt"].is_on_sale
    assert cards["Sale Shirt"].price == "$40.00"
    assert cards["Sale Shirt"].compare_price == "$55.00"
    assert not cards["Odd Shirt"].is_on_sale
    assert cards["Odd Shirt"].compare_price == ""


def test_home_runs_a_fixed_number_of_queries(session, connection, tree):
    _, shirts, knitwear, _ = tree
    brand = add_brand(session)

    def add(count):
        for i in range(count):
            add_product(
                session,
                f"Item {i}",
                category=shirts if i % 2 else knitwear,
                brand=brand,
                featured=True,
                images=2,
                variants=[("M", "Navy", i, None)],
            )

    add(2)
    counter = QueryCounter(connection)
    catalog.home_sections(session=session)
    few = counter.count

    add(10)
    counter.count = 0
    home = catalog.home_sections(session=session)

    assert len(home.featured) == 8
    assert counter.count == few


# --- product page -----------------------------------------------------------------------------


def test_product_detail_with_variants_images_and_breadcrumb(session, tree):
    clothing, shirts, _, _ = tree
    brand = add_brand(session)
    product = add_product(
        session,
        "Oxford Shirt",
        category=shirts,
        brand=brand,
        price="60.00",
        compare_price="80.00",
        images=3,
        low_stock_threshold=3,
        variants=[
            ("M", "Navy", 12, None),
            ("L", "Navy", 2, None),
            ("S", "White", 0, None),
            ("XL", "White", 4, "65.00"),
        ],
        description="Woven cotton.",
        meta_title="Oxford Shirt | Marque",
        meta_description="A crisp oxford shirt.",
        rating_average=Decimal("4.25"),
        review_count=2,
    )
    add_product(session, "Linen Shirt", category=shirts)

    detail = catalog.product_detail(session=session, slug=product.slug)

    assert detail is not None
    assert detail.name == "Oxford Shirt"
    assert detail.brand == brand.name
    assert detail.price == "$60.00"
    assert detail.price_amount == "60.00"
    assert detail.compare_price == "$80.00"
    assert detail.is_on_sale
    assert not detail.is_sold_out
    assert detail.rating == "4.2"  # the rating is shown with one decimal
    assert detail.meta_title == "Oxford Shirt | Marque"
    assert detail.meta_description == "A crisp oxford shirt."
    assert [i.url for i in detail.images] == [f"/products/{product.slug}-{n}.svg" for n in (1, 2, 3)]
    assert [(b.name, b.slug) for b in detail.breadcrumb] == [
        ("Clothing", clothing.slug),
        ("Shirts", shirts.slug),
    ]
    assert detail.sizes == ["S", "M", "L", "XL"]  # clothing sizes in size order
    assert detail.colors == ["Navy", "White"]
    assert [r.name for r in detail.related] == ["Linen Shirt"]

    variants = {(v.size, v.color): v for v in detail.variants}
    assert (variants["M", "Navy"].stock_status, variants["M", "Navy"].stock_label) == (
        "in_stock",
        "In stock",
    )
    assert (variants["L", "Navy"].stock_status, variants["L", "Navy"].stock_label) == (
        "low_stock",
        "Only 2 left",
    )
    assert (variants["S", "White"].stock_status, variants["S", "White"].stock_label) == (
        "sold_out",
        "Sold out",
    )
    assert variants["M", "Navy"].price == "$60.00"  # no own price: the product's
    assert variants["XL", "White"].price == "$65.00"
    assert variants["XL", "White"].price_amount == "65.00"
    assert variants["XL", "White"].compare_price == "$80.00"


def test_draft_archived_and_unknown_products_are_not_found(session, tree):
    _, shirts, _, _ = tree
    draft = add_product(session, "Draft", category=shirts, status=ProductStatus.draft)
    archived = add_product(session, "Archived", category=shirts, status=ProductStatus.archived)

    assert catalog.product_detail(session=session, slug=draft.slug) is None
    assert catalog.product_detail(session=session, slug=archived.slug) is None
    assert catalog.product_detail(session=session, slug="no-such-product") is None


def test_sold_out_product(session, tree):
    _, shirts, _, _ = tree
    product = add_product(session, "Gone", category=shirts, variants=[("S", "Navy", 0, None), ("M", "Navy", 0, None)])
    no_variants = add_product(session, "Mug", category=shirts, inventory_quantity=0)

    detail = catalog.product_detail(session=session, slug=product.slug)
    assert detail.is_sold_out
    assert {v.stock_label for v in detail.variants} == {"Sold out"}
    assert catalog.product_detail(session=session, slug=no_variants.slug).is_sold_out


def test_related_products_and_reviews_exclude_hidden_rows(session, tree):
    _, shirts, knitwear, _ = tree
    product = add_product(session, "Oxford", category=shirts)
    add_product(session, "Draft Twin", category=shirts, status=ProductStatus.draft)
    add_product(session, "Sweater", category=knitwear)
    user = User(email=f"ann{next(_serial)}@example.com", first_name="Ann", last_name="Lee")
    session.add(user)
    session.flush()
    session.add_all(
        [
            ProductReview(
                product_id=product.id,
                user_id=user.id,
                rating=5,
                title="Great",
                content="Fits well.",
                status="approved",
                verified_purchase=True,
            ),
            ProductReview(product_id=product.id, user_id=user.id, rating=1, title="Spam", status="pending"),
        ]
    )
    session.flush()

    detail = catalog.product_detail(session=session, slug=product.slug)

    assert detail.related == []  # the draft twin is hidden; other categories are not related
    assert [(r.title, r.author, r.verified_purchase) for r in detail.reviews] == [("Great", "Ann L.", True)]


def test_product_detail_runs_a_fixed_number_of_queries(session, connection, tree):
    _, shirts, _, _ = tree

    def make(n):
        return add_product(
            session,
            f"P{n}",
            category=shirts,
            images=n,
            variants=[(s, "Navy", 3, None) for s in ["S", "M", "L", "XL"][:n]],
        )

    small, big = make(1), make(4)
    for i in range(6):
        add_product(session, f"Related {i}", category=shirts, images=2)
    counter = QueryCounter(connection)
    catalog.product_detail(session=session, slug=small.slug)
    one = counter.count
    counter.count = 0
    catalog.product_detail(session=session, slug=big.slug)
    assert counter.count == one


# --- listings ---------------------------------------------------------------------------------


def test_category_tree_for_navigation(session, tree):
    clothing, *_ = tree
    nav = catalog.category_tree(session=session)
    assert [(c.name, [s.name for s in c.children]) for c in nav] == [("Clothing", ["Shirts", "Knitwear"])]
    assert nav[0].slug == clothing.slug


# --- the variant picker's rules (pure) --------------------------------------------------------


def _variant(size, colour, status="in_stock"):
    return catalog.VariantView(id=f"{size}-{colour}", size=size, color=colour, stock_status=status)


PICKER = [
    _variant("S", "Navy"),
    _variant("M", "Navy", "sold_out"),
    _variant("M", "White"),
    _variant("L", "White", "low_stock"),
]


def test_default_variant_is_the_first_in_stock():
    assert catalog.default_variant([_variant("S", "Navy", "sold_out"), _variant("M", "Navy")]).size == "M"
    assert catalog.default_variant([_variant("S", "Navy", "sold_out")]).size == "S"
    assert catalog.default_variant([]) is None


def test_choosing_a_size_moves_the_colour_to_one_that_exists():
    # L exists only in White: picking L while Navy is chosen switches to White.
    chosen = catalog.choose_variant(PICKER, size="L", color="Navy", changed="size")
    assert (chosen.size, chosen.color) == ("L", "White")
    # M exists in both: the colour stays, even when that combination is sold out.
    chosen = catalog.choose_variant(PICKER, size="M", color="Navy", changed="size")
    assert (chosen.size, chosen.color, chosen.stock_status) == ("M", "Navy", "sold_out")


def test_options_offer_only_existing_combinations():
    sizes, colours = catalog.variant_options(
        PICKER, sizes=["S", "M", "L"], colors=["Navy", "White"], size="L", color="White"
    )
    assert [(o.value, o.is_available) for o in colours] == [("Navy", False), ("White", True)]
    sizes, colours = catalog.variant_options(
        PICKER, sizes=["S", "M", "L"], colors=["Navy", "White"], size="M", color="Navy"
    )
    assert [(o.value, o.is_available, o.is_in_stock) for o in colours] == [
        ("Navy", True, False),
        ("White", True, True),
    ]
    assert [(o.value, o.is_in_stock) for o in sizes] == [("S", True), ("M", False), ("L", False)]
