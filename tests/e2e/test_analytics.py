"""Analytics in Chromium: browsing records events (written by the buffer's flush a few seconds
later, not by the shopper's events), a Do-Not-Track browser records none, and the admin's
analytics page shows the funnel, the searches without results and a CSV of the chosen days."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlmodel import Session

from marque_app.domain.analytics import make_event
from marque_app.services.analytics import write_events
from marque_app.services.db import make_engine
from tests.e2e.conftest import expect_count, log_in_with_email, wait_for_hydration

ADMIN = ("admin@marque.test", "Admin#2026")
FLUSH_WAIT = 25.0  # the app flushes every 5 s; a busy 2-core machine may be slow


@pytest.fixture
def engine(app_db_url) -> Iterator[sa.Engine]:
    eng = make_engine(app_db_url)
    yield eng
    eng.dispose()


def _events(engine, token: str) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT event_type, event_data, referrer, ip_address FROM analytics_events "
                "WHERE session_id = :t ORDER BY created_at"
            ),
            {"t": token},
        ).mappings()
        out = []
        for r in rows:
            data = r["event_data"]
            out.append({**r, "event_data": data if isinstance(data, dict) else json.loads(data or "{}")})
        return out


def _product_slug(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT p.slug FROM products p JOIN product_variants v ON v.product_id = p.id "
                "WHERE p.status = 'active' AND v.inventory_quantity >= 20 "
                "AND (SELECT COUNT(*) FROM product_variants w WHERE w.product_id = p.id) = 1 "
                "ORDER BY p.slug DESC LIMIT 1"
            )
        ).scalar_one()


def _token(page) -> str:
    return page.evaluate("() => sessionStorage.getItem('token')")


def test_browsing_records_events_in_batches(goto, page, engine):
    slug = _product_slug(engine)
    goto("/")
    token = _token(page)
    goto(f"/products/{slug}")
    page.get_by_test_id("add-to-cart").click()
    expect_count(page, "cart-count", "1")
    nothing = f"zzq{uuid.uuid4().hex[:6]}"
    goto(f"/search?q={nothing}")

    deadline = time.monotonic() + FLUSH_WAIT
    kinds: list[str] = []
    while time.monotonic() < deadline:
        events = _events(engine, token)
        kinds = [e["event_type"] for e in events]
        if {"page_view", "product_view", "add_to_cart", "search"} <= set(kinds):
            break
        time.sleep(0.5)
    assert {"page_view", "product_view", "add_to_cart", "search"} <= set(kinds), kinds
    assert kinds.count("page_view") >= 3
    views = [e for e in events if e["event_type"] == "page_view"]
    assert views[0]["event_data"]["path"] == "/"
    product_view = next(e for e in views if e["event_data"]["path"] == f"/products/{slug}")
    assert product_view["referrer"] == "/"  # the page the tab showed before
    search = next(e for e in events if e["event_type"] == "search")
    assert search["event_data"] == {"query": nothing, "results": 0}
    assert all(str(e["ip_address"]).endswith(".0") for e in events)  # truncated, never raw


def test_a_do_not_track_browser_records_nothing(browser, base_url, engine):
    # A browser with Global Privacy Control on (as Firefox, Brave or a privacy extension set it)
    context = browser.new_context(base_url=base_url, extra_http_headers={"DNT": "1", "Sec-GPC": "1"})
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})")
    try:
        page = context.new_page()
        page._marque_frames = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda p: page._marque_frames.append(p)))
        page.goto("/")
        wait_for_hydration(page)
        token = _token(page)
        page._marque_frames.clear()
        page.goto(f"/products/{_product_slug(engine)}")
        wait_for_hydration(page)
        assert token
        time.sleep(12)  # two flushes later
        assert _events(engine, token) == []
    finally:
        context.close()


DAY = datetime(2033, 1, 5, 14, 0, tzinfo=UTC)  # no other test's events on that day


@pytest.fixture
def our_events(engine) -> Iterator[str]:
    run = uuid.uuid4().hex[:8]
    rows = []
    for n in range(8):
        rows.append(make_event("page_view", at=DAY, session_id=f"{run}-{n}", data={"path": "/"}))
    for n in range(4):
        rows.append(make_event("add_to_cart", at=DAY, session_id=f"{run}-{n}", data={"sku_id": "x"}))
    rows.append(make_event("purchase", at=DAY, session_id=f"{run}-0", data={"order_id": "x"}))
    rows.append(make_event("search", at=DAY, session_id=f"{run}-5", data={"query": f"no such {run}", "results": 0}))
    with Session(engine) as session:
        write_events(session=session, events=rows)
        session.commit()
    yield run
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM analytics_events WHERE session_id LIKE :p"), {"p": f"{run}-%"})


def test_the_admin_analytics_page_shows_the_funnel_searches_and_a_csv(goto, page, our_events):
    goto("/admin/analytics?date_from=2033-01-05&date_to=2033-01-05")
    log_in_with_email(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/admin/analytics"))
    if "date_from" not in page.url:
        goto("/admin/analytics?date_from=2033-01-05&date_to=2033-01-05")
    expect(page.get_by_test_id("analytics")).to_be_visible()
    expect(page.get_by_test_id("analytics-range")).to_contain_text("2033-01-05 to 2033-01-05")
    rows = page.get_by_test_id("funnel-row")
    expect(rows).to_have_count(5)
    expect(rows.nth(0).get_by_test_id("funnel-sessions")).to_have_text("8")
    expect(rows.nth(2).get_by_test_id("funnel-sessions")).to_have_text("4")
    expect(rows.nth(4).get_by_test_id("funnel-sessions")).to_have_text("1")
    expect(page.get_by_test_id("cart-abandonment")).to_have_text("75.0%")
    expect(page.get_by_test_id("zero-searches")).to_contain_text(f"no such {our_events}")
    expect(page.get_by_test_id("funnel-chart").locator("svg").first).to_be_visible()
    expect(page.get_by_test_id("series-chart").locator("svg").first).to_be_visible()

    with page.expect_download() as got:
        page.get_by_test_id("analytics-csv").click()
    download = got.value
    assert download.suggested_filename == "marque-analytics-2033-01-05-to-2033-01-05.csv"
    with open(download.path(), encoding="utf-8") as f:
        rows_csv = list(csv.reader(io.StringIO(f.read())))
    assert rows_csv[0] == ["section", "name", "metric", "value"]
    assert ["funnel", "Visits", "sessions", "8"] in rows_csv
    assert ["abandonment", "cart", "abandonment_pct", "75.0"] in rows_csv

    # a reversed range: the field's error, no figures
    goto("/admin/analytics?date_from=2033-01-09&date_to=2033-01-05")
    expect(page.get_by_test_id("analytics-error")).to_contain_text("Date to")
    expect(page.get_by_test_id("analytics")).to_have_count(0)
