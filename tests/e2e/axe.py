"""axe-core in the browser: install it once (npm, pinned), inject it into a page, list what it finds.

axe-core (MPL-2.0, Deque Systems) is installed from the npm registry into ``.tools/axe-core``
(git-ignored, like bun): nothing of it is committed. ``MARQUE_AXE_JS`` points at another
``axe.min.js`` instead (e.g. on a machine without npm).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

AXE_VERSION = "4.10.3"
ROOT = Path(__file__).resolve().parents[2]
AXE_PREFIX = ROOT / ".tools" / "axe-core"
AXE_JS = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0/2.1/2.2 A and AA plus axe's best practices (landmarks, one h1, skip link, ...).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")


def axe_source() -> str:
    """The text of ``axe.min.js`` at :data:`AXE_VERSION`, installed with npm when missing."""
    if custom := os.environ.get("MARQUE_AXE_JS"):
        return Path(custom).read_text()
    if not AXE_JS.exists() or f"axe v{AXE_VERSION}" not in AXE_JS.read_text()[:200]:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "the accessibility tests need axe-core: install Node 20 with npm (it is fetched with "
                f"`npm install axe-core@{AXE_VERSION}` into {AXE_PREFIX}), or set MARQUE_AXE_JS to an axe.min.js"
            )
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(AXE_PREFIX),
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=300,
        )
    return AXE_JS.read_text()


def run_axe(page, source: str, *, include: str | None = None) -> list[dict]:
    """Run axe on the page as it is now; its violations (id, impact, help, nodes with targets)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # evaluated through the DevTools protocol: the store's Content-Security-Policy (no inline
        # scripts) stays in force for the page itself
        page.evaluate(source + "\n;void 0")
    result = page.evaluate(
        """async ([tags, include]) => {
            const context = include ? {include: [include]} : document;
            const r = await window.axe.run(context, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary, html: n.html.slice(0, 160)})),
            }));
        }""",
        [TAGS, include],
    )
    return list(result)


def blocking(violations: list[dict]) -> list[dict]:
    """The serious and critical ones."""
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict], where: str) -> str:
    """A readable list: rule, impact, help, and each offending element with axe's summary."""
    lines = [f"{len(violations)} serious/critical accessibility violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}\n      {node['html']}\n      {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)
