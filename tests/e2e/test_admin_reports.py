"""The admin dashboard and reports in Chromium: an order of our own (placed and moved to
processing through the services, on the app's database), then as the admin: the dashboard's
charts and figures (equal to what ``reports.dashboard()`` computes on that database), a phone-wide
dashboard, the report by product and by customer, its CSV download, and a reversed range."""

from __future__ import annotations

import csv
import io
import random
import re
import string
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from marque_app.models import ProductStatus, User, utcnow
from marque_app.services import checkout
from marque_app.services.admin import orders as admin_orders
from marque_app.services.admin import reports
from marque_app.services.admin.activity import Actor
from marque_app.services.db import make_engine
from tests.cartutil import make_product, make_user
from tests.e2e.conftest import log_in_with_email
from tests.orderutil import address, fill_cart

ADMIN = ("admin@marque.test", "Admin#2026")


def _tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


def _log_in(page, who: tuple[str, str]) -> None:
    log_in_with_email(page, *who)


@pytest.fixture
def db(app_db_url) -> Iterator[Session]:
    engine = make_engine(app_db_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture
def our_order(db) -> dict:
    """A processing order of a product and a customer of our own, placed today (UTC)."""
    t = _tag()
    user = make_user(db, first_name="Reba", last_name=f"Reports{t}")
    product, (variant,) = make_product(db, f"Report Kettle {t}", price="27.00", stock=(30,), image=False)
    fill_cart(db, user, [variant], 3)
    placed = checkout.place_order(session=db, user_id=user.id, shipping_address=address())
    # off the shop's shelves again: the storefront tests that share this database expect the
    # demo catalog there (the order keeps its own copy of the product)
    product.status = ProductStatus.archived
    db.add(product)
    admin = db.exec(select(User).where(User.email == ADMIN[0])).one()
    admin_orders.change_status(
        session=db, actor=Actor(id=admin.id, email=admin.email), order_id=placed.id, data={"status": "processing"}
    )
    db.commit()
    return {"email": user.email, "name": f"Reba Reports{t}", "product": product.name, "sku": variant.sku}


def test_the_dashboard_shows_charts_and_the_services_figures(goto, page, db, our_order):
    goto("/admin")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fadmin$"))
    _log_in(page, ADMIN)
    expect(page).to_have_url(re.compile(r"/admin$"))
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    expected = reports.dashboard(session=db)

    cards = page.get_by_test_id("period-card")
    expect(cards).to_have_count(3)
    for i, period in enumerate(expected.periods):
        expect(cards.nth(i)).to_contain_text(period.label)
        expect(cards.nth(i).get_by_test_id("period-orders")).to_have_text(str(period.orders))
        # money as the shop writes it ("$1,234.50"), not "1234.50 USD"
        expect(cards.nth(i).get_by_test_id("period-revenue")).to_have_text(period.revenue_text)
        assert period.revenue_text.startswith("$")
    assert expected.periods[0].orders >= 1  # ours, at least
    expect(page.get_by_test_id("revenue-rule")).to_have_text(reports.REVENUE_RULE)

    for chart in ("revenue-chart", "orders-chart"):
        expect(page.get_by_test_id(chart).locator("svg.recharts-surface")).to_be_visible()
    # 30 days of bars: today's bar (ours among them) has a height
    expect(page.get_by_test_id("orders-chart").locator(".recharts-bar-rectangle path").first).to_be_visible()

    rows = page.get_by_test_id("status-row")
    expect(rows).to_have_count(len(expected.by_status))
    processing = rows.filter(has_text="Processing")
    want = next(r["count"] for r in expected.by_status if r["status"] == "processing")
    expect(processing.get_by_test_id("status-count")).to_have_text(str(want))
    expect(processing.get_by_test_id("status-link")).to_have_attribute("href", "/admin/orders?status=processing")

    top = page.get_by_test_id("top-product-row")
    expect(top).to_have_count(len(expected.top_products))
    for i, item in enumerate(expected.top_products):
        expect(top.nth(i)).to_contain_text(item["name"])
        expect(top.nth(i)).to_contain_text(item["revenue_text"])
    low = page.get_by_test_id("dash-low-stock-row")
    expect(low).to_have_count(len(expected.low_stock))
    if expected.low_stock:
        first = expected.low_stock[0]
        expect(low.first.get_by_test_id("low-stock-sku")).to_have_attribute(
            "href", f"/admin/inventory?variant_id={first['variant_id']}"
        )

    # a phone: the period cards stack and nothing is wider than the screen
    page.set_viewport_size({"width": 375, "height": 800})
    expect(page.get_by_test_id("admin-menu")).to_be_visible()
    boxes = [cards.nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["x"] == boxes[1]["x"] == boxes[2]["x"]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_test_id("revenue-chart").locator("svg.recharts-surface")).to_be_visible()


def test_reports_by_product_and_customer_with_csv_and_a_reversed_range(goto, page, our_order, tmp_path):
    today = utcnow().date()
    frm, to = (today - timedelta(days=2)).isoformat(), today.isoformat()
    goto(f"/admin/reports?kind=products&date_from={frm}&date_to={to}")
    _log_in(page, ADMIN)
    expect(page).to_have_url(re.compile(r"/admin/reports\?kind=products"))
    expect(page.get_by_test_id("report-title")).to_have_text("Sales by product")
    row = page.get_by_test_id("report-row").filter(has_text=our_order["product"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text(our_order["sku"])
    expect(row.locator("td").nth(3)).to_have_text("3")
    expect(page.get_by_test_id("report-totals")).to_contain_text("Total")
    # the form shows the URL's choice
    expect(page.get_by_test_id("report-kind")).to_have_value("products")
    expect(page.get_by_test_id("report-date-from")).to_have_value(frm)

    with page.expect_download() as got:
        page.get_by_test_id("report-csv").click()
    download = got.value
    assert download.suggested_filename == f"marque-products-{frm}-to-{to}.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    table = list(csv.reader(io.StringIO(path.read_text())))
    assert table[0] == ["product", "sku", "orders", "quantity", "revenue"]
    assert [our_order["product"], our_order["sku"], "1", "3", "81.00"] in table

    # by customer, chosen in the form: the URL carries it and the customer is listed
    page.get_by_test_id("report-kind").select_option("customers")
    page.get_by_test_id("report-apply").click()
    expect(page).to_have_url(re.compile(rf"/admin/reports\?kind=customers&date_from={frm}&date_to={to}$"))
    expect(page.get_by_test_id("report-title")).to_have_text("Sales by customer")
    row = page.get_by_test_id("report-row").filter(has_text=our_order["email"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text(our_order["name"])

    # a reversed range: the form names the field, no table
    page.get_by_test_id("report-date-from").fill(to)
    page.get_by_test_id("report-date-to").fill(frm)
    page.get_by_test_id("report-apply").click()
    expect(page).to_have_url(re.compile(rf"date_from={to}&date_to={frm}$"))
    expect(page.get_by_test_id("error-date_to")).to_have_text("The end date comes before the start date")
    expect(page.get_by_test_id("report-error")).to_have_text("Date to: The end date comes before the start date")
    expect(page.get_by_test_id("report-table")).to_have_count(0)
    expect(page.get_by_test_id("report-csv")).to_have_count(0)

    # a reload of a shared link shows the same report
    goto(f"/admin/reports?kind=customers&date_from={frm}&date_to={to}")
    expect(page.get_by_test_id("report-row").filter(has_text=our_order["email"])).to_have_count(1)
