"""Lighthouse (mobile) on the production build: home, a category page and a product page.

    .venv/bin/python -m tests.bench.bench_lighthouse [--runs 1] [--url http://127.0.0.1:3000]

Lighthouse comes from the npm registry, pinned (``LIGHTHOUSE_VERSION``), installed once into
``.tools/lighthouse`` (not committed; ``npm i -E lighthouse@12.2.3``, done here when missing;
``MARQUE_LIGHTHOUSE_TOOLS`` names another directory).
It drives the system Chromium (``CHROME_PATH=/usr/bin/chromium``, flags ``--headless
--no-sandbox --disable-gpu``) with its default mobile preset: a Moto G Power screen, 4x CPU
slow-down and a slow 4G network (150 ms round trip, 1.6 Mbps), simulated.

The store is served as ``make run`` does (``reflex run --env prod``: pages, websocket and API on
one port) on a free loopback port with a temporary SQLite database holding the demo store, and
its own frontend build directory (``.tools/lighthouse-web``). ``--url`` measures a server that
is already running instead (its database must hold the demo store). ``--reports DIR`` keeps
each run's JSON report there (``home-0.json``...), to read which audits fail and why.

Per page: the four category scores (performance, accessibility, best practices, SEO) and first
contentful paint, largest contentful paint, total blocking time and cumulative layout shift (the
median run of ``--runs`` by performance score). Then each score weighted as Shopify weights its
theme gate: home 17 %, category (collection) 43 %, product 40 %. The last line is one JSON
object: ``{"bench": "lighthouse", "median_ms": <weighted LCP>, "p95_ms": <worst LCP>, ...}``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

from tests.bench.bench_cart_latency import CHROMIUM, ROOT, _env, serve
from tests.bench.common import report
from tests.procutil import free_port, http_get

LIGHTHOUSE_VERSION = "12.2.3"  # 13 wants Node 22; 12.3+ locks do not install with this npm
TOOLS = Path(os.environ.get("MARQUE_LIGHTHOUSE_TOOLS", ROOT / ".tools" / "lighthouse"))
LIGHTHOUSE = TOOLS / "node_modules" / ".bin" / "lighthouse"
WEB_DIR = Path(os.environ.get("MARQUE_LIGHTHOUSE_WEB_DIR", ROOT / ".tools" / "lighthouse-web"))
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {
    "fcp_ms": "first-contentful-paint",
    "lcp_ms": "largest-contentful-paint",
    "tbt_ms": "total-blocking-time",
    "cls": "cumulative-layout-shift",
}
# Shopify's theme store gate: the weighted average over these three page kinds.
WEIGHTS = {"home": 17, "category": 43, "product": 40}


def ensure_lighthouse() -> Path:
    """The pinned Lighthouse CLI in .tools/lighthouse, installed from npm when missing."""
    if LIGHTHOUSE.exists():
        installed = json.loads((TOOLS / "node_modules" / "lighthouse" / "package.json").read_text())["version"]
        if installed == LIGHTHOUSE_VERSION:
            return LIGHTHOUSE
    TOOLS.mkdir(parents=True, exist_ok=True)
    if not (TOOLS / "package.json").exists():
        (TOOLS / "package.json").write_text('{"name": "marque-lighthouse", "private": true}\n')
    subprocess.run(
        ["npm", "i", "-E", f"lighthouse@{LIGHTHOUSE_VERSION}", "--no-audit", "--no-fund"],
        cwd=TOOLS,
        check=True,
        timeout=600,
    )
    return LIGHTHOUSE


def pages(db_url: str) -> dict[str, str]:
    """The three pages: home, the category with most active products, that category's first product."""
    import sqlalchemy as sa

    from marque_app.routes import HOME, category_url, product_url
    from marque_app.services.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            category = conn.execute(
                sa.text(
                    """
                    SELECT c.id, c.slug FROM categories c JOIN products p ON p.category_id = c.id
                    WHERE p.status = 'active' AND c.is_active
                    GROUP BY c.id, c.slug ORDER BY count(*) DESC, c.slug LIMIT 1
                    """
                )
            ).one()
            product = conn.execute(
                sa.text(
                    """
                    SELECT slug FROM products WHERE status = 'active' AND category_id = :c
                    ORDER BY review_count DESC, slug LIMIT 1
                    """
                ),
                {"c": category.id},
            ).scalar_one()
    finally:
        engine.dispose()
    return {"home": HOME, "category": category_url(category.slug), "product": product_url(product)}


def lighthouse(url: str, out: Path) -> dict:
    """One Lighthouse run (mobile preset) of ``url``: its JSON report."""
    env = dict(os.environ, CHROME_PATH=str(CHROMIUM))
    subprocess.run(
        [
            str(ensure_lighthouse()),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--chrome-flags={CHROME_FLAGS}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--max-wait-for-load=60000",
        ],
        env=env,
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
    )
    return json.loads(out.read_text())


def figures(lhr: dict) -> dict:
    """The four scores (0-100) and the four metrics of one report; failed audits' titles."""
    row: dict = {c: round((lhr["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
    for key, audit in METRICS.items():
        value = lhr["audits"][audit].get("numericValue")
        row[key] = round(value, 3 if key == "cls" else 0) if value is not None else None
    row["failed"] = sorted(
        {
            lhr["audits"][ref["id"]]["title"]
            for c in CATEGORIES
            if c != "performance"
            for ref in lhr["categories"][c]["auditRefs"]
            if ref.get("weight", 0) > 0
            and (lhr["audits"][ref["id"]].get("score") or 0) < 1
            and lhr["audits"][ref["id"]].get("scoreDisplayMode") not in ("notApplicable", "manual", "informative")
        }
    )
    return row


def measure(base_url: str, paths: dict[str, str], runs: int, tmp: Path) -> dict[str, dict]:
    results: dict[str, dict] = {}
    for kind, path in paths.items():
        rows = []
        for i in range(runs):
            rows.append(figures(lighthouse(base_url + path, tmp / f"{kind}-{i}.json")))
        rows.sort(key=lambda r: r["performance"])
        results[kind] = {"path": path, **rows[len(rows) // 2]}
        print(f"{kind}: {json.dumps(results[kind])}", flush=True)
    return results


def weighted(results: dict[str, dict]) -> dict[str, float]:
    total = sum(WEIGHTS.values())
    keys = [*CATEGORIES, "fcp_ms", "lcp_ms"]
    return {k: round(sum(WEIGHTS[p] * (results[p][k] or 0) for p in WEIGHTS) / total, 1) for k in keys}


def table(results: dict[str, dict], weights: dict[str, float]) -> str:
    head = "| page | performance | accessibility | best practices | SEO | FCP | LCP | TBT | CLS |"
    lines = [head, "|---|---|---|---|---|---|---|---|---|"]
    for kind, r in results.items():
        lines.append(
            f"| {kind} (`{r['path']}`) | {r['performance']} | {r['accessibility']} | {r['best-practices']} | "
            f"{r['seo']} | {r['fcp_ms'] / 1000:.1f} s | {r['lcp_ms'] / 1000:.1f} s | {r['tbt_ms']:.0f} ms | {r['cls']} |"
        )
    w = weights
    lines.append(
        f"| weighted 17/43/40 | {w['performance']} | {w['accessibility']} | {w['best-practices']} | {w['seo']} | "
        f"{w['fcp_ms'] / 1000:.1f} s | {w['lcp_ms'] / 1000:.1f} s | | |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import sys

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page (the median is kept)")
    parser.add_argument("--url", default=None, help="a running server to measure instead of starting one")
    parser.add_argument("--reports", type=Path, default=None, help="keep the JSON reports in this directory")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 9:
        raise SystemExit("bounded: 1 to 9 runs per page")
    ensure_lighthouse()
    tmp = Path(tempfile.mkdtemp(prefix="bench-lighthouse-"))
    reports = args.reports or tmp
    reports.mkdir(parents=True, exist_ok=True)
    if args.url:
        from marque_app.settings import default_db_url

        db_url = os.environ.get("MARQUE_LIGHTHOUSE_DB_URL", default_db_url())
        results = measure(args.url.rstrip("/"), pages(db_url), args.runs, reports)
    else:
        port = free_port()
        env = _env(port, WEB_DIR, tmp)
        env["REFLEX_DB_URL"] = f"sqlite:///{tmp / 'marque-bench.db'}"
        env.pop("REFLEX_REDIS_URL", None)
        setup = subprocess.run(
            [sys.executable, "-m", "marque_app.cli", "setup"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if setup.returncode:
            raise SystemExit(f"marque_app.cli setup failed:\n{setup.stdout}{setup.stderr}")
        paths = pages(env["REFLEX_DB_URL"])
        with serve("store", ROOT, env, port, tmp / "reflex.log") as (url, _):
            for path in paths.values():  # warm the server (first compile of each route's data)
                http_get(url + path, 60)
            results = measure(url, paths, args.runs, reports)
    weights = weighted(results)
    print(table(results, weights), flush=True)
    lcps = [r["lcp_ms"] or 0 for r in results.values()]
    report(
        "lighthouse",
        median_ms=weights["lcp_ms"],
        p95_ms=max(lcps),
        lighthouse=LIGHTHOUSE_VERSION,
        runs=args.runs,
        weighted=weights,
        pages={k: {m: v for m, v in r.items() if m != "failed"} for k, r in results.items()},
        lcp_median_ms=statistics.median(lcps),
    )


if __name__ == "__main__":
    main()
