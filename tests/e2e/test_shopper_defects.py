"""Shopper defects found in a browser (issue 15, item 5), each held here by a real browser.

The header's search suggestions close on Back, a reload and a tap elsewhere (not only Esc), and
the box shows the query of the search page it is on. The cart and its drawer show the chosen
colour's picture; the confirmation and the order page show the line's size and colour.
"""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import expect_count, wait_for_hydration


@pytest.fixture(scope="module")
def app_db(app_db_url) -> sa.Engine:
    engine = sa.create_engine(app_db_url)
    yield engine
    engine.dispose()


def a_name_word(engine) -> str:
    """A word of at least 5 letters that starts a word in several active product names."""
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name FROM products WHERE status = 'active'")).scalars()
        words = [w.lower() for n in names for w in n.split() if w.isalpha() and len(w) >= 5]
    return max(sorted(set(words)), key=words.count)


def a_product_slug(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT slug FROM products WHERE status = 'active' ORDER BY slug LIMIT 1")
        ).scalar_one()


def _open_suggestions(page, word: str):
    box = page.get_by_test_id("search-input")
    box.click()
    box.press_sequentially(word[:4], delay=40)
    listbox = page.get_by_test_id("search-suggestions")
    expect(listbox).to_be_visible()
    return box, listbox


# --- 1. the header's search suggestions ------------------------------------------------------


def test_suggestions_close_on_a_tap_elsewhere_on_a_phone(browser, base_url, app_db):
    word = a_name_word(app_db)
    context = browser.new_context(
        base_url=base_url, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page._marque_frames = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: page._marque_frames.append(f)))
        page.goto("/")
        wait_for_hydration(page)
        box = page.get_by_test_id("search-input")
        box.tap()
        box.press_sequentially(word[:4], delay=40)
        listbox = page.get_by_test_id("search-suggestions")
        expect(listbox).to_be_visible()
        # a tap on the page below the list (not on it): the list goes away
        below = listbox.bounding_box()
        assert below is not None
        page.touchscreen.tap(20, min(below["y"] + below["height"] + 40, 730))
        expect(listbox).to_be_hidden()
        expect(box).to_have_attribute("aria-expanded", "false")
    finally:
        context.close()


def test_suggestions_close_on_a_click_elsewhere(goto, app_db):
    word = a_name_word(app_db)
    page = goto("/")
    _, listbox = _open_suggestions(page, word)
    page.mouse.click(5, 600)
    expect(listbox).to_be_hidden()


def test_suggestions_are_closed_after_a_reload(goto, page, app_db):
    word = a_name_word(app_db)
    goto("/")
    _, listbox = _open_suggestions(page, word)
    page._marque_frames.clear()
    page.reload()
    wait_for_hydration(page)
    page.wait_for_timeout(500)  # any late answer of the old page has arrived by now
    expect(page.get_by_test_id("search-suggestions")).to_be_hidden()
    expect(page.get_by_test_id("search-input")).to_have_attribute("aria-expanded", "false")
    assert listbox.count() == 0


def test_suggestions_are_closed_after_back(goto, page, app_db):
    word = a_name_word(app_db)
    goto("/")
    goto(f"/products/{a_product_slug(app_db)}")
    _open_suggestions(page, word)
    page._marque_frames.clear()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/$"))
    wait_for_hydration(page)
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("search-suggestions")).to_be_hidden()
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/products/"))
    wait_for_hydration(page)
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("search-suggestions")).to_be_hidden()


def test_the_box_shows_the_query_of_the_search_page(goto, page, app_db):
    word = a_name_word(app_db)
    goto("/")
    box = page.get_by_test_id("search-input")
    box.fill("something else entirely")
    goto(f"/search?q={word}")
    expect(page.get_by_test_id("search-input")).to_have_value(word)
    # a did-you-mean link, a page link or Back: the box follows the page's query
    typo = word[0] + word[2] + word[1] + word[3:]
    goto(f"/search?q={typo}&exact=1")  # the typo as typed, not its correction
    expect(page.get_by_test_id("search-input")).to_have_value(typo)
    page.get_by_test_id("did-you-mean").click()
    expect(page).to_have_url(re.compile(r"q=" + word))
    expect(page.get_by_test_id("search-input")).to_have_value(word)
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=" + typo))
    expect(page.get_by_test_id("search-input")).to_have_value(typo)


# --- 2. the chosen variant's picture in the cart; its size and colour on the order -----------


def a_variant_with_its_own_picture(engine) -> dict:
    """An active product with an in-stock variant whose colour is pictured, but not first:
    slug, size, colour, the colour's picture, the product's first picture."""
    with engine.connect() as conn:
        images = conn.execute(
            sa.text(
                "SELECT p.slug, i.url, i.alt_text FROM product_images i JOIN products p ON p.id = i.product_id "
                "WHERE p.status = 'active' ORDER BY p.slug, i.sort_order"
            )
        ).all()
        variants = conn.execute(
            sa.text(
                "SELECT p.slug, v.attributes FROM product_variants v JOIN products p ON p.id = v.product_id "
                "WHERE p.status = 'active' AND v.inventory_quantity >= 5 ORDER BY p.slug, v.sort_order"
            )
        ).all()
    pictures: dict[str, list[tuple[str, str]]] = {}
    for slug, url, alt in images:
        pictures.setdefault(slug, []).append((url, alt or ""))
    for slug, raw in variants:
        attributes = json.loads(raw) if isinstance(raw, str) else raw
        colour, size = attributes.get("color", ""), attributes.get("size", "")
        gallery = pictures.get(slug, [])
        shown = [url for url, alt in gallery[1:] if alt.endswith(f" in {colour}")]
        if colour and size and shown:
            return {"slug": slug, "size": size, "colour": colour, "picture": shown[0], "first": gallery[0][0]}
    pytest.fail("the demo store has no variant pictured in its own colour", pytrace=False)


def _choose(page, variant: dict) -> None:
    page.locator(f'[data-testid="size-option"][data-value="{variant["size"]}"]').click()
    page.locator(f'[data-testid="color-option"][data-value="{variant["colour"]}"]').click()
    expect(page.locator(f'[data-testid="color-option"][data-value="{variant["colour"]}"]')).to_have_attribute(
        "data-selected", "true"
    )
    expect(page.locator(f'[data-testid="size-option"][data-value="{variant["size"]}"]')).to_have_attribute(
        "data-selected", "true"
    )


def _expect_line(line, variant: dict) -> None:
    expect(line.get_by_test_id("line-variant")).to_have_text(f"{variant['size']} / {variant['colour']}")
    expect(line.locator("img")).to_have_attribute("src", re.compile(re.escape(variant["picture"]) + "$"))


def test_the_cart_shows_the_chosen_colour_and_the_order_its_size_and_colour(goto, page, app_db, server_log):
    from tests.e2e.test_checkout import _fill_address, _log_in_by_phone

    variant = a_variant_with_its_own_picture(app_db)
    assert variant["picture"] != variant["first"]
    label = f"{variant['size']} / {variant['colour']}"
    goto("/login")
    _log_in_by_phone(page, server_log)

    goto(f"/products/{variant['slug']}")
    _choose(page, variant)
    page.get_by_test_id("add-to-cart").click()
    expect_count(page, "cart-count", 1)

    page.get_by_test_id("open-cart").click()
    drawer = page.get_by_test_id("cart-drawer")
    expect(drawer.get_by_test_id("cart-line")).to_have_count(1)
    _expect_line(drawer.get_by_test_id("cart-line"), variant)
    page.keyboard.press("Escape")

    goto("/cart")
    _expect_line(page.get_by_test_id("cart-line"), variant)

    goto("/checkout")
    expect(page.get_by_test_id("summary-line")).to_have_count(1)
    expect(page.get_by_test_id("summary-line").get_by_test_id("line-variant")).to_have_text(label)
    _fill_address(page)
    page.get_by_test_id("payment-cod").click()
    page.get_by_test_id("place-order").click()
    expect(page).to_have_url(re.compile(r"/orders/(MQ-[A-Z0-9]{6})/confirmation"), timeout=30_000)
    number = re.search(r"/orders/(MQ-[A-Z0-9]{6})/", page.url).group(1)
    expect(page.get_by_test_id("confirmation-line").get_by_test_id("line-variant")).to_have_text(label)

    goto(f"/account/orders/{number}")
    expect(page.get_by_test_id("order-heading")).to_have_text(f"Order {number}")
    expect(page.get_by_test_id("order-line").get_by_test_id("line-variant")).to_have_text(label)


# --- 3. the quantity field, removing with an undo, "(1 item)" ---------------------------------


def a_single_variant_product_with_little_stock(engine) -> dict:
    """An active product with one variant and 5-60 in stock (so the stock, not the cap of 99,
    bounds a line): slug, name, stock."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.text(
                    """
                    SELECT p.slug, p.name, v.inventory_quantity AS stock
                    FROM products p JOIN product_variants v ON v.product_id = p.id
                    WHERE p.status = 'active' AND p.track_inventory AND NOT p.allow_backorder
                      AND (SELECT COUNT(*) FROM product_variants w WHERE w.product_id = p.id) = 1
                      AND v.inventory_quantity BETWEEN 5 AND 60
                    ORDER BY p.slug LIMIT 1
                    """
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        pytest.fail("the demo store has no single-variant product with 5-60 in stock", pytrace=False)
    return dict(row)


def _toast(page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def test_typing_too_many_shows_what_the_cart_holds_and_removing_can_be_undone(goto, page, app_db):
    item = a_single_variant_product_with_little_stock(app_db)
    stock, name = item["stock"], item["name"]
    goto(f"/products/{item['slug']}")
    page.get_by_test_id("add-to-cart").click()
    expect_count(page, "cart-count", 1)
    goto("/cart")
    expect(page.get_by_test_id("cart-item-count")).to_have_text("(1 item)")

    # 1000 typed: the field shows the stock at once, the cart holds it, and a note says why
    field = page.get_by_test_id("cart-line-qty")
    field.fill("1000")
    field.press("Enter")
    expect(page.get_by_test_id("cart-line-qty")).to_have_value(str(stock))
    expect(_toast(page, f"Only {stock} left in stock: your cart holds {stock} of {name}.")).to_be_visible()
    expect_count(page, "cart-count", stock)
    expect(page.get_by_test_id("cart-item-count")).to_have_text(f"({stock} items)")
    expect(page.get_by_test_id("cart-line-qty")).to_have_value(str(stock))

    # not a number: the field shows the quantity again, nothing changes
    field = page.get_by_test_id("cart-line-qty")
    field.fill("")
    field.press("Enter")
    expect(page.get_by_test_id("cart-line-qty")).to_have_value(str(stock))
    expect_count(page, "cart-count", stock)

    # 0 typed removes the line, with an undo that brings it back as it was
    field.fill("0")
    field.press("Enter")
    expect(page.get_by_test_id("cart-line")).to_have_count(0)
    removed = _toast(page, f"Removed {name} from your cart.")
    expect(removed).to_be_visible()
    expect_count(page, "cart-count", 0)
    removed.get_by_role("button", name="Undo").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    expect_count(page, "cart-count", stock)
    expect(page.get_by_test_id("cart-line-qty")).to_have_value(str(stock))
    expect(removed).to_have_count(0)  # the undone toast has gone (the next one reuses its id)

    # "Remove": the same undo
    page.get_by_test_id("cart-line-remove").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(0)
    expect_count(page, "cart-count", 0)
    _toast(page, f"Removed {name} from your cart.").get_by_role("button", name="Undo").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    expect_count(page, "cart-count", stock)
    page.reload()
    wait_for_hydration(page)
    expect(page.get_by_test_id("cart-line-qty")).to_have_value(str(stock))


# --- 4. brand counts inside a category --------------------------------------------------------


def a_category_with_brands_also_sold_elsewhere(engine) -> str:
    """The slug of an active leaf category whose brands have active products outside it too
    (so a store-wide count would differ from the category's)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                """
                SELECT c.slug FROM categories c JOIN products p ON p.category_id = c.id
                WHERE c.is_active AND p.status = 'active' AND p.brand_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM categories k WHERE k.parent_id = c.id)
                  AND EXISTS (SELECT 1 FROM products o WHERE o.brand_id = p.brand_id
                              AND o.status = 'active' AND o.category_id != c.id)
                GROUP BY c.slug ORDER BY COUNT(*) DESC, c.slug LIMIT 1
                """
            )
        ).first()
    if row is None:
        pytest.fail("the demo store has no category whose brands sell elsewhere too", pytrace=False)
    return row[0]


def test_brand_counts_on_a_category_page_are_the_products_it_shows(goto, page, app_db):
    slug = a_category_with_brands_also_sold_elsewhere(app_db)
    goto(f"/categories/{slug}")
    expect(page.get_by_test_id("listing-total")).to_be_visible()  # the listing has loaded
    expect(page.get_by_test_id("filter-brand").locator("option").nth(1)).to_be_attached()
    options = page.get_by_test_id("filter-brand").locator("option").all()
    offered = []
    for option in options:
        value, text = option.get_attribute("value"), option.inner_text()
        if value:
            found = re.fullmatch(r"(.+) \(([\d,]+)\)", text.strip())
            assert found, text
            offered.append((value, int(found.group(2).replace(",", ""))))
    assert offered and all(n > 0 for _, n in offered)
    for value, n in offered[:3]:
        page._marque_frames.clear()
        page.get_by_test_id("filter-brand").select_option(value)
        wait_for_hydration(page)
        expect(page).to_have_url(re.compile(rf"brand={value}"))
        expect(page.get_by_test_id("listing-total")).to_have_text(f"{n:,} product" + ("" if n == 1 else "s"))


# --- 5. search: synonyms, the correction, popular products when nothing matches ---------------


def test_sweater_finds_sweatshirts_and_nothing_found_shows_popular_products(goto, page, app_db):
    with app_db.connect() as conn:
        sweatshirts = conn.execute(
            sa.text("SELECT count(*) FROM products WHERE status = 'active' AND lower(name) LIKE '%sweatshirt%'")
        ).scalar_one()
    assert sweatshirts > 0, "the demo store sells no sweatshirt"
    goto("/search?q=sweater")
    cards = page.get_by_test_id("search-results").get_by_test_id("product-card")
    expect(cards.first).to_be_visible()
    total = int(re.sub(r"\D", "", page.get_by_test_id("search-results-count").inner_text()))
    assert total >= sweatshirts
    expect(page.get_by_test_id("search-results").filter(has_text=re.compile("Sweatshirt"))).to_have_count(1)
    expect(page.get_by_test_id("did-you-mean")).to_have_count(0)  # never "weather"

    goto("/search?q=zzqxv%20qqwxz")
    expect(page.get_by_test_id("search-empty")).to_contain_text("We found nothing for \u201czzqxv qqwxz\u201d")
    popular = page.get_by_test_id("search-popular").get_by_test_id("product-card")
    expect(popular.first).to_be_visible()
    assert popular.count() >= 4


# --- 6. the header's "Log in" comes back to the page ------------------------------------------


def test_the_headers_log_in_returns_to_the_page_the_shopper_was_on(goto, page, app_db, server_log):
    from tests.e2e.test_checkout import _log_in_by_phone

    word = a_name_word(app_db)
    goto(f"/search?q={word}&page=1")
    page.get_by_test_id("login-link").click()
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fsearch%3Fq%3D" + word + r"%26page%3D1$"))
    wait_for_hydration(page)
    _log_in_by_phone(page, server_log)
    expect(page).to_have_url(re.compile(rf"/search\?q={word}&page=1$"))
    expect(page.get_by_test_id("account-menu")).to_be_visible()
