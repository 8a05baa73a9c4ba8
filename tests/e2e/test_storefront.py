"""The storefront in a real browser: home, product page, variant picker, not-found, phone layout.

Expected names, prices and stock come from the app's own database (read here with plain SQL),
so the tests follow whatever the demo catalog holds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import wait_for_hydration

# --- the app's database -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def app_db(app_db_url) -> sa.Engine:
    """The database the app under test serves from, for reading what the pages should show."""
    engine = sa.create_engine(app_db_url)
    yield engine
    engine.dispose()


def money(amount: Decimal) -> str:
    return f"${Decimal(amount):,.2f}"


def stock_label(quantity: int, threshold: int) -> str:
    if quantity <= 0:
        return "Sold out"
    return f"Only {quantity} left" if quantity <= threshold else "In stock"


@dataclass
class Variant:
    size: str
    color: str
    price: str
    stock: str


def featured_product(engine) -> sa.Row:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT name, slug, price, meta_title, meta_description FROM products "
                "WHERE status = 'active' AND featured ORDER BY created_at DESC, id LIMIT 1"
            )
        ).one()


def variants_of(engine, slug: str) -> list[Variant]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT v.attributes, v.price, v.inventory_quantity, p.price AS product_price, "
                "p.low_stock_threshold FROM product_variants v JOIN products p ON p.id = v.product_id "
                "WHERE p.slug = :slug ORDER BY v.sort_order, v.name"
            ),
            {"slug": slug},
        ).all()
    out = []
    for row in rows:
        attrs = row.attributes if isinstance(row.attributes, dict) else json.loads(row.attributes)
        price = row.price if row.price is not None else row.product_price
        out.append(
            Variant(
                size=str(attrs.get("size", "")),
                color=str(attrs.get("color", "")),
                price=money(price),
                stock=stock_label(row.inventory_quantity, row.low_stock_threshold),
            )
        )
    return out


def default_variant(variants: list[Variant]) -> Variant:
    return next((v for v in variants if v.stock != "Sold out"), variants[0])


def product_with_a_different_variant(engine) -> tuple[str, str, Variant, Variant]:
    """An active product whose second choice differs from the first in price or stock words."""
    with engine.connect() as conn:
        products = conn.execute(sa.text("SELECT name, slug FROM products WHERE status = 'active' ORDER BY slug")).all()
    best = None
    for name, slug in products:
        variants = variants_of(engine, slug)
        if len(variants) < 2:
            continue
        first = default_variant(variants)
        for other in variants:
            if (other.size, other.color) == (first.size, first.color):
                continue
            if other.price != first.price and other.stock != first.stock:
                return name, slug, first, other  # both change: the strongest check
            if best is None and (other.price != first.price or other.stock != first.stock):
                best = (name, slug, first, other)
    if best is None:
        pytest.fail("the demo catalog has no product with variants that differ", pytrace=False)
    return best


# --- the tests --------------------------------------------------------------------------------


def test_home_shows_featured_products_from_the_database(goto, app_db):
    featured = featured_product(app_db)

    page = goto("/")

    grid = page.get_by_test_id("featured-grid")
    expect(grid.get_by_test_id("product-card").first).to_be_visible()
    expect(grid).to_contain_text(featured.name)
    expect(page.get_by_test_id("new-arrivals-grid").get_by_test_id("product-card")).to_have_count(8)
    expect(page.get_by_test_id("category-tile").first).to_be_visible()
    expect(page.get_by_test_id("cart-count")).to_have_text("0")
    expect(page.get_by_test_id("wishlist-count")).to_have_text("0")


def test_a_product_card_opens_its_product_page(goto, app_db):
    featured = featured_product(app_db)
    variants = variants_of(app_db, featured.slug)
    expected_price = default_variant(variants).price if variants else money(featured.price)
    page = goto("/")

    card = page.get_by_test_id("featured-grid").get_by_test_id("product-card").filter(has_text=featured.name)
    card.first.click()

    expect(page).to_have_url(re.compile(rf"/products/{re.escape(featured.slug)}$"))
    expect(page.get_by_test_id("product-name")).to_have_text(featured.name)
    expect(page.get_by_test_id("product-price")).to_have_text(expected_price)
    expect(page).to_have_title(featured.meta_title or featured.name)
    if featured.meta_description:
        expect(page.locator('meta[name="description"]')).to_have_attribute("content", featured.meta_description)
    expect(page.get_by_test_id("breadcrumb")).to_contain_text("Home")


def test_choosing_a_variant_updates_price_and_stock(goto, app_db):
    name, slug, first, other = product_with_a_different_variant(app_db)

    page = goto(f"/products/{slug}")
    expect(page.get_by_test_id("product-name")).to_have_text(name)
    expect(page.get_by_test_id("product-price")).to_have_text(first.price)
    expect(page.get_by_test_id("stock-status")).to_have_text(first.stock)

    # Size first: picking a size moves the colour to one that exists, so the colour is then
    # always on offer.
    if other.size:
        page.locator(f'[data-testid="size-option"][data-value="{other.size}"]').click()
    if other.color:
        page.locator(f'[data-testid="color-option"][data-value="{other.color}"]').click()

    expect(page.get_by_test_id("product-price")).to_have_text(other.price)
    expect(page.get_by_test_id("stock-status")).to_have_text(other.stock)
    add = page.get_by_test_id("add-to-cart")
    if other.stock == "Sold out":
        expect(add).to_be_disabled()
    else:
        expect(add).to_be_enabled()


def test_unknown_and_hidden_products_show_not_found(goto, app_db, page_problems):
    page_problems.allow(r"HTTP 404: GET .*/products/")  # the page answers 404 (api/seo.py)
    with app_db.connect() as conn:
        draft = conn.execute(
            sa.text("SELECT slug FROM products WHERE status <> 'active' ORDER BY slug LIMIT 1")
        ).scalar()

    for slug in ["no-such-product-anywhere", draft]:
        if slug is None:
            continue
        page = goto(f"/products/{slug}")
        expect(page.get_by_test_id("not-found")).to_contain_text("We couldn't find that product")
        expect(page.get_by_test_id("product-name")).to_have_count(0)
        expect(page).to_have_title(re.compile("not found", re.I))

    page.get_by_test_id("back-home").click()
    expect(page.get_by_test_id("featured-grid")).to_be_visible()


def test_unknown_route_shows_the_404_page(goto, page_problems):
    page_problems.allow(r"HTTP 404: GET .*/no/such/page")
    page = goto("/no/such/page")
    expect(page.get_by_test_id("not-found")).to_contain_text("Page not found")


def test_search_box_finds_a_product(goto, app_db):
    featured = featured_product(app_db)
    word = max(featured.name.split(), key=len)
    page = goto("/")

    box = page.get_by_test_id("search-input")
    box.fill(word)
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/search\?q="))
    expect(page.get_by_test_id("search-results")).to_contain_text(featured.name)


def test_phone_layout_has_no_horizontal_overflow(page, base_url):
    page.set_viewport_size({"width": 375, "height": 800})
    page._marque_frames.clear()
    page.goto("/")
    wait_for_hydration(page)
    cards = page.get_by_test_id("featured-grid").get_by_test_id("product-card")
    expect(cards.first).to_be_visible()

    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways on a phone: {widths}"
    # Two cards side by side, each inside the screen.
    first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert abs(first["y"] - second["y"]) < 2
    assert second["x"] + second["width"] <= 375
    expect(page.get_by_test_id("search-input")).to_be_visible()
    # the cart's button (an empty cart shows no "0" badge)
    expect(page.get_by_role("button", name="Cart, 0 items")).to_be_visible()
