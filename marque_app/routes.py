"""Route patterns and URL builders, so pages, states and links never spell a path twice."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

HOME = "/"
PRODUCT = "/products/[slug]"
CATEGORY = "/categories/[slug]"
SHOP = "/shop"
BRANDS = "/brands"
BRAND = "/brands/[slug]"
SEARCH = "/search"
LOGIN = "/login"
REGISTER = "/register"
FORGOT_PASSWORD = "/forgot-password"
RESET_PASSWORD = "/reset-password"
VERIFY_EMAIL = "/verify-email"  # ?token=... from the verification e-mail
STOCK_ALERT_UNSUBSCRIBE = "/stock-alerts/unsubscribe"  # ?token=... from a back-in-stock message
ACCOUNT = "/account"
CART = "/cart"
WISHLIST = "/wishlist"
NOT_FOUND = "404"
# The admin (pages/admin): the admin role only, checked on the server in every load and handler.
ADMIN = "/admin"
ADMIN_PRODUCTS = "/admin/products"
ADMIN_PRODUCT = "/admin/products/[admin_product]"  # "new" creates one
ADMIN_CATEGORIES = "/admin/categories"
ADMIN_BRANDS = "/admin/brands"
ADMIN_INVENTORY = "/admin/inventory"
ADMIN_CUSTOMERS = "/admin/customers"
ADMIN_CUSTOMER = "/admin/customers/[admin_customer]"
ADMIN_COUPONS = "/admin/coupons"
ADMIN_ACTIVITY = "/admin/activity"
ADMIN_ORDERS = "/admin/orders"
ADMIN_ORDER = "/admin/orders/[admin_order]"
ADMIN_RETURNS = "/admin/returns"
ADMIN_REVIEWS = "/admin/reviews"
ADMIN_REPORTS = "/admin/reports"
ADMIN_ANALYTICS = "/admin/analytics"
CHECKOUT = "/checkout"
CHECKOUT_PAYPAL_RETURN = "/checkout/paypal/return"  # PayPal sends the shopper back here
ACCOUNT_CARDS = "/account/cards"
ORDER_CONFIRMATION = "/orders/[ref]/confirmation"
ACCOUNT_ORDERS = "/account/orders"
ACCOUNT_ORDER = "/account/orders/[ref]"


def product_url(slug: str) -> str:
    return f"/products/{quote(slug)}"


def category_url(slug: str) -> str:
    return f"/categories/{quote(slug)}"


def brand_url(slug: str) -> str:
    return f"/brands/{quote(slug)}"


def listing_url(base: str, params: Mapping[str, str] | None = None) -> str:
    """``base`` with ``params`` as its query string (none when empty): ``/shop?sort=price``."""
    return f"{base}?{urlencode(dict(params))}" if params else base


def browse_url(params: Mapping[str, str], *, prefer: str = "category") -> str:
    """The canonical page for a listing's query-string ``params`` (``ListingQuery.to_params()``).

    A category lives in the path of its category page and a brand in the path of its brand
    page; with both set, ``prefer`` ("category" or "brand", the page the shopper is on) decides
    which one is the page and which stays in the query string. Neither: the all-products page.
    """
    rest = dict(params)
    category, brand = rest.get("category", ""), rest.get("brand", "")
    if brand and (prefer == "brand" or not category):
        del rest["brand"]
        return listing_url(brand_url(brand), rest)
    if category:
        del rest["category"]
        return listing_url(category_url(category), rest)
    return listing_url(SHOP, rest)


def search_url(query: str) -> str:
    return f"{SEARCH}?{urlencode({'q': query})}" if query else SEARCH


def safe_next(raw: str | None, default: str = HOME) -> str:
    """``raw`` when it is a path on this site (``/account?tab=1``), else ``default``.

    Refuses absolute and protocol-relative URLs (``https://x``, ``//x``, ``/\\x``) and control
    characters, so a ``?next=`` link can never send a shopper to another site after log-in.
    """
    value = (raw or "").strip()
    if (
        not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or len(value) > 2000
        or any(ord(ch) < 32 or ch == "\\" for ch in value)
    ):
        return default
    return value


def login_url(next_path: str | None = None) -> str:
    """``/login``, with ``?next=<path>`` when ``next_path`` is a same-site path other than home."""
    target = safe_next(next_path, "")
    return f"{LOGIN}?{urlencode({'next': target})}" if target and target != HOME else LOGIN


def order_url(number: str) -> str:
    """The account page of one order: ``/account/orders/MQ-1001``."""
    return f"/account/orders/{quote(number)}"


def confirmation_url(number: str) -> str:
    """The page shown right after placing an order: ``/orders/MQ-1001/confirmation``."""
    return f"/orders/{quote(number)}/confirmation"
