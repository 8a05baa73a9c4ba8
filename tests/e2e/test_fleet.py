"""A fleet behind nginx (tests/fleet.py): two production instances on one PostgreSQL database and
one Redis, nginx in front doing TLS, the websocket upgrade and round robin without stickiness.

A shopper logs in through https, adds to the cart and the wishlist; the instance its tab's
websocket is on (the fleet's nginx names the upstream of each answer, the websocket's 101
included, in ``X-Marque-Upstream``, read over the DevTools protocol) is killed with SIGKILL; the tab reconnects through nginx to the other instance, and
log-in, cart and wishlist are intact; a further add lands in the database.

Needs nginx (``apt-get install -y nginx``; the test fails, never skips, without it), PostgreSQL
(``MARQUE_FLEET_DATABASE_URL``, default the test server on 127.0.0.1:5432: a database of its own
is made and dropped) and Redis (``REFLEX_REDIS_URL``, default 127.0.0.1:6379).
"""

from __future__ import annotations

import itertools
import os
import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, expect_count, log_in_with_email, wait_for_hydration
from tests.fleet import Fleet, FleetError, https_request

PG_SERVER = os.environ.get("MARQUE_FLEET_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REFLEX_REDIS_URL") or "redis://127.0.0.1:6379"
SHOPPER = ("shopper@marque.test", "Shopper#2026")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    import redis
    from sqlalchemy.engine import make_url

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as err:
        pytest.fail(f"the fleet needs Redis at {REDIS_URL} ({err}): redis-server --daemonize yes", pytrace=False)
    server = make_url(PG_SERVER)
    name = f"marque_fleet_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as err:
        pytest.fail(f"the fleet needs PostgreSQL at {PG_SERVER}: {str(err).splitlines()[0]}", pytrace=False)
    db_url = server.set(database=name).render_as_string(hide_password=False)
    tmp = tmp_path_factory.mktemp("fleet")
    try:
        fleet = Fleet(
            tmp,
            db_url,
            REDIS_URL,
            instances_count=2,
            extra_env={"MARQUE_RATE_LIMIT_LOGIN": "1000/15minutes"},
        )
        started = time.monotonic()
        with fleet:
            print(f"\n[fleet] {fleet.url} over {[i.url for i in fleet.instances]} in {time.monotonic() - started:.0f}s")
            yield fleet
    except FleetError as err:
        pytest.fail(str(err), pytrace=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_nginx_redirects_to_https_and_round_robins_without_stickiness(fleet: Fleet) -> None:
    status, headers, _ = https_request(f"{fleet.http_url}/products?page=2")
    assert status == 301 and headers["location"] == f"{fleet.url}/products?page=2"
    # the app's own redirect (a page's folder: /login -> /login/) stays on https and this port
    status, headers, _ = https_request(f"{fleet.url}/login?tab=email")
    assert status in (200, 307), status
    if status == 307:
        assert headers["location"].startswith(f"{fleet.url}/login/"), headers["location"]
    # the same client, one request after another: both instances answer, alternately
    answered = [https_request(f"{fleet.url}/ping")[1].get("x-marque-instance") for _ in range(6)]
    assert set(answered) == {"app-1", "app-2"}, answered
    assert all(a != b for a, b in itertools.pairwise(answered)), answered


def _cart_rows(db_url: str, email: str) -> int:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text(
                        "SELECT coalesce(sum(ci.quantity), 0) FROM cart_items ci "
                        "JOIN users u ON u.id = ci.user_id WHERE u.email = :e"
                    ),
                    {"e": email},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _products(db_url: str, count: int) -> list[str]:
    """Slugs of active single-variant products in good stock (the page's default variant)."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [
                r[0]
                for r in conn.execute(
                    sa.text(
                        """
                    SELECT p.slug FROM products p JOIN product_variants v ON v.product_id = p.id
                    WHERE p.status = 'active' AND v.inventory_quantity >= 20
                      AND (SELECT COUNT(*) FROM product_variants w WHERE w.product_id = p.id) = 1
                    ORDER BY p.slug LIMIT :n
                    """
                    ),
                    {"n": count},
                ).all()
            ]
    finally:
        engine.dispose()


def _badge(page, testid: str) -> int:
    badge = page.get_by_test_id(testid)
    expect(badge).to_have_attribute("data-pending", "false")
    return int(badge.inner_text() or 0)


def test_a_tab_whose_instance_is_killed_reconnects_to_the_other_with_everything_intact(fleet: Fleet, browser) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}", pytrace=False)
    context = browser.new_context(base_url=fleet.url, ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page._marque_frames = []
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: page._marque_frames.append(p)))
    # The websocket handshakes' answers, with the instance that took each (DevTools protocol).
    handshakes: list[str] = []
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")

    def on_handshake(params) -> None:
        headers = {k.lower(): v for k, v in (params.get("response", {}).get("headers") or {}).items()}
        if params.get("response", {}).get("status") == 101:
            # granian drops the instance's own headers on a 101; nginx names the upstream
            upstream = headers.get("x-marque-upstream", "")
            handshakes.append(fleet.instance_at(upstream).name if upstream else "?")

    cdp.on("Network.webSocketHandshakeResponseReceived", on_handshake)

    def goto(path: str) -> None:
        page._marque_frames.clear()
        page.goto(path)
        wait_for_hydration(page)

    try:
        first, second, third = _products(fleet.db_url, 3)
        goto("/login?tab=email")
        log_in_with_email(page, *SHOPPER)
        expect(page.get_by_test_id("account-menu")).to_be_visible()

        goto(f"/products/{first}")
        cart0, wish0 = _badge(page, "cart-count"), _badge(page, "wishlist-count")
        page.get_by_test_id("add-to-cart").click()
        expect_count(page, "cart-count", cart0 + 1)
        page.get_by_test_id("add-to-cart").locator("xpath=..").get_by_test_id("heart-toggle").click()
        expect_count(page, "wishlist-count", wish0 + 1)
        goto(f"/products/{second}")  # a new page load: a new websocket, maybe the other instance
        page.get_by_test_id("add-to-cart").click()
        expect_count(page, "cart-count", cart0 + 2)
        assert _cart_rows(fleet.db_url, SHOPPER[0]) == cart0 + 2

        assert handshakes and handshakes[-1] in {"app-1", "app-2"}, handshakes
        victim = handshakes[-1]
        survivor = "app-2" if victim == "app-1" else "app-1"
        seen = len(handshakes)
        page._marque_frames.clear()
        fleet.kill(victim)
        killed_at = time.monotonic()

        # the tab reconnects by itself (no reload), through nginx, to the instance still up
        deadline = time.monotonic() + 45
        while len(handshakes) == seen and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert len(handshakes) > seen, "the tab did not open a new websocket after its instance died"
        assert handshakes[-1] == survivor, handshakes
        wait_for_hydration(page)
        reconnect_s = time.monotonic() - killed_at
        print(f"\n[fleet] {victim} killed; the tab was back on {survivor} after {reconnect_s:.1f}s")

        # log-in, cart and wishlist as they were, without a reload
        expect(page.get_by_test_id("account-menu")).to_be_visible()
        expect_count(page, "cart-count", cart0 + 2)
        expect_count(page, "wishlist-count", wish0 + 1)
        # a further add works, on the survivor, and is saved
        page.get_by_test_id("add-to-cart").click()
        expect_count(page, "cart-count", cart0 + 3)
        assert _cart_rows(fleet.db_url, SHOPPER[0]) == cart0 + 3
        # a full page load (a new websocket) is served by the survivor alone, still logged in
        goto(f"/products/{third}")
        assert handshakes[-1] == survivor
        expect(page.get_by_test_id("account-menu")).to_be_visible()
        expect_count(page, "cart-count", cart0 + 3)
        expect_count(page, "wishlist-count", wish0 + 1)
        page.goto("/wishlist")
        wait_for_hydration(page)
        expect(page.get_by_test_id("wishlist-item")).to_have_count(wish0 + 1)
        assert not errors, errors
    finally:
        context.close()
