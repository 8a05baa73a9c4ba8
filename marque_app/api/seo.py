"""Page metadata without JavaScript, ``/sitemap.xml`` and ``/robots.txt`` on the app's own port.

Reflex prerenders static routes only: a product, category or brand page is served as one empty
shell (``__spa-fallback.html``) that the app fills over its websocket, so a crawler or a link
preview that runs no script saw no title, no description and an HTTP 200 for a product that does
not exist. ``PageMetadata`` is a pure ASGI middleware (``rx.App(api_transformer=[create_api(),
PageMetadata, SecurityHeaders, ...])``, so the security headers' CSP is computed over the body
this one sends) that, for a GET or HEAD of home, search, a product, a category or a brand page:

* reads the page's catalog data in a worker thread (``services.seo.page_meta``: the same cached
  reads as the page's own load, so the hydrate event that follows finds them cached);
* asks the app beneath for the page as it would have answered it, uncompressed;
* puts the page's own ``<title>``, description, canonical URL, Open Graph and Twitter tags and
  JSON-LD into its head (``domain.seo.inject``), and on a product page its picture, name and
  price as plain HTML at the top of the body (shown until the app has drawn its header);
* answers 404 for an unknown (or hidden) product, category or brand: the same shell, which the
  app renders as the shop's not-found page, with ``noindex``;
* with the database down: the unchanged shell with 503 and ``Retry-After`` (the app shows its
  "try again" banner), never a 500.

JSON-LD is a data block (``type="application/ld+json"``), which CSP's script-src does not govern
(browsers never run it); the security headers hash it with the other inline scripts anyway.
``/sitemap.xml`` (active products, categories and brands with lastmod) replaces the one Reflex
writes into the static export (every page route, admin and account included); ``/robots.txt``
keeps crawlers out of admin, account, checkout and cart and names the sitemap.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Callable
from urllib.parse import parse_qsl

import anyio
import sqlalchemy as sa
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marque_app import routes
from marque_app.api.outage import RETRY_AFTER
from marque_app.domain import seo
from marque_app.services.db import is_unavailable
from marque_app.services.seo import CachedCatalog, Catalog, SessionCatalog, is_meta_page, page_meta
from marque_app.settings import Settings, get_settings

log = logging.getLogger(__name__)

SITEMAP = "/sitemap.xml"
ROBOTS = "/robots.txt"
_DROPPED = {b"content-length", b"content-encoding", b"etag", b"last-modified", b"accept-ranges"}
_OUTAGE_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>Briefly unavailable | Marque</title>'
    "</head><body><h1>The store is briefly unavailable</h1><p>Try again in a few seconds.</p></body></html>"
)


class PageMetadata:
    """ASGI middleware: the head tags above on page GETs; the sitemap and robots.txt."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings | None = None,
        engine: Callable[[], sa.Engine | sa.Connection] | None = None,
    ) -> None:
        self.app = app
        self.settings = settings or get_settings()
        self.catalog: Catalog = SessionCatalog(engine) if engine is not None else CachedCatalog()

    @property
    def base_url(self) -> str:
        return self.settings.public_url.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == ROBOTS:
            await _answer(scope, send, 200, "text/plain; charset=utf-8", seo.robots_txt(self.base_url).encode())
            return
        if path == SITEMAP:
            await self._sitemap(scope, send)
            return
        if not is_meta_page(path):
            await self.app(scope, receive, send)
            return
        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        outage = False
        meta = None
        try:
            meta = await anyio.to_thread.run_sync(
                lambda: page_meta(path, params, catalog=self.catalog, currency=self.settings.currency)
            )
        except Exception as error:
            if not is_unavailable(error):
                raise
            log.error("database unavailable (page metadata of %s -> 503): %s", path, type(error).__name__)
            outage = True
        if meta is None and not outage:
            await self.app(scope, receive, send)
            return
        await self._page(scope, receive, send, meta)

    async def _sitemap(self, scope: Scope, send: Send) -> None:
        try:
            entries = await anyio.to_thread.run_sync(self.catalog.sitemap)
        except Exception as error:
            if not is_unavailable(error):
                raise
            await _answer(
                scope,
                send,
                503,
                "text/plain; charset=utf-8",
                b"The store is briefly unavailable; try again.",
                retry=True,
            )
            return
        body = seo.sitemap_xml(entries, self.base_url).encode()
        await _answer(scope, send, 200, "application/xml; charset=utf-8", body, gzip_ok=_accepts_gzip(scope))

    async def _page(self, scope: Scope, receive: Receive, send: Send, meta: seo.PageMeta | None) -> None:
        # The page as the app beneath answers it, uncompressed (the body is edited).
        inner = dict(scope)
        inner["method"] = "GET"
        inner["headers"] = [(k, v) for k, v in scope["headers"] if k not in (b"accept-encoding", b"range")]
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            elif message["type"] == "http.response.pathsend":  # granian sends a file by its path
                chunks.append(await anyio.Path(message["path"]).read_bytes())

        await self.app(inner, receive, capture)
        assert start is not None
        body = b"".join(chunks)
        shell_ok = start["status"] == 200 and Headers(raw=start.get("headers") or []).get(
            "content-type", ""
        ).startswith("text/html")
        if meta is None:  # the database is down
            status = 503
            if not shell_ok:
                body = _OUTAGE_PAGE.encode()
        elif shell_ok:
            status = meta.status
            summary = ""
            if meta.status == 200 and meta.product is not None:
                summary = seo.product_summary(meta.product)
            elif meta.status == 200 and meta.cards:
                summary = seo.listing_summary(meta.heading, meta.cards)
            page = seo.inject(body.decode("utf-8"), seo.head_tags(meta, self.base_url), summary)
            # the app's scripts after the first paint where the server sent something to paint:
            # a summary, or the prerendered home page (its headline is its largest paint)
            body = (seo.paint_first(page) if summary or scope["path"] == routes.HOME else page).encode("utf-8")
        else:  # not a page the app serves as HTML: as it answered
            await _replay(scope, send, start, body)
            return
        headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() not in _DROPPED]
        message: Message = {"type": "http.response.start", "status": status, "headers": headers}
        out = MutableHeaders(scope=message)
        out["content-type"] = "text/html; charset=utf-8"
        out["cache-control"] = "no-cache"
        out["vary"] = "Accept-Encoding"
        if meta is None:
            out["retry-after"] = str(RETRY_AFTER)
        if _accepts_gzip(scope):
            body = gzip.compress(body, compresslevel=6, mtime=0)
            out["content-encoding"] = "gzip"
        out["content-length"] = str(len(body))
        await send(message)
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def _accepts_gzip(scope: Scope) -> bool:
    accept = Headers(scope=scope).get("accept-encoding", "")
    return any(
        part.split(";")[0].strip() == "gzip" and "q=0" not in part.replace(" ", "") for part in accept.split(",")
    )


async def _replay(scope: Scope, send: Send, start: Message, body: bytes) -> None:
    headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": start["status"], "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


async def _answer(
    scope: Scope,
    send: Send,
    status: int,
    content_type: str,
    body: bytes,
    *,
    retry: bool = False,
    gzip_ok: bool = False,
) -> None:
    headers = [(b"content-type", content_type.encode()), (b"cache-control", b"public, max-age=3600")]
    if retry:
        headers = [(b"content-type", content_type.encode()), (b"retry-after", str(RETRY_AFTER).encode())]
    if gzip_ok:
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
