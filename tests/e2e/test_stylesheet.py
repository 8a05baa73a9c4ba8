"""The production stylesheet: Radix Themes' responsive classes only at the breakpoints the shop
uses (``components/theme.UNUSED_BREAKPOINTS`` dropped by the build's PostCSS plugin)."""

from __future__ import annotations

import re

from marque_app.components.theme import UNUSED_BREAKPOINTS
from tests.procutil import http_get


def _media_widths(css: str) -> set[str]:
    found = re.findall(r"@media\s*\(\s*(?:min-width\s*:|width\s*>=)\s*([0-9.]+px)\s*\)", css)
    return set(found)


def test_the_stylesheet_keeps_the_used_breakpoints_and_drops_the_unused(base_url):
    status, html = http_get(f"{base_url}/")
    assert status == 200
    sheets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+\.css)"', html) or re.findall(
        r'<link[^>]+href="([^"]+\.css)"[^>]+rel="stylesheet"', html
    )
    assert sheets, "the home page links no stylesheet"
    css = "".join(http_get(f"{base_url}{href}")[1] for href in sheets)
    widths = _media_widths(css)
    assert {"768px", "1024px", "1280px"} <= widths  # sm, md, lg: the shop's responsive props
    assert not widths & set(UNUSED_BREAKPOINTS.values())
    assert ".md\\:rt-r-display-none" in css or "md\\:rt-r-display-none" in css  # a used class is kept
