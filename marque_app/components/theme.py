"""The shop's look: one accent colour, neutral greys, system fonts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import reflex as rx
from reflex.plugins.tailwind_v4 import (
    TailwindV4Plugin,
    add_tailwind_to_css_file,
    add_tailwind_to_postcss_config,
    compile_config,
)

ACCENT = "indigo"
GRAY = "slate"
# Every colour the storefront and the admin name (accent, gray, color_scheme=...): Radix ships one
# token file per colour, and only these are bundled (see RadixSubsetTailwindPlugin).
RADIX_COLORS = (ACCENT, GRAY, "gray", "red", "tomato", "amber", "grass", "green", "blue", "iris", "violet")
FONT_STACK = "Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def toaster() -> rx.Component:
    """The toast provider, with sonner's light-theme text colours darkened: its own are 4.2-4.4:1
    on their backgrounds. (The toaster sits outside the app's root, where STYLE does not reach;
    "&&" outranks sonner's two-attribute selector.)"""
    return rx.toast.provider(
        visible_toasts=3,  # at most a few at once; the admin's repeated messages replace theirs (toast ids)
        style={
            "&&[data-sonner-theme=light]": {
                "--success-text": "hsl(140, 100%, 21%)",
                "--info-text": "hsl(210, 92%, 36%)",
                "--warning-text": "hsl(31, 92%, 28%)",
                "--error-text": "hsl(360, 100%, 38%)",
            }
        },
    )


def theme() -> rx.Component:
    return rx.theme(appearance="light", accent_color=ACCENT, gray_color=GRAY, radius="medium", scaling="100%")


STYLE = {
    "font_family": FONT_STACK,
    "::selection": {"background": rx.color("accent", 5)},
    "html": {"scroll_behavior": "smooth"},
    "body": {"-webkit-font-smoothing": "antialiased"},
    ".radix-themes": {"--default-font-family": FONT_STACK, "--heading-font-family": FONT_STACK},
    ".product-card:hover .card-image img": {"transform": "scale(1.03)"},
    ".product-card:hover [data-testid='product-card-name']": {"text_decoration": "underline"},
    ".card-image img": {"transition": "transform 0.3s ease"},
    # Off screen until the Tab key reaches it (the first stop of every storefront page).
    ".skip-link": {
        "position": "absolute",
        "left": "-10000px",
        "top": "8px",
        "z_index": "100",
        "padding": "10px 16px",
        "border_radius": "8px",
        "background": "var(--gray-12)",
        "color": "var(--gray-1)",
        "font_weight": "600",
        "text_decoration": "none",
    },
    ".skip-link:focus": {"left": "8px"},
    # Radix's soft badges write step 11 on step 3: 4.2:1 for amber and green at 12 px; step 12 is > 7:1
    ".rt-Badge.rt-variant-soft": {"color": "var(--accent-12)"},
    ".sr-only": {
        "position": "absolute",
        "width": "1px",
        "height": "1px",
        "padding": "0",
        "margin": "-1px",
        "overflow": "hidden",
        "clip": "rect(0, 0, 0, 0)",
        "white_space": "nowrap",
        "border": "0",
    },
}


def radix_subset_root_style(include_radix_themes: bool = True) -> tuple[str, str]:
    """``styles/tailwind.css`` as Reflex's TailwindV4Plugin writes it, but importing Radix Themes'
    parts (base tokens, the colours in RADIX_COLORS, components, utilities) instead of its whole
    ``styles.css``, whose tokens hold all 31 colours: the one stylesheet that blocks first paint."""
    radix = "@radix-ui/themes"
    parts = [
        f"{radix}/tokens/base.css",
        *(f"{radix}/tokens/colors/{color}.css" for color in dict.fromkeys(RADIX_COLORS)),
        f"{radix}/components.css",
        f"{radix}/utilities.css",
    ]
    radix_imports = "".join(f'@import "{part}" layer(components);\n' for part in parts) if include_radix_themes else ""
    return str(Path("styles") / "tailwind.css"), (
        "@layer theme, base, components, utilities;\n"
        '@import "tailwindcss/theme.css" layer(theme);\n'
        '@import "tailwindcss/preflight.css" layer(base);\n'
        f"{radix_imports}"
        '@import "tailwindcss/utilities.css" layer(utilities);\n'
        '@config "../tailwind.config.js";\n'
    )


#: Radix Themes' breakpoints no component of the shop uses (``rx.breakpoints`` with ``xs=`` or
#: ``xl=``): xs is 520 px, xl 1640 px. Their ``@media`` blocks hold every responsive utility
#: and component size again, 70 KB each of the one stylesheet that blocks first paint.
UNUSED_BREAKPOINTS = {"xs": "520px", "xl": "1640px"}
POSTCSS_PLUGIN = "marque-postcss-breakpoints.js"


def unused_breakpoints_plugin() -> tuple[str, str]:
    """``.web/marque-postcss-breakpoints.js``: the PostCSS plugin of ``unused_breakpoints.js``
    (next to this file) dropping the ``@media`` blocks of :data:`UNUSED_BREAKPOINTS` once
    Tailwind has inlined Radix Themes' stylesheets."""
    source = (Path(__file__).with_name("unused_breakpoints.js")).read_text()
    return POSTCSS_PLUGIN, source.replace("__WIDTHS__", json.dumps(list(UNUSED_BREAKPOINTS.values())))


def add_breakpoints_plugin_to_postcss_config(content: str) -> str:
    """``postcss.config.js`` with :func:`unused_breakpoints_plugin` after Tailwind's plugin."""
    tailwind = '"@tailwindcss/postcss": {},'
    if POSTCSS_PLUGIN in content:
        return content
    if tailwind not in content:
        raise RuntimeError(f"postcss.config.js has no {tailwind} line to put the breakpoints plugin after")
    return content.replace(tailwind, f'{tailwind}\n  "./{POSTCSS_PLUGIN}": {{}},', 1)


@dataclasses.dataclass
class RadixSubsetTailwindPlugin(TailwindV4Plugin):
    """TailwindV4Plugin with only the Radix Themes colours the shop uses (radix_subset_root_style)."""

    def pre_compile(self, **context: Any) -> None:
        context["add_save_task"](compile_config, self.get_unversioned_config())
        include_radix_themes = context["radix_themes_plugin"].enabled
        context["add_save_task"](radix_subset_root_style, include_radix_themes)
        context["add_modify_task"]("postcss.config.js", add_tailwind_to_postcss_config)
        context["add_save_task"](unused_breakpoints_plugin)
        context["add_modify_task"]("postcss.config.js", add_breakpoints_plugin_to_postcss_config)
        context["add_modify_task"](
            str(Path("styles") / "__reflex_global_styles.css"),
            lambda content: add_tailwind_to_css_file(content, include_radix_themes=include_radix_themes),
        )
