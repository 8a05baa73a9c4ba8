"""Python's garbage collector, set for a server that holds every tab's state in memory.

Measured under tests/bench/bench_shoppers.py (500 shoppers, one worker, SQLite): with CPython's
default thresholds (700, 10, 10) the worker ran a full collection every ~4 s, each one a
250-530 ms pause of the event loop that every shopper's add and navigation waited out (most of
their p95). A full collection walks every object that survived two younger ones: the app's own
modules, compiled pages and tables (~120 000 objects, never freed) and the tabs' states.

At start-up (:func:`tune_collector`, a lifespan task) the objects made so far are collected once
and frozen (``gc.freeze``: the collector never walks them again), and the full collections are
put off (:data:`THRESHOLDS`). The tabs' states still form cycles (a state and its substates
point at each other), freed by the full collections that still run, so nothing made after
start-up is frozen.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)

#: ``gc.set_threshold``: a young collection every 50 000 new container objects, a middle one
#: every 3 of those, a full one considered after 50 middle ones (~7.5 million new objects: minutes
#: apart under load; CPython also waits until the survivors since the last one reach a quarter of
#: the old generation). Measured against (2 000, 10, 100), (10 000, 5, 100) and (20 000, 4, 20)
#: over the same 500-shopper run: the least time collecting (2.7% of the worker's, against
#: 2.8-4.5%) and no full collection in the run; young and middle pauses up to ~180 ms.
THRESHOLDS = (50_000, 3, 50)


def tune() -> None:
    """Collect once, freeze what is left (start-up objects), and set :data:`THRESHOLDS`."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    log.info("collector: %d start-up objects frozen; thresholds %s", gc.get_freeze_count(), THRESHOLDS)


async def tune_collector() -> None:
    """The lifespan task: :func:`tune` once the app has started (its pages and states built)."""
    tune()
