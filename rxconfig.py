"""Reflex configuration. Secrets never live here: every field can be set from the environment
(REFLEX_DB_URL, REFLEX_REDIS_URL, REFLEX_BUN_PATH, ...).

``.env`` (see ``.env.example``) is loaded first; variables already set in the environment win.
Test runs (MARQUE_ENV=test, set by tests/conftest.py) do not load it.
"""

import os
import sys
from pathlib import Path

from dotenv import load_dotenv

_ROOT = Path(__file__).resolve().parent
if os.environ.get("MARQUE_ENV") != "test":
    load_dotenv(_ROOT / ".env", override=False)

import reflex as rx  # noqa: E402

from marque_app.components.deltas import TransitionStatePlugin  # noqa: E402
from marque_app.components.theme import RadixSubsetTailwindPlugin, theme  # noqa: E402
from marque_app.settings import default_db_url, get_settings  # noqa: E402

# Production mode (`reflex run --env prod`, what `make run` does) serves the compiled
# frontend and the backend (/ping, /_event websocket, /_upload, API routes) on this one port.
_port = int(os.environ.get("MARQUE_PORT", "3000"))


def _bun_path() -> Path | None:
    """The project-local bun that `make` installs from npm into ``.tools/`` (if any).

    REFLEX_BUN_PATH still overrides it; with neither, Reflex uses ``bun`` on PATH.
    npm's ``bun`` package moves the binary into ``bun/bin/bun.exe`` in its postinstall
    script; when scripts are disabled it stays in the platform package.
    """
    modules = _ROOT / ".tools" / "bun" / "node_modules"
    for candidate in (modules / "bun" / "bin" / "bun.exe", *modules.glob("@oven/bun-*/bin/bun")):
        if candidate.is_file() and os.access(candidate, os.X_OK) and candidate.stat().st_size > 1_000_000:
            return candidate
    return None


def _cors_origins() -> list[str]:
    """MARQUE_CORS_ORIGINS (default: the public URL's origin): Reflex gives this one list to its
    CORSMiddleware (pages, /api/v1) and to socket.io (the websocket /_event refuses any other
    Origin). Production refuses ``*`` here, with one line, before anything is served."""
    if os.environ.get("REFLEX_CORS_ALLOWED_ORIGINS"):
        sys.exit(
            "error: REFLEX_CORS_ALLOWED_ORIGINS is not used; set MARQUE_CORS_ORIGINS, which "
            "feeds both the API's CORS and the websocket's allowed origins"
        )
    settings = get_settings()
    try:
        settings.check_cors()
        settings.check_production()  # the placeholder secret, the log SMS / e-mail senders
    except ValueError as err:
        sys.exit(f"error: {err}")
    return settings.allowed_origins()


def _check_schema() -> None:
    """``reflex run`` serves only a database at this code's migration head: instances never
    migrate (``python -m marque_app.cli migrate`` is a deploy step); one line says so otherwise."""
    from marque_app.services import preflight

    if not preflight.serving_command(sys.argv):
        return
    url = get_settings().db_url
    try:
        preflight.check_database(url)
        preflight.check_schema(url)
    except preflight.StartupError as err:
        sys.exit(f"error: {err}")


_check_schema()

_extra = {"bun_path": _local_bun} if (_local_bun := _bun_path()) else {}

# Without Redis, Reflex runs one worker: its tabs' states are kept in that process's memory
# (Reflex's default there, the disk manager, pickles every changed state and lists its whole
# .states folder on every write pass). A restart loses only what each page sends again when it
# reconnects (local storage: the guest cart, the token). REFLEX_STATE_MANAGER_MODE=disk brings
# the disk manager back; with REFLEX_REDIS_URL the states live in Redis.
if not os.environ.get("REFLEX_REDIS_URL") and not os.environ.get("REFLEX_STATE_MANAGER_MODE"):
    _extra["state_manager_mode"] = "memory"
# With Redis, production runs GRANIAN_WORKERS workers; Reflex's default is 2 x cores + 1 (5 on
# 2 cores). tests/bench/bench_shoppers.py measured 1, 2 and 4 workers on 2 cores: 2 carried the
# most adds per second and more workers only added CPU per add (README: Many shoppers), so the
# default here is one worker per core. Set GRANIAN_WORKERS to choose another number.
if os.environ.get("REFLEX_REDIS_URL"):
    os.environ.setdefault("GRANIAN_WORKERS", str(len(os.sched_getaffinity(0)) or 1))
    # Reflex's opportunistic lock (REFLEX_OPLOCK_ENABLED=true: a worker keeps a tab's states in
    # memory between its events instead of lock + read + write + unlock in Redis per event) is
    # left off: with it, a second tab opened beside a guest's first one showed an empty cart
    # badge (tests/e2e/test_cart.py, the merge test) on Reflex 0.10.1.

config = rx.Config(
    app_name="marque_app",
    db_url=default_db_url(),
    frontend_port=_port,
    backend_port=_port,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    cors_allowed_origins=_cors_origins(),
    # The websocket's router.session.client_ip behind nginx (MARQUE_TRUSTED_PROXY_HOPS, one
    # rule with the API's: marque_app/domain/network.py).
    trusted_proxy_hops=get_settings().trusted_proxy_hops,
    frozen_lockfile=True,
    plugins=[
        rx.plugins.SitemapPlugin(),
        # Tailwind v4 with only the Radix Themes colours the shop uses (its CSS blocks first paint).
        RadixSubsetTailwindPlugin(),
        rx.plugins.RadixThemesPlugin(theme=theme()),
        # The server's state renders as a React transition, in slices (the page's first data was
        # one long task: most of Lighthouse's total blocking time).
        TransitionStatePlugin(),
    ],
    disable_plugins=[],
    **_extra,
)
