"""Redis and the database stopped under a bounded load: the API never answers 500, recovers within
2 s of the service's return, and loses no change it acknowledged.

The load: three shoppers reading the catalog (list and product page), two guests placing orders
(each order retried with its Idempotency-Key until acknowledged) and a monitor on ``/_health``.
The Redis is the test's own ``redis-server`` (killed and started again on its port); the database
is reached through a TCP proxy that the test cuts and restores (the shared server keeps running).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid

import pytest
import redis
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlmodel import Session

from marque_app.api import create_api
from marque_app.models import Order
from marque_app.services.db import make_engine
from marque_app.settings import get_settings
from tests import dbutil
from tests.cartutil import bearer, make_product, make_user
from tests.orderutil import address
from tests.outage import Load, RedisServer, TcpProxy

API = "/api/v1"
BEFORE, DOWN, RECOVERY, AFTER = 1.0, 2.0, 2.0, 1.0


@pytest.fixture
def app_env(db_url, monkeypatch):
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setenv("MARQUE_REDIS_PREFIX", f"outage{uuid.uuid4().hex[:8]}:")
    monkeypatch.setenv("MARQUE_RATE_LIMIT_API", "100000/15minutes")  # the load is one address
    monkeypatch.setenv("MARQUE_RATE_LIMIT_CHECKOUT", "100000/hour")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


class Shop:
    """The load's steps against ``client``, and what the guests were told was placed."""

    def __init__(self, client: TestClient, product, variant, tag: str) -> None:
        self.client, self.product, self.variant, self.tag = client, product, variant, tag
        self.headers: dict[str, str] = {}
        self.acked: dict[str, tuple[str, str]] = {}  # Idempotency-Key -> (guest e-mail, order id)
        self.pending: dict[int, str] = {}
        self.lock = threading.Lock()

    def browse(self, worker: int, n: int):
        if n % 2:
            return "catalog", self.client.get(f"{API}/products/{self.product.slug}")
        return "catalog", self.client.get(f"{API}/products", params={"per_page": 5, "page": 1 + n % 3})

    def order(self, worker: int, n: int):
        key = self.pending.setdefault(worker, f"{self.tag}-{worker}-{n}")
        email = f"{key}@example.com"
        response = self.client.post(
            f"{API}/orders",
            json={
                "guest_email": email,
                "lines": [{"sku_id": str(self.variant.id), "quantity": 1}],
                "shipping_address": address(),
            },
            headers={"Idempotency-Key": key},
        )
        if response.status_code == 201:
            with self.lock:
                self.acked[key] = (email, response.json()["id"])
            del self.pending[worker]
        elif response.status_code != 503:  # refused for good: the next order
            del self.pending[worker]
        return "order", response

    def health(self, worker: int, n: int):
        return "health", self.client.get("/_health")

    def account(self, worker: int, n: int):
        """A logged-in shopper's cart (the token check, the cart reads)."""
        return "account", self.client.get(f"{API}/cart", headers=self.headers)


def start_load(shop: Shop) -> Load:
    steps = [shop.browse] * 3 + [shop.order] * 2 + [shop.health] + ([shop.account] if shop.headers else [])
    return Load(steps=steps).start()


def first_after(load: Load, what: str, since: float, ok=lambda a: a.status < 400) -> float | None:
    times = [a.at for a in load.of(what, since) if ok(a)]
    return min(times) - since if times else None


def assert_no_change_lost(engine: sa.Engine, shop: Shop) -> None:
    """Every acknowledged order is in the database exactly once, with the id the guest was given."""
    assert shop.acked, "no order was acknowledged"
    with Session(engine) as session:
        rows = session.execute(
            sa.select(Order.idempotency_key, Order.id).where(Order.guest_email.like(f"{shop.tag}-%"))
        ).all()
    by_key: dict[str, list[str]] = {}
    for scoped, order_id in rows:
        by_key.setdefault(scoped.rsplit(":", 1)[1], []).append(str(order_id))
    for key, (_email, order_id) in shop.acked.items():
        assert by_key.get(key) == [order_id], f"order {key} acknowledged as {order_id}, stored {by_key.get(key)}"
    assert all(len(ids) == 1 for ids in by_key.values()), "an order was placed twice"


def report(name: str, **figures) -> None:
    print(json.dumps({"outage": name, **figures}))


def test_redis_outage_keeps_the_api_answering(app_env, engine, caplog):
    server = RedisServer()
    server.start()
    try:
        app_env.setenv("REFLEX_REDIS_URL", server.url)
        get_settings.cache_clear()
        with Session(engine, expire_on_commit=False) as db:
            product, (variant,) = make_product(db, price="5.00", stock=(100000,))
            shopper = bearer(make_user(db))
        caplog.set_level(logging.WARNING)
        with TestClient(create_api(engine=lambda: engine), raise_server_exceptions=False) as client:
            shop = Shop(client, product, variant, f"redis{uuid.uuid4().hex[:6]}")
            shop.headers = shopper
            load = start_load(shop)
            time.sleep(BEFORE)
            down_at = load.now()
            server.stop()
            time.sleep(DOWN)
            up_at = load.now()
            server.start()
            probe = redis.Redis.from_url(server.url)
            limits_back = cache_back = None
            deadline = time.monotonic() + RECOVERY + 3
            while time.monotonic() < deadline and (limits_back is None or cache_back is None):
                keys = [k.decode() for k in probe.keys("*")]
                if limits_back is None and any("limits" in k for k in keys):
                    limits_back = load.now() - up_at
                if cache_back is None and any(k.startswith("marque:catalog:") for k in keys):
                    cache_back = load.now() - up_at
                time.sleep(0.02)
            probe.close()
            time.sleep(AFTER)
            load.stop()
    finally:
        server.stop()

    statuses = load.statuses()
    during = load.of("catalog", down_at, up_at)
    health_down = load.of("health", down_at, up_at)
    health_back = first_after(load, "health", up_at, lambda a: a.body.get("status") == "ok")
    report(
        "redis",
        statuses=statuses,
        requests=len(load.answers),
        catalog_while_down=len(during),
        health_ok_after_s=health_back,
        limits_in_redis_after_s=limits_back,
        cache_in_redis_after_s=cache_back,
        orders_acked=len(shop.acked),
    )
    assert 500 not in statuses, statuses
    assert during and all(a.status == 200 for a in during), "catalog reads failed while Redis was down"
    carts = load.of("account", down_at, up_at)
    assert carts and all(a.status == 200 for a in carts), "logged-in requests failed while Redis was down"
    assert any(a.status == 201 for a in load.of("order", down_at, up_at)), "no order while Redis was down"
    assert health_down and all(a.status == 200 and a.body["status"] == "degraded" for a in health_down)
    assert health_back is not None and health_back <= RECOVERY
    assert limits_back is not None and limits_back <= RECOVERY, "the limits did not go back to Redis"
    assert cache_back is not None and cache_back <= RECOVERY, "the cache did not go back to Redis"
    limiter_logs = [r.getMessage() for r in caplog.records if r.name == "marque_app.services.auth.ratelimit"]
    assert sum("Redis failed" in m for m in limiter_logs) == 1, limiter_logs
    assert sum("Redis answers again" in m for m in limiter_logs) == 1, limiter_logs
    cache_logs = [r.getMessage() for r in caplog.records if r.name == "marque_app.services.cache"]
    assert sum("failed" in m for m in cache_logs) == 1, cache_logs
    assert_no_change_lost(engine, shop)


@pytest.mark.skipif(
    not dbutil.test_database_url(),
    reason="PostgreSQL outage: runs in `make test-pg` (MARQUE_TEST_DATABASE_URL); SQLite has no server to lose",
)
def test_database_outage_is_503_with_retry_after_and_recovers(app_env, db_url, engine):
    url = make_url(db_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.restore()
    app_engine = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    try:
        with Session(engine, expire_on_commit=False) as db:
            product, (variant,) = make_product(db, price="5.00", stock=(100000,))
        with TestClient(create_api(engine=lambda: app_engine), raise_server_exceptions=False) as client:
            shop = Shop(client, product, variant, f"pg{uuid.uuid4().hex[:6]}")
            load = start_load(shop)
            time.sleep(BEFORE)
            down_at = load.now()
            proxy.cut()
            time.sleep(DOWN)
            up_at = load.now()
            proxy.restore()
            deadline = time.monotonic() + RECOVERY + 3
            while time.monotonic() < deadline and first_after(load, "catalog", up_at) is None:
                time.sleep(0.02)
            time.sleep(AFTER)
            load.stop()
            # the orders still pending when the load stopped: retried with their keys until placed
            for worker in list(shop.pending):
                for _ in range(20):
                    _, response = shop.order(worker, 0)
                    if response.status_code != 503:
                        break
                    time.sleep(0.1)
    finally:
        proxy.cut()
        app_engine.dispose()

    statuses = load.statuses()
    down = [a for a in load.answers if down_at <= a.at and a.done < up_at]
    refused = [a for a in down if a.status == 503]
    recovered = {what: first_after(load, what, up_at) for what in ("catalog", "order", "health")}
    report(
        "postgresql",
        statuses=statuses,
        requests=len(load.answers),
        answers_while_down=len(down),
        refused_503_while_down=len(refused),
        recovery_s=recovered,
        orders_acked=len(shop.acked),
    )
    assert 500 not in statuses, statuses
    assert down and len(refused) == len(down), {a.status for a in down}
    for a in refused:
        if a.what != "health":  # /_health answers its report
            assert a.retry_after and int(a.retry_after) > 0, a
            assert isinstance(a.body, dict) and a.body.get("detail"), a.body
    assert all(a.status == 503 and a.body["status"] == "degraded" for a in down if a.what == "health")
    assert all(v is not None and v <= RECOVERY for v in recovered.values()), recovered
    assert not shop.pending, f"orders never placed: {shop.pending}"
    assert_no_change_lost(engine, shop)
