"""Helpers for the on-demand benchmarks: a scratch PostgreSQL database and timing figures."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager

from tests.procutil import free_port

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


def ensure_catalog(name: str | None = None, *, products: int = 100_000) -> str:
    """The URL of a kept PostgreSQL database holding the demo store plus ``products`` generated ones.

    Built once (migrate, demo store, generator: about half a minute for 100,000) and kept between
    runs; rebuilt when the migration files or the product count differ from what it was built
    with (a fingerprint of both is kept as the database's comment).
    ``name`` defaults to MARQUE_BENCH_DB or ``marque_bench``.
    """
    import hashlib
    from pathlib import Path

    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    from sqlmodel import Session

    from marque_app.services import migrations
    from marque_app.services.db import make_engine
    from marque_app.services.generator import generate
    from marque_app.services.seed import load_demo

    name = name or os.environ.get("MARQUE_BENCH_DB", "marque_bench")
    versions = Path(__file__).resolve().parents[2] / "alembic" / "versions"
    digest = hashlib.sha256(str(products).encode())
    for path in sorted(versions.glob("*.py")):
        digest.update(path.read_bytes())
    fingerprint = f"marque-bench {digest.hexdigest()[:16]}"
    server = make_url(server_url())
    url = server.set(database=name).render_as_string(hide_password=False)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                (name,),
            ).first()
        if row is not None:
            if row[0] == fingerprint:
                return url
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    print(f"building {name}: demo store + {products} generated products ...", flush=True)
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            load_demo(session=session, write_images=False)
            session.commit()
            generate(session=session, products=products)
    finally:
        engine.dispose()
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"COMMENT ON DATABASE \"{name}\" IS '{fingerprint}'")
    finally:
        admin.dispose()
    return url


# --- the API over HTTP (granian on loopback), shared by the HTTP benchmarks -----------------------


def api_app():
    """The API app for granian (``--factory``), on the database in ``MARQUE_BENCH_APP_DB``."""
    from marque_app.api import create_api
    from marque_app.services.db import make_engine

    engine = make_engine(os.environ["MARQUE_BENCH_APP_DB"])
    return create_api(engine=lambda: engine)


@contextmanager
def serve_api(db_url: str, *, ready_path: str = "/api/v1/openapi.json"):
    """The API under granian (one worker) on a free loopback port: no Redis, no rate limits.

    Yields the base URL (``http://127.0.0.1:<port>``); the server stops on exit.
    """
    import subprocess
    import sys
    from pathlib import Path

    import httpx

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REFLEX_REDIS_URL"}
    env.update(MARQUE_BENCH_APP_DB=db_url, REFLEX_DB_URL=db_url, MARQUE_ENV="test", MARQUE_RATE_LIMIT_ENABLED="false")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-ws",
            "--log-level",
            "warning",
            "--no-access-log",
            "tests.bench.common:api_app",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + ready_path, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
