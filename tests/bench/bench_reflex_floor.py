"""Reflex's own floor on this machine: the bare counter under the shoppers benchmark's event rate.

    .venv/bin/python -m tests.bench.bench_reflex_floor [--clients 500] [--seconds 30]
        [--events-per-think 1.35] [--redis --workers N]

Issue 13 asks for 500 live shoppers with add p95 < 100 ms at most 5 ms of server CPU per add.
This bench tells how much of that the framework itself leaves: the bare Reflex counter of
``tests/bench/counter_app`` (one int var, one handler, no database, no plugins but Radix),
served in production mode as the store is (``reflex run --env prod``, one port; with ``--redis``
the Redis state manager on database 6 of ``MARQUE_BENCH_FLOOR_REDIS_URL``, emptied first, and
``GRANIAN_WORKERS`` workers), and N websocket clients that speak to
it as Chromium does (the connect packet with ``hydrate_and_load``, captured from a real tab as
``bench_shoppers`` does) and then, like a shopper, think 0.5-2 s and send events: on average
``--events-per-think`` increments per think (the shoppers bench sends ~1.35: an add is one
event, a navigation two, ``update_vars_internal`` and ``on_load_internal``), each awaited until
its delta came back.

Measured over ``--seconds`` after a ramp: events/s, event round trip p50/p95/p99, errors
(timeouts), disconnects, the server's CPU ms per event (all its processes), the share of the
machine's two cores the server and the whole machine were busy, and this load generator's own
CPU. The last line is one JSON object: ``{"bench": "reflex_floor", ...}``.

Bounded: loopback only, at most 2000 clients and 600 seconds, every wait has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tests.bench import shoppers_protocol as proto
from tests.bench.bench_cart_latency import CHROMIUM, CHROMIUM_ARGS, COUNTER_DIR, COUNTER_WEB, _env, serve
from tests.bench.bench_shoppers import _pct, group_cpu_seconds, group_rss_mb, machine_busy_seconds, use_redis_state
from tests.bench.common import report
from tests.procutil import free_port

TIMEOUT = 15.0


def capture(base_url: str) -> tuple[proto.Template, str]:
    """A real Chromium tab on the counter: its hydrate hashes and the increment event's name."""
    from playwright.sync_api import sync_playwright

    sent: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on(
                "websocket", lambda ws: ws.on("framesent", lambda p: sent.append(p) if isinstance(p, str) else None)
            )
            page.goto(base_url + "/")
            deadline = time.monotonic() + 30
            while not any(proto.HYDRATE in f for f in sent) and time.monotonic() < deadline:
                page.wait_for_timeout(50)
            page.wait_for_timeout(500)
            page.get_by_test_id("increment").click()
            deadline = time.monotonic() + 30
            while not any("increment" in f for f in sent) and time.monotonic() < deadline:
                page.wait_for_timeout(50)
        finally:
            browser.close()
    template = proto.template_from_frames(sent)
    names = [m.group(1) for f in sent for m in [re.search(r'"name":"([^"]*increment)"', f)] if m]
    if not template.hashes or not names:
        raise SystemExit(f"the capture did not show the hydrate hashes or the increment: {sent[:3]}")
    return template, names[0]


class Figures:
    def __init__(self) -> None:
        self.samples: list[float] = []
        self.errors = 0
        self.disconnects = 0
        self.measuring = False


class Client:
    def __init__(self, base_url: str, template: proto.Template, event: str, figures: Figures, rng: random.Random):
        self.base_url, self.template, self.event = base_url, template, event
        self.figures, self.rng = figures, rng
        self.token = str(uuid.uuid4())
        self.ws: Any = None
        self.waiter: asyncio.Future | None = None
        self.closed = False

    async def reader(self) -> None:
        try:
            async for frame in self.ws:
                if frame == "2":
                    await self.ws.send("3")
                    continue
                answer = isinstance(frame, str) and frame.startswith(f"42{proto.NS},") and '"delta"' in frame
                if answer and self.waiter is not None and not self.waiter.done():
                    self.waiter.set_result(frame)
        except Exception:  # noqa: BLE001 - counted below
            pass
        if not self.closed:
            self.figures.disconnects += 1
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("websocket closed"))

    async def _round_trip(self, frame: str) -> float | None:
        self.waiter = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        await self.ws.send(frame)
        try:
            await asyncio.wait_for(self.waiter, TIMEOUT)
        except (TimeoutError, ConnectionError):
            if self.figures.measuring:
                self.figures.errors += 1
            return None
        return (time.perf_counter() - started) * 1000

    async def run(self, until: float, events_per_think: float) -> None:
        import websockets

        self.ws = await websockets.connect(
            proto.ws_url(self.base_url, self.token), origin=self.base_url, open_timeout=TIMEOUT, ping_interval=None
        )
        opened = await asyncio.wait_for(self.ws.recv(), TIMEOUT)
        assert proto.parse(opened)[0] == "open", opened
        self._reader = asyncio.create_task(self.reader())
        if await self._round_trip(proto.connect_frame(self.template, "/", None, {})) is None:
            raise ConnectionError("not hydrated")
        whole, part = divmod(events_per_think, 1)
        while time.monotonic() < until:
            await asyncio.sleep(self.rng.uniform(0.5, 2.0))
            for _ in range(int(whole) + (1 if self.rng.random() < part else 0)):
                ms = await self._round_trip(proto.event_frame(self.event, {}, "/"))
                if ms is not None and self.figures.measuring:
                    self.figures.samples.append(ms)

    async def close(self) -> None:
        self.closed = True
        if self.ws is not None:
            await self.ws.close()


async def load(args, base_url: str, template: proto.Template, event: str, pgid: int) -> dict[str, Any]:
    rng = random.Random(args.seed)
    figures = Figures()
    clients = [Client(base_url, template, event, figures, random.Random(rng.random())) for _ in range(args.clients)]
    ramp = min(args.ramp, args.seconds)
    until = time.monotonic() + ramp + 3 + args.seconds

    async def one(c: Client, delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            await c.run(until, args.events_per_think)
        except Exception:  # noqa: BLE001
            if not c.closed:
                figures.errors += 1

    tasks = [asyncio.create_task(one(c, ramp * i / len(clients))) for i, c in enumerate(clients)]
    await asyncio.sleep(ramp + 3)
    figures.measuring = True
    cpu0, busy0, t0 = group_cpu_seconds(pgid), machine_busy_seconds(), time.monotonic()
    own0 = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.sleep(max(0.0, until - time.monotonic()))
    cpu1, busy1, t1 = group_cpu_seconds(pgid), machine_busy_seconds(), time.monotonic()
    own1 = resource.getrusage(resource.RUSAGE_SELF)
    figures.measuring = False
    rss = group_rss_mb(pgid)
    await asyncio.wait(tasks, timeout=TIMEOUT + 5)
    for c in clients:
        await c.close()
    seconds = t1 - t0
    n = len(figures.samples)
    own = (own1.ru_utime + own1.ru_stime) - (own0.ru_utime + own0.ru_stime)
    cores = os.cpu_count() or 1
    return {
        "clients": args.clients,
        "setup": f"redis, {args.workers or 'default'} workers" if args.redis else "memory, 1 worker",
        "events_per_think": args.events_per_think,
        "seconds": round(seconds, 1),
        "events_per_s": round(n / seconds, 1),
        "median_ms": _pct(figures.samples, 0.5),
        "p95_ms": _pct(figures.samples, 0.95),
        "p99_ms": _pct(figures.samples, 0.99),
        "errors": figures.errors,
        "disconnects": figures.disconnects,
        "server_cpu_ms_per_event": round((cpu1 - cpu0) * 1000 / n, 2) if n else None,
        "server_cores_busy": round((cpu1 - cpu0) / seconds, 2),
        "client_cores_busy": round(own / seconds, 2),
        "machine_busy_share": round((busy1 - busy0) / seconds / cores, 2),
        "rss_mb": rss,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--ramp", type=float, default=15)
    parser.add_argument("--events-per-think", type=float, default=1.35)
    parser.add_argument("--redis", action="store_true", help="the Redis state manager (REFLEX_REDIS_URL)")
    parser.add_argument("--workers", type=int, default=None, help="GRANIAN_WORKERS (with --redis)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.clients > 2000 or args.seconds > 600:
        raise SystemExit("bounded: at most 2000 clients and 600 seconds")
    tmp = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    port = free_port()
    env = _env(port, COUNTER_WEB, tmp)
    env.pop("REFLEX_REDIS_URL", None)
    env["REFLEX_STATE_MANAGER_MODE"] = "memory"  # as the store's rxconfig without Redis
    if args.redis:
        use_redis_state(env, os.environ.get("MARQUE_BENCH_FLOOR_REDIS_URL", "redis://127.0.0.1:6379/6"))
    if args.workers:
        env["GRANIAN_WORKERS"] = str(args.workers)
    with serve("counter", COUNTER_DIR, env, port, tmp / "reflex.log") as (url, proc):
        template, event = capture(url)
        out = asyncio.run(load(args, url, template, event, proc.pid))
    print("floor: " + json.dumps(out), flush=True)
    report("reflex_floor", **out)


if __name__ == "__main__":
    main()
