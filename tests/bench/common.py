"""Helpers for the on-demand benchmarks: a scratch PostgreSQL database and timing figures."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    """The PostgreSQL server the benchmarks use (``MARQUE_BENCH_DATABASE_URL``)."""
    return os.environ.get("MARQUE_BENCH_DATABASE_URL", DEFAULT_PG)


def timings(fn: Callable[[], object], *, repeat: int, warmup: int = 3) -> list[float]:
    """Milliseconds of ``repeat`` calls of ``fn`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": round(statistics.median(ordered), 3), "p95_ms": round(p95, 3), "n": len(ordered)}


def report(bench: str, **values) -> None:
    """Print the figures as one JSON object on the last line."""
    print(json.dumps({"bench": bench, **values}))
