"""Security headers (``marque_app/api/headers.py``) and the allowed origins (settings, rxconfig),
through a small Starlette app wrapped in the middleware; no build, no server."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute

from marque_app.api.headers import (
    IMMUTABLE,
    NOT_A_PAGE_CSP,
    SecurityHeaders,
    inline_script_hashes,
    is_immutable,
    page_csp,
)
from marque_app.settings import PROJECT_ROOT, Settings

THEME = b"\nconst theme = localStorage.getItem('theme') || 'light';\n"
ROUTE = b'import * as route1 from "/assets/_index.js";'
PAGE = (
    b"<!DOCTYPE html><html><head><script>" + THEME + b"</script>"
    b'<script src="/cart_ops.js"></script>'
    b'<script type="module" async="">' + ROUTE + b"</script></head>"
    b"<body><script>" + THEME + b"</script></body></html>"  # the same script twice: one hash
)


def _sha(script: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"


def _directives(csp: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in csp.split("; ")}


async def _echo(websocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


def _streamed(request):
    async def chunks():
        for i in range(0, len(PAGE), 40):
            yield PAGE[i : i + 40]

    return StreamingResponse(chunks(), media_type="text/html")


def _app(settings: Settings) -> TestClient:
    routes = [
        Route("/", lambda r: HTMLResponse(PAGE)),
        Route("/streamed", _streamed),
        Route(
            "/gzipped",
            lambda r: Response(gzip.compress(PAGE), media_type="text/html", headers={"content-encoding": "gzip"}),
        ),
        Route("/cached", lambda r: Response(status_code=304, headers={"etag": '"1"'})),
        Route("/account/orders", lambda r: HTMLResponse(PAGE)),
        Route("/accountant", lambda r: HTMLResponse(PAGE)),
        Route("/admin", lambda r: HTMLResponse(PAGE)),
        Route("/api/v1/products", lambda r: JSONResponse([])),
        Route("/api/v1/auth/login", lambda r: JSONResponse({}), methods=["POST"]),
        Route("/api/v1/docs", lambda r: HTMLResponse(PAGE)),
        Route("/products/a.svg", lambda r: Response(b"<svg/>", media_type="image/svg+xml")),
        Route("/assets/gone-CCWdYbG9.js", lambda r: Response(status_code=404)),
        Route("/assets/{name}", lambda r: Response(b"x", media_type="text/javascript")),
        WebSocketRoute("/_event", _echo),
    ]
    return TestClient(SecurityHeaders(Starlette(routes=routes), settings=settings))


@pytest.fixture
def client() -> TestClient:
    return _app(Settings(env="test", public_url="http://localhost:3000"))


def test_every_answer_has_the_common_headers(client):
    for path in ("/", "/api/v1/products", "/products/a.svg"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in headers["permissions-policy"]
        assert "strict-transport-security" not in headers  # the public URL is http


def test_a_page_allows_exactly_its_own_inline_scripts(client):
    for path in ("/", "/streamed", "/gzipped"):
        response = client.get(path)
        assert response.content == PAGE  # held until complete, passed on unchanged
        csp = _directives(response.headers["content-security-policy"])
        assert csp["script-src"] == ["'self'", _sha(THEME), _sha(ROUTE), "'unsafe-eval'"], path
        assert "'unsafe-inline'" not in csp["script-src"]
        assert csp["connect-src"] == ["'self'", "ws://localhost:3000", "ws://127.0.0.1:3000"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["img-src"] == ["'self'"]
        assert "upgrade-insecure-requests" not in csp


def test_inline_script_hashes_skip_external_scripts():
    assert inline_script_hashes(PAGE) == [_sha(THEME), _sha(ROUTE)]
    assert inline_script_hashes(b"<p>no scripts</p>") == []


def test_answers_that_are_not_pages_may_run_nothing(client):
    for path in ("/api/v1/products", "/products/a.svg"):
        assert client.get(path).headers["content-security-policy"] == NOT_A_PAGE_CSP


def test_a_304_keeps_the_stored_policy(client):
    response = client.get("/cached")
    assert response.status_code == 304
    assert "content-security-policy" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


def test_only_the_docs_page_may_load_swagger_from_its_cdn(client):
    docs = _directives(client.get("/api/v1/docs").headers["content-security-policy"])
    assert "https://cdn.jsdelivr.net" in docs["script-src"]
    page = _directives(client.get("/").headers["content-security-policy"])
    assert "https://cdn.jsdelivr.net" not in page["script-src"]


def test_private_answers_are_never_stored(client):
    assert client.get("/account/orders").headers["cache-control"] == "no-store"
    assert client.get("/admin").headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/accountant").headers
    assert "cache-control" not in client.get("/").headers
    # the API: with credentials, or the log-in answers (tokens)
    assert "cache-control" not in client.get("/api/v1/products").headers
    authed = client.get("/api/v1/products", headers={"Authorization": "Bearer x"})
    assert authed.headers["cache-control"] == "no-store"
    assert client.post("/api/v1/auth/login").headers["cache-control"] == "no-store"


def test_the_websocket_passes_untouched(client):
    with client.websocket_connect("/_event") as ws:
        ws.send_text("ping")
        assert ws.receive_text() == "ping"


def test_https_public_url_adds_hsts_and_wss():
    settings = Settings(env="production", public_url="https://shop.example.com", secret_key="x" * 9)
    client = _app(settings)
    response = client.get("/")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    csp = _directives(response.headers["content-security-policy"])
    assert csp["connect-src"] == ["'self'", "wss://shop.example.com"]
    assert "upgrade-insecure-requests" in csp


def test_a_file_sent_by_its_path_gets_its_policy(tmp_path):
    """granian's pathsend: the body never passes through the middleware, the file is read."""
    (tmp_path / "index.html.gz").write_bytes(gzip.compress(PAGE))
    sent: list[dict] = []

    async def app(scope, receive, send):
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-encoding", b"gzip")],
            }
        )
        await send({"type": "http.response.pathsend", "path": str(tmp_path / "index.html.gz")})

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": "/", "headers": [], "method": "GET", "extensions": {"http.response.pathsend": {}}}
    middleware = SecurityHeaders(app, settings=Settings(env="test"))
    asyncio.run(middleware(scope, None, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]
    csp = dict(sent[0]["headers"])[b"content-security-policy"].decode()
    assert _directives(csp)["script-src"] == ["'self'", _sha(THEME), _sha(ROUTE), "'unsafe-eval'"]


def test_page_csp_lists_hashes_before_eval():
    csp = page_csp(Settings(env="test"), ["'sha256-abc'"])
    assert "script-src 'self' 'sha256-abc' 'unsafe-eval';" in csp


# --- allowed origins ---------------------------------------------------------------------------


def test_allowed_origins_default_to_the_public_url():
    assert Settings(env="test", port=3001).allowed_origins() == ["http://localhost:3001", "http://127.0.0.1:3001"]
    assert Settings(env="test", public_url="https://Shop.example.com/").allowed_origins() == [
        "https://shop.example.com"
    ]
    settings = Settings(env="test", cors_origins="https://a.example, https://B.example:8443")
    assert settings.allowed_origins() == ["https://a.example", "https://b.example:8443"]


@pytest.mark.parametrize("bad", ["https://a.example/", "a.example", "https://a.example/x", "ftp://a"])
def test_an_origin_with_a_path_or_no_scheme_is_refused(bad):
    with pytest.raises(ValueError, match="MARQUE_CORS_ORIGINS"):
        Settings(env="test", cors_origins=bad)


def test_any_origin_is_refused_in_production_only():
    Settings(env="development", cors_origins="*").check_cors()
    with pytest.raises(ValueError, match=r"MARQUE_CORS_ORIGINS=\*"):
        Settings(env="production", cors_origins="*").check_cors()
    with pytest.raises(ValueError, match=r"MARQUE_CORS_ORIGINS=\*"):
        Settings(env="production", cors_origins="https://a.example,*").check_cors()


def _rxconfig(**env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("REFLEX_", "MARQUE_"))}
    full.update({"MARQUE_ENV": "test", **env})
    return subprocess.run(
        [sys.executable, "-c", "import rxconfig; print(','.join(rxconfig.config.cors_allowed_origins))"],
        cwd=PROJECT_ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_rxconfig_gives_reflex_the_allowed_origins():
    result = _rxconfig(MARQUE_CORS_ORIGINS="https://shop.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "https://shop.example.com"
    result = _rxconfig(MARQUE_PUBLIC_URL="https://shop.example.com")
    assert result.stdout.strip().splitlines()[-1] == "https://shop.example.com"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"MARQUE_ENV": "production", "MARQUE_CORS_ORIGINS": "*"}, "MARQUE_CORS_ORIGINS=*"),
        ({"REFLEX_CORS_ALLOWED_ORIGINS": "*"}, "set MARQUE_CORS_ORIGINS"),
    ],
)
def test_rxconfig_refuses_any_origin_in_one_line(env, expected):
    result = _rxconfig(**env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]


def test_content_hashed_build_files_are_cached_for_a_year(client):
    for path in ("/assets/entry.client-CCWdYbG9.js", "/assets/__reflex_global_styles-CSdJVmjO.css"):
        assert client.get(path).headers["cache-control"] == IMMUTABLE, path
    # not hashed, not a build file, or not found: the server's validators only
    for path in (
        "/assets/manifest.js",
        "/assets/a-CCWdYbG9.js.map",
        "/products/a.svg",
        "/",
        "/assets/gone-CCWdYbG9.js",
    ):
        assert "cache-control" not in client.get(path).headers, path
    assert is_immutable("/assets/dist-Cp4vkaNE.js") and not is_immutable("/assets/x-short.js")
    assert not is_immutable("/products/assets/a-CCWdYbG9.js")
