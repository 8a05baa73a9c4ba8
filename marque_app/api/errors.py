"""One error shape for the whole API, and an OpenAPI document that says so.

Every refusal is ``{"detail": "...", "field": "..."}`` (:class:`~marque_app.api.schemas.ErrorOut`,
some operations add keys such as ``available`` or ``quote``). :func:`install_errors` makes a
malformed request (a wrong type, a missing or unknown field, a body that is no JSON) answer that
shape with 422 instead of FastAPI's list of pydantic errors, and post-processes the OpenAPI
document in this one place so that each operation documents what it can answer:

- 422 on every operation that reads parameters or a body, with the error shape;
- 400 on every operation with a body (a body that is not UTF-8 cannot be read);
- 401 on every operation that reads a bearer token, 403 where a role is needed; an operation a
  guest may call too says its token is optional (``security: [{}, {HTTPBearer: []}]``);
- 404 on every operation with a path parameter (an unknown id or slug);
- 429 with ``Retry-After`` on every operation the general API rate limit counts;
- the error shape as the body of every documented 4xx/5xx that did not name one.

A 405 lists in ``Allow`` every method the path has (Starlette's names only its first route's).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from marque_app.domain.errors import DomainError

from .schemas import ErrorOut

#: The HTTP status of each stable error code of ``marque_app.domain.errors.KINDS``: the one place
#: the API decides it (Saleor maps its error codes in the API layer the same way).
HTTP_STATUS: dict[str, int] = {
    "invalid": 422,
    "coupon": 422,
    "not_found": 404,
    "conflict": 409,
    "sold_out": 409,
    "price_changed": 409,
    "insufficient_stock": 409,
    "unauthorized": 401,
    "forbidden": 403,
    "rate_limited": 429,
    "bad_signature": 400,
    "unavailable": 503,
    "provider": 502,
}


def http_status(err: DomainError) -> int:
    """The status the API answers ``err`` with (by its ``kind``)."""
    return HTTP_STATUS[err.kind]


ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
RATE_LIMITED_PREFIX = "/api/"
RATE_LIMIT_EXEMPT = ("/api/v1/payments/stripe/webhook",)  # deps.ApiRateLimit.EXEMPT


def _path(loc: Iterable[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(str(p) for p in parts)


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """``{detail, field}`` for the first problem of a request; an unknown field is named first.

    The value sent is never echoed back (pydantic's ``input``), only the field and the rule.
    """
    if not errors:
        return {"detail": "Invalid request", "field": None}
    unknown = [e for e in errors if e.get("type") == "extra_forbidden"]
    first = (unknown or errors)[0]
    kind, loc = first.get("type", ""), tuple(first.get("loc", ()))
    if kind == "json_invalid":
        return {"detail": "The body is not valid JSON", "field": None}
    field = _path(loc) or None
    if kind == "extra_forbidden":
        return {"detail": f"Unknown field: {field}", "field": field}
    if kind == "missing" and field is None and loc[:1] == ("body",):
        return {"detail": "A JSON body is required", "field": None}
    message = first.get("msg") or "Invalid value"
    return {"detail": f"{field}: {message}" if field else message, "field": field}


def validation_response(err: RequestValidationError) -> JSONResponse:
    """A malformed request as the API's error shape, 422."""
    return JSONResponse(validation_body(list(err.errors())), status_code=422)


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
    if headers:
        response["headers"] = headers
    return response


def _marks(route: Any) -> tuple[list[str], bool]:
    """The roles a route's dependencies demand (``deps.require_roles`` marks its dependency), and
    whether its token is optional (a guest may call it: ``orders.optional_user``)."""
    found: list[str] = []
    optional = False
    stack = [route.dependant] if route.dependant is not None else []
    while stack:
        dependant = stack.pop()
        found.extend(getattr(dependant.call, "marque_roles", ()))
        optional = optional or bool(getattr(dependant.call, "marque_optional_auth", False))
        stack.extend(dependant.dependencies)
    return sorted(set(found)), optional


def document_errors(schema: dict[str, Any], routes: Iterable[Any]) -> dict[str, Any]:
    """Add the answers every operation can give (see the module's docstring) to ``schema``."""
    marks = {}
    for route in iter_route_contexts(list(routes)):  # FastAPI 0.165 keeps included routers nested
        if getattr(route, "dependant", None) is not None:
            for method in route.methods or ():
                marks[(route.path_format, method.lower())] = _marks(route)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses = op["responses"]
            params = op.get("parameters", [])
            if params or "requestBody" in op:
                described = responses.get("422", {}).get("description")
                responses["422"] = _error(
                    described
                    if described not in (None, "Validation Error")
                    else "A parameter or body field is invalid, missing or unknown (`field` names it)"
                )
            if "requestBody" in op:
                responses.setdefault("400", _error("The body could not be read (not UTF-8)"))
            if op.get("security"):
                responses.setdefault(
                    "401",
                    _error(
                        "No or an invalid bearer token",
                        {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
                    ),
                )
            needed, optional = marks.get((path, method), ([], False))
            if optional and op.get("security") and {} not in op["security"]:
                op["security"].insert(0, {})  # a guest may call it without a token
            if needed:
                responses.setdefault("403", _error(f"The account's role is not {' or '.join(needed)}"))
            if any(p.get("in") == "path" for p in params):
                responses.setdefault("404", _error("Not found"))
            if path.startswith(RATE_LIMITED_PREFIX) and path not in RATE_LIMIT_EXEMPT:
                responses["429"] = _error(
                    "Too many requests (`Retry-After` says in how many seconds)",
                    {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}},
                )
            for code, response in responses.items():
                if code[:1] in ("4", "5") and not response.get("content"):
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422 body, replaced above
        if f'"#/components/schemas/{unused}"' not in json.dumps(schema):
            components.pop(unused, None)
    return schema


def install_errors(api: FastAPI) -> None:
    """The 422 error shape for malformed requests and the errors in ``api``'s OpenAPI document."""

    async def _invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
        return validation_response(err)

    api.add_exception_handler(RequestValidationError, _invalid)

    async def _http_error(request: Request, err: StarletteHTTPException):
        if err.status_code != 405:
            return await http_exception_handler(request, err)
        # Starlette's 405 names only the methods of the first route of the path: list every method
        # of the path, as OpenAPI matches it (a concrete path such as /products/search before a
        # template such as /products/{ref})
        path = request.url.path
        matching = [
            r
            for r in iter_route_contexts(api.routes)
            if getattr(r, "path_regex", None) is not None and r.path_regex.match(path)
        ]
        fewest = min((r.path_format.count("{") for r in matching), default=0)
        methods = sorted({m for r in matching if r.path_format.count("{") == fewest for m in (r.methods or ())})
        return JSONResponse(
            {"detail": "Method Not Allowed", "field": None}, status_code=405, headers={"Allow": ", ".join(methods)}
        )

    api.add_exception_handler(StarletteHTTPException, _http_error)

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = get_openapi(
                title=api.title,
                version=api.version,
                openapi_version=api.openapi_version,
                description=api.description,
                routes=api.routes,
            )
            api.openapi_schema = document_errors(schema, api.routes)
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
