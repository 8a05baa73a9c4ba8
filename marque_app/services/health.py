"""What ``/_health`` reports: the database, and Redis when it is configured."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from marque_app.services.preflight import redact


def database_status(*, engine: sa.Engine) -> dict[str, Any]:
    """Whether the database answers, how fast, and at which migration it stands."""
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except Exception as err:  # noqa: BLE001 - any failure is reported, not raised
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
        return {"ok": False, "backend": engine.dialect.name, "error": reason}
    return {
        "ok": True,
        "backend": engine.dialect.name,
        "url": redact(engine.url.render_as_string(hide_password=False)),
        "revision": revision,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def redis_status(*, url: str | None) -> dict[str, Any] | None:
    """Whether Redis answers a PING; None when Redis is not configured."""
    if not url:
        return None
    import redis

    started = time.perf_counter()
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as err:  # noqa: BLE001
        return {"ok": False, "url": redact(url), "error": str(err)}
    return {"ok": True, "url": redact(url), "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def health(*, engine: sa.Engine, redis_url: str | None) -> dict[str, Any]:
    """The whole report; ``status`` is ``ok`` only when every configured service answers."""
    report: dict[str, Any] = {"database": database_status(engine=engine)}
    redis_report = redis_status(url=redis_url)
    report["redis"] = redis_report if redis_report is not None else "not configured"
    healthy = report["database"]["ok"] and (redis_report is None or redis_report["ok"])
    report["status"] = "ok" if healthy else "error"
    return report
