"""The per-account failure budget in the real Redis, shared by every worker."""

from __future__ import annotations

import uuid

import pytest
from limits.storage import RedisStorage

from marque_app.domain.auth import FailureBudget, RateLimited
from marque_app.services.auth.lockout import FailureCounter
from tests.dbutil import REDIS_URL, redis_or_fail


def test_failure_budget_in_redis_is_shared_by_workers():
    client = redis_or_fail()
    prefix = f"marque-test-{uuid.uuid4().hex[:10]}"
    policy = FailureBudget(budget=3, base_delay_seconds=30)
    try:
        workers = [FailureCounter(storage=RedisStorage(REDIS_URL, key_prefix=prefix), policy=policy) for _ in range(2)]
        assert [workers[n % 2].fail("password", "a@b.co").pause for n in range(4)] == [0, 0, 0, 30]
        for worker in workers:
            with pytest.raises(RateLimited) as err:
                worker.check("password", "a@b.co")
            assert 25 <= err.value.retry_after <= 30
        workers[0].check("password", "c@d.co")
        workers[1].succeed("password", "a@b.co")
        workers[0].check("password", "a@b.co")
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()
