"""Security headers on every HTTP answer of the one port: pages, assets, uploads and the API.

A pure ASGI middleware (``rx.App(api_transformer=[create_api(), SecurityHeaders])`` wraps the
FastAPI app, which has the whole Reflex backend and the static export mounted beneath it). It
never touches the websocket (``/_event``): only ``http`` scopes are handled.

The Content-Security-Policy of a page lists the SHA-256 of each inline ``<script>`` of that very
page (Reflex's prerendered pages carry nine: the theme and scroll-restoration snippets, React
Router's context and route-module imports, which differ per route, and React's streaming
helpers). They are read from the answer's own body, so a rebuild never needs the policy
edited; the body is held until complete (pages are small) and the result cached per body.
Every source the pages need, and why:

``default-src 'self'``     anything not listed below: the app's own origin only.
``script-src 'self'``      the bundles in ``/assets/`` and ``/cart_ops.js``.
``'sha256-...'``           the page's own inline scripts (above); no ``'unsafe-inline'``.
``'unsafe-eval'``          Reflex's client runs the backend's ``_call_function`` and
                           ``_call_script`` events with ``eval()`` (``utils/state.js``): every
                           ``rx.toast`` a handler returns is one. The code comes from our backend
                           over the websocket only, never from the URL or the DOM.
``style-src 'self' 'unsafe-inline'``  the global stylesheet; the prerendered Emotion
                           ``<style>`` tags (Reflex's CSS-in-JS) and Radix ``style="--var:..."``
                           attributes; and ``<style>`` elements the toast (sonner), drawer (vaul)
                           and theme libraries create at run time with their CSS as text. Tried:
                           ``style-src-elem`` with the page's own style hashes still refuses the
                           run-time ones (from root-*.js and dist-*.js), and Reflex has no nonce.
``img-src 'self'``         logo, product pictures (``/products/*.svg``) and uploads (``/_upload``).
                           No ``data:`` or ``blob:`` image is used (the e2e test would see one).
``font-src 'self'``        no web fonts are loaded (system fonts); nothing from elsewhere.
``connect-src 'self' ws://host:port``  ``/ping``, ``/_upload`` and the websocket ``/_event``:
                           ``'self'`` covers ws: in CSP3 browsers, but older Safari needs the
                           ws: (wss: for an https public URL) origin spelled out.
``object-src 'none'``, ``base-uri 'self'``, ``form-action 'self'``, ``frame-ancestors 'none'``:
                           no plugins, no ``<base>`` hijack, forms post here only, never framed.
``upgrade-insecure-requests``  only when the public URL is https.

``/api/v1/docs`` (Swagger UI, served by FastAPI) also loads its script and stylesheet from
cdn.jsdelivr.net and its favicon from fastapi.tiangolo.com. Every other answer (JSON, images,
scripts) gets ``default-src 'none'``: a JSON body or an uploaded picture opened as a document can
run nothing.

``Cache-Control: no-store`` goes on answers to API requests that carry credentials (an
``Authorization`` header or a cookie) and on ``/api/v1/auth/*`` (tokens, codes), and on the
account, admin, checkout and order pages: a shared or back-button cache never keeps them.

``Cache-Control: public, max-age=31536000, immutable`` goes on the build's content-hashed files
(``/assets/<name>-<8-character hash>.js`` or ``.css``, which Vite names anew whenever their content
changes): a returning shopper's browser reuses them without asking. Pages, pictures and the
unhashed scripts of ``assets/`` keep the server's own validators (ETag, Last-Modified).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from collections import OrderedDict
from urllib.parse import urlsplit

import anyio
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marque_app.settings import Settings, get_settings

# Pages whose HTML must never be stored (the back button after log-out shows nothing private).
PRIVATE_PAGES = ("/account", "/admin", "/checkout", "/orders")
API_PREFIX = "/api/"
PRIVATE_API = ("/api/v1/auth",)
DOCS_PATH = "/api/v1/docs"
DOCS_SOURCES = {
    "script-src": ["https://cdn.jsdelivr.net"],
    "style-src": ["https://cdn.jsdelivr.net"],
    "img-src": ["https://fastapi.tiangolo.com"],
}
NOT_A_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
HSTS = "max-age=31536000"  # a year; no includeSubDomains: other hosts of the domain are not ours

_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
_SRC = re.compile(rb"\bsrc\s*=", re.IGNORECASE)
_CACHE_SIZE = 512


def inline_script_hashes(html: bytes) -> list[str]:
    """The CSP sources (``'sha256-...'``) of the inline scripts of ``html``, in order, once each."""
    hashes: dict[str, None] = {}
    for match in _SCRIPT.finditer(html):
        attrs, body = match.groups()
        if _SRC.search(attrs):
            continue  # an external script: 'self' covers it, its (empty) body is not run
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        hashes[f"'sha256-{digest}'"] = None
    return list(hashes)


def websocket_origins(settings: Settings) -> list[str]:
    """ws:// (wss:// for https) of the site's origins: where its pages open ``/_event``."""
    return [
        origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1) for origin in settings.site_origins()
    ]


def page_csp(settings: Settings, script_hashes: list[str], *, docs: bool = False) -> str:
    """The Content-Security-Policy of a page with the inline scripts ``script_hashes``."""
    directives: dict[str, list[str]] = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes, "'unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", *websocket_origins(settings)],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    if docs:
        for name, sources in DOCS_SOURCES.items():
            directives[name] += sources
    policy = "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())
    if _is_https(settings):
        policy += "; upgrade-insecure-requests"
    return policy


def _is_https(settings: Settings) -> bool:
    return urlsplit(settings.public_url).scheme == "https"


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


IMMUTABLE = "public, max-age=31536000, immutable"
# Vite's build output: "entry.client-CCWdYbG9.js", "__reflex_global_styles-CSdJVmjO.css".
_HASHED_BUILD_FILE = re.compile(r"^/assets/(?:[^/]+/)*[^/]+-[A-Za-z0-9_-]{8}\.(?:js|mjs|css|woff2?)$")


def is_immutable(path: str) -> bool:
    """Whether the answer is a content-hashed build file that never changes under its name."""
    return bool(_HASHED_BUILD_FILE.match(path))


def is_private(path: str, request_headers: Headers) -> bool:
    """Whether the answer to this request must not be stored by any cache."""
    if path.startswith(API_PREFIX):
        return "authorization" in request_headers or "cookie" in request_headers or _under(path, PRIVATE_API)
    return _under(path, PRIVATE_PAGES)


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP answer of ``app``."""

    def __init__(self, app: ASGIApp, *, settings: Settings | None = None) -> None:
        self.app = app
        self.settings = settings or get_settings()
        common = [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "strict-origin-when-cross-origin"),
            ("permissions-policy", PERMISSIONS_POLICY),
        ]
        if _is_https(self.settings):
            common.append(("strict-transport-security", HSTS))
        self._common = common
        self._csp_by_body: OrderedDict[bytes, str] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # the websocket and lifespan pass untouched
            return
        path: str = scope["path"]
        private = is_private(path, Headers(scope=scope))
        immutable = not private and is_immutable(path)
        held: Message | None = None
        chunks: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self._common:
                    headers[name] = value
                if private:
                    headers["cache-control"] = "no-store"
                elif immutable and message["status"] in (200, 304):
                    headers["cache-control"] = IMMUTABLE
                if message["status"] == 304:
                    # A 304 updates the stored answer's headers: a CSP without the body's
                    # hashes would replace the right one.
                    await send(message)
                elif headers.get("content-type", "").startswith("text/html"):
                    held = message  # the CSP needs the body's inline scripts
                else:
                    headers["content-security-policy"] = NOT_A_PAGE_CSP
                    await send(message)
                return
            if held is None:
                await send(message)
                return
            if message["type"] == "http.response.pathsend":  # granian sends a file by its path
                body = await anyio.Path(message["path"]).read_bytes()
                await send(self._with_csp(held, body, path))
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            await send(self._with_csp(held, body, path))
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_with_headers)

    def _with_csp(self, start: Message, body: bytes, path: str) -> Message:
        headers = MutableHeaders(scope=start)
        encoding = headers.get("content-encoding", "")
        headers["content-security-policy"] = self._csp(body, encoding, path)
        return start

    def _csp(self, body: bytes, encoding: str, path: str) -> str:
        key = hashlib.sha256(encoding.encode() + b"\0" + path.encode() + b"\0" + body).digest()
        if (cached := self._csp_by_body.get(key)) is not None:
            self._csp_by_body.move_to_end(key)
            return cached
        if encoding == "gzip":
            html = gzip.decompress(body)
        elif encoding in ("", "identity"):
            html = body
        else:
            # brotli/zstd (rx.Config.frontend_compression_formats): not readable here, so no
            # inline script may run; keep the default ["gzip"].
            html = b""
        csp = page_csp(self.settings, inline_script_hashes(html), docs=path == DOCS_PATH)
        self._csp_by_body[key] = csp
        if len(self._csp_by_body) > _CACHE_SIZE:
            self._csp_by_body.popitem(last=False)
        return csp
