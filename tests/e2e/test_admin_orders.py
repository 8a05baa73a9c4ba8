"""The admin orders pages in Chromium: the shopper's order found by its number (filters in the URL),
a move the state machine forbids refused with nothing changed, processing then shipped with a
tracking number, an admin note, the timeline; the shopper sees Shipped and the tracking number.
Also: the list's filters and pager, and every admin route refused to a customer (403) and a guest
(log in).

Orders are placed with the checkout service straight into the app's own temporary database.
"""

from __future__ import annotations

import random
import re
import string
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import quote

import sqlalchemy as sa
from playwright.sync_api import expect
from sqlmodel import Session, select

from marque_app.domain.cart import GuestLine
from marque_app.models import CartItem, Order, User
from marque_app.pages.admin import PAGES
from marque_app.services import checkout
from tests.e2e.conftest import log_in_with_email, log_out, wait_for_hydration

ADMIN = ("admin@marque.test", "Admin#2026")
SHOPPER = ("shopper@marque.test", "Shopper#2026")
ADDRESS = {
    "first_name": "Sam",
    "last_name": "Shopper",
    "address_line_1": "1 Main St",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "US",
    "phone": "+15555550101",
}


def _tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


def _engine(app_db_url: str) -> sa.Engine:
    return sa.create_engine(app_db_url)


def _variant(app_db_url: str, stock: int) -> dict:
    """An active product's SKU with at least ``stock`` in stock: id, product id, price, name."""
    query = sa.text(
        """
        SELECT v.id AS sku_id, p.id AS product_id, COALESCE(v.price, p.price) AS price, p.name
        FROM products p JOIN product_variants v ON v.product_id = p.id
        WHERE p.status = 'active' AND v.inventory_quantity >= :stock
        ORDER BY v.inventory_quantity DESC, v.sku LIMIT 1
        """
    )
    with _engine(app_db_url).connect() as conn:
        row = conn.execute(query, {"stock": stock}).mappings().first()
    assert row is not None, f"the demo store has no SKU with {stock} in stock"
    return {
        "sku_id": uuid.UUID(str(row["sku_id"])),
        "product_id": uuid.UUID(str(row["product_id"])),
        "price": Decimal(str(row["price"])),
        "name": row["name"],
    }


def _shopper_order(app_db_url: str) -> tuple[str, str]:
    """A cash-on-delivery order of the shopper's own (their cart, one line): (id, number)."""
    item = _variant(app_db_url, 5)
    with Session(_engine(app_db_url), expire_on_commit=False) as session:
        shopper = session.exec(select(User).where(User.email == SHOPPER[0])).one()
        session.add(
            CartItem(
                user_id=shopper.id,
                product_id=item["product_id"],
                product_variant_id=item["sku_id"],
                quantity=1,
                unit_price=item["price"],
            )
        )
        session.commit()
        order = checkout.place_order(
            session=session, user_id=shopper.id, shipping_address=ADDRESS, payment_method="cod"
        )
    return str(order.id), order.order_number


def _guest_orders(app_db_url: str, t: str, count: int) -> list[str]:
    """``count`` guests' orders whose e-mails hold the tag ``t``: their numbers."""
    item = _variant(app_db_url, count + 5)
    line = GuestLine(
        sku_id=str(item["sku_id"]),
        quantity=1,
        price_seen=str(item["price"]),
        name=item["name"],
        product_id=str(item["product_id"]),
    )
    numbers = []
    with Session(_engine(app_db_url), expire_on_commit=False) as session:
        for i in range(count):
            order = checkout.place_order(
                session=session,
                guest_email=f"{t}{i}@example.com",
                guest_lines=[line],
                shipping_address=ADDRESS,
                payment_method="cod",
            )
            numbers.append(order.order_number)
    return numbers


def _status(app_db_url: str, order_id: str) -> tuple[str, str | None]:
    with Session(_engine(app_db_url)) as session:
        order = session.get(Order, uuid.UUID(order_id))
        return getattr(order.status, "value", order.status), order.tracking_number


def _log_in(page, who: tuple[str, str]) -> None:
    log_in_with_email(page, *who)


def _toast(page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def _filters_loaded(page, **filters: str) -> None:
    """Wait until the list has loaded these URL filters (its filter form is remounted with them)."""
    wanted = "&".join(f"{k}={filters.get(k, '')}" for k in ("q", "status", "payment_status", "date_from", "date_to"))
    expect(page.get_by_test_id("orders-filters")).to_have_attribute("data-filters", wanted)


def _options(page, testid: str) -> list[str]:
    return page.get_by_test_id(testid).locator("option").evaluate_all("els => els.map(e => e.value)")


def test_admin_ships_the_shoppers_order_and_the_shopper_sees_the_tracking_number(goto, page, app_db_url):
    order_id, number = _shopper_order(app_db_url)
    tracking = "1Z" + _tag().upper()
    note = f"Gift wrap please {_tag()}"

    # Find it: the search goes into the URL, and the list shows its row.
    goto("/admin/orders")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fadmin%2Forders$"))
    _log_in(page, ADMIN)
    expect(page).to_have_url(re.compile(r"/admin/orders$"))
    _filters_loaded(page)
    page.get_by_test_id("orders-q").fill(number.lower())
    page.get_by_test_id("orders-status").select_option("pending")
    page.get_by_test_id("filter-apply").click()
    expect(page).to_have_url(re.compile(rf"/admin/orders\?q={number.lower()}&status=pending$"))
    _filters_loaded(page, q=number.lower(), status="pending")
    row = page.get_by_test_id("order-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("order-link")).to_have_text(number)
    expect(row.get_by_test_id("order-customer")).to_have_text(SHOPPER[0])
    expect(row.get_by_test_id("order-row-status")).to_have_text("Order placed")
    expect(row.get_by_test_id("order-payment")).to_have_text("Awaiting payment")
    expect(row.get_by_test_id("order-total")).to_have_text(re.compile(r"^\$[\d,]+\.\d\d$"))
    expect(row.get_by_test_id("order-date")).to_contain_text(" UTC")
    # the filters are kept in their inputs (remounted from the URL)
    expect(page.get_by_test_id("orders-q")).to_have_value(number.lower())
    expect(page.get_by_test_id("orders-status")).to_have_value("pending")

    row.get_by_test_id("order-link").click()
    expect(page).to_have_url(re.compile(rf"/admin/orders/{order_id}$"))
    wait_for_hydration(page)
    expect(page.get_by_test_id("order-number")).to_have_text(number)
    expect(page.get_by_test_id("order-status")).to_have_text("Order placed")
    # only the moves the state machine allows (unpaid cash on delivery: no refund yet)
    expect(page.get_by_test_id("status-select").locator("option")).to_have_count(3)
    assert _options(page, "status-select") == ["", "processing", "cancelled"]

    # A forbidden move (a stale or hand-made form: pending -> delivered): refused, nothing changed.
    page.get_by_test_id("status-select").evaluate("el => el.add(new Option('Delivered', 'delivered'))")
    page.get_by_test_id("status-select").select_option("delivered")
    page.get_by_test_id("change-status").click()
    expect(page.get_by_test_id("order-error")).to_contain_text("An order that is pending cannot become delivered")
    expect(page.get_by_test_id("error-status")).to_be_visible()
    expect(_toast(page, "cannot become delivered")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Order placed")
    assert _status(app_db_url, order_id) == ("pending", None)

    # pending -> processing
    page.get_by_test_id("status-select").select_option("processing")
    page.get_by_test_id("change-status").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Processing")
    expect(_toast(page, "Status changed")).to_be_visible()
    expect(page.get_by_test_id("order-error")).to_have_count(0)
    assert _options(page, "status-select") == ["", "shipped", "cancelled"]

    # shipped needs the tracking number: asked for, nothing changed
    page.get_by_test_id("status-select").select_option("shipped")
    page.get_by_test_id("change-status").click()
    expect(page.get_by_test_id("error-tracking_number")).to_have_text("Enter the tracking number to ship the order")
    expect(page.get_by_test_id("order-status")).to_have_text("Processing")
    assert _status(app_db_url, order_id) == ("processing", None)
    page.get_by_test_id("tracking-input").fill(tracking)
    page.get_by_test_id("status-note").fill("Sent with DHL")
    page.get_by_test_id("change-status").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Shipped")
    expect(page.get_by_test_id("order-tracking")).to_have_text(tracking)
    expect(page.get_by_test_id("error-tracking_number")).to_have_count(0)
    # the form was remounted empty, with the one move left
    expect(page.get_by_test_id("tracking-input")).to_have_value("")
    assert _options(page, "status-select") == ["", "delivered"]
    assert _status(app_db_url, order_id) == ("shipped", tracking)

    # an admin note
    page.get_by_test_id("order-note").fill(note)
    page.get_by_test_id("add-order-note").click()
    expect(page.get_by_test_id("admin-notes")).to_contain_text(note)
    expect(page.get_by_test_id("admin-notes")).to_contain_text(ADMIN[0])
    expect(page.get_by_test_id("order-note")).to_have_value("")

    # the timeline shows the moves, oldest first
    rows = page.get_by_test_id("timeline-row")
    expect(rows.filter(has_text="Processing")).to_have_count(1)
    expect(rows.filter(has_text="Shipped")).to_have_count(1)
    expect(rows.filter(has_text="Sent with DHL")).to_have_count(1)
    texts = rows.all_inner_texts()
    assert [i for i, t in enumerate(texts) if "Processing" in t] < [i for i, t in enumerate(texts) if "Shipped" in t]

    # the list shows the new status and the tracking number
    goto(f"/admin/orders?q={number}")
    expect(page.get_by_test_id("order-row")).to_have_count(1)
    expect(page.get_by_test_id("order-row-status")).to_have_text("Shipped")
    expect(page.get_by_test_id("order-row")).to_contain_text(tracking)

    # The shopper sees it shipped, with the tracking number, and no admin note.
    goto("/")
    log_out(page)
    expect(page.get_by_test_id("login-link")).to_be_visible()
    goto(f"/account/orders/{quote(number)}")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    _log_in(page, SHOPPER)
    expect(page).to_have_url(re.compile(rf"/account/orders/{number}$"))
    expect(page.get_by_test_id("order-heading")).to_have_text(f"Order {number}")
    expect(page.get_by_test_id("order-status")).to_have_text("Shipped")
    expect(page.get_by_test_id("tracking-number")).to_have_text(tracking)
    expect(page.get_by_test_id("order-page")).not_to_contain_text(note)


def test_orders_list_filters_and_pages_through_the_url(goto, page, app_db_url):
    t = _tag()
    numbers = _guest_orders(app_db_url, t, 21)
    today = datetime.now(UTC).date().isoformat()

    goto(f"/admin/orders?q={t}")
    _log_in(page, ADMIN)
    expect(page).to_have_url(re.compile(rf"/admin/orders\?q={t}$"))
    rows = page.get_by_test_id("order-row")
    expect(rows).to_have_count(20)
    expect(page.get_by_text("Page 1 of 2 (21)")).to_be_visible()
    expect(page.get_by_test_id("pager-prev")).to_have_count(0)
    page.get_by_test_id("pager-next").click()
    expect(page).to_have_url(re.compile(rf"/admin/orders\?q={t}&page=2$"))
    expect(page.get_by_text("Page 2 of 2 (21)")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows.get_by_test_id("order-link")).to_have_text(numbers[0])  # newest first: the first is last
    expect(page.get_by_test_id("pager-next")).to_have_count(0)
    page.get_by_test_id("pager-prev").click()
    expect(page).to_have_url(re.compile(rf"/admin/orders\?q={t}$"))
    expect(rows).to_have_count(20)

    # status, payment and dates, each through the form (the URL) and kept in the inputs
    _filters_loaded(page, q=t)
    page.get_by_test_id("orders-payment").select_option("paid")
    page.get_by_test_id("filter-apply").click()
    expect(page).to_have_url(re.compile(rf"/admin/orders\?q={t}&payment_status=paid$"))
    _filters_loaded(page, q=t, payment_status="paid")
    expect(page.get_by_text("Page 1 of 1 (0)")).to_be_visible()
    expect(rows).to_have_count(0)
    expect(page.get_by_test_id("orders-payment")).to_have_value("paid")

    page.get_by_test_id("orders-payment").select_option("pending")
    page.get_by_test_id("orders-status").select_option("pending")
    page.get_by_test_id("orders-from").fill("2020-01-01")
    page.get_by_test_id("filter-apply").click()
    expect(page).to_have_url(
        re.compile(rf"/admin/orders\?q={t}&status=pending&payment_status=pending&date_from=2020-01-01$")
    )
    _filters_loaded(page, q=t, status="pending", payment_status="pending", date_from="2020-01-01")
    expect(page.get_by_text("Page 1 of 2 (21)")).to_be_visible()
    expect(page.get_by_test_id("orders-from")).to_have_value("2020-01-01")
    expect(page.get_by_test_id("orders-status")).to_have_value("pending")

    page.get_by_test_id("orders-status").select_option("shipped")
    page.get_by_test_id("filter-apply").click()
    _filters_loaded(page, q=t, status="shipped", payment_status="pending", date_from="2020-01-01")
    expect(page.get_by_text("Page 1 of 1 (0)")).to_be_visible()
    expect(page.get_by_test_id("orders-status")).to_have_value("shipped")

    page.get_by_test_id("orders-status").select_option("")
    page.get_by_test_id("orders-to").fill("2020-12-31")
    page.get_by_test_id("filter-apply").click()
    expect(page).to_have_url(re.compile(r"payment_status=pending&date_from=2020-01-01&date_to=2020-12-31$"))
    _filters_loaded(page, q=t, payment_status="pending", date_from="2020-01-01", date_to="2020-12-31")
    expect(page.get_by_test_id("orders-to")).to_have_value("2020-12-31")
    expect(rows).to_have_count(0)

    page.get_by_test_id("orders-to").fill(today)  # up to today (UTC), both days included: all of them again
    page.get_by_test_id("filter-apply").click()
    _filters_loaded(page, q=t, payment_status="pending", date_from="2020-01-01", date_to=today)
    expect(page.get_by_text("Page 1 of 2 (21)")).to_be_visible()
    # a bad filter in a hand-made URL is named, not a crash
    goto(f"/admin/orders?q={t}&date_from=2026-05-01&date_to=2026-04-01")
    expect(page.get_by_test_id("orders-error")).to_have_text("The end date comes before the start date")


def _route(route: str, order_id: str) -> str:
    """A real path for ``route``: dynamic segments get an existing order's id (any id serves)."""
    return re.sub(r"\[[^\]]+\]", order_id, route)


def test_every_admin_route_refuses_a_guest_and_a_customer(goto, page, app_db_url):
    order_id, _ = _shopper_order(app_db_url)
    paths = [_route(route, order_id) for route, *_ in PAGES]
    assert len(paths) == len(set(paths)) >= 15

    for path in paths:  # a guest: sent to log in, and back here afterwards
        goto(path)
        expect(page).to_have_url(re.compile(rf"/login\?next={re.escape(quote(path, safe=''))}$"))

    _log_in(page, SHOPPER)  # the last page's log-in brings the customer back to it: refused there too
    expect(page).to_have_url(re.compile(rf"{re.escape(paths[-1])}$"))
    expect(page.get_by_test_id("forbidden-page")).to_be_visible()
    for path in paths:
        goto(path)
        expect(page.get_by_test_id("forbidden-page")).to_be_visible()
        expect(page.get_by_test_id("admin-page")).to_have_count(0)
