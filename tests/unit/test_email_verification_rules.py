"""The e-mail verification rules (domain.email_verification), without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marque_app.domain.email_verification import link_expired, resend_wait, verification_state

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def test_resend_wait():
    assert resend_wait(None, now=T0, interval_seconds=60) == 0
    assert resend_wait(T0, now=T0, interval_seconds=60) == 60
    assert resend_wait(T0, now=T0 + timedelta(seconds=59.5), interval_seconds=60) == 1
    assert resend_wait(T0, now=T0 + timedelta(seconds=60), interval_seconds=60) == 0
    assert resend_wait(T0, now=T0, interval_seconds=0) == 0


def test_link_expired():
    assert link_expired(None, now=T0)
    assert link_expired(T0, now=T0)
    assert not link_expired(T0 + timedelta(seconds=1), now=T0)


def test_verification_state():
    assert verification_state(email=None, verified=False) == "none"
    assert verification_state(email="a@b.co", verified=True) == "verified"
    assert verification_state(email="a@b.co", verified=False) == "unverified"
