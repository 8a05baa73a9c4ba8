"""The bare Reflex counter of the click-latency benchmark (tests/bench/bench_cart_latency.py).

Its own tiny app (no plugins, no database): the baseline that add-to-cart is measured against.
Built and served by the benchmark with ``reflex run --env prod`` from this directory.
"""

import os
from pathlib import Path

import reflex as rx

_ROOT = Path(__file__).resolve().parents[3]


def _bun_path() -> Path | None:
    """The project-local bun that ``make`` installs into ``.tools/`` (as the main rxconfig.py)."""
    modules = _ROOT / ".tools" / "bun" / "node_modules"
    for candidate in (modules / "bun" / "bin" / "bun.exe", *modules.glob("@oven/bun-*/bin/bun")):
        if candidate.is_file() and os.access(candidate, os.X_OK) and candidate.stat().st_size > 1_000_000:
            return candidate
    return None


_port = int(os.environ.get("MARQUE_BENCH_COUNTER_PORT", "3100"))
_extra = {"bun_path": _bun} if (_bun := _bun_path()) else {}

config = rx.Config(
    app_name="counter_app",
    frontend_port=_port,
    backend_port=_port,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    db_url=None,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=["reflex.plugins.sitemap.SitemapPlugin"],
    **_extra,
)
