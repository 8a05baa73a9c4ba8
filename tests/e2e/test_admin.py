"""The admin in Chromium: log in, create a product with two variants and a picture, find it in
the storefront, adjust its stock; the role check for guests and customers; bad input."""

from __future__ import annotations

import random
import re
import string

from playwright.sync_api import expect

from tests.e2e.conftest import log_in_with_email, wait_for_hydration

ADMIN = ("admin@marque.test", "Admin#2026")
SHOPPER = ("shopper@marque.test", "Shopper#2026")


def _tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


def _log_in(page, who: tuple[str, str]) -> None:
    log_in_with_email(page, *who)


def _png(path) -> str:
    from PIL import Image

    Image.new("RGB", (40, 30), (200, 40, 40)).save(path, "PNG")
    return str(path)


def _toast(page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def test_admin_creates_a_product_finds_it_in_the_shop_and_adjusts_its_stock(goto, page, tmp_path):
    t = _tag()
    goto("/admin/products/new")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fadmin%2Fproducts%2Fnew$"))
    _log_in(page, ADMIN)
    expect(page).to_have_url(re.compile(r"/admin/products/new$"))
    expect(page.get_by_test_id("admin-sidebar")).to_be_visible()
    page.get_by_test_id("field-name").fill(f"Field Jacket {t}")
    page.get_by_test_id("field-price").fill("88.00")
    page.get_by_test_id("field-status").select_option("active")
    page.get_by_test_id("add-variant").click()
    rows = page.get_by_test_id("variant-row")
    expect(rows).to_have_count(2)
    for option in ("size", "color"):  # one input per option on every row
        page.get_by_test_id("new-option").fill(option)
        page.get_by_test_id("new-option").press("Enter")  # adds the option, does not save the product
        expect(page.get_by_test_id("option-header").filter(has_text=option)).to_have_count(1)
    expect(rows.nth(0).get_by_test_id("variant-option")).to_have_count(2)
    for i, (size, stock) in enumerate((("M", "3"), ("L", "1"))):
        row = rows.nth(i)
        row.get_by_test_id("variant-sku").fill(f"FJ-{t}-{size}".upper())
        row.get_by_test_id("variant-name").fill(f"Size {size}")
        row.locator("[data-option=size]").fill(size)
        row.locator("[data-option=color]").fill("Olive")
        row.get_by_test_id("variant-stock").fill(stock)
    page.locator("input[type=file]").set_input_files(_png(tmp_path / "jacket.png"))
    expect(page.get_by_test_id("image-row")).to_have_count(1)
    page.get_by_test_id("image-alt").fill("The jacket, front")
    page.get_by_test_id("save-product").click()
    expect(_toast(page, "Product created")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/products/[0-9a-f-]{36}$"))
    wait_for_hydration(page)
    expect(page.get_by_test_id("variant-row")).to_have_count(2)
    image = page.get_by_test_id("image-row").locator("img")
    src = image.get_attribute("src")
    assert src and src.startswith("/_upload/products/") and src.endswith(".png")
    assert page.request.get(src).status == 200  # the upload folder is served

    # The storefront shows it at once.
    goto(f"/products/field-jacket-{t}")
    expect(page.get_by_role("heading", name=f"Field Jacket {t}")).to_be_visible()

    # Stock: +5 with a reason, from the inventory page.
    sku = f"FJ-{t}-L".upper()
    goto(f"/admin/inventory?sku={sku}")
    expect(page.get_by_test_id("field-sku")).to_have_value(sku)  # filled from the URL
    page.get_by_test_id("field-quantity_change").fill("5")
    page.get_by_test_id("field-reason").fill("Delivery from the maker")
    page.get_by_test_id("apply-adjustment").click()
    expect(page.get_by_test_id("adjust-result")).to_have_text(f"{sku}: 6 in stock")
    expect(page.get_by_test_id("movement-row").filter(has_text="Delivery from the maker")).to_have_count(1)
    # a removal of more than is in stock is refused with a message, nothing changes
    page.get_by_test_id("field-quantity_change").fill("-50")
    page.get_by_test_id("field-reason").fill("Count")
    page.get_by_test_id("apply-adjustment").click()
    expect(page.get_by_test_id("adjust-error")).to_contain_text("Only 6 in stock")

    goto("/admin/activity")
    expect(page.get_by_test_id("activity-row").filter(has_text=f"Created product Field Jacket {t}")).to_have_count(1)


def test_bad_input_shows_form_errors_and_saves_nothing(goto, page, tmp_path):
    t = _tag()
    goto("/admin/products/new")
    _log_in(page, ADMIN)
    expect(page.get_by_test_id("field-name")).to_be_visible()
    page.get_by_test_id("field-name").fill(f"Bad Coat {t}")
    page.get_by_test_id("field-price").fill("-3")
    page.get_by_test_id("variant-row").first.get_by_test_id("variant-sku").fill(f"BC-{t}")
    page.get_by_test_id("variant-row").first.get_by_test_id("variant-name").fill("One")
    fake = tmp_path / "notes.png"
    fake.write_text("this is not a picture")
    page.locator("input[type=file]").set_input_files(str(fake))
    expect(page.get_by_test_id("image-error")).to_contain_text("is not a PNG, JPEG, WebP or GIF picture")
    expect(page.get_by_test_id("image-row")).to_have_count(0)
    page.get_by_test_id("save-product").click()
    expect(page.get_by_test_id("error-price")).to_have_text("Price cannot be negative")
    expect(page).to_have_url(re.compile(r"/admin/products/new$"))
    goto(f"/admin/products?q=bad-coat-{t}")
    expect(page.get_by_test_id("products-table")).to_be_visible()
    expect(page.get_by_test_id("product-row")).to_have_count(0)


def test_a_customer_gets_the_403_page_and_a_guest_the_log_in(goto, page):
    goto("/admin/coupons")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fadmin%2Fcoupons$"))
    _log_in(page, SHOPPER)
    expect(page.get_by_test_id("forbidden-page")).to_be_visible()
    expect(page.get_by_test_id("coupons-table")).to_have_count(0)
    goto("/admin/customers")
    expect(page.get_by_test_id("forbidden-page")).to_be_visible()
    expect(page.get_by_test_id("customers-table")).to_have_count(0)
