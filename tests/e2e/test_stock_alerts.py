"""Back-in-stock alerts in Chromium: a guest on a sold-out product asks to be told by e-mail;
an admin restock makes the alert due and the app's own flush task sends it (read from the log
e-mail sender's line in the server log); the message's link cancels the alert."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlmodel import Session

from marque_app.models import StockAlert, UserRole
from marque_app.services.admin import Actor, inventory
from marque_app.services.db import make_engine
from marque_app.services.passwords import hash_password
from tests.cartutil import make_product, make_user
from tests.e2e.axe import axe_source, blocking, describe, run_axe
from tests.e2e.conftest import log_in_with_email
from tests.phones import fresh_phone


@pytest.fixture(scope="module")
def app_db(app_db_url):
    engine = make_engine(app_db_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def no_serious_violations(page, where: str, include: str | None = None) -> None:
    found = blocking(run_axe(page, axe_source(), include=include))
    assert not found, describe(found, where)


def alerts_for(db, variant_id) -> list[StockAlert]:
    db.rollback()
    db.expire_all()
    rows = list(db.execute(sa.select(StockAlert).where(StockAlert.product_variant_id == variant_id)).scalars())
    # End the read: a SQLite transaction that read before the app's last commit is refused
    # ("database is locked") when it later writes (the next make_user or adjust_stock).
    db.commit()
    return rows


def test_a_guest_is_told_once_by_e_mail_when_the_sold_out_item_is_back(goto, page, app_db, server_log):
    product, (variant,) = make_product(app_db, "Alert Parka", stock=(0,), image=False)
    email = f"alert-{uuid.uuid4().hex[:8]}@example.com"
    goto(f"/products/{product.slug}")
    expect(page.get_by_test_id("stock-status")).to_have_attribute("data-status", "sold_out")
    box = page.get_by_test_id("back-in-stock")
    expect(box).to_be_visible()
    box.get_by_test_id("notify-me").click()  # a guest must type an address first
    expect(box.get_by_test_id("stock-alert-error")).to_contain_text("e-mail")
    box.get_by_test_id("stock-alert-email").fill(email)
    box.get_by_test_id("notify-me").click()
    expect(page.get_by_test_id("stock-alert-notice")).to_contain_text(f"We'll e-mail {email}")
    (alert,) = alerts_for(app_db, variant.id)
    assert (alert.channel, alert.contact, alert.due_at, alert.sent_at) == ("email", email, None, None)

    admin = make_user(app_db, role=UserRole.admin)
    mark = server_log.mark()
    inventory.adjust_stock(
        session=app_db,
        actor=Actor(id=admin.id, email=admin.email),
        variant_id=variant.id,
        data={"quantity_change": 3, "reason": "Delivery"},
    )
    found = server_log.wait_for(
        rf"E-mail to {re.escape(email)}: Back in stock: .*?/stock-alerts/unsubscribe\?token=([\w.]+)",
        after=mark,
        timeout=60,
    )
    (alert,) = alerts_for(app_db, variant.id)
    assert alert.sent_at is not None

    goto(f"/stock-alerts/unsubscribe?token={found.group(1)}")
    expect(page.get_by_test_id("unsubscribe-ok")).to_contain_text("Cancelled")
    assert alerts_for(app_db, variant.id) == []
    goto("/stock-alerts/unsubscribe?token=forged.token")
    expect(page.get_by_test_id("unsubscribe-error")).to_be_visible()


def test_a_shopper_is_texted_and_cancels_from_the_account_page(goto, page, app_db):
    product, (variant,) = make_product(app_db, "Alert Boot", stock=(0,), image=False)
    password = "Alert#pass1"
    shopper = make_user(app_db, phone=fresh_phone(), password_hash=hash_password(password))
    goto("/login")
    log_in_with_email(page, shopper.email, password)
    expect(page.get_by_test_id("account-menu")).to_be_visible()

    goto(f"/products/{product.slug}")
    box = page.get_by_test_id("back-in-stock")
    expect(box).to_be_visible()
    expect(box.get_by_test_id("stock-alert-email")).to_have_count(0)  # the account's phone is used
    no_serious_violations(page, "the back-in-stock box", include="[data-testid='back-in-stock']")
    box.get_by_test_id("notify-me").click()
    expect(page.get_by_test_id("stock-alert-notice")).to_contain_text(f"We'll text {shopper.phone}")
    (alert,) = alerts_for(app_db, variant.id)
    assert (alert.channel, alert.contact, alert.user_id) == ("sms", shopper.phone, shopper.id)

    goto("/account")
    item = page.get_by_test_id("stock-alert")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(product.name)
    expect(item).to_contain_text("Waiting")
    no_serious_violations(page, "the account's alerts", include="[data-testid='stock-alerts']")
    item.get_by_test_id("stock-alert-cancel").click()
    expect(page.get_by_test_id("no-stock-alerts")).to_be_visible()
    assert alerts_for(app_db, variant.id) == []
