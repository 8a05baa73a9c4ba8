"""Offline cart changes: the backend stopped, a change is queued in local storage, replayed once.

The app server is really stopped (``app_process``: its whole process group) and started again on
the same port and database. While it is down the page says "Offline mode - will sync when
online" and keeps the op in ``localStorage["marque_cart_queue"]``; Reflex's client also keeps the
event in memory and sends it on reconnect, and ``CartState.replay_queue`` replays the stored queue:
the op id makes the two deliveries one change. A tab closed while offline loses the in-memory
copy; the stored queue still brings the change in when the store is opened again.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import wait_for_hydration

SHOPPER_EMAIL, SHOPPER_PASSWORD = "shopper@marque.test", "Shopper#2026"
OFFLINE = "Offline mode - will sync when online"
QUEUE_KEY = "marque_cart_queue"


@pytest.fixture(scope="module")
def roomy_slugs(app_db_url: str) -> list[str]:
    """Active products with one variant and stock to spare (the add button adds that variant)."""
    engine = sa.create_engine(app_db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT p.slug FROM products p JOIN product_variants v ON v.product_id = p.id "
                    "WHERE p.status = 'active' GROUP BY p.id, p.slug "
                    "HAVING count(*) = 1 AND min(v.inventory_quantity) >= 10 ORDER BY p.slug DESC"
                )
            ).all()
    finally:
        engine.dispose()
    assert len(rows) >= 3, "the demo store has single-variant products in stock"
    return [slug for (slug,) in rows]


def _user_quantity(db_url: str, email: str, slug: str) -> int:
    """The quantity of ``slug`` in the user's cart in the database (0: no line)."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT sum(ci.quantity) FROM cart_items ci "
                    "JOIN users u ON u.id = ci.user_id "
                    "JOIN product_variants v ON v.id = ci.product_variant_id "
                    "JOIN products p ON p.id = v.product_id "
                    "WHERE u.email = :email AND p.slug = :slug"
                ),
                {"email": email, "slug": slug},
            ).first()
    finally:
        engine.dispose()
    return int(row[0] or 0) if row else 0


def _queue(page) -> list:
    raw = page.evaluate(f"() => localStorage.getItem('{QUEUE_KEY}')")
    return json.loads(raw) if raw else []


def _guest_quantities(page) -> dict[str, int]:
    raw = page.evaluate("() => localStorage.getItem('marque_cart')")
    lines = json.loads(raw)["lines"] if raw else []
    return {line["sku_id"]: line["quantity"] for line in lines}


def _toast(page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def _badge(page):
    return page.get_by_test_id("cart-count")


def _go_offline(page, app_process) -> None:
    app_process.stop()
    page.wait_for_function("() => window.marqueCart && window.marqueCart.isOffline()")


def _come_back(page, app_process) -> None:
    page._marque_frames.clear()
    app_process.start()
    wait_for_hydration(page)  # the reconnect's hydrate


def _log_in(goto, page) -> None:
    goto("/login")
    page.get_by_test_id("login-tab-email").click()
    page.get_by_test_id("email-input").fill(SHOPPER_EMAIL)
    page.get_by_test_id("password-input").fill(SHOPPER_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_function("() => !!localStorage.getItem('marque_token')")


def _add(page) -> None:
    page.get_by_test_id("add-to-cart").click()


def test_guest_change_offline_is_kept_and_applied_once_on_reconnect(
    goto, page, page_problems, app_process, roomy_slugs
):
    page_problems.allow("ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE")
    goto(f"/products/{roomy_slugs[0]}")
    start = int(_badge(page).inner_text())
    _add(page)
    expect(_badge(page)).to_have_text(str(start + 1))
    page.wait_for_function("() => !!localStorage.getItem('marque_cart')")
    (sku,) = _guest_quantities(page).keys()

    _go_offline(page, app_process)
    _add(page)
    expect(page.get_by_text(OFFLINE)).to_be_visible()
    expect(_badge(page)).to_have_text(str(start + 2))  # shown at once, in the browser only
    queued = _queue(page)
    assert [(op["type"], op["sku_id"]) for op in queued] == [("add", sku)]
    assert _guest_quantities(page) == {sku: 1}  # not saved yet

    _come_back(page, app_process)
    expect(_toast(page, "Back online - 1 change")).to_be_visible()
    # Sent twice (the client's in-memory event and the replayed queue), applied once.
    expect(_badge(page)).to_have_text(str(start + 2))
    page.wait_for_function(f"() => !JSON.parse(localStorage.getItem('{QUEUE_KEY}') || '[]').length")
    assert _guest_quantities(page) == {sku: 2}
    expect(page.get_by_text(OFFLINE)).to_have_count(0)
    page.reload()
    wait_for_hydration(page)
    expect(_badge(page)).to_have_text(str(start + 2))
    assert _guest_quantities(page) == {sku: 2}


def test_logged_in_change_offline_reaches_the_database_once(
    goto, page, page_problems, app_process, app_db_url, roomy_slugs
):
    page_problems.allow("ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE")
    slug = roomy_slugs[1]
    _log_in(goto, page)
    goto(f"/products/{slug}")
    before = _user_quantity(app_db_url, SHOPPER_EMAIL, slug)
    _add(page)
    expect(_toast(page, "Added to your cart")).to_be_visible()
    assert _user_quantity(app_db_url, SHOPPER_EMAIL, slug) == before + 1
    shown = int(_badge(page).inner_text())

    _go_offline(page, app_process)
    _add(page)
    expect(page.get_by_text(OFFLINE)).to_be_visible()
    expect(_badge(page)).to_have_text(str(shown + 1))
    assert len(_queue(page)) == 1

    _come_back(page, app_process)
    expect(_toast(page, "Back online - 1 change")).to_be_visible()
    page.wait_for_function(f"() => !JSON.parse(localStorage.getItem('{QUEUE_KEY}') || '[]').length")
    assert _user_quantity(app_db_url, SHOPPER_EMAIL, slug) == before + 2
    expect(_badge(page)).to_have_text(str(shown + 1))
    page.reload()
    wait_for_hydration(page)
    expect(_badge(page)).to_have_text(str(shown + 1))
    assert _user_quantity(app_db_url, SHOPPER_EMAIL, slug) == before + 2


def test_tab_closed_while_offline_keeps_the_queued_change(
    goto, page, page_problems, app_process, app_db_url, roomy_slugs
):
    page_problems.allow("ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE")
    slug = roomy_slugs[2]
    _log_in(goto, page)
    goto(f"/products/{slug}")
    before = _user_quantity(app_db_url, SHOPPER_EMAIL, slug)

    _go_offline(page, app_process)
    _add(page)
    expect(page.get_by_text(OFFLINE)).to_be_visible()
    assert len(_queue(page)) == 1
    # Closing the tab drops Reflex's in-memory copy of the event: only local storage keeps it.
    context = page.context
    page.close()
    assert _user_quantity(app_db_url, SHOPPER_EMAIL, slug) == before

    app_process.start()
    again = context.new_page()
    again._marque_frames = []
    again.on("websocket", lambda ws: ws.on("framereceived", lambda f: again._marque_frames.append(f)))
    again.on("pageerror", lambda err: page_problems.add(f"page error: {err}"))
    again.goto(f"/products/{slug}")
    wait_for_hydration(again)
    expect(_toast(again, "Back online - 1 change")).to_be_visible()
    again.wait_for_function(f"() => !JSON.parse(localStorage.getItem('{QUEUE_KEY}') || '[]').length")
    assert _user_quantity(app_db_url, SHOPPER_EMAIL, slug) == before + 1
    again.reload()
    wait_for_hydration(again)
    assert _user_quantity(app_db_url, SHOPPER_EMAIL, slug) == before + 1
