"""The per-account failure budget: failed log-ins counted per account, from every address.

Past the budget (``MARQUE_LOGIN_FAILURE_BUDGET`` failures in ``MARQUE_LOGIN_FAILURE_WINDOW_SECONDS``)
each further failure pauses that log-in path of the account for a time that doubles
(``domain.auth.failure_pause``); attempts during a pause are refused (429) without checking the
password, so they cannot be used for guessing, and are not counted, so hammering does not make
the pause longer. A success clears the count. The password and the phone code are counted
apart ("password" and "code" scopes), so each is a way back in while the other pauses, and a
password reset clears the password's count. Going over the budget writes a row to the admin's
activity log (``auth.login_failures``) with the count and the last address.

Counters live in Redis when configured (shared by every worker), else in process memory, with
the ``limits`` storages the rate limiter uses.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits.storage import MemoryStorage, RedisStorage, Storage

from marque_app.domain.auth import FailureBudget, failure_pause, paused
from marque_app.settings import Settings, get_settings

SCOPES = ("password", "code")
log = logging.getLogger("marque.auth")


@dataclass(frozen=True)
class Failure:
    """One failure counted: the account's failures in the window and the pause it set (s)."""

    count: int
    pause: int

    @property
    def over_budget(self) -> bool:
        return self.pause > 0


class FailureCounter:
    """Failed log-ins per (scope, account) and the pauses they set, in a ``limits`` storage."""

    def __init__(self, *, storage: Storage, policy: FailureBudget, enabled: bool = True) -> None:
        self.storage, self.policy, self.enabled = storage, policy, enabled

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> FailureCounter:
        s = settings or get_settings()
        policy = FailureBudget(
            budget=s.login_failure_budget,
            window_seconds=s.login_failure_window_seconds,
            base_delay_seconds=s.login_backoff_seconds,
            max_delay_seconds=s.login_backoff_max_seconds,
        )
        if s.redis_url:
            storage: Storage = RedisStorage(s.redis_url, key_prefix=f"{s.redis_prefix}failures")
        else:
            storage = MemoryStorage()
        return cls(storage=storage, policy=policy, enabled=s.rate_limit_enabled)

    @staticmethod
    def _keys(scope: str, account: str) -> tuple[str, str]:
        return f"count:{scope}:{account}", f"pause:{scope}:{account}"

    def check(self, scope: str, account: str) -> None:
        """Refuse while the account's ``scope`` log-in is paused.

        Raises:
            RateLimited: "Too many failed log-ins for this account; try again in 2 minutes, or
                log in with a phone code or reset your password".
        """
        if not (self.enabled and account):
            return
        _, pause_key = self._keys(scope, account)
        try:
            left = math.ceil(self.storage.get_expiry(pause_key) - time.time()) if self.storage.get(pause_key) else 0
        except Exception:  # Redis down: the per-address limits still apply
            log.warning("the failure budget's storage did not answer; not checked", exc_info=True)
            return
        if left > 0:
            raise paused(scope, left)

    def fail(self, scope: str, account: str) -> Failure:
        """Count one failure; past the budget, pause the account's ``scope`` log-in."""
        if not (self.enabled and account):
            return Failure(0, 0)
        count_key, pause_key = self._keys(scope, account)
        try:
            count = self.storage.incr(count_key, self.policy.window_seconds)
            pause = failure_pause(count, policy=self.policy)
            if pause:
                self.storage.clear(pause_key)
                self.storage.incr(pause_key, pause)
        except Exception:
            log.warning("the failure budget's storage did not answer; failure not counted", exc_info=True)
            return Failure(0, 0)
        return Failure(count, pause)

    def succeed(self, scope: str, account: str) -> None:
        """A correct log-in (or a password reset): the account's count starts again."""
        if not account:
            return
        try:
            for key in self._keys(scope, account):
                self.storage.clear(key)
        except Exception:
            log.warning("the failure budget's storage did not answer; count not cleared", exc_info=True)


_shared: dict[str, FailureCounter] = {}


def get_failure_counter(settings: Settings | None = None) -> FailureCounter:
    """The process-wide counter for the current settings (API and Reflex state share it)."""
    s = settings or get_settings()
    key = "|".join(
        str(v)
        for v in (
            s.redis_url,
            s.redis_prefix,
            s.rate_limit_enabled,
            s.login_failure_budget,
            s.login_failure_window_seconds,
            s.login_backoff_seconds,
            s.login_backoff_max_seconds,
        )
    )
    if key not in _shared:
        _shared[key] = FailureCounter.from_settings(s)
    return _shared[key]
