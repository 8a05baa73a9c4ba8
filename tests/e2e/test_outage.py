"""The database lost under a running store: pages say "try again" (never Reflex's error toast), the
API answers 503 with Retry-After, and the page is back once the database is.

The app is restarted on a PostgreSQL database of this test's own, reached through a TCP proxy the
test cuts and restores (the shared server keeps running); afterwards it serves the e2e database
again. PostgreSQL is optional (README): without one at ``MARQUE_E2E_PG_URL`` the test is skipped.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.engine import URL, make_url

from marque_app.services import migrations
from tests.e2e.conftest import serving_with
from tests.outage import TcpProxy

PG_URL = os.environ.get("MARQUE_E2E_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def pg_database() -> Iterator[URL]:
    """A new, migrated (empty) PostgreSQL database; dropped afterwards."""
    server = make_url(PG_URL)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"marque_e2e_outage_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as err:
        admin.dispose()
        pytest.skip(f"no PostgreSQL at {PG_URL} (MARQUE_E2E_PG_URL): {str(err).splitlines()[0]}")
    url = server.set(database=name)
    try:
        migrations.upgrade(url.render_as_string(hide_password=False))
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def store_behind_proxy(app_process, pg_database) -> Iterator[TcpProxy]:
    """The app serving from ``pg_database`` through a proxy; the e2e database again afterwards."""
    proxy = TcpProxy((pg_database.host or "127.0.0.1", pg_database.port or 5432))
    proxy.restore()
    proxied = pg_database.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        with serving_with(app_process, REFLEX_DB_URL=proxied):
            yield proxy
    finally:
        proxy.cut()


def test_pages_say_try_again_while_the_database_is_down(store_behind_proxy, page, goto, page_problems, server_log):
    proxy = store_behind_proxy
    goto("/")
    banner = page.get_by_test_id("outage-banner")
    expect(banner).to_have_count(0)

    mark = server_log.mark()
    proxy.cut()
    # A listing no one asked for yet: a cached one (process memory, or Redis shared by the test
    # run) is still served during an outage, which is right, and shows no banner.
    goto(f"/shop?min_price={time.time_ns() % 10_000_000}")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("We can't reach the store right now")
    expect(page.get_by_test_id("outage-retry")).to_be_visible()
    expect(page.get_by_text("An error occurred")).to_have_count(0)  # Reflex's own error toast
    expect(page.get_by_test_id("listing")).to_have_count(0)
    server_log.wait_for(r"database unavailable in a page event", after=mark)

    page_problems.allow(r"HTTP 503: GET .*/api/v1/products")
    # A listing no one asked for yet (with Redis, a cached one is still served during the outage)
    api = page.request.get(f"/api/v1/products?min_price={time.time_ns() % 10_000_000}")
    assert api.status == 503 and int(api.headers["retry-after"]) > 0
    assert "try again" in api.json()["detail"]

    proxy.restore()
    back = time.monotonic()
    page._marque_frames.clear()
    page.get_by_test_id("outage-retry").click()  # reloads the page: its loads run again
    page.wait_for_load_state()
    expect(page.get_by_test_id("listing")).to_be_visible()
    expect(banner).to_have_count(0)
    expect(page.get_by_test_id("outage-retry")).to_have_count(0)
    recovered = time.monotonic() - back
    assert page.request.get("/api/v1/products").status == 200
    assert recovered < 10, f"the page took {recovered:.1f}s to come back"
