"""Click-to-screen latency of add-to-cart in Chromium, beside a bare Reflex counter (same run).

    .venv/bin/python -m tests.bench.bench_cart_latency [--clicks 100] [--counter-only]

Both apps are built and served in production mode (``reflex run --env prod``, page and backend on
one port), each in its own web directory (the counter: ``.tools/bench-counter-web``; the store:
``MARQUE_BENCH_WEB_DIR``, default ``.tools/bench-web``) on a free port, started in their own
process group and stopped as a whole. The store gets a temporary SQLite database with the demo
store (``python -m marque_app.cli setup``).

One sample: in the page, ``performance.now()`` is read, the button is clicked
(``element.click()``: React's handler runs, the event goes over the websocket), and a
MutationObserver notes when the target element shows the expected text (the counter's new
number; the header cart badge's new count). The counter shows it after click -> handler ->
backend -> delta -> React render -> DOM. The cart badge is optimistic (``assets/cart_count.jsx``):
it shows the click at once and is reconciled by op id when the server's delta arrives, so the
bench reports both "shown" (the click-to-screen figure, the target) and "confirmed" (the badge
no longer pending: the full round trip with the cart saved in the page's state).

The store is clicked as a guest on product pages: a few clicks per variant (variants with stock to
spare, chosen from the database), then the next product page, so no click is refused for stock.

The last line is one JSON object (``tests/bench/common.py`` ``report``). Target: add-to-cart p95
within 2x the counter's p95.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.bench.common import figures, report
from tests.procutil import free_port, http_get, stop_group, tail

ROOT = Path(__file__).resolve().parents[2]
COUNTER_DIR = Path(__file__).resolve().parent / "counter_app"
COUNTER_WEB = ROOT / ".tools" / "bench-counter-web"
APP_WEB = Path(os.environ.get("MARQUE_BENCH_WEB_DIR", ROOT / ".tools" / "bench-web"))
CHROMIUM = Path(os.environ.get("MARQUE_CHROMIUM", "/usr/bin/chromium"))
# As tests/e2e/conftest.py launches it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT = float(os.environ.get("MARQUE_BENCH_START_TIMEOUT", "600"))
CLICKS_PER_VARIANT = 4

# One timed click: resolves with [ms until `target` shows `expected`, ms until it shows it
# confirmed by the server] (re-queried on every mutation: React may replace the node). The cart
# badge is optimistic: it shows the click at once and has data-pending="true" until the server's
# answer settles the op; the counter has no such attribute, so its two figures are the same.
_CLICK_JS = """
async ([button, target, expected]) => {
  const state = () => {
    const el = document.querySelector(target);
    if (el === null || el.textContent.trim() !== expected) return 0;
    return el.getAttribute("data-pending") === "true" ? 1 : 2;
  };
  const btn = document.querySelector(button);
  if (btn === null) throw new Error(`no ${button} on the page`);
  return await new Promise((resolve, reject) => {
    let t0 = 0;
    let shownAt = null;
    const observer = new MutationObserver(() => {
      const s = state();
      if (s >= 1 && shownAt === null) shownAt = performance.now() - t0;
      if (s === 2) {
        const ms = performance.now() - t0;
        observer.disconnect();
        clearTimeout(timer);
        resolve([shownAt, ms]);
      }
    });
    const timer = setTimeout(() => {
      observer.disconnect();
      const el = document.querySelector(target);
      reject(new Error(`${target} did not show ${expected} within 15 s (shows ${el && el.textContent})`));
    }, 15000);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    t0 = performance.now();
    btn.click();
  });
}
"""


# --- servers ----------------------------------------------------------------------------------


def _env(port: int, web_dir: Path, tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MARQUE_TEST_DATABASE_URL", None)
    env.setdefault("MARQUE_ENV", "test")  # keeps rxconfig from loading the developer's .env
    env.update(
        MARQUE_PORT=str(port),
        MARQUE_BENCH_COUNTER_PORT=str(port),
        REFLEX_WEB_WORKDIR=str(web_dir),
        REFLEX_STATES_WORKDIR=str(tmp / "states"),
        REFLEX_TELEMETRY_ENABLED="false",
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
    )
    return env


@contextlib.contextmanager
def serve(
    name: str, cwd: Path, env: dict[str, str], port: int, log_path: Path
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``reflex run --env prod`` in ``cwd`` on ``port``; yields the URL and the process (the
    leader of its own process group) once it serves pages."""
    started = time.monotonic()
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reflex",
                "run",
                "--env",
                "prod",
                "--frontend-port",
                str(port),
                "--backend-port",
                str(port),
            ],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
        )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{name}: reflex exited with {proc.returncode}:\n{tail(log_path)}")
            if http_get(f"{url}/ping", 2) == (200, '"pong"'):
                status, body = http_get(f"{url}/")
                if status == 200 and "<html" in body.lower():
                    break
            if time.monotonic() - started > START_TIMEOUT:
                raise SystemExit(f"{name}: not served within {START_TIMEOUT:.0f}s:\n{tail(log_path)}")
            time.sleep(0.5)
        print(f"{name}: served at {url} after {time.monotonic() - started:.1f}s", flush=True)
        yield url, proc
    finally:
        stop_group(proc)


# --- the browser ------------------------------------------------------------------------------


def _hydrated(page) -> None:
    """Wait until the backend answered the hydrate event (the root state's is_hydrated)."""
    frames: list = page._bench_frames
    deadline = time.monotonic() + 30
    while not any(isinstance(f, str) and '"is_hydrated_rx_state_":true' in f.replace(" ", "") for f in frames):
        if time.monotonic() > deadline:
            raise SystemExit(f"{page.url} was not hydrated within 30 s")
        page.wait_for_timeout(20)


def _goto(page, url: str) -> None:
    page._bench_frames.clear()
    page.goto(url)
    _hydrated(page)


def _new_page(browser, base_url: str):
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page._bench_frames = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: page._bench_frames.append(payload)))
    return context, page


def _click(page, button: str, target: str, expected: str) -> tuple[float, float]:
    shown, confirmed = page.evaluate(_CLICK_JS, [button, target, expected])
    return float(shown), float(confirmed)


def bench_counter(browser, clicks: int, warmup: int) -> list[float]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-counter-"))
    port = free_port()
    env = _env(port, COUNTER_WEB, tmp)
    with serve("counter", COUNTER_DIR, env, port, tmp / "reflex.log") as (url, _):
        context, page = _new_page(browser, url)
        try:
            _goto(page, "/")
            samples = []
            for i in range(1, warmup + clicks + 1):
                ms, _ = _click(page, "[data-testid=increment]", "[data-testid=count]", str(i))
                if i > warmup:
                    samples.append(ms)
            return samples
        finally:
            context.close()


def _roomy_products(db_url: str, needed: int) -> list[str]:
    """Slugs of active products all of whose variants have stock to spare.

    The product page preselects a variant and the click adds that one; with every variant roomy,
    whichever it is takes all the clicks without reaching its stock.
    """
    import sqlalchemy as sa

    from marque_app.services.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    """
                    SELECT p.slug FROM products p JOIN product_variants v ON v.product_id = p.id
                    WHERE p.status = 'active'
                    GROUP BY p.id, p.slug
                    HAVING min(v.inventory_quantity) >= :room
                    ORDER BY p.slug LIMIT :n
                    """
                ),
                {"room": CLICKS_PER_VARIANT + 2, "n": needed},
            ).all()
    finally:
        engine.dispose()
    return [slug for (slug,) in rows]


def bench_add_to_cart(browser, clicks: int, warmup: int) -> tuple[list[float], list[float]]:
    """(click -> badge shows the new count, click -> the server confirmed it), per click."""
    from marque_app.routes import product_url

    tmp = Path(tempfile.mkdtemp(prefix="bench-cart-"))
    port = free_port()
    env = _env(port, APP_WEB, tmp)
    env["REFLEX_DB_URL"] = f"sqlite:///{tmp / 'marque-bench.db'}"
    env.setdefault("MARQUE_RATE_LIMIT_CART", "100000/5minutes")
    setup = subprocess.run(
        [sys.executable, "-m", "marque_app.cli", "setup"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if setup.returncode:
        raise SystemExit(f"marque_app.cli setup failed:\n{setup.stdout}{setup.stderr}")
    total = warmup + clicks
    products = _roomy_products(env["REFLEX_DB_URL"], -(-total // CLICKS_PER_VARIANT) + 1)
    if len(products) * CLICKS_PER_VARIANT < total:
        raise SystemExit(f"only {len(products)} single-variant products with stock to spare")
    with serve("store", ROOT, env, port, tmp / "reflex.log") as (url, _):
        context, page = _new_page(browser, url)
        try:
            shown: list[float] = []
            confirmed: list[float] = []
            count = 0
            for slug in products:
                _goto(page, product_url(slug))
                page.locator("[data-testid=add-to-cart]").wait_for(state="visible")
                for _ in range(CLICKS_PER_VARIANT):
                    if count == total:
                        return shown, confirmed
                    count += 1
                    ms, done = _click(page, "[data-testid=add-to-cart]", "[data-testid=cart-count]", str(count))
                    if count > warmup:
                        shown.append(ms)
                        confirmed.append(done)
            return shown, confirmed
        finally:
            context.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--counter-only", action="store_true", help="measure the bare counter only")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium, or MARQUE_CHROMIUM)")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            counter = figures(bench_counter(browser, args.clicks, args.warmup))
            print(
                f"bare Reflex counter: median {counter['median_ms']} ms, p95 {counter['p95_ms']} ms "
                f"over {counter['n']} clicks",
                flush=True,
            )
            if args.counter_only:
                report(
                    "cart_latency",
                    counter_median_ms=counter["median_ms"],
                    counter_p95_ms=counter["p95_ms"],
                    clicks=counter["n"],
                )
                return
            shown, confirmed = bench_add_to_cart(browser, args.clicks, args.warmup)
            cart, saved = figures(shown), figures(confirmed)
        finally:
            browser.close()
    ratio = round(cart["p95_ms"] / counter["p95_ms"], 2) if counter["p95_ms"] else None
    print(
        f"add-to-cart (guest, product page -> header badge): median {cart['median_ms']} ms, "
        f"p95 {cart['p95_ms']} ms over {cart['n']} clicks",
        flush=True,
    )
    print(
        f"add-to-cart confirmed by the server (badge no longer pending): median "
        f"{saved['median_ms']} ms, p95 {saved['p95_ms']} ms",
        flush=True,
    )
    print(f"p95 ratio add-to-cart / counter: {ratio} (target <= 2)", flush=True)
    report(
        "cart_latency",
        median_ms=cart["median_ms"],
        p95_ms=cart["p95_ms"],
        counter_median_ms=counter["median_ms"],
        counter_p95_ms=counter["p95_ms"],
        ratio_p95=ratio,
        confirmed_median_ms=saved["median_ms"],
        confirmed_p95_ms=saved["p95_ms"],
        confirmed_ratio_p95=round(saved["p95_ms"] / counter["p95_ms"], 2) if counter["p95_ms"] else None,
        clicks=cart["n"],
        target_met=ratio is not None and ratio <= 2,
    )


if __name__ == "__main__":
    main()
