"""The worker's garbage collector: start-up objects frozen and full collections put off
(``services/collector.py``; the pauses it removes are measured by tests/bench/bench_shoppers.py)."""

from __future__ import annotations

import gc

import pytest

from marque_app.services import collector


@pytest.fixture
def restored():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_tune_freezes_what_exists_and_sets_the_thresholds(restored):
    kept = [object() for _ in range(3)], {"a": [1]}  # containers alive now, like the app's modules
    gc.unfreeze()
    collector.tune()
    assert gc.get_threshold() == collector.THRESHOLDS
    assert gc.get_freeze_count() > 0
    assert not any(obj is kept for obj in gc.get_objects())  # frozen: the collector skips it
    made_later = {"b": [2]}
    assert any(obj is made_later for obj in gc.get_objects())  # what comes later is still collected


def test_the_app_tunes_the_collector_at_start_up():
    from marque_app.marque_app import app

    assert collector.tune_collector in [getattr(t, "func", t) for t in app.get_lifespan_tasks()]
