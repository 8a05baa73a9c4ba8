"""The admin's returns and review moderation in Chromium.

(a) A buyer's review waits (pending, not on the product page); the admin approves it at
    /admin/reviews; the product page shows it, and the product's review count follows.
(b) A delivered order with a return requested: the admin approves it, marks it received (the
    stock goes back up, in the database) and refunds it at /admin/returns; a refund over what
    was paid is refused with the reason shown and nothing changed.
"""

from __future__ import annotations

import random
import re
import string
import time
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from marque_app.models import OrderStatus, Product, ProductReview, ProductVariant, Return, UserRole
from marque_app.services import checkout, reviews
from marque_app.services import orders as order_service
from marque_app.services.admin import Actor
from marque_app.services.admin import orders as admin_orders
from marque_app.services.db import make_engine
from tests.cartutil import make_product, make_user
from tests.e2e.conftest import log_in_with_email, wait_for_hydration
from tests.orderutil import address, fill_cart
from tests.payutil import make_order

ADMIN = ("admin@marque.test", "Admin#2026")


def _tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


@pytest.fixture(scope="module")
def app_db(app_db_url):
    engine = make_engine(app_db_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture(autouse=True)
def _no_stale_read(app_db):
    # A SQLite transaction left open by the last test's reads is refused ("database is locked")
    # when this test writes after the app committed; each test starts from a fresh one.
    app_db.rollback()


def _fresh(db) -> None:
    db.rollback()
    db.expire_all()


def _log_in_as_admin(goto, page, path: str) -> None:
    goto(path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    log_in_with_email(page, *ADMIN)
    expect(page).to_have_url(re.compile(re.escape(path.split("?")[0]) + r"(\?.*)?$"))
    expect(page.get_by_test_id("admin-sidebar")).to_be_visible()


def _toast(page, text: str, kind: str = "success"):
    return page.locator(f'[data-sonner-toast][data-type="{kind}"]').filter(has_text=text)


def test_a_pending_review_shows_on_the_product_page_once_the_admin_approves_it(goto, page, app_db):
    t = _tag()
    product, _ = make_product(app_db, f"Moderated {t}", image=False)
    buyer = make_user(app_db, first_name="Mona", last_name="Moderated")
    make_order(app_db, buyer, product, status=OrderStatus.delivered)
    mine = reviews.submit_review(
        session=app_db,
        user_id=buyer.id,
        product_id=product.id,
        rating=4,
        title=f"Soft and warm {t}",
        text="Wore it all winter.",
    )
    assert mine.status == "pending"

    # Pending: not on the product page.
    goto(f"/products/{product.slug}")
    section = page.get_by_test_id("reviews")
    expect(section).to_contain_text("No reviews yet")
    expect(section.get_by_test_id("review").filter(has_text=t)).to_have_count(0)

    # The admin finds it in the pending queue (searching its product) and approves it.
    _log_in_as_admin(goto, page, f"/admin/reviews?q={t}")
    expect(page.get_by_test_id("reviews-tab-pending")).to_have_attribute("aria-current", "page")
    row = page.get_by_test_id("review-row").filter(has_text=f"Soft and warm {t}")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("review-stars")).to_have_text("★★★★☆")
    expect(row.get_by_test_id("review-verified")).to_be_visible()
    expect(row.get_by_test_id("review-product-link")).to_have_attribute("href", f"/products/{product.slug}")
    expect(row).to_contain_text("Mona M.")
    row.get_by_test_id("review-approve").click()
    expect(_toast(page, "approved")).to_be_visible()
    expect(page.get_by_test_id("reviews-empty")).to_be_visible()  # the queue (for this search) is empty now
    _fresh(app_db)
    assert app_db.get(ProductReview, uuid.UUID(mine.id)).status == "approved"
    assert app_db.get(Product, product.id).review_count == 1

    # The approved tab keeps the search and lists it, with Reject (not Approve) offered.
    page.get_by_test_id("reviews-tab-approved").click()
    expect(page).to_have_url(re.compile(rf"/admin/reviews\?status=approved&q={t}$"))
    row = page.get_by_test_id("review-row").filter(has_text=f"Soft and warm {t}")
    expect(row.get_by_test_id("review-status")).to_have_text("approved")
    expect(row.get_by_test_id("review-approve")).to_have_count(0)
    expect(row.get_by_test_id("review-reject")).to_be_visible()

    # On the product page now, counted in the summary.
    goto(f"/products/{product.slug}")
    section = page.get_by_test_id("reviews")
    review = section.get_by_test_id("review").filter(has_text=t)
    expect(review.get_by_test_id("review-title")).to_have_text(f"Soft and warm {t}")
    expect(section.get_by_test_id("review-count")).to_have_text("Based on 1 review")


def _delivered_order_with_return(db):
    """A shopper's paid (cash), delivered order of 2 x 25.00, one item asked back.

    Made again from the start when SQLite refuses a step as "database is locked": the running
    app's analytics flush commits every few seconds, and a deferred transaction that read before
    it cannot write after it (the app's own handlers retry the same way, ``services.db.run_unit``).
    """
    for attempt in range(4):
        try:
            return _make_delivered_order_with_return(db)
        except OperationalError as err:
            db.rollback()
            if attempt == 3 or "locked" not in str(err):
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def _make_delivered_order_with_return(db):
    admin = make_user(db, role=UserRole.admin)
    shopper = make_user(db, first_name="Ria", last_name="Returner")
    _, (variant,) = make_product(db, f"Returned {_tag()}", price="25.00", stock=(6,), image=False)
    fill_cart(db, shopper, [variant], 2)
    placed = checkout.place_order(session=db, user_id=shopper.id, shipping_address=address())
    admin_orders.mark_paid(session=db, actor=Actor(id=admin.id, email=admin.email), order_id=placed.id)
    for status in ("shipped", "delivered"):
        order_service.change_status(session=db, order_id=placed.id, to_status=status)
    ret = order_service.request_return(
        session=db, user_id=shopper.id, order_ref=placed.id, items=[(placed.lines[0].id, 1, "Too small")]
    )
    return placed, ret, variant, shopper


def _stock(db, variant) -> int:
    _fresh(db)
    return db.get(ProductVariant, variant.id).inventory_quantity


def test_the_admin_approves_receives_and_refunds_a_return(goto, page, app_db):
    placed, ret, variant, shopper = _delivered_order_with_return(app_db)
    before = _stock(app_db, variant)

    _log_in_as_admin(goto, page, f"/admin/returns?q={ret.return_number}")
    row = page.get_by_test_id("return-row").filter(has_text=ret.return_number)
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("return-status")).to_have_text("Requested")
    expect(row.get_by_test_id("return-value")).to_have_text("$25.00")
    expect(row).to_contain_text(shopper.email)
    expect(row).to_contain_text("1 × ")
    expect(row).to_contain_text("Too small")
    expect(row.get_by_test_id("return-order-link")).to_have_attribute("href", f"/admin/orders/{placed.id}")
    # Only the allowed actions.
    expect(row.get_by_test_id("return-approve")).to_be_visible()
    expect(row.get_by_test_id("return-reject")).to_be_visible()
    expect(row.get_by_test_id("return-receive")).to_have_count(0)
    expect(row.get_by_test_id("return-refund")).to_have_count(0)

    row.get_by_test_id("return-approve").click()
    expect(row.get_by_test_id("return-status")).to_have_text("Approved")
    expect(row.get_by_test_id("return-approve")).to_have_count(0)
    assert _stock(app_db, variant) == before  # approving does not restock

    row.get_by_test_id("return-receive").click()
    expect(row.get_by_test_id("return-status")).to_have_text("Received")
    expect(_toast(page, f"Return {ret.return_number} received")).to_be_visible()
    assert _stock(app_db, variant) == before + 1

    # The refund amount starts at the return's value; more than was paid is refused.
    amount = row.get_by_test_id("return-refund-amount")
    expect(amount).to_have_value("25.00")
    amount.fill("999.00")
    row.get_by_test_id("return-refund").click()
    banner = page.get_by_test_id("returns-error")
    expect(banner).to_contain_text(re.compile(rf"Return {ret.return_number}: .*refund", re.I))
    expect(_toast(page, f"Return {ret.return_number}:", "error")).to_be_visible()
    expect(row.get_by_test_id("return-status")).to_have_text("Received")
    _fresh(app_db)
    assert app_db.get(Return, uuid.UUID(ret.id)).status == "received"
    assert app_db.get(Return, uuid.UUID(ret.id)).refund_amount is None

    amount.fill("25.00")
    row.get_by_test_id("return-refund").click()
    expect(row.get_by_test_id("return-status")).to_have_text("Refunded")
    expect(row.get_by_test_id("return-refunded")).to_have_text("Refunded $25.00")
    expect(banner).to_have_count(0)
    _fresh(app_db)
    saved = app_db.get(Return, uuid.UUID(ret.id))
    assert (saved.status, str(saved.refund_amount)) == ("refunded", "25.00")
    assert _stock(app_db, variant) == before + 1

    # The status filter lives in the URL.
    page.get_by_test_id("returns-status").select_option("requested")
    page.get_by_test_id("filter-apply").click()
    expect(page).to_have_url(re.compile(rf"/admin/returns\?status=requested&q={ret.return_number}$"))
    wait_for_hydration(page)
    expect(page.get_by_test_id("returns-empty")).to_be_visible()
