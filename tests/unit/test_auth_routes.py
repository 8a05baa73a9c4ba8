"""Where the log-in page may send a shopper afterwards (``?next=``): only paths on this site."""

from __future__ import annotations

import pytest

from marque_app.routes import login_url, safe_next


@pytest.mark.parametrize("raw", ["/account", "/products/red-shirt?size=m", "/search?q=caf%C3%A9", "/"])
def test_same_site_paths_are_kept(raw):
    assert safe_next(raw) == raw


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "account",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "/\\\\evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "/a\nb",
        "/a\\b",
        "/" + "x" * 2001,
    ],
)
def test_other_sites_and_odd_values_fall_back_to_home(raw):
    assert safe_next(raw) == "/"
    assert safe_next(raw, "/shop") == "/shop"


def test_login_url_carries_only_a_safe_next():
    assert login_url("/account") == "/login?next=%2Faccount"
    assert login_url("/account?tab=addresses") == "/login?next=%2Faccount%3Ftab%3Daddresses"
    assert login_url("/") == "/login"
    assert login_url("https://evil.example/") == "/login"
    assert login_url(None) == "/login"
