"""Route patterns and URL builders, so pages, states and links never spell a path twice."""

from __future__ import annotations

from urllib.parse import quote, urlencode

HOME = "/"
PRODUCT = "/products/[slug]"
CATEGORY = "/categories/[slug]"
SEARCH = "/search"
LOGIN = "/login"
CART = "/cart"
WISHLIST = "/wishlist"
NOT_FOUND = "404"


def product_url(slug: str) -> str:
    return f"/products/{quote(slug)}"


def category_url(slug: str) -> str:
    return f"/categories/{quote(slug)}"


def search_url(query: str) -> str:
    return f"{SEARCH}?{urlencode({'q': query})}" if query else SEARCH
