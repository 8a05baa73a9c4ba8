"""The product listing, brands, category counts and recommendations against a real database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marque_app.domain.listing import ListingQuery
from marque_app.models import ProductStatus
from marque_app.services import listing
from marque_app.services.listing import UnknownBrand, UnknownCategory
from tests.db.test_catalog_service import QueryCounter, add_brand, add_category, add_product


@pytest.fixture
def shop(session):
    """Clothing > (Shirts, Knitwear), Shoes; two brands; active, draft and archived products."""
    clothing = add_category(session, "Clothing", sort_order=0)
    shirts = add_category(session, "Shirts", parent=clothing, sort_order=0)
    knitwear = add_category(session, "Knitwear", parent=clothing, sort_order=1)
    shoes = add_category(session, "Shoes", sort_order=1)
    hidden = add_category(session, "Hidden", sort_order=5, is_active=False)
    acme = add_brand(session, "Acme")
    zenith = add_brand(session, "Zenith")
    p = {}
    p["oxford"] = add_product(
        session,
        "Oxford Shirt",
        category=shirts,
        brand=acme,
        price="40.00",
        variants=[("M", "Navy", 3, None)],
        days_ago=5,
        rating_average=Decimal("4.50"),
        review_count=4,
    )
    p["linen"] = add_product(
        session,
        "Linen Shirt",
        category=shirts,
        brand=zenith,
        price="60.00",
        variants=[("M", "White", 0, None)],
        days_ago=1,
        rating_average=Decimal("3.00"),
        review_count=2,
    )
    p["cardigan"] = add_product(
        session,
        "Cardigan",
        category=knitwear,
        brand=acme,
        price="80.00",
        inventory_quantity=4,
        days_ago=3,
        rating_average=Decimal("5.00"),
        review_count=1,
    )
    p["jumper"] = add_product(
        session, "Jumper", category=knitwear, brand=zenith, price="25.00", inventory_quantity=0, days_ago=2
    )
    p["boot"] = add_product(
        session,
        "Boot",
        category=shoes,
        brand=acme,
        price="120.00",
        inventory_quantity=0,
        allow_backorder=True,
        days_ago=4,
    )
    p["draft"] = add_product(
        session,
        "Draft Shirt",
        category=shirts,
        brand=acme,
        price="10.00",
        status=ProductStatus.draft,
        inventory_quantity=9,
    )
    p["archived"] = add_product(
        session,
        "Old Shirt",
        category=shirts,
        brand=acme,
        price="11.00",
        status=ProductStatus.archived,
        inventory_quantity=9,
    )
    p["hidden"] = add_product(session, "Hidden Thing", category=hidden, price="12.00")
    return {
        "clothing": clothing,
        "shirts": shirts,
        "knitwear": knitwear,
        "shoes": shoes,
        "hidden": hidden,
        "acme": acme,
        "zenith": zenith,
        **p,
    }


def names(page):
    return [c.name for c in page.products]


def test_category_includes_subcategories_and_only_active_products(session, shop):
    page = listing.list_products(session=session, query=ListingQuery(category=shop["clothing"].slug))
    assert sorted(names(page)) == ["Cardigan", "Jumper", "Linen Shirt", "Oxford Shirt"]
    assert page.total == 4 and page.pages == 1 and page.page == 1
    assert page.category.slug == shop["clothing"].slug
    assert [c.name for c in page.breadcrumb] == ["Clothing"]
    assert [c.name for c in page.subcategories] == ["Shirts", "Knitwear"]
    assert page.brand is None

    shirts = listing.list_products(session=session, query=ListingQuery(category=shop["shirts"].slug))
    assert sorted(names(shirts)) == ["Linen Shirt", "Oxford Shirt"]
    assert [c.name for c in shirts.breadcrumb] == ["Clothing", "Shirts"]
    assert shirts.subcategories == []


def test_unknown_or_inactive_category_and_brand_are_errors_naming_the_slug(session, shop):
    with pytest.raises(UnknownCategory, match="no-such-category"):
        listing.list_products(session=session, query=ListingQuery(category="no-such-category"))
    with pytest.raises(UnknownCategory):
        listing.list_products(session=session, query=ListingQuery(category=shop["hidden"].slug))
    with pytest.raises(UnknownBrand, match="no-such-brand"):
        listing.list_products(session=session, query=ListingQuery(brand="no-such-brand"))


def test_brand_filter_with_its_link(session, shop):
    page = listing.list_products(session=session, query=ListingQuery(brand=shop["acme"].slug))
    assert sorted(names(page)) == ["Boot", "Cardigan", "Oxford Shirt"]
    assert page.brand.slug == shop["acme"].slug and page.brand.name == shop["acme"].name
    both = listing.list_products(
        session=session, query=ListingQuery(brand=shop["zenith"].slug, category=shop["knitwear"].slug)
    )
    assert names(both) == ["Jumper"]


def test_price_range_is_inclusive(session, shop):
    q = ListingQuery(
        category=shop["clothing"].slug, min_price=Decimal("40"), max_price=Decimal("60"), sort="price", order="asc"
    )
    assert names(listing.list_products(session=session, query=q)) == ["Oxford Shirt", "Linen Shirt"]
    q = ListingQuery(brand=shop["acme"].slug, min_price=Decimal("100"))
    assert names(listing.list_products(session=session, query=q)) == ["Boot"]
    q = ListingQuery(brand=shop["acme"].slug, max_price=Decimal("39.99"))
    assert listing.list_products(session=session, query=q).total == 0


def test_minimum_rating(session, shop):
    q = ListingQuery(category=shop["clothing"].slug, min_rating=4, sort="rating")
    assert names(listing.list_products(session=session, query=q)) == ["Cardigan", "Oxford Shirt"]
    q = ListingQuery(category=shop["clothing"].slug, min_rating=5)
    assert names(listing.list_products(session=session, query=q)) == ["Cardigan"]


def test_in_stock_matches_the_sold_out_badge(session, shop):
    """Variant stock counts for products with variants, own stock otherwise; backorder is buyable."""
    q = ListingQuery(brand=shop["acme"].slug, in_stock=True)
    acme = listing.list_products(session=session, query=q)
    assert sorted(names(acme)) == ["Boot", "Cardigan", "Oxford Shirt"]
    q = ListingQuery(brand=shop["zenith"].slug, in_stock=True)
    assert listing.list_products(session=session, query=q).total == 0  # linen: variant at 0; jumper: 0
    everything = listing.list_products(session=session, query=ListingQuery(category=shop["clothing"].slug))
    for card in everything.products:
        in_stock_page = listing.list_products(
            session=session, query=ListingQuery(category=shop["clothing"].slug, in_stock=True)
        )
        assert (card.name in names(in_stock_page)) is (not card.is_sold_out)


@pytest.mark.parametrize(
    "sort,order,expected",
    [
        ("newest", "desc", ["Linen Shirt", "Jumper", "Cardigan", "Boot", "Oxford Shirt"]),
        ("newest", "asc", ["Oxford Shirt", "Boot", "Cardigan", "Jumper", "Linen Shirt"]),
        ("name", "asc", ["Boot", "Cardigan", "Jumper", "Linen Shirt", "Oxford Shirt"]),
        ("name", "desc", ["Oxford Shirt", "Linen Shirt", "Jumper", "Cardigan", "Boot"]),
        ("price", "asc", ["Jumper", "Oxford Shirt", "Linen Shirt", "Cardigan", "Boot"]),
        ("price", "desc", ["Boot", "Cardigan", "Linen Shirt", "Oxford Shirt", "Jumper"]),
        ("rating", "desc", ["Cardigan", "Oxford Shirt", "Linen Shirt"]),  # then the unrated two
    ],
)
def test_sorts(session, shop, sort, order, expected):
    page_one = listing.list_products(
        session=session, query=ListingQuery(min_price=Decimal("20"), sort=sort, order=order)
    )
    mine = [n for n in names(page_one) if n in {"Linen Shirt", "Jumper", "Cardigan", "Boot", "Oxford Shirt"}]
    assert mine[: len(expected)] == expected


def test_pages_do_not_overlap_and_ties_keep_a_stable_order(session):
    brand = add_brand(session, "Tie")
    made = [add_product(session, f"Same {i}", brand=brand, price="10.00") for i in range(7)]
    seen = []
    for number in (1, 2, 3):
        page = listing.list_products(
            session=session, query=ListingQuery(brand=brand.slug, sort="price", order="asc", page=number, per_page=3)
        )
        assert page.total == 7 and page.pages == 3 and page.page == number
        seen.extend(c.id for c in page.products)
    assert len(seen) == 7 and set(seen) == {str(p.id) for p in made}


def test_a_page_past_the_end_is_empty_with_the_real_total(session, shop):
    q = ListingQuery(brand=shop["acme"].slug, page=99, per_page=2)
    page = listing.list_products(session=session, query=q)
    assert page.products == [] and page.total == 3 and page.pages == 2 and page.page == 99
    huge = listing.list_products(session=session, query=ListingQuery(brand=shop["acme"].slug, page=10**60))
    assert huge.products == [] and huge.total == 3


def test_nothing_matched(session, shop):
    page = listing.list_products(
        session=session, query=ListingQuery(category=shop["shoes"].slug, brand=shop["zenith"].slug)
    )
    assert page.products == [] and page.total == 0 and page.pages == 0


def test_prices_stay_decimal_strings_on_cards(session, shop):
    page = listing.list_products(
        session=session, query=ListingQuery(category=shop["shirts"].slug, sort="price", order="asc")
    )
    oxford = page.products[0]
    assert oxford.price == "$40.00" and oxford.price_amount == "40.00"
    assert oxford.compare_price_amount == ""


@pytest.mark.parametrize("extra", [0, 30])
def test_listing_page_runs_a_fixed_number_of_queries(session, connection, shop, extra):
    for i in range(extra):
        add_product(
            session,
            f"More {i}",
            category=shop["shirts"],
            brand=shop["acme"],
            price="50.00",
            variants=[("S", "Red", 1, None), ("M", "Red", 0, None)],
            images=2,
        )
    counter = QueryCounter(connection)
    page = listing.list_products(
        session=session,
        query=ListingQuery(
            category=shop["clothing"].slug,
            brand=shop["acme"].slug,
            min_price=Decimal("1"),
            max_price=Decimal("500"),
            in_stock=True,
            sort="price",
            per_page=100,
        ),
    )
    assert len(page.products) == 2 + extra
    # categories, brand, then the page with its cards and the total in one statement
    assert counter.count == 3
    assert page.total == 2 + extra


def test_brands_with_active_product_counts(session, shop):
    brands = {b.slug: b for b in listing.list_brands(session=session)}
    assert brands[shop["acme"].slug].product_count == 3  # oxford, cardigan, boot; not the draft
    assert brands[shop["zenith"].slug].product_count == 2
    names_in_order = [b.name for b in listing.list_brands(session=session)]
    assert names_in_order == sorted(names_in_order)
    one = listing.get_brand(session=session, slug=shop["zenith"].slug)
    assert one.name == shop["zenith"].name and one.product_count == 2
    assert listing.get_brand(session=session, slug="nope") is None
    assert listing.get_brand(session=session, slug="x" * 10_000) is None


def test_brands_within_a_category_are_counted_there(session, shop):
    """A category page's brand filter counts each brand's active products in that category
    (and below it), and lists only the brands that have some there (issue 15)."""

    def counts(category: str) -> dict[str, int]:
        return {b.slug: b.product_count for b in listing.list_brands(session=session, category=category)}

    acme, zenith = shop["acme"].slug, shop["zenith"].slug
    assert counts(shop["clothing"].slug) == {acme: 2, zenith: 2}  # oxford, cardigan; linen, jumper
    assert counts(shop["shirts"].slug) == {acme: 1, zenith: 1}  # not the draft or archived shirts
    assert counts(shop["knitwear"].slug) == {acme: 1, zenith: 1}
    assert counts(shop["shoes"].slug) == {acme: 1}  # Zenith has nothing there: not offered
    assert counts("no-such-category") == {}
    assert counts("") == {acme: 3, zenith: 2}  # store-wide, as before
    for brand in listing.list_brands(session=session, category=shop["clothing"].slug):
        page = listing.list_products(
            session=session, query=ListingQuery(category=shop["clothing"].slug, brand=brand.slug)
        )
        assert page.total == brand.product_count  # the number said is the number shown


def test_category_tree_counts_include_subcategories(session, shop):
    nodes = {n.slug: n for n in listing.category_nodes(session=session)}
    clothing = nodes[shop["clothing"].slug]
    assert clothing.product_count == 4
    assert [(c.name, c.product_count) for c in clothing.children] == [("Shirts", 2), ("Knitwear", 2)]
    assert nodes[shop["shoes"].slug].product_count == 1
    assert shop["hidden"].slug not in nodes


def test_recommendations_same_category_first_then_brand(session, shop):
    by_slug = listing.recommendations(session=session, product_ref=shop["oxford"].slug)
    assert [c.name for c in by_slug] == ["Linen Shirt", "Cardigan", "Boot"]
    by_id = listing.recommendations(session=session, product_ref=str(shop["oxford"].id), limit=1)
    assert [c.name for c in by_id] == ["Linen Shirt"]
    assert listing.recommendations(session=session, product_ref=shop["draft"].slug) is None
    assert listing.recommendations(session=session, product_ref="no-such-product") is None
    assert listing.recommendations(session=session, product_ref="'; DROP TABLE products; --") is None


def test_product_page_by_id_or_slug_hides_drafts(session, shop):
    by_slug = listing.product_page(session=session, ref=shop["oxford"].slug)
    by_id = listing.product_page(session=session, ref=str(shop["oxford"].id))
    assert by_slug is not None and by_slug == by_id
    assert by_slug.price_amount == "40.00"
    assert listing.product_page(session=session, ref=str(shop["draft"].id)) is None
    assert listing.product_page(session=session, ref=shop["archived"].slug) is None
    assert listing.product_page(session=session, ref="x" * 10_000) is None
