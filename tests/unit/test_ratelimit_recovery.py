"""The rate limiter goes back to Redis only on an answer to a count begun after the failure: a
request sent before the outage that answers late does not end it (one "failed", one "answers
again" per outage in the log)."""

from __future__ import annotations

import logging
import threading

from limits.storage import MemoryStorage

from marque_app.services.auth.ratelimit import RateLimiter
from marque_app.services.cache import CatalogCache


class GatedStorage(MemoryStorage):
    """Memory storage whose window reads can be held (a slow request) or refused (Redis down: for
    new requests, made from the test's own thread)."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = threading.Event()
        self.held = threading.Event()
        self.release = threading.Event()
        self.down = False

    def get_moving_window(self, key, limit, expiry):
        if self.hold.is_set():
            self.hold.clear()
            self.held.set()
            self.release.wait(5)
        elif self.down and threading.current_thread() is threading.main_thread():
            raise ConnectionError("Connection refused")  # the held request's connection is already open
        return super().get_moving_window(key, limit, expiry)


def test_a_late_answer_from_before_the_outage_does_not_end_it(caplog):
    storage = GatedStorage()
    limiter = RateLimiter(storage=storage)
    caplog.set_level(logging.WARNING, logger="marque_app.services.auth.ratelimit")
    storage.hold.set()
    slow = threading.Thread(target=limiter.hit, args=("login", "a", "100/minute"))
    slow.start()  # begun before the outage, held inside Redis
    assert storage.held.wait(5)
    storage.down = True
    assert limiter.hit("login", "b", "100/minute").allowed  # fails over to memory
    assert limiter.is_degraded
    storage.release.set()
    slow.join(5)  # the early request answers now
    assert limiter.is_degraded, "a request begun before the failure ended the outage"
    messages = [r.getMessage() for r in caplog.records]
    assert sum("Redis failed" in m for m in messages) == 1
    assert not any("Redis answers again" in m for m in messages)

    storage.down = False
    limiter._down_until = 0.0001  # the retry interval has passed (kept non-zero: still marked down)
    assert limiter.hit("login", "c", "100/minute").allowed
    assert not limiter.is_degraded
    assert sum("Redis answers again" in r.getMessage() for r in caplog.records) == 1


class GatedRedis:
    """A Redis client's mget/get/set in memory, whose reads can be held or refused like above."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.hold = threading.Event()
        self.held = threading.Event()
        self.release = threading.Event()
        self.down = False

    def mget(self, keys):
        if self.hold.is_set():
            self.hold.clear()
            self.held.set()
            self.release.wait(5)
        elif self.down and threading.current_thread() is threading.main_thread():
            raise ConnectionError("Connection refused")
        return [self.data.get(k) for k in keys]

    def get(self, key):
        return self.data.get(key)

    def set(self, key, value, ex=None):
        self.data[key] = value


def test_the_catalog_cache_logs_one_failure_per_outage(caplog):
    client = GatedRedis()
    cache = CatalogCache(client)  # type: ignore[arg-type]
    caplog.set_level(logging.WARNING, logger="marque_app.services.cache")
    client.hold.set()
    slow = threading.Thread(target=cache.fetch, args=("p", {}, lambda: [1]), kwargs={"result_type": list[int]})
    slow.start()
    assert client.held.wait(5)
    client.down = True
    assert cache.fetch("p", {}, lambda: [2], result_type=list[int]) == [2]  # the database's answer
    client.release.set()
    slow.join(5)
    cache._down_until = 0.0  # the retry interval has passed
    assert cache.fetch("p", {}, lambda: [3], result_type=list[int]) == [3]  # still down: refused again
    messages = [r.getMessage() for r in caplog.records]
    assert sum("failed" in m for m in messages) == 1, messages
    assert not any("answers again" in m for m in messages)
    client.down = False
    cache._down_until = 0.0
    cache.fetch("p", {}, lambda: [4], result_type=list[int])
    assert sum("answers again" in r.getMessage() for r in caplog.records) == 1
