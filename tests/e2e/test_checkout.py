"""Checkout in the browser: a guest logs in on the way, applies a coupon, pays cash on delivery,
sees the confirmation and the order in the account; a double click places one order; a missing
address field is named and places nothing; a price that moved is confirmed first.

Products and the coupon come from (and go into) the app's own temporary database.
"""

from __future__ import annotations

import random
import re
import string
import uuid
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from playwright.sync_api import expect
from sqlmodel import Session, select

from marque_app.domain.cart import GuestLine, dump_guest_cart
from marque_app.models import Coupon, Order, OrderItem, Payment, User
from tests.e2e.conftest import wait_for_hydration
from tests.phones import fresh_typed_phone

CART_KEY = "marque_cart"
CENT = Decimal("0.01")
CONFIRMATION = re.compile(r"/orders/(MQ-[A-Z0-9]{6})/confirmation")


def _engine(app_db_url: str) -> sa.Engine:
    return sa.create_engine(app_db_url)


def _tag() -> str:
    return "".join(random.choices(string.ascii_uppercase, k=8))


def _products(app_db_url: str, count: int, offset: int) -> list[dict]:
    """Active single-variant products in good stock: slug, SKU id, price."""
    query = sa.text(
        """
        SELECT p.slug, p.id AS product_id, v.id AS sku_id, COALESCE(v.price, p.price) AS price,
               p.name
        FROM products p JOIN product_variants v ON v.product_id = p.id
        WHERE p.status = 'active'
          AND (SELECT COUNT(*) FROM product_variants w WHERE w.product_id = p.id) = 1
          AND v.inventory_quantity >= 20
        ORDER BY p.slug LIMIT :count OFFSET :offset
        """
    )
    with _engine(app_db_url).connect() as conn:
        rows = conn.execute(query, {"count": count, "offset": offset}).mappings().all()
    assert len(rows) == count, "the demo store has too few single-variant products in stock"
    return [
        {
            **row,
            "sku_id": str(uuid.UUID(str(row["sku_id"]))),
            "product_id": str(uuid.UUID(str(row["product_id"]))),
            "price": Decimal(str(row["price"])),
        }
        for row in rows
    ]


def _money(amount: Decimal) -> str:
    return f"${amount.quantize(CENT):,.2f}"


def _totals(subtotal: Decimal, percent_off: Decimal = Decimal(0)) -> dict[str, Decimal]:
    """What the e2e app (default settings: 8% tax, $5.99 shipping, free from $75) charges."""

    def cents(x: Decimal) -> Decimal:
        return x.quantize(CENT, rounding=ROUND_HALF_UP)

    discount = cents(subtotal * percent_off / 100)
    shipping = Decimal("0.00") if subtotal >= Decimal("75") else Decimal("5.99")
    tax = cents((subtotal - discount) * Decimal("0.08"))
    return {
        "subtotal": subtotal,
        "discount": discount,
        "shipping": shipping,
        "tax": tax,
        "total": subtotal - discount + shipping + tax,
    }


def _toast(page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def _guest_cart(goto, page, *items: dict) -> None:
    """A guest's cart with one of each item, as the cart's own code stores it (local storage),
    shown on /cart."""
    raw = dump_guest_cart(
        [
            GuestLine(
                sku_id=item["sku_id"],
                quantity=1,
                price_seen=str(item["price"]),
                name=item["name"],
                product_id=item["product_id"],
                added_at="2026-11-21T09:00:00+00:00",
            )
            for item in items
        ]
    )
    goto("/")
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [CART_KEY, raw])
    goto("/cart")
    expect(page.get_by_test_id("cart-line")).to_have_count(len(items))


def _fill_address(page, *, city: str = "Springfield") -> None:
    values = {
        "ship-first-name": "Ada",
        "ship-last-name": "Lovelace",
        "ship-address-line-1": "12 Analytical Row",
        "ship-city": city,
        "ship-postal-code": "62701",
    }
    for testid, value in values.items():
        page.get_by_test_id(testid).fill(value)
    # the country and its state from their lists
    page.get_by_test_id("ship-country").select_option("US")
    page.get_by_test_id("ship-state").select_option("IL")


def _log_in_by_phone(page, server_log) -> str:
    """On /login: log in with a fresh number and the code from the log SMS sender."""
    typed, e164 = fresh_typed_phone()
    mark = server_log.mark()
    page.get_by_test_id("phone-input").fill(typed)
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-input")).to_be_visible()
    code = server_log.wait_for(rf"SMS to {re.escape(e164)}: Your Marque code is (\d{{6}})\.", after=mark).group(1)
    page.get_by_test_id("code-input").fill(code)
    page.get_by_test_id("verify-code").click()
    expect(_toast(page, "Logged in!")).to_be_visible()
    return e164


def _user_orders(app_db_url: str, phone: str) -> list[Order]:
    with Session(_engine(app_db_url)) as session:
        return list(session.exec(select(Order).join(User, User.id == Order.user_id).where(User.phone == phone)).all())


def test_guest_logs_in_checks_out_with_a_coupon_and_cash_and_sees_the_order(goto, page, app_db_url, server_log):
    a, b = _products(app_db_url, 2, offset=14)
    code = "E2E" + _tag()
    with Session(_engine(app_db_url)) as session:
        session.add(
            Coupon(
                code=code,
                name="E2E ten percent",
                type="percentage",
                value=Decimal("10"),
                usage_limit=5,
                usage_limit_per_customer=1,
            )
        )
        session.commit()

    _guest_cart(goto, page, a, b)
    page.get_by_test_id("cart-checkout").click()
    expect(page.get_by_test_id("checkout-email")).to_be_visible()  # a guest is asked for an e-mail

    # "or log in" goes to the log-in page and comes back to the checkout, cart merged
    page.get_by_test_id("checkout-login").click()
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcheckout"))
    wait_for_hydration(page)
    phone = _log_in_by_phone(page, server_log)
    expect(page).to_have_url(re.compile(r"/checkout$"))
    expect(page.get_by_test_id("checkout-user")).to_be_visible()
    expect(page.get_by_test_id("summary-line")).to_have_count(2)

    expected = _totals(a["price"] + b["price"])
    expect(page.get_by_test_id("summary-total")).to_have_text(_money(expected["total"]))

    # the coupon: applied, the discount and the new total shown before anything is charged
    page.get_by_test_id("coupon-input").fill(code.lower())
    page.get_by_test_id("coupon-apply").click()
    expect(page.get_by_test_id("coupon-applied")).to_have_text(code)
    expected = _totals(a["price"] + b["price"], Decimal(10))
    expect(page.get_by_test_id("summary-discount")).to_have_text("−" + _money(expected["discount"]))
    expect(page.get_by_test_id("summary-tax")).to_have_text(_money(expected["tax"]))
    expect(page.get_by_test_id("summary-total")).to_have_text(_money(expected["total"]))

    # a missing address field: named next to its input, and no order
    _fill_address(page, city="")
    page.get_by_test_id("payment-cod").click()
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("ship_city-error")).to_have_text("City is required")
    expect(page).to_have_url(re.compile(r"/checkout$"))
    assert _user_orders(app_db_url, phone) == []

    # a double click on "Place order" makes one order
    page.get_by_test_id("ship-city").fill("Springfield")
    page.get_by_test_id("place-order").dblclick()
    expect(page).to_have_url(CONFIRMATION, timeout=30_000)
    number = CONFIRMATION.search(page.url).group(1)
    expect(page.get_by_test_id("confirmation-number")).to_have_text(number)
    expect(page.get_by_test_id("confirmation-total")).to_have_text(_money(expected["total"]))
    expect(page.get_by_test_id("confirmation-line")).to_have_count(2)
    expect(page.get_by_test_id("cart-count")).to_have_text("0")
    # the second click found the order placed: no second attempt, no error for the shopper
    # (the toast may already be gone on a slow machine: at most one, never two)
    assert _toast(page, f"Order {number} placed").count() <= 1
    expect(page.locator('[data-sonner-toast][data-type="error"]')).to_have_count(0)

    orders = _user_orders(app_db_url, phone)
    assert [o.order_number for o in orders] == [number]
    order = orders[0]
    assert order.total_amount == expected["total"]
    assert order.discount_amount == expected["discount"]
    assert order.shipping_address["city"] == "Springfield"
    with Session(_engine(app_db_url)) as session:
        items = session.exec(select(OrderItem).where(OrderItem.order_id == order.id)).all()
        payments = session.exec(select(Payment).where(Payment.order_id == order.id)).all()
        used = session.exec(select(Coupon).where(Coupon.code == code)).one().used_count
    assert sorted(i.quantity for i in items) == [1, 1]
    assert [(p.payment_method, p.amount) for p in payments] == [("cod", expected["total"])]
    assert used == 1

    # the order in the account: list, then its page
    goto("/account")
    page.get_by_test_id("account-orders-link").click()
    expect(page).to_have_url(re.compile(r"/account/orders$"))
    rows = page.get_by_test_id("order-row")
    expect(rows).to_have_count(1)
    expect(rows.get_by_test_id("order-number")).to_have_text(number)
    expect(rows.get_by_test_id("order-total")).to_have_text(_money(expected["total"]))
    expect(rows.get_by_test_id("order-items")).to_have_text("2 items")
    rows.click()
    expect(page.get_by_test_id("order-heading")).to_have_text(f"Order {number}")
    expect(page.get_by_test_id("order-detail-total")).to_have_text(_money(expected["total"]))
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "pending")
    expect(page.get_by_test_id("order-ship-to")).to_contain_text("12 Analytical Row")

    # change the address while it has not shipped
    page.get_by_test_id("order-change-address").click()
    page.get_by_test_id("change-city").fill("")
    page.get_by_test_id("address-change-save").click()
    expect(page.get_by_test_id("address-error")).to_have_text("City is required")
    page.get_by_test_id("change-city").fill("Shelbyville")
    page.get_by_test_id("address-change-save").click()
    expect(page.get_by_test_id("order-ship-to")).to_contain_text("Shelbyville")
    assert _user_orders(app_db_url, phone)[0].shipping_address["city"] == "Shelbyville"

    # cancel it (pending), with a reason: the page shows it cancelled, the database agrees
    page.get_by_test_id("order-cancel").click()
    page.get_by_test_id("cancel-reason").fill("Ordered the wrong size")
    page.get_by_test_id("cancel-confirm").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "cancelled")
    expect(page.get_by_test_id("order-cancel")).to_have_count(0)
    assert [o.status.value for o in _user_orders(app_db_url, phone)] == ["cancelled"]

    # an unknown order number (or another customer's: the service answers the same) is not found
    goto("/account/orders/MQ-ZZZZZZ")
    expect(page.get_by_test_id("not-found")).to_be_visible()


def test_guest_checkout_names_a_missing_field_confirms_a_new_price_and_empties_the_cart(goto, page, app_db_url):
    (item,) = _products(app_db_url, 1, offset=17)
    email = f"guest-{_tag().lower()}@example.com"
    _guest_cart(goto, page, item)
    goto("/checkout")
    expected = _totals(item["price"])
    expect(page.get_by_test_id("summary-total")).to_have_text(_money(expected["total"]))

    # no e-mail and no postal code: both named, nothing placed
    _fill_address(page)
    page.get_by_test_id("ship-postal-code").fill("")
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("email-error")).to_be_visible()
    expect(page.get_by_test_id("ship_postal_code-error")).to_have_text("Postal code is required")
    with Session(_engine(app_db_url)) as session:
        assert session.exec(select(Order).where(Order.guest_email == email)).all() == []

    # the price goes up after the page showed the total: the shopper confirms the new total
    new_price = item["price"] + Decimal("3.00")
    sku_hex = uuid.UUID(item["sku_id"]).hex
    with _engine(app_db_url).begin() as conn:
        original = conn.execute(
            sa.text("SELECT price FROM product_variants WHERE id = :id"), {"id": sku_hex}
        ).scalar_one()
        conn.execute(
            sa.text("UPDATE product_variants SET price = :p WHERE id = :id"), {"p": str(new_price), "id": sku_hex}
        )
    try:
        page.get_by_test_id("checkout-email").fill(email)
        page.get_by_test_id("ship-postal-code").fill("62701")
        page.get_by_test_id("place-order").click()
        changed = _totals(new_price)
        expect(page.get_by_test_id("price-changed")).to_be_visible()
        expect(page.get_by_test_id("new-total")).to_have_text(_money(changed["total"]))
        expect(page.get_by_test_id("summary-total")).to_have_text(_money(changed["total"]))
        with Session(_engine(app_db_url)) as session:
            assert session.exec(select(Order).where(Order.guest_email == email)).all() == []

        page.get_by_test_id("confirm-new-total").click()
        expect(page).to_have_url(CONFIRMATION, timeout=30_000)
        number = CONFIRMATION.search(page.url).group(1)
        expect(page.get_by_test_id("confirmation-total")).to_have_text(_money(changed["total"]))
        page.wait_for_function("k => !localStorage.getItem(k)", arg=CART_KEY)
        expect(page.get_by_test_id("cart-count")).to_have_text("0")
        with Session(_engine(app_db_url)) as session:
            orders = session.exec(select(Order).where(Order.guest_email == email)).all()
        assert [(o.order_number, o.total_amount, o.user_id) for o in orders] == [(number, changed["total"], None)]
    finally:
        with _engine(app_db_url).begin() as conn:
            conn.execute(
                sa.text("UPDATE product_variants SET price = :p WHERE id = :id"), {"p": original, "id": sku_hex}
            )


def test_logged_out_order_pages_go_to_log_in(goto, page):
    goto("/account/orders/MQ-ZZZZZZ")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount%2Forders%2FMQ-ZZZZZZ"))
    goto("/account/orders")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount%2Forders$"))


def test_checkout_fits_a_phone(browser, base_url, app_db_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        page._marque_frames = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: page._marque_frames.append(payload)))

        def goto(path: str):
            page._marque_frames.clear()
            page.goto(path)
            wait_for_hydration(page)

        (item,) = _products(app_db_url, 1, offset=19)
        _guest_cart(goto, page, item)
        goto("/checkout")
        expect(page.get_by_test_id("place-order")).to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, f"the checkout is {width}px wide on a 375px phone"
    finally:
        context.close()
