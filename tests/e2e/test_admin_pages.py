"""The admin's list-and-form pages in Chromium: categories, brands and coupons (create, edit,
refused input, deactivate) and customers (search, detail, a note), each change in the activity log."""

from __future__ import annotations

import random
import re
import string

from playwright.sync_api import expect

from tests.e2e.conftest import log_in_with_email, wait_for_hydration

ADMIN = ("admin@marque.test", "Admin#2026")


def _tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


def _log_in_as_admin(goto, page, path: str) -> None:
    goto(path)
    log_in_with_email(page, *ADMIN)
    expect(page.get_by_test_id("admin-sidebar")).to_be_visible()
    wait_for_hydration(page)


def _toast(page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def _row(page, testid: str, text: str):
    return page.get_by_test_id(testid).filter(has_text=text)


def test_categories_and_brands_are_created_edited_and_refused_with_the_field_marked(goto, page):
    t = _tag()
    _log_in_as_admin(goto, page, "/admin/categories")

    page.get_by_test_id("field-name").fill(f"Rain {t}")
    page.locator("select[name=parent_id]").select_option(label="Clothing")
    page.get_by_test_id("save-category").click()
    expect(_toast(page, f"Category Rain {t} saved")).to_be_visible()
    row = _row(page, "category-row", f"Rain {t}")
    expect(row).to_contain_text(f"rain-{t}")
    expect(row).to_contain_text("Clothing")

    # the same slug again: refused, the field says why, nothing new in the table
    page.get_by_test_id("field-name").fill(f"Other {t}")
    page.get_by_test_id("field-slug").fill(f"rain-{t}")
    page.get_by_test_id("save-category").click()
    expect(page.get_by_test_id("admin-error")).to_contain_text("slug")
    expect(_row(page, "category-row", f"Other {t}")).to_have_count(0)

    # edit: the form shows the row, a rename is saved in place
    row.get_by_role("button", name="Edit").click()
    expect(page.get_by_test_id("field-name")).to_have_value(f"Rain {t}")
    page.get_by_test_id("field-name").fill(f"Rainwear {t}")
    page.get_by_test_id("save-category").click()
    expect(_row(page, "category-row", f"Rainwear {t}")).to_have_count(1)
    goto(f"/categories/rain-{t}")
    expect(page.get_by_role("heading", name=f"Rainwear {t}")).to_be_visible()

    goto("/admin/brands")
    page.get_by_test_id("field-name").fill(f"Brand {t}")
    page.get_by_test_id("field-website").fill("not a url")
    page.get_by_test_id("save-brand").click()
    expect(page.get_by_test_id("admin-error")).to_be_visible()
    expect(_row(page, "brand-row", f"Brand {t}")).to_have_count(0)
    page.get_by_test_id("field-website").fill("https://example.com")
    page.get_by_test_id("save-brand").click()
    expect(_row(page, "brand-row", f"Brand {t}")).to_contain_text(f"brand-{t}")

    goto("/admin/activity")
    for text in (f"Rainwear {t}", f"Brand {t}"):
        expect(page.get_by_test_id("activity-row").filter(has_text=text).first).to_be_visible()


def test_coupons_are_created_refused_and_deactivated(goto, page):
    code = f"E2E{_tag().upper()}"
    _log_in_as_admin(goto, page, "/admin/coupons")

    page.get_by_test_id("field-code").fill(code)
    page.get_by_test_id("field-name").fill("Ten off")
    page.get_by_test_id("field-value").fill("150")  # a percentage over 100
    page.get_by_test_id("save-coupon").click()
    expect(page.get_by_test_id("coupon-error")).to_be_visible()
    goto(f"/admin/coupons?q={code}")
    expect(page.get_by_test_id("coupon-row")).to_have_count(0)

    page.get_by_test_id("field-code").fill(code)
    page.get_by_test_id("field-name").fill("Ten off")
    page.get_by_test_id("field-value").fill("10")
    page.get_by_test_id("save-coupon").click()
    expect(_toast(page, f"Coupon {code} saved")).to_be_visible()
    row = _row(page, "coupon-row", code)
    active = row.locator("td").nth(6)  # Code, Name, Type, Value, Used, Ends, Active
    expect(active).to_have_text("yes")
    row.get_by_role("button", name="Deactivate").click()
    expect(_toast(page, f"Coupon {code} deactivated")).to_be_visible()
    expect(active).to_have_text("no")
    expect(row.get_by_role("button", name="Deactivate")).to_have_count(0)


def test_customers_are_searched_and_a_note_is_kept(goto, page):
    t = _tag()
    _log_in_as_admin(goto, page, "/admin/customers")
    page.get_by_test_id("customer-q").fill("shopper@marque.test")
    page.get_by_test_id("customer-q").press("Enter")
    expect(page).to_have_url(re.compile(r"q=shopper%40marque.test"))
    rows = page.get_by_test_id("customer-row")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").click()
    expect(page.get_by_text("shopper@marque.test")).to_be_visible()
    wait_for_hydration(page)

    page.get_by_test_id("add-note").click()  # an empty note is refused
    expect(page.get_by_test_id("note-error")).to_be_visible()
    page.get_by_test_id("note-input").fill(f"Prefers morning delivery {t}")
    page.get_by_test_id("add-note").click()
    expect(page.get_by_test_id("note").filter(has_text=f"Prefers morning delivery {t}")).to_have_count(1)
    page.reload()
    expect(page.get_by_test_id("note").filter(has_text=f"Prefers morning delivery {t}")).to_have_count(1)
