"""The REST API, a FastAPI app mounted on the Reflex backend (one process, one port)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from marque_app.api.admin import products_router as admin_products_router
from marque_app.api.admin import router as admin_router
from marque_app.api.admin_orders import router as admin_orders_router
from marque_app.api.auth import router as auth_router
from marque_app.api.cart import router as cart_router
from marque_app.api.catalog import router as catalog_router
from marque_app.api.deps import install_auth
from marque_app.api.errors import install_errors
from marque_app.api.orders import router as orders_router
from marque_app.api.outage import install_outage_handlers
from marque_app.api.payments import router as payments_router
from marque_app.api.reviews import router as reviews_router
from marque_app.api.search import router as search_router
from marque_app.api.shutdown import is_draining
from marque_app.api.stock_alerts import router as stock_alerts_router
from marque_app.services.db import get_engine
from marque_app.services.health import health, health_details_allowed, public_view, readiness
from marque_app.settings import get_settings


def create_api(*, engine: Callable[[], sa.Engine] = get_engine) -> FastAPI:
    """The API app; Reflex mounts its own routes beneath it (``rx.App(api_transformer=...)``).

    Args:
        engine: gives the database engine (tests hand in their own database's).
    """
    api = FastAPI(
        title="Marque API",
        version="1.0.0",
        description="The REST API of the Marque storefront.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )

    install_errors(api)  # one 422 shape; 400/401/403/404/422/429 documented on every operation

    @api.get(
        "/_health",
        tags=["health"],
        summary="ok or degraded; the details from this machine or for an admin",
        description='`{"status": "ok"}` (200) or `{"status": "degraded"}` (503 with the database down, 200 with only '
        "Redis down: the store still serves). From loopback "
        "(without a proxy header) or with an admin's bearer token, also the database and "
        "Redis: backend, URL without password, migration, latency, errors.",
        responses={
            503: {
                "description": "The database is down (the same report)",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    )
    def get_health(request: Request) -> JSONResponse:
        report = health(engine=engine(), redis_url=get_settings().redis_url)
        # Redis alone down: degraded but serving (limits in memory, no cache), so 200: a load
        # balancer keeps the instance; the database down: 503.
        status_code = 503 if not report["database"]["ok"] else 200
        if not health_details_allowed(request, engine=engine()):
            report = public_view(report)
        return JSONResponse(report, status_code=status_code)

    @api.get(
        "/_health/live",
        tags=["health"],
        summary="liveness: the process answers",
        description='`{"status": "alive"}` (200) whenever the process serves HTTP; no database or Redis '
        "call. A supervisor restarts an instance that stops answering this (also while it drains).",
    )
    async def get_live() -> JSONResponse:
        return JSONResponse({"status": "alive"})

    @api.get(
        "/_health/ready",
        tags=["health"],
        summary="readiness: send this instance traffic",
        description='`{"status": "ready", "failed": []}` (200), or `{"status": "not ready", "failed": [...]}` '
        "(503) naming what failed: `draining` (SIGTERM received, shutting down), `database` (does not "
        "answer), `schema` (not at this code's migration head), `redis` (configured but does not answer).",
        responses={
            503: {
                "description": "Not ready (the same shape)",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    )
    def get_ready() -> JSONResponse:
        report = readiness(engine=engine(), redis_url=get_settings().redis_url, draining=is_draining())
        return JSONResponse(report, status_code=200 if report["status"] == "ready" else 503)

    api.state.engine = engine  # routers open their sessions on it (get_session)
    install_outage_handlers(api)  # database or Redis down: 503 + Retry-After, never a bare 500
    api.include_router(search_router)  # before catalog_router: /products/search is no {ref}
    api.include_router(catalog_router)
    install_auth(api)  # auth errors as JSON 401/403/409/422/429; the general API rate limit
    api.include_router(auth_router)
    api.include_router(cart_router)  # /api/v1/cart..., /api/v1/wishlist...
    api.include_router(admin_products_router)  # POST/PUT/DELETE /api/v1/products (admin only)
    api.include_router(admin_router)  # /api/v1/admin/... (admin only)
    api.include_router(admin_orders_router)  # /api/v1/admin/dashboard, orders, returns, reports
    api.include_router(payments_router)  # /api/v1/payments...
    api.include_router(orders_router)  # /api/v1/checkout/quote, /api/v1/orders...
    api.include_router(stock_alerts_router)  # /api/v1/stock-alerts...
    api.include_router(reviews_router)  # /api/v1/products/{ref}/reviews, /reviews/..., /admin/reviews
    return api
