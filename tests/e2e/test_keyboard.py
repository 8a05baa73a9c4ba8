"""A shopper with a keyboard and no mouse: search, open a product, choose a variant, add it to
the cart, open the cart and go to checkout, with Tab/Shift+Tab, Enter, Space and typed text only
(no click, no locator.focus or fill)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import wait_for_hydration


@pytest.fixture(scope="module")
def product(app_db_url: str) -> dict[str, str]:
    """An active product with several sizes, every variant well in stock."""
    engine = sa.create_engine(app_db_url)
    try:
        with engine.connect() as conn:
            row = (
                conn.execute(
                    sa.text(
                        """
                        SELECT p.slug, p.name FROM products p JOIN product_variants v ON v.product_id = p.id
                        WHERE p.status = 'active'
                        GROUP BY p.id, p.slug, p.name
                        HAVING COUNT(*) >= 3 AND MIN(v.inventory_quantity) >= 10
                        ORDER BY p.slug LIMIT 1
                        """
                    )
                )
                .mappings()
                .one()
            )
    finally:
        engine.dispose()
    return dict(row)


def _active(page) -> dict:
    return page.evaluate(
        """() => { const el = document.activeElement; return {
            testid: el.dataset.testid || "", selected: el.dataset.selected || "",
            label: el.getAttribute("aria-label") || "", tag: el.tagName, text: (el.innerText || "").trim()}; }"""
    )


def tab_to(page, wanted, *, limit: int = 80, key: str = "Tab") -> dict:
    """Press ``key`` until the focused element satisfies ``wanted(active)``; that element's facts."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        active = _active(page)
        if wanted(active):
            return active
        seen.append(active["testid"] or active["label"] or active["tag"])
    raise AssertionError(f"{key} did not reach the control within {limit} presses; focus went: {seen}")


def test_keyboard_only_search_product_variant_cart_checkout(goto, page, product):
    name = product["name"]
    goto("/")

    # the header search: Tab to it, type, Enter
    tab_to(page, lambda a: a["testid"] == "search-input", limit=6)
    page.keyboard.type(name)
    page.keyboard.press("Escape")  # close the suggestions: Enter then searches for the text
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    wait_for_hydration(page)
    expect(page.get_by_test_id("search-results").get_by_test_id("product-card").first).to_be_visible()

    # Tab through the results to the product's card; Enter opens it
    page.get_by_test_id("search-results-count").wait_for()
    tab_to(page, lambda a: a["testid"] == "product-card-link" and a["label"] == name)
    page._marque_frames.clear()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/products/{re.escape(product['slug'])}$"))
    wait_for_hydration(page)
    expect(page.get_by_test_id("product-name")).to_have_text(name)

    # a size that is not the chosen one: Tab to it, Space chooses it
    chosen = tab_to(page, lambda a: a["testid"] == "size-option" and a["selected"] == "false")
    page.keyboard.press("Space")
    option = page.locator(f'[data-testid="size-option"][data-value="{chosen["text"]}"]')
    expect(option).to_have_attribute("data-selected", "true")
    expect(option).to_have_attribute("aria-pressed", "true")

    # Add to cart with Enter
    tab_to(page, lambda a: a["testid"] == "add-to-cart")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    expect(page.get_by_test_id("cart-count")).to_have_attribute("data-pending", "false")

    # back up to the header's cart button (a real button in the Tab order), Enter opens the drawer
    tab_to(page, lambda a: a["testid"] == "open-cart", key="Shift+Tab")
    page.keyboard.press("Enter")
    drawer = page.get_by_test_id("cart-drawer")
    expect(drawer).to_be_visible()
    line = drawer.get_by_test_id("cart-line")
    expect(line).to_have_count(1)
    expect(line).to_contain_text(name)
    expect(line).to_contain_text(chosen["text"])

    # the drawer keeps the focus inside it: Tab reaches its Checkout link, Enter follows it
    tab_to(page, lambda a: a["testid"] == "drawer-checkout", limit=30)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/checkout$"))
    wait_for_hydration(page)
    expect(page.get_by_test_id("place-order")).to_be_visible()
    expect(page.get_by_text(name).first).to_be_visible()
