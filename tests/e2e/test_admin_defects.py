"""Admin defects found in Chromium at 1366 and 375 px (issue 15, item 6): archiving asks first,
naming the product, and is undone from its toast; a form's error goes as the field is corrected;
the same toast does not pile up; the orders and products pages fit a phone (no page-wide
horizontal scroll: the tables scroll inside their own box)."""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlmodel import Session

from marque_app.domain.money import format_money
from marque_app.models import Product, ProductStatus
from marque_app.services import checkout
from marque_app.services.db import make_engine
from tests.cartutil import make_product, make_user
from tests.e2e.axe import axe_source, blocking, describe, run_axe
from tests.e2e.conftest import log_in_with_email, wait_for_hydration
from tests.orderutil import address, fill_cart

ADMIN = ("admin@marque.test", "Admin#2026")


def _tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


@pytest.fixture
def db(app_db_url) -> Iterator[Session]:
    engine = make_engine(app_db_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture
def live_product(db) -> Iterator[Product]:
    """An active product of our own; archived again afterwards (the storefront tests that share
    this database expect the demo catalog)."""
    product, _ = make_product(db, f"Harbour Coat {_tag()}", price="120.00", stock=(3,), image=False)
    db.commit()
    yield product
    _archive(db, product.id)


def _archive(db, product_id) -> None:
    """Archive a product in a transaction of its own that starts with the write. SQLite (WAL)
    refuses at once a write in a transaction that read before another connection (the app's
    analytics flush) committed ("database is locked"); a transaction whose first statement
    writes waits its turn instead."""
    db.commit()  # end whatever this session read
    db.execute(sa.update(Product).where(Product.id == product_id).values(status=ProductStatus.archived))
    db.commit()


def _status(db, product) -> str:
    db.rollback()
    db.expire_all()
    return db.get(Product, product.id).status.value


def _toast(page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_archive_asks_naming_the_product_and_undo_puts_it_back_on_sale(goto, page, db, live_product):
    goto(f"/admin/products?q={live_product.slug}")
    log_in_with_email(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/admin/products\?q="))
    wait_for_hydration(page)
    row = page.get_by_test_id("product-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("product-status")).to_have_text("Active")
    expect(row.get_by_test_id("product-price")).to_have_text("$120.00")

    row.get_by_test_id("product-archive").click()
    dialog = page.get_by_test_id("archive-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Archive {live_product.name}?")
    page.get_by_test_id("archive-cancel").click()
    expect(dialog).to_have_count(0)
    assert _status(db, live_product) == "active"  # one click changed nothing

    row.get_by_test_id("product-archive").click()
    page.get_by_test_id("archive-confirm").click()
    toast = _toast(page, f"{live_product.name} archived")
    expect(toast).to_be_visible()
    expect(row.get_by_test_id("product-status")).to_have_text("Archived")
    assert _status(db, live_product) == "archived"
    toast.get_by_role("button", name="Undo").click()
    expect(_toast(page, f"{live_product.name} is active again")).to_be_visible()
    expect(row.get_by_test_id("product-status")).to_have_text("Active")
    assert _status(db, live_product) == "active"


def test_an_error_goes_as_the_field_is_corrected_and_its_toast_does_not_pile_up(goto, page):
    goto("/admin/products/new")
    log_in_with_email(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/admin/products/new$"))
    wait_for_hydration(page)
    page.get_by_test_id("field-price").fill("10.00")
    for _ in range(3):
        page.get_by_test_id("save-product").click()
        expect(page.get_by_test_id("error-name")).to_have_text("Name is required")
    expect(_toast(page, "Name is required")).to_have_count(1)  # replaced, not stacked
    page.get_by_test_id("field-name").fill(f"Rain Hat {_tag()}")
    expect(page.get_by_test_id("error-name")).to_have_count(0)
    expect(page.get_by_test_id("product-error")).to_have_count(0)


@pytest.fixture
def an_order(db):
    """An order of a customer with a long e-mail address, so the orders table has a row: its
    ``OrderDetail``."""
    t = _tag()
    user = make_user(db, email=f"a.very.long.customer.address.{t}@example-shop-domain.test")
    product, (variant,) = make_product(db, f"Phone Check Mug {t}", price="12.00", stock=(9,), image=False)
    fill_cart(db, user, [variant], 2)
    order = checkout.place_order(session=db, user_id=user.id, shipping_address=address())
    _archive(db, product.id)  # off the shelves again (the order keeps its copy)
    return order


def test_the_orders_list_is_cards_on_a_phone_and_a_table_on_a_desktop(goto, page, an_order):
    goto(f"/admin/orders?q={an_order.order_number}")
    log_in_with_email(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/admin/orders\?q="))
    wait_for_hydration(page)
    table, cards = page.get_by_test_id("orders-table"), page.get_by_test_id("order-card")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_be_visible()
    expect(cards).to_have_count(1)
    expect(cards.first).to_be_hidden()  # the desktop shows the table only

    page.set_viewport_size({"width": 375, "height": 800})
    expect(table).to_be_hidden()
    card = cards.first
    expect(card).to_be_visible()
    expect(card.get_by_test_id("order-card-link")).to_have_text(an_order.order_number)
    expect(card.get_by_test_id("order-card-customer")).to_have_text(an_order.email)
    expect(card.get_by_test_id("order-card-status")).to_have_text(an_order.status_label)
    expect(card.get_by_test_id("order-card-total")).to_have_text(format_money(an_order.total, an_order.currency))
    expect(card.get_by_test_id("order-card-date")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$"))
    page.wait_for_function("document.documentElement.scrollWidth <= window.innerWidth")
    assert _fits(page), page.evaluate("document.documentElement.scrollWidth")
    box = card.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375 + 0.5, box
    # every card's own content fits inside it (the long e-mail wraps)
    assert card.evaluate("el => el.scrollWidth <= el.clientWidth"), card.evaluate("el => el.scrollWidth")
    # and the cards pass axe (no serious violation; its 24 px target-size rule included)
    found = blocking(run_axe(page, axe_source(), include='[data-testid="orders-cards"]'))
    assert not found, describe(found, "the admin orders' cards at 375 px")
    card.get_by_test_id("order-card-link").click()
    expect(page).to_have_url(re.compile(f"/admin/orders/{an_order.id}$"))

    page.set_viewport_size({"width": 1366, "height": 800})
    page.go_back()
    expect(page.get_by_test_id("orders-table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("order-card").first).to_be_hidden()


@pytest.mark.parametrize("path", ["/admin/orders", "/admin/products"])
def test_the_orders_and_products_pages_fit_a_phone(goto, page, path, an_order):
    goto(path)
    log_in_with_email(page, *ADMIN)
    expect(page).to_have_url(re.compile(f"{path}$"))
    wait_for_hydration(page)
    table = page.get_by_test_id("orders-table" if path.endswith("orders") else "products-table")
    expect(table.locator("tbody tr").first).to_be_visible()
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 800})
        expect(page.get_by_test_id("filter-apply")).to_be_visible()
        page.wait_for_function("document.documentElement.scrollWidth <= window.innerWidth")
        assert _fits(page), (width, page.evaluate("document.documentElement.scrollWidth"))
        if width == 375 and path.endswith("orders"):
            expect(page.get_by_test_id("order-card").first).to_be_visible()  # cards, not the table
            continue
        box = table.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    # a table wider than the phone scrolls inside its own box
    assert page.evaluate("(el) => getComputedStyle(el).overflowX", table.element_handle()) in ("auto", "scroll")
