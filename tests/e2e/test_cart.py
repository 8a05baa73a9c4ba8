"""The cart and the wishlist in the browser: guest storage, tabs, steppers, hearts, repairs, merge.

Products come from the app's own (temporary) database: active products whose variants all have
stock, so the product page's default variant can be added.
"""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import expect_count, log_out, wait_for_hydration
from tests.phones import fresh_typed_phone

CART_KEY, WISHLIST_KEY = "marque_cart", "marque_wishlist"


def _engine(app_db_url: str) -> sa.Engine:
    return sa.create_engine(app_db_url)


def _products(app_db_url: str, count: int, offset: int = 0) -> list[dict]:
    """Active products with one variant in good stock: slug, product id, SKU id, price."""
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
            "product_id": _uuid(row["product_id"]),
            "sku_id": _uuid(row["sku_id"]),
            "price": Decimal(str(row["price"])),
        }
        for row in rows
    ]


def _uuid(value) -> str:
    return str(uuid.UUID(str(value)))


def _storage(page, key: str) -> str:
    return page.evaluate("key => localStorage.getItem(key)", key) or ""


def _toast(page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def _money(amount: Decimal) -> str:
    return f"${amount.quantize(Decimal('0.01')):,.2f}"


def _add_from_product_page(goto, page, slug: str, expected_count: int) -> None:
    goto(f"/products/{slug}")
    page.get_by_test_id("add-to-cart").click()
    expect_count(page, "cart-count", str(expected_count))


def test_guest_cart_survives_reloads_syncs_tabs_and_steppers_update_totals(goto, page, app_db_url):
    a, b, c = _products(app_db_url, 3)
    _add_from_product_page(goto, page, a["slug"], 1)
    _add_from_product_page(goto, page, b["slug"], 2)
    _add_from_product_page(goto, page, c["slug"], 3)

    stored = json.loads(_storage(page, CART_KEY))
    assert stored["v"] == 1
    assert {line["sku_id"] for line in stored["lines"]} == {a["sku_id"], b["sku_id"], c["sku_id"]}

    page._marque_frames.clear()
    page.reload()
    wait_for_hydration(page)
    expect_count(page, "cart-count", "3")

    # a second tab of the same browser shows the cart, and follows this tab's changes at once
    other = page.context.new_page()
    other.goto("/cart")
    expect(other.get_by_test_id("cart-line")).to_have_count(3)
    expect_count(other, "cart-count", "3")
    page.get_by_test_id("add-to-cart").click()  # c again, in the first tab
    expect_count(other, "cart-count", "4")
    expect(
        other.locator(f'[data-testid="cart-line"][data-sku="{c["sku_id"]}"]').get_by_test_id("cart-line-qty")
    ).to_have_value("2")
    other.close()

    goto("/cart")
    lines = page.get_by_test_id("cart-line")
    expect(lines).to_have_count(3)
    subtotal = a["price"] + b["price"] + 2 * c["price"]
    expect(page.get_by_test_id("cart-subtotal")).to_have_text(_money(subtotal))

    line_a = page.locator(f'[data-testid="cart-line"][data-sku="{a["sku_id"]}"]')
    line_a.get_by_test_id("qty-increase").click()
    expect(line_a.get_by_test_id("cart-line-qty")).to_have_value("2")
    subtotal += a["price"]
    expect(page.get_by_test_id("cart-subtotal")).to_have_text(_money(subtotal))
    expect_count(page, "cart-count", "5")
    tax = (subtotal * Decimal("0.08")).quantize(Decimal("0.01"))
    expect(page.get_by_test_id("cart-tax")).to_have_text(_money(tax))

    line_a.get_by_test_id("qty-decrease").click()
    expect(line_a.get_by_test_id("cart-line-qty")).to_have_value("1")
    subtotal -= a["price"]
    expect(page.get_by_test_id("cart-subtotal")).to_have_text(_money(subtotal))

    # typing a quantity
    qty = line_a.get_by_test_id("cart-line-qty")
    qty.fill("3")
    qty.press("Enter")
    expect_count(page, "cart-count", "6")
    subtotal += 2 * a["price"]
    expect(page.get_by_test_id("cart-subtotal")).to_have_text(_money(subtotal))

    page.locator(f'[data-testid="cart-line"][data-sku="{b["sku_id"]}"]').get_by_test_id("cart-line-remove").click()
    expect(lines).to_have_count(2)
    subtotal -= b["price"]
    expect(page.get_by_test_id("cart-subtotal")).to_have_text(_money(subtotal))
    stored = json.loads(_storage(page, CART_KEY))
    assert {line["sku_id"]: line["quantity"] for line in stored["lines"]} == {
        a["sku_id"]: 3,
        c["sku_id"]: 2,
    }

    # the header's drawer shows the same lines and leads to the cart page
    goto("/")
    page.get_by_test_id("open-cart").click()
    drawer = page.get_by_test_id("cart-drawer")
    expect(drawer).to_be_visible()
    expect(drawer.get_by_test_id("cart-line")).to_have_count(2)
    expect(drawer.get_by_test_id("cart-subtotal")).to_have_text(_money(subtotal))
    expect(drawer.get_by_test_id("drawer-checkout")).to_have_attribute("href", "/checkout")

    # emptying it leads back to the shop
    goto("/cart")
    page.get_by_test_id("cart-clear").click()
    expect(page.get_by_test_id("cart-empty")).to_be_visible()
    expect_count(page, "cart-count", "0")


def test_adding_more_than_the_stock_is_refused_with_the_number_left(goto, page, app_db_url):
    (item,) = _products(app_db_url, 1, offset=3)
    with _engine(app_db_url).begin() as conn:
        conn.execute(
            sa.text("UPDATE product_variants SET inventory_quantity = 2 WHERE id = :id"),
            {"id": uuid.UUID(item["sku_id"]).hex},
        )
    try:
        goto(f"/products/{item['slug']}")
        button = page.get_by_test_id("add-to-cart")
        button.click()
        expect_count(page, "cart-count", "1")
        button.click()
        expect_count(page, "cart-count", "2")
        button.click()
        expect(_toast(page, "Only 2 left in stock")).to_be_visible()
        expect_count(page, "cart-count", "2")  # rolled back
        stored = json.loads(_storage(page, CART_KEY))
        assert [line["quantity"] for line in stored["lines"]] == [2]
    finally:
        with _engine(app_db_url).begin() as conn:
            conn.execute(
                sa.text("UPDATE product_variants SET inventory_quantity = 50 WHERE id = :id"),
                {"id": uuid.UUID(item["sku_id"]).hex},
            )


def test_wishlist_hearts_move_to_cart_remove_and_clear(goto, page, app_db_url):
    a, b, c = _products(app_db_url, 3, offset=4)
    goto(f"/products/{a['slug']}")
    heart = page.get_by_test_id("add-to-cart").locator("xpath=..").get_by_test_id("heart-toggle")
    expect(heart).to_have_attribute("data-active", "false")
    heart.click()
    expect(heart).to_have_attribute("data-active", "true")
    expect_count(page, "wishlist-count", "1")
    for count, item in enumerate((b, c), start=2):
        goto(f"/products/{item['slug']}")
        page.get_by_test_id("add-to-cart").locator("xpath=..").get_by_test_id("heart-toggle").click()
        expect_count(page, "wishlist-count", str(count))
    expect_count(page, "wishlist-count", "3")
    assert set(json.loads(_storage(page, WISHLIST_KEY))["product_ids"]) == {
        a["product_id"],
        b["product_id"],
        c["product_id"],
    }

    # the heart on a product card (it does not open the product)
    goto("/shop")
    card_heart = page.get_by_test_id("product-card").first.get_by_test_id("heart-toggle")
    expect(card_heart).to_have_attribute("data-active", "false")
    card_heart.click()
    expect(card_heart).to_have_attribute("data-active", "true")
    expect_count(page, "wishlist-count", "4")
    expect(page).to_have_url(re.compile(r"/shop/?$"))
    card_heart.click()
    expect(card_heart).to_have_attribute("data-active", "false")
    expect_count(page, "wishlist-count", "3")

    goto("/wishlist")
    items = page.get_by_test_id("wishlist-item")
    expect(items).to_have_count(3)
    item_a = page.locator(f'[data-testid="wishlist-item"][data-product="{a["product_id"]}"]')
    expect(item_a).to_contain_text(a["name"])
    item_a.get_by_test_id("wishlist-move").click()
    expect(items).to_have_count(2)
    expect_count(page, "cart-count", "1")
    expect_count(page, "wishlist-count", "2")
    assert a["sku_id"] in _storage(page, CART_KEY)

    page.locator(f'[data-testid="wishlist-item"][data-product="{b["product_id"]}"]').get_by_test_id(
        "wishlist-remove"
    ).click()
    expect(items).to_have_count(1)
    page.get_by_test_id("wishlist-clear").click()
    expect(page.get_by_test_id("wishlist-empty")).to_be_visible()
    expect_count(page, "wishlist-count", "0")

    # un-hearting on the product page
    goto(f"/products/{c['slug']}")
    heart = page.get_by_test_id("add-to-cart").locator("xpath=..").get_by_test_id("heart-toggle")
    expect(heart).to_have_attribute("data-active", "false")
    heart.click()
    expect(heart).to_have_attribute("data-active", "true")
    heart.click()
    expect(heart).to_have_attribute("data-active", "false")
    expect_count(page, "wishlist-count", "0")


def test_a_corrupt_or_edited_guest_cart_is_repaired_line_by_line(goto, page, app_db_url):
    a, b = _products(app_db_url, 2, offset=7)
    goto("/")
    page.evaluate("key => localStorage.setItem(key, '{not json')", CART_KEY)
    page._marque_frames.clear()
    page.reload()
    wait_for_hydration(page)
    expect(page.locator("[data-sonner-toast]").first).to_be_visible()
    expect_count(page, "cart-count", "0")

    edited = {
        "v": 1,
        "lines": [
            {"sku_id": a["sku_id"], "quantity": -4, "price_seen": str(a["price"])},
            {"sku_id": b["sku_id"], "quantity": 2, "price_seen": "0.01", "name": "Cheap"},
            {"sku_id": str(uuid.uuid4()), "quantity": 1, "price_seen": "1.00"},
        ],
    }
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [CART_KEY, json.dumps(edited)])
    goto("/cart")
    lines = page.get_by_test_id("cart-line")
    expect(lines).to_have_count(1)  # the negative line and the unknown SKU are gone
    line = lines.first
    expect(line).to_have_attribute("data-sku", b["sku_id"])
    expect(line.get_by_test_id("cart-line-price")).to_have_text(_money(b["price"]))  # server's
    expect(line.get_by_test_id("price-change")).to_have_attribute("data-direction", "up")
    expect(page.get_by_test_id("cart-subtotal")).to_have_text(_money(2 * b["price"]))
    expect(page.get_by_test_id("cart-notice")).to_be_visible()
    expect(page.locator("[data-sonner-toast]").first).to_be_visible()
    stored = json.loads(_storage(page, CART_KEY))
    assert [(line["sku_id"], line["quantity"]) for line in stored["lines"]] == [(b["sku_id"], 2)]


def _fresh_phone() -> tuple[str, str]:
    return fresh_typed_phone()


def _log_in_by_phone(page, server_log) -> str:
    typed, e164 = _fresh_phone()
    page.get_by_test_id("login-link").click()
    mark = server_log.mark()
    page.get_by_test_id("phone-input").fill(typed)
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-input")).to_be_visible()
    code = server_log.wait_for(rf"SMS to {re.escape(e164)}: Your Marque code is (\d{{6}})\.", after=mark).group(1)
    page.get_by_test_id("code-input").fill(code)
    page.get_by_test_id("verify-code").click()
    expect(_toast(page, "Logged in!")).to_be_visible()
    return e164


def test_guest_cart_merges_into_the_account_on_log_in_and_log_out_empties_it(goto, page, app_db_url, server_log):
    a, b, c = _products(app_db_url, 3, offset=9)
    _add_from_product_page(goto, page, a["slug"], 1)
    page.get_by_test_id("add-to-cart").click()
    expect_count(page, "cart-count", "2")
    _add_from_product_page(goto, page, b["slug"], 3)
    page.get_by_test_id("add-to-cart").locator("xpath=..").get_by_test_id("heart-toggle").click()
    expect_count(page, "wishlist-count", "1")

    goto("/")
    snapshot = page.evaluate(
        "(keys) => keys.map((k) => [k, localStorage.getItem(k)])",
        [CART_KEY, WISHLIST_KEY, "marque_cart_meta"],
    )
    # a second tab, open as a guest while the first one logs in, follows the log-in without a
    # reload: the same user, the merged cart from the database
    other = page.context.new_page()
    other.goto("/")
    expect_count(other, "cart-count", "3")
    e164 = _log_in_by_phone(page, server_log)
    expect(page.get_by_test_id("account-menu")).to_be_visible()
    expect_count(page, "cart-count", "3")
    expect_count(page, "wishlist-count", "1")
    expect(other.get_by_test_id("account-menu")).to_be_visible()
    expect_count(other, "cart-count", "3")
    expect_count(other, "wishlist-count", "1")
    expect(page.locator("[data-sonner-toast]").filter(has_text="cart")).to_be_visible()
    # guest storage emptied once the server confirmed
    page.wait_for_function(
        "([c, w]) => !localStorage.getItem(c) && !localStorage.getItem(w)",
        arg=[CART_KEY, WISHLIST_KEY],
    )

    with _engine(app_db_url).connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT ci.product_variant_id, ci.quantity FROM cart_items ci "
                "JOIN users u ON u.id = ci.user_id WHERE u.phone = :phone"
            ),
            {"phone": e164},
        ).all()
    assert {_uuid(r[0]): r[1] for r in rows} == {a["sku_id"]: 2, b["sku_id"]: 1}

    # Local storage as it was before the merge comes back (a hydrate that raced the merge, a
    # second tab): the next page load merges it again under the same merge id, so nothing is
    # added twice, and empties it.
    page.evaluate("(pairs) => pairs.forEach(([k, v]) => v && localStorage.setItem(k, v))", snapshot)
    goto("/cart")
    expect_count(page, "cart-count", "3")
    page.wait_for_function(
        "([c, w]) => !localStorage.getItem(c) && !localStorage.getItem(w)",
        arg=[CART_KEY, WISHLIST_KEY],
    )
    with _engine(app_db_url).connect() as conn:
        again = conn.execute(
            sa.text(
                "SELECT ci.product_variant_id, ci.quantity FROM cart_items ci "
                "JOIN users u ON u.id = ci.user_id WHERE u.phone = :phone"
            ),
            {"phone": e164},
        ).all()
    assert {_uuid(r[0]): r[1] for r in again} == {a["sku_id"]: 2, b["sku_id"]: 1}

    # the database is the truth: a reload shows the same cart, changes are saved there
    goto("/cart")
    expect(page.get_by_test_id("cart-line")).to_have_count(2)
    _add_from_product_page(goto, page, c["slug"], 4)
    goto("/cart")
    expect(page.get_by_test_id("cart-line")).to_have_count(3)
    line_a = page.locator(f'[data-testid="cart-line"][data-sku="{a["sku_id"]}"]')
    line_a.get_by_test_id("cart-line-remove").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(2)
    expect_count(page, "cart-count", "2")
    page._marque_frames.clear()
    page.reload()
    wait_for_hydration(page)
    expect(page.get_by_test_id("cart-line")).to_have_count(2)
    assert not _storage(page, CART_KEY)

    log_out(page)
    expect(_toast(page, "Logged out")).to_be_visible()
    expect_count(page, "cart-count", "0")
    expect_count(page, "wishlist-count", "0")
    # ... and the log-out: the other tab is a guest again, with the (empty) guest cart
    expect(other.get_by_test_id("account-menu")).to_have_count(0)
    expect_count(other, "cart-count", "0")
    other.close()
    goto("/cart")
    expect(page.get_by_test_id("cart-empty")).to_be_visible()
    assert not _storage(page, CART_KEY) and not _storage(page, WISHLIST_KEY)
