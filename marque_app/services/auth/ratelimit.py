"""Rate limits with the ``limits`` library: moving windows in Redis when configured, else memory.

The seed's limits, from settings: log-in ``MARQUE_RATE_LIMIT_LOGIN`` (5 per 15 minutes) counted
per phone number or e-mail from one client address, AND per client address (so nobody can use
up an account's attempts from other addresses: the account as a whole has the larger failure
budget of ``lockout``); the whole API ``MARQUE_RATE_LIMIT_API`` (100
per 15 minutes) per client address. Memory storage is per process (one worker in development);
with ``REFLEX_REDIS_URL`` every worker shares the counters.

When Redis fails, the limits fall back to this process's memory (logged once per outage) and
Redis is tried again after :data:`REDIS_RETRY_SECONDS`: a Redis outage never refuses or fails
a request, it only makes the counters per process for a while.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from marque_app.domain.auth import RateLimited
from marque_app.settings import Settings, get_settings

log = logging.getLogger(__name__)

#: Seconds the limiter counts in memory after Redis failed, before it tries Redis again.
REDIS_RETRY_SECONDS = 1.0
#: Socket timeouts of the limiter's Redis client: a Redis that hangs costs a request this much.
REDIS_TIMEOUT_SECONDS = 0.5

#: Log-in flows, each counted on its own (asking for a code does not use up log-in attempts).
LOGIN_SCOPES = ("login", "code", "register", "reset")


@dataclass(frozen=True)
class RateDecision:
    """One counted request: allowed or not, and when the window frees up."""

    allowed: bool
    limit: str
    remaining: int
    retry_after: int  # seconds; 0 when allowed


class RateLimiter:
    """Counts hits per (scope, key) against limits such as ``"5/15minutes"``."""

    def __init__(self, *, storage: Storage, enabled: bool = True) -> None:
        self.storage = storage
        self.primary = MovingWindowRateLimiter(storage)
        self.enabled = enabled
        # Redis down: count in this process's memory until _down_until, then try Redis again.
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._down_until = 0.0
        self._failed_at = 0.0  # when the last failure was seen (monotonic)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> RateLimiter:
        """Redis storage (keys under ``MARQUE_REDIS_PREFIX``) when configured, else memory."""
        s = settings or get_settings()
        if s.redis_url:
            storage: Storage = RedisStorage(
                s.redis_url,
                key_prefix=f"{s.redis_prefix}limits",
                wrap_exceptions=True,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
        else:
            storage = MemoryStorage()
        return cls(storage=storage, enabled=s.rate_limit_enabled)

    @property
    def strategy(self) -> MovingWindowRateLimiter:
        """Where requests are counted now: the configured storage, or memory while it is down."""
        return self._memory if time.monotonic() < self._down_until else self.primary

    @property
    def is_degraded(self) -> bool:
        """True while Redis is down and the counters are this process's own."""
        return time.monotonic() < self._down_until

    def _storage_failed(self, error: Exception) -> None:
        with self._lock:
            first = self._down_until == 0.0
            self._failed_at = time.monotonic()
            self._down_until = self._failed_at + REDIS_RETRY_SECONDS
        if first:
            log.warning(
                "rate limits: Redis failed (%s); counting in this process's memory until it "
                "answers again (tried every %.0f s)",
                error,
                REDIS_RETRY_SECONDS,
            )

    def _storage_answered(self, started: float) -> None:
        """A count that began at ``started`` succeeded. Only one begun after the last failure
        says Redis is back: a request sent before the outage may answer after it began."""
        if self._down_until:
            with self._lock:
                was_down = self._down_until != 0.0 and started >= self._failed_at
                if was_down:
                    self._down_until = 0.0
            if was_down:
                log.warning("rate limits: Redis answers again; counting in Redis")

    def _items(self, limit: str) -> list[RateLimitItem]:
        return _parse(limit)

    def hit(self, scope: str, key: str, limit: str) -> RateDecision:
        """Count one request for ``key`` in ``scope``; refused when a window is full."""
        return self.hit_many(scope, [key], limit)

    def hit_many(self, scope: str, keys: list[str], limit: str) -> RateDecision:
        """Count one request against every key (e.g. the e-mail and the client address).

        Nothing is counted when any key is already over its limit, so a refused request
        never pushes the other key's window further.
        """
        if not self.enabled:
            return RateDecision(True, limit, -1, 0)
        strategy = self.strategy
        if strategy is self.primary:
            started = time.monotonic()
            try:
                decision = self._count(strategy, scope, keys, limit)
            except (StorageError, OSError) as error:  # Redis down, refused, timed out
                self._storage_failed(error)
            else:
                self._storage_answered(started)
                return decision
        return self._count(self._memory, scope, keys, limit)

    def _count(self, strategy: MovingWindowRateLimiter, scope: str, keys: list[str], limit: str) -> RateDecision:
        items = self._items(limit)
        pairs = [(item, scope, key) for item in items for key in keys if key]
        for item, sc, key in pairs:
            if not strategy.test(item, sc, key):
                return RateDecision(False, limit, 0, self._retry_after(strategy, item, sc, key))
        for item, sc, key in pairs:
            if not strategy.hit(item, sc, key):
                return RateDecision(False, limit, 0, self._retry_after(strategy, item, sc, key))
        remaining = min(
            (strategy.get_window_stats(item, sc, key).remaining for item, sc, key in pairs),
            default=-1,
        )
        return RateDecision(True, limit, remaining, 0)

    def check(self, scope: str, keys: list[str], limit: str, *, message: str) -> RateDecision:
        """Like :meth:`hit_many`, raising :class:`RateLimited` (with ``retry_after``) when refused."""
        decision = self.hit_many(scope, keys, limit)
        if not decision.allowed:
            raise RateLimited(
                f"{message}; try again in {_in_words(decision.retry_after)}", retry_after=decision.retry_after
            )
        return decision

    @staticmethod
    def _retry_after(strategy: MovingWindowRateLimiter, item: RateLimitItem, scope: str, key: str) -> int:
        stats = strategy.get_window_stats(item, scope, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def reset(self) -> None:
        """Forget every counter (memory storage; Redis: this limiter's keys only)."""
        self._memory.storage.reset()
        self.storage.reset()


@lru_cache(maxsize=32)
def _parse(limit: str) -> list[RateLimitItem]:
    return parse_many(limit)


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def check_login(
    limiter: RateLimiter,
    *,
    scope: str,
    identifier: str,
    client: str,
    settings: Settings | None = None,
) -> RateDecision:
    """Count a log-in attempt against the phone/e-mail from this address, and the address.

    The phone/e-mail is counted per address (OWASP: a limit per account alone lets anyone lock
    the owner out by naming the account); all addresses together meet the account's failure
    budget in the log-in services (``lockout``).

    Args:
        scope: one of :data:`LOGIN_SCOPES`.
        identifier: the E.164 phone number or the lower-cased e-mail ("" when unknown).
        client: the client's address (the API's ``request.client.host``).

    Raises:
        RateLimited: "Too many log-in attempts; try again in 12 minutes".
    """
    s = settings or get_settings()
    address = client or "unknown"
    keys = [f"id:{identifier}|ip:{address}" if identifier else "", f"ip:{address}"]
    return limiter.check(scope, keys, s.rate_limit_login, message="Too many log-in attempts")


_shared: dict[str, RateLimiter] = {}


def get_rate_limiter(settings: Settings | None = None) -> RateLimiter:
    """The process-wide limiter for the current settings (for the Reflex state)."""
    s = settings or get_settings()
    key = f"{s.redis_url}|{s.redis_prefix}|{s.rate_limit_enabled}"
    if key not in _shared:
        _shared[key] = RateLimiter.from_settings(s)
    return _shared[key]
