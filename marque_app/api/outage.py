"""A database or Redis that cannot be reached answers 503 with ``Retry-After``, never a bare 500.

One exception handler for the whole API: the errors SQLAlchemy and psycopg raise when the database
is down, restarting, cut off or out of pooled connections (``services.db.is_unavailable``), and the
Redis connection errors of what cannot fall back (log-in codes, the logged-out token check). The
body is the API's error shape, ``{"detail": "..."}``. Any other database error stays a 500.
"""

from __future__ import annotations

import logging
import time

import redis
import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from marque_app.services.db import is_unavailable

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait before it tries again.
RETRY_AFTER = 5
#: At most one log line per kind of outage in this many seconds (a down database fails every
#: request; the log must still be readable).
LOG_EVERY = 30.0

DATABASE_DOWN = "The store is briefly unavailable (database); try again in a few seconds"
REDIS_DOWN = "The store is briefly unavailable (Redis); try again in a few seconds"

_last_logged: dict[str, float] = {}


def unavailable_response(message: str = DATABASE_DOWN) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=503, headers={"Retry-After": str(RETRY_AFTER)})


def _log(kind: str, request: Request, error: BaseException) -> None:
    now = time.monotonic()
    if now - _last_logged.get(kind, -LOG_EVERY) >= LOG_EVERY:
        _last_logged[kind] = now
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        log.error(
            "%s unavailable (%s %s -> 503): %s",
            kind,
            request.method,
            request.url.path,
            reason[0] if reason else type(error).__name__,
        )


def install_outage_handlers(api: FastAPI) -> None:
    """503 + ``Retry-After`` + ``{"detail"}`` for a database or Redis outage."""

    async def _database(request: Request, error: Exception) -> JSONResponse:
        if not is_unavailable(error):
            raise error  # a real bug: the server error middleware answers 500 and logs it
        _log("database", request, error)
        return unavailable_response(DATABASE_DOWN)

    async def _redis(request: Request, error: Exception) -> JSONResponse:
        _log("redis", request, error)
        return unavailable_response(REDIS_DOWN)

    for kind in (sa.exc.DBAPIError, sa.exc.TimeoutError):
        api.add_exception_handler(kind, _database)
    try:
        import psycopg
    except ImportError:
        pass
    else:
        api.add_exception_handler(psycopg.OperationalError, _database)
    for kind in (redis.ConnectionError, redis.TimeoutError):
        api.add_exception_handler(kind, _redis)
