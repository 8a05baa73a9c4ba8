"""Security headers and CORS on the production build: every page type runs under its
Content-Security-Policy with no violation (a ``securitypolicyviolation`` listener installed before
any page script, and Chromium's console), and only the site's own origin may use the API or the
websocket with credentials."""

from __future__ import annotations

import http.client
import re
import socket
from base64 import b64encode
from urllib.parse import urlsplit

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import log_in_with_email, log_out, wait_for_hydration

EVIL = "http://evil.example"
LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile}:${e.lineNumber}`
  + ` ${e.sample}`));
"""


def _product_slug(app_db_url: str) -> str:
    """An active product with one variant in good stock: its page's default SKU can be added."""
    query = sa.text(
        "SELECT p.slug FROM products p JOIN product_variants v ON v.product_id = p.id "
        "WHERE p.status = 'active' AND v.inventory_quantity >= 20 AND "
        "(SELECT COUNT(*) FROM product_variants w WHERE w.product_id = p.id) = 1 "
        "ORDER BY p.slug DESC LIMIT 1"
    )
    with sa.create_engine(app_db_url).connect() as conn:
        return conn.execute(query).scalar_one()


class CspWatch:
    """CSP violations of the page: the listener's and the console's ("Refused to ...")."""

    def __init__(self, page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(LISTENER)
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.console.append(message.text)

    def load(self, path: str, *, private: bool = False) -> None:
        """A full load of ``path``: its document carries the policy; nothing is refused."""
        self.page._marque_frames.clear()
        response = self.page.goto(path)
        assert response is not None and response.ok, path
        headers = response.headers
        csp = headers.get("content-security-policy", "")
        for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'"):
            assert directive in csp, (path, csp)
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0], csp
        assert headers.get("x-content-type-options") == "nosniff", path
        assert headers.get("x-frame-options") == "DENY", path
        assert headers.get("referrer-policy") and headers.get("permissions-policy"), path
        assert (headers.get("cache-control") == "no-store") is private, (path, headers)
        wait_for_hydration(self.page)
        self.page.wait_for_load_state("networkidle")
        self.check(path)

    def check(self, where: str) -> None:
        seen = self.page.evaluate("window.__csp") + self.console
        assert not seen, f"CSP violations on {where}:\n  " + "\n  ".join(seen)


def test_every_page_type_runs_under_the_csp_without_a_violation(goto, page, app_db_url):
    watch = CspWatch(page)
    watch.load("/")
    watch.load("/shop")
    watch.load("/brands")
    watch.load("/search?q=shirt")
    watch.load(f"/products/{_product_slug(app_db_url)}")
    # A handler's toast reaches the page as JavaScript the client evaluates ('unsafe-eval').
    page.get_by_test_id("add-to-cart").click()
    toast = page.locator("[data-sonner-toast]").filter(has_text="Added to your cart")
    expect(toast, "the toast is JavaScript from the backend: needs 'unsafe-eval'").to_be_visible()
    watch.check("the product page after adding to the cart")
    watch.load("/cart")
    watch.load("/wishlist")
    watch.load("/checkout", private=True)
    watch.load("/register")
    watch.load("/login")

    log_in_with_email(page, "shopper@marque.test", "Shopper#2026")
    expect(page.get_by_test_id("account-menu")).to_be_visible()
    watch.check("the log-in")
    watch.load("/account", private=True)
    expect(page.get_by_test_id("profile-email")).to_have_value("shopper@marque.test")
    watch.load("/account/orders", private=True)
    log_out(page)
    expect(page).to_have_url(re.compile(r"/$|/login"))

    goto("/login?next=/admin")
    log_in_with_email(page, "admin@marque.test", "Admin#2026")
    expect(page.get_by_test_id("admin-sidebar")).to_be_visible()
    watch.load("/admin", private=True)
    expect(page.get_by_test_id("admin-sidebar")).to_be_visible()
    watch.load("/admin/products", private=True)
    watch.load("/admin/products/new", private=True)  # the form with the picture upload
    watch.load("/admin/orders", private=True)
    watch.load("/admin/reports", private=True)  # charts

    # The watch itself sees a refusal: an injected inline script is blocked and reported.
    ran = page.evaluate("""() => { const s = document.createElement("script");
        s.textContent = "window.__injected = true"; document.head.appendChild(s);
        return window.__injected === true; }""")
    assert ran is False
    page.wait_for_function("window.__csp.length > 0")
    assert "script-src" in page.evaluate("window.__csp[0]")


def _request(base_url: str, method: str, path: str, headers: dict[str, str]):
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def test_the_api_allows_only_the_sites_own_origin(base_url):
    status, headers = _request(base_url, "GET", "/api/v1/categories", {"Origin": EVIL})
    assert status == 200  # the answer is served, but the browser may not read it
    assert "access-control-allow-origin" not in headers  # (allow-credentials alone is inert)

    status, headers = _request(base_url, "GET", "/api/v1/categories", {"Origin": base_url})
    assert headers["access-control-allow-origin"] == base_url
    assert headers["access-control-allow-credentials"] == "true"

    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    status, headers = _request(base_url, "OPTIONS", "/api/v1/cart/items", {"Origin": EVIL, **preflight})
    assert status == 400 and "access-control-allow-origin" not in headers
    status, headers = _request(base_url, "OPTIONS", "/api/v1/cart/items", {"Origin": base_url, **preflight})
    assert status == 200 and headers["access-control-allow-origin"] == base_url


def _websocket_status(base_url: str, origin: str) -> int:
    """The status of a websocket handshake to /_event sent with ``origin``."""
    parts = urlsplit(base_url)
    request = (
        f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Origin: {origin}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {b64encode(b'marque-e2e-key!!').decode()}"
        "\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request.encode())
        status_line = sock.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def test_the_websocket_refuses_other_origins(base_url, goto, page):
    assert _websocket_status(base_url, base_url) == 101
    assert _websocket_status(base_url, EVIL) == 403
    goto("/")  # and the page itself still connects (its Origin is the site's)
    wait_for_hydration(page)
