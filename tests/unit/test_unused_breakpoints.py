"""``components/theme``: the breakpoints the build drops are ones no page uses, and the PostCSS
config gets the plugin once, after Tailwind's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from marque_app.components.theme import (
    POSTCSS_PLUGIN,
    UNUSED_BREAKPOINTS,
    add_breakpoints_plugin_to_postcss_config,
    unused_breakpoints_plugin,
)

APP = Path(__file__).resolve().parents[2] / "marque_app"
CONFIG = 'export default {\n  plugins: {\n  "@tailwindcss/postcss": {},\n  },\n};'


def test_no_component_uses_a_dropped_breakpoint():
    """Adding ``xs=`` or ``xl=`` to an ``rx.breakpoints`` (or a responsive dict) fails here: take
    the breakpoint out of UNUSED_BREAKPOINTS first, or its styles are missing from the build."""
    names = "|".join(UNUSED_BREAKPOINTS)
    uses = [
        f"{path.relative_to(APP)}: {hit}"
        for path in APP.rglob("*.py")
        if path.name != "theme.py"  # where UNUSED_BREAKPOINTS itself is written
        for hit in re.findall(rf"breakpoints\([^)]*\b(?:{names})\s*=|[\"'](?:{names})[\"']\s*:", path.read_text())
    ]
    assert uses == []
    assert re.findall(
        r"breakpoints\([^)]*\bmd\s*=", (APP / "components" / "layout.py").read_text()
    )  # the scan sees uses


def test_the_plugin_follows_tailwind_once():
    once = add_breakpoints_plugin_to_postcss_config(CONFIG)
    assert once.index('"@tailwindcss/postcss"') < once.index(f'"./{POSTCSS_PLUGIN}"')
    assert add_breakpoints_plugin_to_postcss_config(once) == once
    with pytest.raises(RuntimeError, match="tailwindcss/postcss"):
        add_breakpoints_plugin_to_postcss_config("export default { plugins: {} };")


def test_the_plugin_names_the_dropped_widths():
    path, source = unused_breakpoints_plugin()
    assert path == POSTCSS_PLUGIN
    for width in UNUSED_BREAKPOINTS.values():
        assert f'"{width}"' in source
    assert "768px" not in source and "OnceExit" in source
