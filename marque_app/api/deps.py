"""FastAPI dependencies shared by the routers: a database session, the caller, roles, limits.

``current_user`` and ``require_roles`` are thin wrappers of the one guard in
``marque_app.services.auth.guard``, which the Reflex state calls too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from marque_app.domain import network
from marque_app.domain.auth import AuthError, RateLimited, Unauthorized
from marque_app.models import UserRole
from marque_app.services.auth.guard import AuthUser, authenticate, require_role
from marque_app.services.auth.keys import get_redis
from marque_app.services.auth.ratelimit import RateLimiter
from marque_app.services.db import get_engine
from marque_app.settings import get_settings

from .errors import http_status

bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="The `access_token` from `/api/v1/auth/verify/code`, `/login` or `/register`.",
)


def get_session(request: Request) -> Iterator[Session]:
    """A session on the API's database (``create_api(engine=...)``); rolled back on error."""
    engine = getattr(request.app.state, "engine", None) or get_engine
    with Session(engine(), expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


def get_redis_client():
    """The Redis client when ``REFLEX_REDIS_URL`` is set, else None (the database is used)."""
    return get_redis()


def get_limiter(request: Request) -> RateLimiter:
    """The API's rate limiter (one per API app, see :func:`install_auth`)."""
    limiter = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        limiter = request.app.state.rate_limiter = RateLimiter.from_settings()
    return limiter


def scope_client_address(scope, hops: int) -> str:
    """The client's address of an ASGI request: its peer, or with ``hops`` trusted proxies in
    front (``MARQUE_TRUSTED_PROXY_HOPS``) the entry they appended to ``X-Forwarded-For``."""
    client = scope.get("client")
    forwarded = [value.decode("latin-1") for name, value in scope.get("headers") or [] if name == b"x-forwarded-for"]
    return network.client_address(client[0] if client else None, forwarded, hops)


def client_address(request: Request) -> str:
    """The client's address (``domain.network.client_address``): the peer, unless trusted
    proxies are in front (``MARQUE_TRUSTED_PROXY_HOPS``); a forged header is ignored."""
    return scope_client_address(request.scope, get_settings().trusted_proxy_hops)


SessionDep = Annotated[Session, Depends(get_session)]
RedisDep = Annotated[object, Depends(get_redis_client)]
LimiterDep = Annotated[RateLimiter, Depends(get_limiter)]
ClientDep = Annotated[str, Depends(client_address)]


def current_user(
    session: SessionDep,
    redis: RedisDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> AuthUser:
    """The caller, from ``Authorization: Bearer <token>``; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Not logged in")
    return authenticate(session=session, token=credentials.credentials, redis=redis)


CurrentUser = Annotated[AuthUser, Depends(current_user)]


def require_roles(*roles: UserRole | str) -> Callable[..., AuthUser]:
    """A dependency admitting only ``roles``: 401 without a valid token, 403 for other roles.

    Example: ``@router.get("/admin/orders", dependencies=[Depends(require_roles("admin"))])``.
    """

    def _dependency(user: CurrentUser) -> AuthUser:
        return require_role(user, *roles)

    _dependency.marque_roles = tuple(str(getattr(r, "value", r)) for r in roles)  # for the OpenAPI 403
    return _dependency


def auth_error_response(err: AuthError) -> JSONResponse:
    """``{"detail": message, "field": ...}`` with the error's status and headers."""
    headers = {}
    if isinstance(err, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(err, RateLimited):
        headers["Retry-After"] = str(err.retry_after)
    body = {"detail": err.message}
    if err.field:
        body["field"] = err.field
    return JSONResponse(body, status_code=http_status(err), headers=headers)


class ApiRateLimit:
    """ASGI middleware: every ``/api/`` request counts against the client address's limit.

    Only paths under ``/api/`` are counted: Reflex's own routes (the websocket, uploads) and
    ``/_health`` share this app and are left alone. Payment-provider webhooks are exempt: they
    come from a few provider addresses, are authenticated by their signature, and a refused
    delivery is retried by the provider for days.
    """

    EXEMPT = ("/api/v1/payments/stripe/webhook",)

    def __init__(self, app, *, limiter: RateLimiter, limit: str, prefix: str = "/api/", proxy_hops: int = 0) -> None:
        self.app, self.limiter, self.limit, self.prefix = app, limiter, limit, prefix
        self.proxy_hops = proxy_hops

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.prefix) or path in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        host = scope_client_address(scope, self.proxy_hops)
        decision = await to_thread.run_sync(self.limiter.hit, "api", f"ip:{host}", self.limit)
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        response = auth_error_response(
            RateLimited(
                f"Too many requests; try again in {decision.retry_after} seconds",
                retry_after=decision.retry_after,
            )
        )
        await response(scope, receive, send)


def install_auth(api: FastAPI) -> None:
    """Errors of the auth services as JSON responses, and the general API rate limit."""
    settings = get_settings()
    limiter = api.state.rate_limiter = RateLimiter.from_settings(settings)

    async def _auth_error(_request: Request, err: AuthError) -> JSONResponse:
        return auth_error_response(err)

    api.add_exception_handler(AuthError, _auth_error)
    api.add_middleware(
        ApiRateLimit, limiter=limiter, limit=settings.rate_limit_api, proxy_hops=settings.trusted_proxy_hops
    )
