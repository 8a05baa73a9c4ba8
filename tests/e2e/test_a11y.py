"""Accessibility in Chromium, checked by axe-core (tests/e2e/axe.py; WCAG 2.2 A/AA and axe's best
practices): no serious or critical violation on the home page, a listing, a product page, the
cart drawer, the cart, checkout, log-in, the account and three admin pages, at 1280 px and (the
storefront) 375 px. Beside axe: one h1 per page, the header/nav/main/footer landmarks, a skip
link that is the first Tab stop, the cart icon a named button in the Tab order, no button inside
a link, the focus on the first error after a refused submit, and a category bar that scrolls
visibly on a phone.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.axe import axe_source, blocking, describe, run_axe
from tests.e2e.conftest import log_in_with_email, log_out, wait_for_hydration

ADMIN = ("admin@marque.test", "Admin#2026")
SHOPPER = ("shopper@marque.test", "Shopper#2026")


@pytest.fixture(scope="session")
def axe_js() -> str:
    return axe_source()


@pytest.fixture(scope="module")
def catalog(app_db_url: str) -> dict[str, str]:
    """A category with products, and a product with several sizes and colours in stock."""
    engine = sa.create_engine(app_db_url)
    try:
        with engine.connect() as conn:
            product = conn.execute(
                sa.text(
                    """
                    SELECT p.slug FROM products p
                    WHERE p.status = 'active'
                      AND (SELECT COUNT(*) FROM product_variants v
                           WHERE v.product_id = p.id AND v.inventory_quantity >= 10) >= 4
                    ORDER BY p.slug LIMIT 1
                    """
                )
            ).scalar_one()
            category = conn.execute(
                sa.text(
                    """
                    SELECT c.slug FROM categories c JOIN products p ON p.category_id = c.id
                    WHERE p.status = 'active' GROUP BY c.slug HAVING COUNT(*) >= 8 ORDER BY c.slug LIMIT 1
                    """
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return {"product": product, "category": category}


def check(page, axe_js: str, where: str, *, include: str | None = None) -> None:
    """No serious or critical axe violation on the page (or inside ``include``) as it is now."""
    found = blocking(run_axe(page, axe_js, include=include))
    assert not found, describe(found, where)


def check_page(page, axe_js: str, where: str) -> None:
    """axe, plus the page's frame: exactly one h1 and the four landmarks of a storefront page."""
    check(page, axe_js, where)
    h1 = page.locator("h1")
    assert h1.count() == 1, f"{where}: {h1.count()} h1 elements: {h1.all_inner_texts()}"
    for selector in ("header", "nav", "main#main-content", "footer"):
        assert page.locator(selector).count() >= 1, f"{where}: no <{selector}> landmark"
    assert page.locator("a button, a [role=button], button a").count() == 0, f"{where}: a button inside a link"


def _add_to_cart(page) -> None:
    page.get_by_test_id("add-to-cart").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    expect(page.get_by_test_id("cart-count")).to_have_attribute("data-pending", "false")


def test_storefront_pages_have_no_serious_violations(goto, page, axe_js, catalog):
    goto("/")
    expect(page.get_by_test_id("featured-grid").get_by_test_id("product-card").first).to_be_visible()
    check_page(page, axe_js, "the home page")

    goto(f"/categories/{catalog['category']}")
    expect(page.get_by_test_id("product-grid").get_by_test_id("product-card").first).to_be_visible()
    check_page(page, axe_js, "a category page")

    goto(f"/products/{catalog['product']}")
    expect(page.get_by_test_id("product-name")).to_be_visible()
    expect(page.get_by_test_id("add-to-cart")).to_be_enabled()
    check_page(page, axe_js, "a product page")

    _add_to_cart(page)
    cart = page.get_by_test_id("open-cart")
    expect(cart).to_have_accessible_name("Cart, 1 item")
    cart.click()
    expect(page.get_by_test_id("cart-drawer").get_by_test_id("cart-line")).to_have_count(1)
    check(page, axe_js, "the open cart drawer", include="[data-testid='cart-drawer']")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("cart-drawer")).to_have_count(0)

    goto("/cart")
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    check_page(page, axe_js, "the cart page")

    goto("/checkout")
    expect(page.get_by_test_id("place-order")).to_be_visible()
    check_page(page, axe_js, "the checkout page")

    goto("/login")
    expect(page.get_by_test_id("login-tab-email")).to_be_visible()
    check_page(page, axe_js, "the log-in page")


def test_account_and_admin_pages_have_no_serious_violations(goto, page, axe_js):
    goto("/login")
    log_in_with_email(page, *SHOPPER)
    expect(page.get_by_test_id("account-menu")).to_be_visible()
    goto("/account")
    expect(page.get_by_test_id("account-name")).to_be_visible()
    check_page(page, axe_js, "the account page")
    log_out(page)

    goto("/login")
    log_in_with_email(page, *ADMIN)
    expect(page.get_by_test_id("account-menu")).to_be_visible()
    for path, ready in (
        ("/admin", "admin-page"),
        ("/admin/products", "product-q"),
        ("/admin/orders", "admin-page"),
    ):
        goto(path)
        expect(page.get_by_test_id(ready)).to_be_visible()
        page.wait_for_load_state("networkidle")
        check(page, axe_js, f"the admin page {path}")
        assert page.locator("h1").count() == 1, f"{path}: {page.locator('h1').all_inner_texts()}"


def test_phone_pages_have_no_serious_violations_and_targets_of_24px(page, axe_js, catalog):
    """At 375 px: axe's target-size rule (WCAG 2.2, 24 px) is part of the run."""
    page.set_viewport_size({"width": 375, "height": 800})
    for path, ready in (
        ("/", "featured-grid"),
        (f"/categories/{catalog['category']}", "product-grid"),
        (f"/products/{catalog['product']}", "add-to-cart"),
    ):
        page._marque_frames.clear()
        page.goto(path)
        wait_for_hydration(page)
        expect(page.get_by_test_id(ready)).to_be_visible()
        check(page, axe_js, f"{path} at 375 px")
        # the header's own controls are 44 px targets
        for testid in ("open-cart", "logo"):
            box = page.get_by_role("banner").get_by_test_id(testid).bounding_box()
            assert box and box["height"] >= 24 and box["width"] >= 24, f"{testid} on {path}: {box}"
        box = page.get_by_test_id("open-cart").bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44, box


def test_the_category_bar_scrolls_visibly_on_a_phone(page, base_url):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/")
    wait_for_hydration(page)
    bar = page.get_by_test_id("category-bar")
    expect(bar.get_by_test_id("nav-category").first).to_be_visible()
    state = bar.evaluate(
        """el => ({overflow: getComputedStyle(el).overflowX, scrollbar: getComputedStyle(el).scrollbarWidth,
                   scroll: el.scrollWidth, client: el.clientWidth})"""
    )
    assert state["scroll"] > state["client"], state  # more categories than fit: it scrolls
    assert state["overflow"] == "auto", state
    assert state["scrollbar"] != "none", f"the bar's scrollbar is hidden: {state}"
    # the last category can be reached (scrolled into view, inside the screen)
    last = bar.get_by_test_id("nav-category").last
    last.focus()
    box = last.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375 + 1, box
    assert box["height"] >= 24, box


def test_skip_link_is_the_first_tab_stop_and_the_cart_is_a_named_button(goto, page):
    goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_test_id("skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off screen: {box}"
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is inside the page's content, past the header
    assert page.evaluate("() => !!document.activeElement.closest('main')"), "Tab after the skip link left <main>"

    goto("/")
    cart = page.get_by_role("button", name=re.compile(r"^Cart, \d+ items?$"))
    expect(cart).to_have_count(1)
    expect(cart).to_have_attribute("data-testid", "open-cart")
    # Tab reaches it: skip link, logo, search, wishlist, cart
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.dataset.testid") == "open-cart":
            break
    expect(page.get_by_test_id("open-cart")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("cart-drawer")).to_be_visible()
    # the drawer takes the focus (the keyboard does not stay behind it)
    expect(page.get_by_test_id("cart-drawer").locator(":focus")).to_have_count(1)


def test_a_refused_submit_moves_the_focus_to_the_first_error(goto, page, catalog):
    goto("/login")
    page.get_by_test_id("login-tab-email").click()
    page.get_by_test_id("email-input").fill("nobody-here@marque.test")
    page.get_by_test_id("password-input").fill("Wrong#password1")
    page.get_by_test_id("login-submit").click()
    error = page.get_by_test_id("auth-error")
    expect(error).to_be_visible()
    expect(error).to_be_focused()

    goto(f"/products/{catalog['product']}")
    _add_to_cart(page)
    goto("/checkout")
    expect(page.get_by_test_id("place-order")).to_be_visible()
    page.get_by_test_id("ship-first-name").fill("Ada")  # the e-mail and the rest left empty
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("email-error")).to_be_visible()
    expect(page.get_by_test_id("checkout-email")).to_be_focused()
    expect(page.get_by_test_id("checkout-email")).to_have_attribute("aria-invalid", "true")
