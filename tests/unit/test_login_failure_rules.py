"""The per-account failure budget's rule (domain.auth.failure_pause) and its refusal."""

from __future__ import annotations

from marque_app.api.errors import http_status
from marque_app.domain.auth import FailureBudget, failure_pause, paused


def test_pause_is_zero_within_the_budget_then_doubles_up_to_the_cap():
    policy = FailureBudget()
    assert (policy.budget, policy.base_delay_seconds, policy.max_delay_seconds) == (20, 30, 900)
    assert [failure_pause(n, policy=policy) for n in (0, 1, 20)] == [0, 0, 0]
    assert [failure_pause(n, policy=policy) for n in range(21, 28)] == [30, 60, 120, 240, 480, 900, 900]
    assert failure_pause(10_000, policy=policy) == 900


def test_the_refusal_names_the_way_back_in():
    err = paused("password", 75)
    assert http_status(err) == 429 and err.retry_after == 75
    assert err.message == (
        "Too many failed log-ins for this account; try again in 75 seconds, or log in "
        "with a phone code or reset your password"
    )
    assert "2 minutes" in paused("code", 91).message and "e-mail and password" in paused("code", 91).message
