"""Many live shoppers on one machine: N virtual shoppers over Reflex's websocket.

    .venv/bin/python -m tests.bench.bench_shoppers [--shoppers 100] [--seconds 60]
        [--db sqlite|postgres] [--redis] [--workers N] [--logged-in 0.1]
        [--fleet N [--kill-one-at SECONDS]] [--no-solo]

``--fleet N`` serves the store as a fleet instead (tests/fleet.py): nginx over https in front of
N production instances (``--workers`` each, default 1) on one scratch PostgreSQL database and the
Redis state manager; shoppers connect through nginx and, as the page does, reconnect and hydrate
again when their websocket drops. It reports each process's CPU (every instance, nginx) and
adds served per instance (nginx names the upstream on each handshake), and what the machine
was busy with in all. ``--kill-one-at S`` SIGKILLs the first instance S seconds into the
measured window: the error burst (errors from the kill on), each dropped shopper's time until
it was hydrated again on the survivor, the adds per second after the kill and the confirmed adds
lost (``lost``, must be 0).

The store is served in production mode (``reflex run --env prod``: pages, websocket and API on
one port, as ``make run`` does) on a free loopback port with its own database (a temporary
SQLite file with the demo store, or a scratch PostgreSQL database ``marque_bench_shoppers``,
or ``MARQUE_BENCH_PG_DATABASE``),
with the Redis state manager and ``GRANIAN_WORKERS`` workers when ``--redis`` is given (Redis
database 5 of ``MARQUE_BENCH_REDIS_URL``, emptied first). Log-in and cart rate limits are off in
that instance (``MARQUE_RATE_LIMIT_ENABLED=false``): every shopper speaks from 127.0.0.1.

First one Chromium tab (Playwright) opens a product page, adds to the cart and follows a link: its
frames give the compiled frontend's hydrate hashes, state schema and client storage keys
(``shoppers_protocol.template_from_frames``). Then every virtual shopper opens its own websocket
and sends what that tab sends (``shoppers_protocol``): the connect packet with
``hydrate_and_load`` of a product page, ``CartState.apply`` add ops (1-3 per product, made as
``components/cart_ops`` makes them), client-side navigations (``update_vars_internal`` +
``on_load_internal``) to other products and to ``/shop`` or a category with filters, think time
0.5-2 s between actions. A share of the shoppers (``--logged-in``) first registers through the
register form's event (as a new customer would) and shops logged in. Client storage (the guest
cart, the token) is kept per shopper from the deltas, as the page keeps it.

Measured over ``--seconds`` after a ramp-up: adds/s; add settled (op sent -> its toast) p50/p95/p99;
navigation (first frame -> ``is_hydrated``) p95; errors (error toasts, timeouts); disconnects;
server CPU ms per add (all the server's processes, navigations included) and bytes received per
add; the server's RSS. Afterwards one guest alone on the server measures the server CPU of a
product page navigation, a listing navigation and an add (figures the machine's other load
disturbs less), and the bytes of the add that makes line 1 and of the one that makes line 100. Nothing is lost: every shopper's
confirmed adds must equal its cart (guests: the quantities in its stored guest cart; logged in:
the database's rows); ``lost`` counts the difference. Bounded: loopback only, a fixed number of
shoppers, a fixed duration, every wait has a timeout.

The last line is one JSON object: ``{"bench": "shoppers", ...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.bench import shoppers_protocol as proto
from tests.bench.bench_cart_latency import APP_WEB, CHROMIUM, CHROMIUM_ARGS, ROOT, _env, serve
from tests.bench.common import report, server_url
from tests.procutil import free_port

TIMEOUT = 15.0  # seconds an add or a navigation may take before it counts as an error
PASSWORD = "Bench#2026-shopper"
ADD_OK = "Added to your cart"


# --- the server's processes -----------------------------------------------------------------


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:  # field 5: pgrp
            pids.append(int(entry))
    return pids


def group_cpu_seconds(pgid: int) -> float:
    """utime + stime of every live process in the group (children reaped are included in
    their parent's cutime/cstime)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _group_pids(pgid):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / tick


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores; /proc/stat: not idle, not iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _cpu_groups(pgid: int, fleet: Any) -> dict[str, int]:
    """The process groups whose CPU is measured: the one server, or each instance and nginx."""
    if fleet is None:
        return {"server": pgid}
    groups = {i.name: i.pgid for i in fleet.instances}
    groups["nginx"] = fleet.nginx.pid
    return groups


def _own_cpu_seconds() -> float:
    """This load generator's CPU (user + system), every thread."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def group_rss_mb(pgid: int) -> float:
    total = 0
    for pid in _group_pids(pgid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return round(total / 1024, 1)


# --- the catalog the shoppers browse ---------------------------------------------------------


@dataclass(frozen=True)
class Sku:
    id: str
    product_id: str
    slug: str
    name: str
    price: str
    image: str


def catalog(db_url: str) -> tuple[list[Sku], list[str]]:
    """SKUs with stock to spare (at most one per product) and the category slugs."""
    import sqlalchemy as sa

    from marque_app.services.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    """
                SELECT v.id, p.id, p.slug, p.name, COALESCE(v.price, p.price),
                       (SELECT min(i.url) FROM product_images i WHERE i.product_id = p.id)
                FROM product_variants v JOIN products p ON p.id = v.product_id
                WHERE p.status = 'active' AND v.inventory_quantity >= 50
                ORDER BY p.slug, v.sku
                """
                )
            ).all()
            cats = [r[0] for r in conn.execute(sa.text("SELECT slug FROM categories")).all()]
    finally:
        engine.dispose()
    seen: dict[str, Sku] = {}
    for sku_id, pid, slug, name, price, image in rows:
        # The product page preselects a variant; the bench adds that one (the page's default is
        # the first in stock: any roomy SKU of the product is taken as the page would send it).
        # price_seen as the page sends it: the variant's price or else the product's, "24.00"
        amount = f"{Decimal(str(price)):.2f}"
        seen.setdefault(str(slug), Sku(_uuid(sku_id), _uuid(pid), str(slug), str(name), amount, image or ""))
    return list(seen.values()), cats


def _uuid(value: Any) -> str:
    text = str(value)
    return str(uuid.UUID(text)) if len(text.replace("-", "")) == 32 else text


# --- one virtual shopper ---------------------------------------------------------------------


@dataclass
class Figures:
    adds: list[float] = field(default_factory=list)
    add_bytes: list[int] = field(default_factory=list)
    navs: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    disconnects: int = 0
    measuring: bool = False
    # (monotonic time, "add" | "error") of every add confirmed and every error while measuring
    timeline: list[tuple[float, str]] = field(default_factory=list)
    adds_by_instance: dict[str, int] = field(default_factory=dict)
    reconnects: list[tuple[float, float]] = field(default_factory=list)  # (dropped at, back at)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
        self.timeline.append((time.monotonic(), "error"))


class Shopper:
    def __init__(
        self,
        n: int,
        base_url: str,
        template: proto.Template,
        skus: list[Sku],
        categories: list[str],
        figures: Figures,
        rng: random.Random,
        logged_in: bool,
    ):
        self.n, self.base_url, self.template = n, base_url, template
        self.skus, self.categories, self.figures, self.rng = skus, categories, figures, rng
        self.logged_in = logged_in
        self.token = str(uuid.uuid4())
        self.storage: dict[str, str] = dict.fromkeys(template.storage_keys, "")
        self.ws: Any = None
        self.waiters: list[tuple[str, asyncio.Future]] = []
        self.received_bytes = 0
        self.confirmed = 0
        self.email = ""
        self.registered = False
        self.closed = False
        self.path, self.query = "/", None
        self.dump: list[str] | None = None  # frames received, when set to a list (debugging)
        self.instance = ""  # the upstream a fleet's nginx names on the handshake (X-Marque-Upstream)
        self.dropped_at: float | None = None

    # frames in

    async def reader(self) -> None:
        try:
            async for frame in self.ws:
                if isinstance(frame, bytes):
                    continue
                self.received_bytes += len(frame)
                if self.dump is not None:
                    self.dump.append(frame)
                if frame == "2":
                    await self.ws.send("3")
                    continue
                if frame.startswith(f'42{proto.NS},["new_token"'):
                    # Reflex gives a tab a new token when its old one is still held by an
                    # instance that died (a tab reconnecting elsewhere): the page keeps it
                    self.token = json.loads(frame.split(",", 1)[1])[1]
                    continue
                if (
                    "_rx_state_" in frame and any(k.rsplit(".", 1)[1] in frame for k in self.storage)
                ) or "patchStorage" in frame:
                    self._keep_storage(frame)
                for i, (needle, fut) in enumerate(self.waiters):
                    if needle in frame and not fut.done():
                        fut.set_result(frame)
                        del self.waiters[i]
                        break
        except Exception:  # noqa: BLE001 - a dropped connection is counted below
            pass
        if not self.closed:
            self.figures.disconnects += 1
            self.dropped_at = time.monotonic()
        for _, fut in self.waiters:
            if not fut.done():
                fut.set_exception(ConnectionError("websocket closed"))

    def _keep_storage(self, frame: str) -> None:
        kind, update = proto.parse(frame)
        if kind != "event":
            return
        for state, values in (update.get("delta") or {}).items():
            for var, value in values.items():
                key = f"{state}.{var}"
                if key in self.storage:
                    self.storage[key] = value if isinstance(value, str) else json.dumps(value)
        for patch in proto.storage_patches(update):
            proto.apply_storage_patch(self.storage, patch)

    def _wait(self, needle: str) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append((needle, fut))
        return fut

    # actions

    async def connect(self, path: str, query: dict | None) -> None:
        import websockets

        extra: dict[str, Any] = {}
        if self.base_url.startswith("https"):  # a fleet's nginx, with its self-signed certificate
            import ssl

            extra["ssl"] = ssl._create_unverified_context()
        self.ws = await websockets.connect(
            proto.ws_url(self.base_url, self.token),
            origin=self.base_url,
            max_size=2**24,
            open_timeout=TIMEOUT,
            ping_interval=None,
            **extra,
        )
        response = getattr(self.ws, "response", None)
        self.instance = (response.headers.get("x-marque-upstream", "") if response else "") or ""
        opened = await asyncio.wait_for(self.ws.recv(), TIMEOUT)
        assert proto.parse(opened)[0] == "open", opened
        self._reader = asyncio.create_task(self.reader())
        started = time.perf_counter()
        done = self._wait(proto.HYDRATED)
        self.path, self.query = path, query
        await self.ws.send(proto.connect_frame(self.template, path, query, self.storage))
        if not await self._settle(done, started, self.figures.navs, "hydrate"):
            # A page that never hydrated takes no clicks (its late answer would reset the copy of
            # local storage kept here): this shopper leaves, counted as an error.
            raise ConnectionError("the page was not hydrated")

    async def navigate(self, path: str, query: dict | None = None) -> None:
        started = time.perf_counter()
        done = self._wait(proto.HYDRATED)
        self.path, self.query = path, query
        for frame in proto.navigation_frames(path, query, self.storage):
            await self.ws.send(frame)
        await self._settle(done, started, self.figures.navs, "navigation")

    async def _settle(self, fut: asyncio.Future, started: float, samples: list[float], what: str) -> bool:
        try:
            await asyncio.wait_for(fut, TIMEOUT)
        except (TimeoutError, ConnectionError):
            if self.figures.measuring:
                self.figures.error(f"{what} timeout")
            return False
        if self.figures.measuring:
            samples.append((time.perf_counter() - started) * 1000)
        return True

    async def add(self, sku: Sku) -> int:
        """One add op; the bytes received until its toast (0 when it failed)."""
        op = {
            "type": "add",
            "sku_id": sku.id,
            "product_id": sku.product_id,
            "quantity": 1,
            "price_seen": sku.price,
            "name": sku.name,
            "image": sku.image,
            "id": str(uuid.uuid4()),
        }
        before = self.received_bytes
        started = time.perf_counter()
        done = self._wait("__toast")
        await self.ws.send(proto.add_frame(op, self.path, self.query))
        try:
            frame = await asyncio.wait_for(done, TIMEOUT)
        except (TimeoutError, ConnectionError):
            if self.figures.measuring:
                self.figures.error("add timeout")
            return 0
        ms = (time.perf_counter() - started) * 1000
        if ADD_OK not in frame:
            if self.figures.measuring:
                said = re.search(
                    r"(Only \d+ left[^\"\\]*|sold out|Session expired|[A-Z][a-z]+ [a-z ]{5,40}(?:later|again|found|99))",
                    frame,
                )
                self.figures.error(f"add refused: {said.group(1) if said else frame[-80:]}")
            return 0
        self.confirmed += 1
        size = self.received_bytes - before
        if self.figures.measuring:
            self.figures.adds.append(ms)
            self.figures.add_bytes.append(size)
            self.figures.timeline.append((time.monotonic(), "add"))
            by = self.figures.adds_by_instance
            by[self.instance] = by.get(self.instance, 0) + 1
        return size

    async def register(self) -> None:
        self.email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
        await self.navigate("/register")
        done = self._wait("token_rx_state_")
        seen, self.dump = self.dump, []
        await self.ws.send(proto.register_frame(self.email, PASSWORD))
        try:
            await asyncio.wait_for(done, 60)
        except TimeoutError:  # say what the page got instead (a toast, an error banner)
            got = [t for f in self.dump if f.startswith("42") for t in proto.toasts(proto.parse(f)[1])]
            words = [re.sub(r"[^A-Za-z ,.]+", " ", t.split("__toast", 1)[-1])[:60].strip() for t in got]
            raise TimeoutError(f"no token: {'; '.join(words) or 'no toast'}") from None
        finally:
            self.dump = seen
        self.registered = True

    async def run(self, until: float, reconnect: bool = False) -> None:
        product = self.rng.choice(self.skus)
        await self.connect(f"/products/{product.slug}", {"slug": product.slug})
        if self.logged_in:
            await self.register()
            await self.navigate(f"/products/{product.slug}", {"slug": product.slug})
        while time.monotonic() < until:
            try:
                await self._shop(until, product)
                return
            except Exception:
                if not reconnect or self.closed:
                    raise
            await self.reconnect(until)
            product = self.rng.choice(self.skus)

    async def reconnect(self, until: float) -> None:
        """As the page does when its websocket drops: wait a moment, open a new one (through
        the load balancer: maybe another instance) and hydrate the page again with the client
        storage kept here (the guest cart, the token), until it is back or the run ends."""
        dropped = self.dropped_at or time.monotonic()
        delay = 0.5
        while time.monotonic() < until and not self.closed:
            await asyncio.sleep(self.rng.uniform(delay / 2, delay))
            with contextlib.suppress(Exception):
                await self.ws.close()
            try:
                await self.connect(self.path, self.query)
            except Exception:  # noqa: BLE001 - refused, timed out: try again, a little later
                delay = min(delay * 2, 5.0)
                continue
            self.figures.reconnects.append((dropped, time.monotonic()))
            self.dropped_at = None
            return

    async def _shop(self, until: float, product: Sku) -> None:
        while time.monotonic() < until:
            if self.ws is None or self.dropped_at is not None:
                raise ConnectionError("the websocket dropped")
            for _ in range(self.rng.randint(1, 3)):
                await asyncio.sleep(self.rng.uniform(0.5, 2.0))
                if time.monotonic() >= until:
                    return
                await self.add(product)
            await asyncio.sleep(self.rng.uniform(0.5, 2.0))
            if self.rng.random() < 0.3:
                await self.navigate(*self._listing())
                await asyncio.sleep(self.rng.uniform(0.5, 2.0))
            product = self.rng.choice(self.skus)
            await self.navigate(f"/products/{product.slug}", {"slug": product.slug})

    def _listing(self) -> tuple[str, dict | None]:
        sort = self.rng.choice(["price&order=asc", "newest", "rating", "price&order=desc"])
        if self.rng.random() < 0.5 or not self.categories:
            return f"/shop?sort={sort}&in_stock=1", None
        slug = self.rng.choice(self.categories)
        return f"/categories/{slug}?sort={sort}&min_price=10", {"slug": slug}

    async def close(self) -> None:
        self.closed = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()

    def cart_quantity(self) -> int:
        raw = self.storage.get(f"{proto.CART_STATE}.guest_cart_rx_state_") or ""
        if not raw:
            return 0
        return sum(int(line.get("quantity", 0)) for line in json.loads(raw).get("lines", []))


# --- the run -------------------------------------------------------------------------------


def capture_template(base_url: str, sku: Sku) -> proto.Template:
    """One real Chromium tab: a product page, an add, a client-side navigation."""
    from playwright.sync_api import sync_playwright

    sent: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(base_url=base_url, ignore_https_errors=True).new_page()
            page.on(
                "websocket", lambda ws: ws.on("framesent", lambda p: sent.append(p) if isinstance(p, str) else None)
            )
            page.goto(f"/products/{sku.slug}")
            page.get_by_test_id("add-to-cart").wait_for(state="visible")
            deadline = time.monotonic() + 30
            while not any(proto.HYDRATE in f for f in sent) and time.monotonic() < deadline:
                page.wait_for_timeout(50)
            page.wait_for_timeout(500)
            page.get_by_test_id("add-to-cart").click()
            page.wait_for_timeout(1000)
            page.locator("a[href='/shop']").first.click()  # the header's category bar
            deadline = time.monotonic() + 30
            while not any(proto.UPDATE_VARS in f for f in sent) and time.monotonic() < deadline:
                page.wait_for_timeout(50)
        finally:
            browser.close()
    template = proto.template_from_frames(sent)
    if not template.hashes or not template.storage_keys:
        raise SystemExit(f"the capture did not show the hydrate hashes or the storage keys: {sent[:3]}")
    # A guest's page sends only the keys local storage holds (no token yet): the rest come from
    # the app, so a shopper who logs in keeps its token in this copy, as the browser does, and
    # sends it when it hydrates again (after a reconnect to another instance, a new tab token).
    template.storage_keys += [k for k in app_storage_keys() if k not in template.storage_keys]
    return template


def app_storage_keys() -> list[str]:
    """The full names of every client storage var of the app's states (Reflex's own list)."""
    import importlib
    import pkgutil

    from reflex.compiler.utils import compile_client_storage
    from reflex.state import State

    import marque_app.state

    for mod in pkgutil.walk_packages(marque_app.state.__path__, "marque_app.state."):
        importlib.import_module(mod.name)
    storage = compile_client_storage(State)
    return [key for kind in ("cookies", "local_storage", "session_storage") for key in storage.get(kind, {})]


async def shop(
    args,
    base_url: str,
    template: proto.Template,
    skus: list[Sku],
    cats: list[str],
    pgid: int,
    fleet: Any = None,
):
    rng = random.Random(args.seed)
    figures = Figures()
    n_logged = round(args.shoppers * args.logged_in)
    shoppers = [
        Shopper(i, base_url, template, skus, cats, figures, random.Random(rng.random()), i < n_logged)
        for i in range(args.shoppers)
    ]
    ramp = min(args.ramp, args.seconds)
    start = time.monotonic()
    until = start + ramp + args.seconds

    async def one(s: Shopper, delay: float):
        await asyncio.sleep(delay)
        try:
            await s.run(until, reconnect=fleet is not None)
        except Exception as err:  # noqa: BLE001
            if not s.closed:  # not the end of the run closing its socket
                where = "register" if s.logged_in and not s.registered else "run"
                figures.error(f"shopper {where}: {type(err).__name__} {err}"[:80])

    tasks = [asyncio.create_task(one(s, ramp * i / max(1, len(shoppers)))) for i, s in enumerate(shoppers)]
    await asyncio.sleep(ramp + 3)  # everyone connected and warm
    figures.measuring = True
    groups = _cpu_groups(pgid, fleet)
    cpu_start = {name: group_cpu_seconds(g) for name, g in groups.items()}
    busy0 = machine_busy_seconds()
    own0 = _own_cpu_seconds()
    cpu0, t0 = sum(cpu_start.values()), time.monotonic()
    killer = None
    if fleet is not None and args.kill_one_at is not None:

        async def kill_later() -> float:
            await asyncio.sleep(args.kill_one_at)
            victim = fleet.instances[0]
            cpu_start[f"{victim.name} (until killed)"] = cpu_start.pop(victim.name)
            cpu_end[f"{victim.name} (until killed)"] = group_cpu_seconds(victim.pgid)
            killed = time.monotonic()
            await asyncio.to_thread(fleet.kill, victim.name)
            print(f"shoppers: killed {victim.name} at {killed - t0:.1f}s", flush=True)
            return killed

        killer = asyncio.create_task(kill_later())
    cpu_end: dict[str, float] = {}
    spy = None
    if os.environ.get("MARQUE_BENCH_PYSPY"):  # collapsed stacks of the server over the window
        spy = _pyspy(pgid, max(1, int(until - time.monotonic())))
    await asyncio.sleep(max(0.0, until - time.monotonic()))
    if spy is not None:
        spy.wait(timeout=30)
    for name, g in groups.items():
        if name in cpu_start:
            cpu_end[name] = group_cpu_seconds(g)
    busy1 = machine_busy_seconds()
    figures.client_cpu = _own_cpu_seconds() - own0  # type: ignore[attr-defined]
    t1 = time.monotonic()
    cpu_by = {name: cpu_end[name] - cpu_start[name] for name in cpu_start}
    cpu1 = cpu0 + sum(cpu_by.values())
    figures.measuring = False
    rss = round(sum(group_rss_mb(g) for name, g in groups.items() if name in cpu_end and "killed" not in name), 1)
    killed_at = await killer if killer is not None else None
    figures.window = (t0, t1, killed_at, cpu_by, busy1 - busy0)  # type: ignore[attr-defined]
    await asyncio.wait(tasks, timeout=TIMEOUT + 5)
    # A shopper may still await its last add's answer: give it time, then compare.
    await asyncio.sleep(1)
    for s in shoppers:
        await s.close()
    return figures, shoppers, (cpu1 - cpu0), (t1 - t0), rss


def _pyspy(pgid: int, seconds: int) -> subprocess.Popen:
    """py-spy recording the server's processes into ``MARQUE_BENCH_PYSPY`` (raw collapsed stacks)."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--nonblocking",
            "--subprocesses",
            "-f",
            "raw",
            "-r",
            os.environ.get("MARQUE_BENCH_PYSPY_RATE", "50"),
            "-o",
            os.environ["MARQUE_BENCH_PYSPY"],
            "-d",
            str(seconds),
            "-p",
            str(pgid),
            *os.environ.get("MARQUE_BENCH_PYSPY_ARGS", "").split(),  # e.g. --gil: what holds the GIL
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def solo(base_url: str, template: proto.Template, skus: list[Sku], cats: list[str], pgid: int) -> dict:
    """One guest alone on the server (after the load run): the server CPU of a product page
    navigation, a listing navigation and an add, and the bytes of the add that makes line 1 and
    of the one that makes line 100 (the cart grows to 100 different SKUs)."""
    figures = Figures()
    s = Shopper(-1, base_url, template, skus, cats, figures, random.Random(1), False)
    first = skus[0]
    await s.connect(f"/products/{first.slug}", {"slug": first.slug})
    out: dict[str, float] = {}
    for label, steps in (
        ("product_nav", [(f"/products/{k.slug}", {"slug": k.slug}) for k in skus[:40]]),
        ("listing_nav", [s._listing() for _ in range(20)]),
    ):
        for path, query in steps:  # warm (the catalog cache, as a running store has it)
            await s.navigate(path, query)
        cpu0 = group_cpu_seconds(pgid)
        for path, query in steps:
            await s.navigate(path, query)
        out[f"solo_cpu_ms_per_{label}"] = round((group_cpu_seconds(pgid) - cpu0) * 1000 / len(steps), 2)
    sizes = []
    await s.navigate(f"/products/{first.slug}", {"slug": first.slug})
    cpu0 = group_cpu_seconds(pgid)
    for i, sku in enumerate(skus[:100]):  # from one product page, as its add buttons would
        s.dump = [] if os.environ.get("MARQUE_BENCH_DUMP") and i in (0, 99) else None
        sizes.append(await s.add(sku))
        if s.dump:
            print(f"frames of add {i + 1}:", *(f[:400] for f in s.dump), sep="\n  ", flush=True)
    out["solo_cpu_ms_per_add"] = round((group_cpu_seconds(pgid) - cpu0) * 1000 / 100, 2)
    out["bytes_add_1_line"], out["bytes_add_100_lines"] = sizes[0], sizes[-1]
    await s.close()
    # the same as a registered shopper (the cart in the database, nothing in local storage)
    u = Shopper(-2, base_url, template, skus, cats, figures, random.Random(2), True)
    await u.connect(f"/products/{first.slug}", {"slug": first.slug})
    await u.register()
    await u.navigate(f"/products/{first.slug}", {"slug": first.slug})
    sizes = []
    cpu0 = group_cpu_seconds(pgid)
    for sku in skus[:100]:
        sizes.append(await u.add(sku))
    out["solo_cpu_ms_per_user_add"] = round((group_cpu_seconds(pgid) - cpu0) * 1000 / 100, 2)
    out["user_bytes_add_1_line"], out["user_bytes_add_100_lines"] = sizes[0], sizes[-1]
    await u.close()
    return out


def _pct(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


def use_redis_state(env: dict[str, str], redis_url: str) -> None:
    """The served app's Redis state manager on ``redis_url``'s database, emptied first."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env["REFLEX_REDIS_URL"] = redis_url


def _database(args, tmp: Path) -> str:
    if args.db == "sqlite":
        return f"sqlite:///{tmp / 'marque-bench.db'}"
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = os.environ.get("MARQUE_BENCH_PG_DATABASE", "marque_bench_shoppers")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"MARQUE_BENCH_PG_DATABASE must be a plain name, not {name!r}")
    server = make_url(server_url())
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shoppers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--ramp", type=float, default=10, help="seconds over which shoppers arrive")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--redis", action="store_true", help="Redis state manager and cache")
    parser.add_argument("--workers", type=int, default=None, help="GRANIAN_WORKERS (with --redis)")
    parser.add_argument("--logged-in", type=float, default=0.1, help="share of shoppers that register")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--solo-only",
        action="store_true",
        help="skip the load run: only one guest alone (server CPU per navigation and per add)",
    )
    parser.add_argument(
        "--fleet",
        type=int,
        default=0,
        help="N instances behind nginx over https (tests/fleet.py; PostgreSQL + Redis); 0: one server",
    )
    parser.add_argument(
        "--kill-one-at",
        type=float,
        default=None,
        metavar="SECONDS",
        help="with --fleet 2: SIGKILL one instance this many seconds into the measured window",
    )
    parser.add_argument("--no-solo", action="store_true", help="skip the one-guest figures after the run")
    args = parser.parse_args(argv)
    if args.shoppers > 2000 or args.seconds > 600:
        raise SystemExit("bounded: at most 2000 shoppers and 600 seconds")
    if args.kill_one_at is not None and args.fleet < 2:
        raise SystemExit("--kill-one-at needs --fleet 2 or more (someone must be left to serve)")
    if args.fleet:
        args.db, args.redis = "postgres", True
        args.workers = args.workers or 1

    tmp = Path(tempfile.mkdtemp(prefix="bench-shoppers-"))
    port = free_port()
    env = _env(port, APP_WEB, tmp)
    env["REFLEX_DB_URL"] = _database(args, tmp)
    env["MARQUE_RATE_LIMIT_ENABLED"] = "false"
    env.pop("REFLEX_REDIS_URL", None)
    if args.redis:
        use_redis_state(env, os.environ.get("MARQUE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"))
    if args.workers:
        env["GRANIAN_WORKERS"] = str(args.workers)
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
    skus, cats = catalog(env["REFLEX_DB_URL"])
    if len(skus) < 100:
        raise SystemExit(f"only {len(skus)} products with stock to spare")

    fleet_figures: dict[str, Any] = {}
    if args.fleet:
        from tests.fleet import Fleet

        fleet_env = {k: env[k] for k in ("MARQUE_RATE_LIMIT_ENABLED", "MARQUE_ENV") if k in env}
        fleet = Fleet(
            tmp / "fleet",
            env["REFLEX_DB_URL"],
            env["REFLEX_REDIS_URL"],
            instances_count=args.fleet,
            workers=args.workers,
            setup=False,
            extra_env=fleet_env,
        )
        started = time.monotonic()
        with fleet:
            print(f"shoppers: fleet {fleet.url} up after {time.monotonic() - started:.1f}s", flush=True)
            url = fleet.url
            template = capture_template(url, skus[0])
            figures, shoppers, cpu, wall, rss = asyncio.run(shop(args, url, template, skus, cats, 0, fleet))
            alone = (
                {}
                if args.no_solo or args.kill_one_at is not None
                else asyncio.run(solo(url, template, skus, cats, fleet.instances[0].pgid))
            )
            lost = lost_adds(shoppers, env["REFLEX_DB_URL"])
            fleet_figures = fleet_report(figures, fleet)
    else:
        with serve("store", ROOT, env, port, tmp / "reflex.log") as (url, proc):
            template = capture_template(url, skus[0])
            if args.solo_only:
                figures, shoppers, cpu, wall, rss = Figures(), [], 0.0, 0.0, group_rss_mb(proc.pid)
            else:
                figures, shoppers, cpu, wall, rss = asyncio.run(shop(args, url, template, skus, cats, proc.pid))
            spy = _pyspy(proc.pid, 60) if args.solo_only and os.environ.get("MARQUE_BENCH_PYSPY") else None
            alone = {} if args.no_solo else asyncio.run(solo(url, template, skus, cats, proc.pid))
            if spy is not None:
                spy.send_signal(2)  # SIGINT: py-spy writes what it has
                spy.wait(timeout=30)
            lost = lost_adds(shoppers, env["REFLEX_DB_URL"])
    adds = len(figures.adds)
    result = {
        "shoppers": args.shoppers,
        "setup": f"{args.db}{'+redis' if args.redis else ''}" + (f"+nginx x{args.fleet}" if args.fleet else ""),
        "workers": args.workers or (None if args.redis else 1),
        "seconds": round(wall, 1),
        "adds_per_s": round(adds / wall, 1) if wall else None,
        "median_ms": _pct(figures.adds, 0.5),
        "p95_ms": _pct(figures.adds, 0.95),
        "add_p99_ms": _pct(figures.adds, 0.99),
        "navigations": len(figures.navs),
        "nav_p50_ms": _pct(figures.navs, 0.5),
        "nav_p95_ms": _pct(figures.navs, 0.95),
        "errors": figures.errors,
        "error_kinds": figures.error_kinds,
        "disconnects": figures.disconnects,
        "cpu_ms_per_add": round(cpu * 1000 / adds, 2) if adds else None,
        "bytes_per_add_median": int(_pct([float(b) for b in figures.add_bytes], 0.5) or 0),
        # who had the machine's cores over the window: the server, this load generator, everyone
        **(
            {
                "server_cores_busy": round(cpu / wall, 2),
                "client_cores_busy": round(getattr(figures, "client_cpu", 0.0) / wall, 2),
                "machine_busy_share": round(figures.window[4] / wall / (os.cpu_count() or 1), 2),
            }
            if wall and hasattr(figures, "window")
            else {}
        ),
        **alone,
        **fleet_figures,
        "rss_mb": rss,
        "lost": lost,
    }
    print(f"shoppers: {json.dumps(result)}", flush=True)
    report("shoppers", **result)


def fleet_report(figures: Figures, fleet: Any) -> dict[str, Any]:
    """Per instance: adds served and CPU per add; nginx's CPU; the machine's; and, after a kill,
    the error burst and the time to recover."""
    t0, t1, killed_at, cpu_by, busy = figures.window  # type: ignore[attr-defined]
    wall = t1 - t0
    by_name: dict[str, int] = {}
    for upstream, count in figures.adds_by_instance.items():
        try:
            name = fleet.instance_at(upstream).name
        except (KeyError, IndexError, ValueError):
            name = upstream or "?"
        by_name[name] = by_name.get(name, 0) + count
    adds = len(figures.adds)
    per_instance = {}
    for name, cpu in cpu_by.items():
        base = name.split(" ", 1)[0]
        served = by_name.get(base, 0) if name != "nginx" else adds
        per_instance[name] = {
            "adds": served,
            "cpu_s": round(cpu, 1),
            "cpu_pct_of_a_core": round(cpu * 100 / wall, 1),
            "cpu_ms_per_add": round(cpu * 1000 / served, 2) if served else None,
        }
    out: dict[str, Any] = {
        "instances": len(fleet.instances),
        "per_process": per_instance,
        "app_cpu_ms_per_add": round(sum(v for k, v in cpu_by.items() if k != "nginx") * 1000 / adds, 2)
        if adds
        else None,
        "nginx_cpu_ms_per_add": round(cpu_by.get("nginx", 0) * 1000 / adds, 2) if adds else None,
        # everything else busy on the machine (PostgreSQL, Redis, this client, other work)
        "machine_busy_cores": round(busy / wall, 2),
    }
    if killed_at is not None:
        before = [t for t, kind in figures.timeline if kind == "add" and t0 <= t < killed_at]
        rate_before = len(before) / max(1e-9, killed_at - t0)
        after_errors = [t for t, kind in figures.timeline if kind == "error" and t >= killed_at]
        back = [b - killed_at for d, b in figures.reconnects if d >= killed_at - 1]
        # throughput back: the first second after the kill from which every 1-s bucket carries
        # at least 80% of the rate before it
        buckets = int(t1 - killed_at)
        counts = [0] * max(1, buckets)
        for t, kind in figures.timeline:
            if kind == "add" and killed_at <= t < killed_at + buckets:
                counts[int(t - killed_at)] += 1
        recovered = next(
            (i for i in range(len(counts)) if all(c >= 0.8 * rate_before for c in counts[i : i + 3])), None
        )
        out.update(
            killed_at_s=round(killed_at - t0, 1),
            adds_per_s_before_kill=round(rate_before, 1),
            adds_per_s_after_kill=[*counts[:15]],
            error_burst=len(after_errors),
            error_burst_span_s=round(max(after_errors) - killed_at, 1) if after_errors else 0,
            shoppers_reconnected=len(back),
            reconnect_p50_s=_pct(back, 0.5),
            reconnect_max_s=round(max(back), 1) if back else None,
            throughput_recovered_after_s=recovered,
        )
    return out


def lost_adds(shoppers: list[Shopper], db_url: str) -> int:
    """Confirmed adds that are not in the carts: guests' stored carts, users' database rows."""
    import sqlalchemy as sa

    from marque_app.services.db import make_engine

    lost = 0
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            for s in shoppers:
                if s.email:
                    have = conn.execute(
                        sa.text(
                            "SELECT coalesce(sum(ci.quantity), 0) FROM cart_items ci "
                            "JOIN users u ON u.id = ci.user_id WHERE u.email = :e"
                        ),
                        {"e": s.email},
                    ).scalar_one()
                else:
                    have = s.cart_quantity()
                missing = max(0, s.confirmed - int(have))  # an add that timed out may still land
                if missing:
                    who = s.email or f"guest {s.n}"
                    token = any(k.endswith(".token_rx_state_") and v for k, v in s.storage.items())
                    print(
                        f"shoppers: lost {missing} of {who}: {s.confirmed} confirmed, {have} in the cart"
                        f" (its page's guest cart: {s.cart_quantity()}; a token stored: {token})",
                        flush=True,
                    )
                lost += missing
    finally:
        engine.dispose()
    return lost


if __name__ == "__main__":
    main()
