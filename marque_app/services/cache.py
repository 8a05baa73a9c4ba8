"""The catalog cache: service results kept in Redis as JSON, dropped in O(1) by a generation bump.

Only when Redis is configured (``REFLEX_REDIS_URL``); without it the catalog reads the database
every time. Every key carries the current generation of each kind of data it depends on
(``marque:catalog:gen:products``, ``...:gen:categories``); ``invalidate_products()`` and
``invalidate_categories()`` increment that counter, so every worker's next read misses at once
and the stale entries simply expire (products after 1 hour, categories after 6, the seed's TTLs).

A Redis that fails is logged (once per outage) and skipped for a second at a time: pages and the
API then read the database directly, they never fail because of the cache.

In front of it, every process keeps the catalog reads its storefront pages make (product page,
category navigation, home page) in memory for a few seconds (:func:`local_fetch`): a page load
then runs no statement at all. An entry is used only while the data generations it was made
with are still current: this process's own counters (bumped by ``invalidate_*`` here, at once)
and, with Redis, the shared counters: one ``MGET`` at most once a second
(:data:`SHARED_FRESH`) while this process's listener hears the bumps that ``invalidate``
publishes, so another worker's change is seen by the next read here within a millisecond or
so. The TTL (``LOCAL_TTL``) bounds what no counter sees (a write made outside the app).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import threading
import time
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import cache, lru_cache
from typing import TypeVar, cast
from urllib.parse import urlencode

import redis as redis_lib

from marque_app.settings import get_settings

log = logging.getLogger(__name__)

T = TypeVar("T")

KINDS = ("products", "categories")
#: Seconds to leave Redis alone after it failed.
RETRY_AFTER = 1.0
#: Before every key (Reflex's own state keys never start with it).
PREFIX = "marque:"
#: Seconds a process trusts the shared generation counters it last read while it hears the
#: bumps published on the cache's channel (one ``MGET`` per interval instead of one per read).
SHARED_FRESH = 1.0


# --------------------------------------------------------------------------------------------
# JSON for frozen dataclasses (Decimal as strings, never floats)


def dumps(value: object) -> str:
    """``value`` (dataclasses, lists, Decimals, None) as JSON text."""

    def plain(obj: object) -> object:
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        if isinstance(obj, (list, tuple)):
            return [plain(x) for x in obj]
        if isinstance(obj, dict):
            return {str(k): plain(v) for k, v in obj.items()}
        if isinstance(obj, Decimal):
            return {"$decimal": str(obj)}
        return obj

    return json.dumps(plain(value), separators=(",", ":"))


def loads(text: str | bytes, result_type: object) -> object:
    """The value ``dumps`` wrote, rebuilt as ``result_type`` (e.g. ``list[ProductCard] | None``)."""
    return _build(result_type, json.loads(text))


def _build(tp: object, data: object) -> object:
    if isinstance(data, dict) and set(data) == {"$decimal"}:
        return Decimal(data["$decimal"])
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(options[0], data) if len(options) == 1 else data
    if origin in (list, tuple):
        (item,) = typing.get_args(tp)[:1]
        return [_build(item, x) for x in data]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        return tp(**{k: _build(hints.get(k, object), v) for k, v in data.items() if k in hints})
    return data


@cache
def _hints(cls: type) -> dict[str, object]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in typing.get_type_hints(cls).items() if k in names}


# --------------------------------------------------------------------------------------------
# The cache


class CatalogCache:
    """Catalog results in Redis, keyed by name, canonical parameters and data generations.

    Args:
        redis: A ``redis.Redis`` client (bytes responses).
        prefix: Put before every key (tests use their own).
        products_ttl: Seconds a result that depends on products is kept.
        categories_ttl: Seconds a result that depends only on categories is kept.
    """

    def __init__(
        self,
        redis: redis_lib.Redis,
        *,
        prefix: str = PREFIX,
        products_ttl: int = 3600,
        categories_ttl: int = 21600,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = {"products": products_ttl, "categories": categories_ttl}
        self._down_until = 0.0
        self._failing = False  # between a failure and the next answer: one log line per outage
        self._failed_at = 0.0  # when the last failure was seen (monotonic)
        self._lock = threading.Lock()
        # The shared counters as last read: (bumps heard before the read, when, values). The
        # listener counts every bump published on ``channel`` (``invalidate`` publishes one):
        # while it listens, a read within SHARED_FRESH of the last one, with no bump heard since,
        # uses the copy without a round trip.
        self._shared: tuple[int, float, dict[str, int]] = (-1, float("-inf"), {})
        self._heard = 0
        self._listening = False
        self._listener_pid = 0

    @property
    def channel(self) -> str:
        """Where ``invalidate`` announces a bump (every worker's listener drops its counters)."""
        return f"{self.prefix}catalog:gen"

    def generation_key(self, kind: str) -> str:
        return f"{self.prefix}catalog:gen:{kind}"

    def key(self, name: str, params: Mapping[str, str], generations: Mapping[str, int]) -> str:
        """The canonical key: the same query always gives the same key."""
        gens = ".".join(f"{k[0]}{generations[k]}" for k in sorted(generations))
        query = urlencode(sorted(params.items()))
        if len(query) > 200:
            query = "h-" + hashlib.sha256(query.encode()).hexdigest()
        return f"{self.prefix}catalog:{name}:{gens}:{query}"

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, action: str, error: Exception) -> None:
        with self._lock:
            first = not self._failing
            self._failing = True
            self._failed_at = time.monotonic()
            self._down_until = self._failed_at + RETRY_AFTER
        if first:
            log.warning(
                "catalog cache: Redis %s failed (%s); reading the database until it answers (tried every %.0f s)",
                action,
                error,
                RETRY_AFTER,
            )

    def _answered(self, started: float) -> None:
        """A command sent at ``started`` was answered. Only one sent after the last failure says
        Redis is back: a read sent before the outage may answer after it began."""
        if self._failing:
            with self._lock:
                was = self._failing and started >= self._failed_at
                if was:
                    self._failing = False
            if was:
                log.warning("catalog cache: Redis answers again")

    def fetch(
        self,
        name: str,
        params: Mapping[str, str],
        compute: Callable[[], T],
        *,
        result_type: object,
        kinds: tuple[str, ...] = ("products",),
    ) -> T:
        """The cached result for ``(name, params)``, else ``compute()`` (then kept).

        ``kinds`` are the data the result depends on: bumping any of their generations makes
        the cached result unreachable. The first kind is what the result is (its TTL applies:
        the category tree stays 6 hours although its counts also depend on products; a change
        to either bumps a generation, so the TTL only bounds memory, never staleness).
        """
        if not self.available:
            return compute()
        started = time.monotonic()
        try:
            raw = self.redis.mget([self.generation_key(k) for k in kinds])
            generations = {k: int(v or 0) for k, v in zip(kinds, raw, strict=False)}
            key = self.key(name, params, generations)
            hit = self.redis.get(key)
        except (redis_lib.RedisError, OSError, ValueError) as error:
            self._failed("read", error)
            return compute()
        self._answered(started)
        if hit is not None:
            try:
                return cast(T, loads(hit, result_type))
            except (ValueError, TypeError, KeyError) as error:
                log.warning("catalog cache: dropping unreadable entry %s (%s)", key, error)
        value = compute()
        try:
            self.redis.set(key, dumps(value), ex=self.ttl[kinds[0]])
        except (redis_lib.RedisError, OSError) as error:
            self._failed("write", error)
        return value

    def invalidate(self, kind: str) -> bool:
        """Make every cached result that depends on ``kind`` unreachable (one INCR)."""
        if kind not in KINDS:
            raise ValueError(f"unknown cache kind {kind!r}; one of {KINDS}")
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.incr(self.generation_key(kind))
            pipe.publish(self.channel, kind)
            pipe.execute()
        except (redis_lib.RedisError, OSError) as error:
            self._heard += 1  # this process's copy of the counters is not to be trusted now
            log.error(
                "catalog cache: could not invalidate %s (%s); stale entries expire within %d s",
                kind,
                error,
                self.ttl[kind],
            )
            return False
        return True

    def invalidate_products(self) -> bool:
        return self.invalidate("products")

    def invalidate_categories(self) -> bool:
        return self.invalidate("categories")

    def shared_generations(self, kinds: tuple[str, ...]) -> tuple[int, ...] | None:
        """The shared counters of ``kinds`` (None while Redis fails): this process's copy while
        its listener has heard no bump since it was read and it is younger than
        :data:`SHARED_FRESH`, else one ``MGET``. A bump published by another worker reaches the
        listener within a millisecond or so; a writer that does not publish (an older release)
        is seen within SHARED_FRESH."""
        self._listen()
        now = time.monotonic()
        heard_then, read_at, values = self._shared
        if self._listening and heard_then == self._heard and now - read_at < SHARED_FRESH:
            return tuple(values[k] for k in kinds)
        if not self.available:
            return None
        heard = self._heard  # a bump heard while the MGET runs leaves the copy stale
        try:
            raw = self.redis.mget([self.generation_key(k) for k in KINDS])
        except (redis_lib.RedisError, OSError) as error:
            self._failed("read", error)
            return None
        self._answered(now)
        values = {k: int(v or 0) for k, v in zip(KINDS, raw, strict=True)}
        self._shared = (heard, now, values)
        return tuple(values[k] for k in kinds)

    def _listen(self) -> None:
        """Start this process's listener once (again in a forked worker: threads do not fork)."""
        pid = os.getpid()
        if self._listener_pid == pid:
            return
        with self._lock:
            if self._listener_pid == pid:
                return
            self._listener_pid, self._listening = pid, False
            threading.Thread(target=self._hear, name="marque-catalog-generations", daemon=True).start()

    def _hear(self) -> None:
        """Count every published bump; while not subscribed (Redis down, a dropped connection:
        a bump may go unheard) ``shared_generations`` asks Redis on every read instead."""
        pid = os.getpid()
        while self._listener_pid == pid:
            pubsub = self.redis.pubsub()
            try:
                pubsub.subscribe(self.channel)
                deadline = time.monotonic() + 5
                while (message := pubsub.get_message(timeout=0.5)) is None or message["type"] != "subscribe":
                    if time.monotonic() > deadline:
                        raise TimeoutError("no answer to SUBSCRIBE")
                self._heard += 1  # what was read before the subscription may be stale
                self._listening = True
                while self._listener_pid == pid:
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None and message["type"] == "message":
                        self._heard += 1
            except (redis_lib.RedisError, OSError, ValueError):
                pass
            finally:
                self._listening = False
                self._heard += 1
                with contextlib.suppress(redis_lib.RedisError, OSError):
                    pubsub.close()
            time.sleep(RETRY_AFTER)


@lru_cache(maxsize=4)
def _cache_for(url: str, products_ttl: int, categories_ttl: int) -> CatalogCache:
    client = redis_lib.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return CatalogCache(client, products_ttl=products_ttl, categories_ttl=categories_ttl)


def catalog_cache() -> CatalogCache | None:
    """The process's catalog cache on the configured Redis, or None without Redis."""
    settings = get_settings()
    if not settings.redis_url:
        return None
    return _cache_for(
        settings.redis_url,
        settings.cache_products_ttl,
        settings.cache_categories_ttl,
    )


# --------------------------------------------------------------------------------------------
# The process-local tier

#: Seconds a process keeps a catalog read in memory (bounds writes no generation counter saw).
LOCAL_TTL = 60.0
#: Entries kept per process (the oldest go first).
LOCAL_SIZE = 4096

_local: dict[tuple, tuple[float, tuple[int, ...], object]] = {}
_local_generations = dict.fromkeys(KINDS, 0)
_local_lock = threading.Lock()


def _generations(kinds: tuple[str, ...]) -> tuple[int, ...] | None:
    """This process's counters for ``kinds``, with the shared ones from Redis when configured
    (None when Redis is configured but failing: the caller reads the database)."""
    own = tuple(_local_generations[k] for k in kinds)
    cache = catalog_cache()
    if cache is None:
        return own
    shared = cache.shared_generations(kinds)
    return None if shared is None else own + shared


def local_fetch(
    name: str,
    params: Mapping[str, str],
    compute: Callable[[], T],
    *,
    kinds: tuple[str, ...] = ("products",),
    ttl: float = LOCAL_TTL,
) -> T:
    """``compute()``'s result for ``(name, params)`` from this process's memory while it is
    younger than ``ttl`` and its data generations are current; else computed and kept.

    The value is shared by every caller: treat it as read-only (the catalog's views are frozen
    dataclasses and tuples/lists that nobody mutates).
    """
    key = (name, tuple(sorted(params.items())))
    generations = _generations(kinds)
    now = time.monotonic()
    if generations is not None:
        hit = _local.get(key)
        if hit is not None and hit[0] > now and hit[1] == generations:
            return typing.cast(T, hit[2])
    value = compute()
    if generations is not None:
        with _local_lock:
            if len(_local) >= LOCAL_SIZE:
                for old in list(_local)[: LOCAL_SIZE // 4]:
                    _local.pop(old, None)
            _local[key] = (now + ttl, generations, value)
    return value


def _bump_local(kind: str) -> None:
    with _local_lock:
        _local_generations[kind] += 1


def clear_local() -> None:
    """Forget every process-local entry (tests; a bulk load from this process)."""
    with _local_lock:
        _local.clear()
        for kind in KINDS:
            _local_generations[kind] += 1


def invalidate_products() -> None:
    """Drop every cached product result (call after an admin changes products, prices, stock)."""
    _bump_local("products")
    cache = catalog_cache()
    if cache is not None:
        cache.invalidate_products()


def invalidate_categories() -> None:
    """Drop every cached category and brand result (call after an admin changes them)."""
    _bump_local("categories")
    cache = catalog_cache()
    if cache is not None:
        cache.invalidate_categories()


def invalidate_catalog() -> None:
    """Drop every cached catalog result (after loading or generating a whole catalog)."""
    invalidate_products()
    invalidate_categories()
