"""What ``/_health`` reports: the database, and Redis when it is configured.

Anyone may ask; the public answer is ``{"status": "ok"}`` or ``{"status": "degraded"}`` (503).
The details (backend, URL without password, migration, latency, errors) go only to a caller
on the same machine (loopback, and no proxy header: behind a reverse proxy on the same host
every request comes from loopback) or with an admin's token.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Mapping
from functools import lru_cache
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
    report["status"] = "ok" if healthy else "degraded"
    return report


@lru_cache(maxsize=1)
def code_revision() -> str | None:
    """The migration head of this code (read once: the scripts do not change while it runs)."""
    from marque_app.services import migrations

    return migrations.head_revision()


def readiness(*, engine: sa.Engine, redis_url: str | None, draining: bool = False) -> dict[str, Any]:
    """Whether this instance should get traffic: not shutting down, the database answers and is
    at this code's migration head, and Redis (when configured: Reflex keeps the pages' state
    there) answers. ``ready`` is False with the failed checks in ``failed``."""
    failed: list[str] = []
    if draining:
        failed.append("draining")
    database = database_status(engine=engine)
    if not database["ok"]:
        failed.append("database")
    elif database.get("revision") != code_revision():
        failed.append("schema")
    redis_report = redis_status(url=redis_url)
    if redis_report is not None and not redis_report["ok"]:
        failed.append("redis")
    return {"status": "not ready" if failed else "ready", "failed": failed}


PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def is_local_caller(host: str | None, headers: Mapping[str, str]) -> bool:
    """A request from this machine itself: a loopback address and no proxy's forwarding header."""
    try:
        loopback = ipaddress.ip_address((host or "").split("%")[0]).is_loopback
    except ValueError:
        return False
    return loopback and not any(name in headers for name in PROXY_HEADERS)


def public_view(report: dict[str, Any]) -> dict[str, Any]:
    """The report as anyone may see it: the status only."""
    return {"status": report["status"]}


def health_details_allowed(request: Any, *, engine: sa.Engine) -> bool:
    """Whether the caller of ``/_health`` may see the details: local, or an admin's token."""
    client = getattr(request, "client", None)
    if is_local_caller(client.host if client else None, request.headers):
        return True
    from marque_app.services.auth.guard import bearer_token

    token = bearer_token(request.headers.get("authorization"))
    if not token:
        return False
    from sqlmodel import Session

    from marque_app.domain.auth import AuthError
    from marque_app.services.auth import authenticate, require_role

    try:
        with Session(engine) as session:
            require_role(authenticate(session=session, token=token), "admin")
    except AuthError:
        return False
    except Exception:  # noqa: BLE001 - a database that is down cannot vouch for anyone
        return False
    return True
