"""Graceful shutdown: on SIGTERM an instance drains before it stops.

What Reflex 0.10.1 on granian 2.8 does without this: the granian supervisor (the ``reflex run``
process) passes SIGTERM on to its workers; a worker's event loop handler stops the server at once,
which drops every open websocket without a close frame and cancels the events still running
(Reflex's event processor stops with no grace period), so a shopper's add that was waiting on the
database is lost and the page waits for a reply that never comes.

With :func:`graceful_shutdown` (a lifespan task) and :class:`DrainGate` (an ASGI middleware) a
worker's SIGTERM instead:

1. marks the worker *draining*: ``/_health/ready`` answers 503, new websocket handshakes get 503
   (nginx passes them to another instance; a browser's socket.io client retries), HTTP answers
   carry ``Connection: close`` so kept-alive clients reconnect elsewhere;
2. waits until the events in flight (queued or running in Reflex's event processor) and the HTTP
   requests in flight are done, at most ``MARQUE_SHUTDOWN_TIMEOUT`` seconds (default 20);
3. closes every websocket cleanly (Engine.IO close packet and a websocket close frame): the
   page's socket.io client reconnects at once, through the load balancer to another instance;
4. hands over to granian's own SIGTERM handling: it stops listening, runs the lifespan shutdown
   and the worker exits 0; the supervisor then exits 0.

A second SIGTERM while draining is ignored (systemd signals every process of the unit and the
supervisor signals its workers again). SIGINT (Ctrl-C in a terminal) keeps granian's immediate stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marque_app.settings import get_settings

log = logging.getLogger("marque.shutdown")

#: How often the drain looks again at what is still in flight.
POLL_SECONDS = 0.05
#: Seconds the closed websockets get to finish their closing handshake (close frames).
CLOSE_SECONDS = 2.0


class _Drain:
    """This worker process's drain state (one per process: workers are separate processes)."""

    def __init__(self) -> None:
        self.draining = False
        self.http_in_flight = 0
        self.websockets = 0  # websocket connections this worker's server still holds

    def reset(self) -> None:
        self.draining = False
        self.http_in_flight = 0
        self.websockets = 0


DRAIN = _Drain()


def is_draining() -> bool:
    """Whether this process got SIGTERM and is draining (``/_health/ready`` answers 503)."""
    return DRAIN.draining


def shutdown_timeout() -> float:
    """``MARQUE_SHUTDOWN_TIMEOUT`` in seconds (settings; default 20)."""
    return get_settings().shutdown_timeout


class DrainGate:
    """ASGI middleware: counts HTTP requests in flight; while draining, refuses new websocket
    handshakes (503) and closes kept-alive HTTP connections after their answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and DRAIN.draining:
            await _refuse_websocket(scope, send)
            return
        if scope["type"] == "websocket":
            DRAIN.websockets += 1
            try:
                await self.app(scope, receive, send)
            finally:
                DRAIN.websockets -= 1
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start" and DRAIN.draining:
                MutableHeaders(scope=message)["connection"] = "close"
            await send(message)

        DRAIN.http_in_flight += 1
        try:
            await self.app(scope, receive, send_closing)
        finally:
            DRAIN.http_in_flight -= 1


async def _refuse_websocket(scope: Scope, send: Send) -> None:
    """A 503 answer to the handshake where the server lets the app give one, else a close
    before accept (which the server answers with 403)."""
    if "websocket.http.response" in (scope.get("extensions") or {}):
        body = b'{"detail": "this instance is shutting down; connect again"}'
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", b"1")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": body})
        return
    await send({"type": "websocket.close", "code": 1013})


def events_in_flight(app: Any) -> int:
    """Events queued or running in Reflex's event processor of this worker (0 without one).

    Reads the processor's queue, per-tab queues and running tasks (Reflex 0.10.1's
    ``EventProcessor``; ``tests/e2e/test_shutdown.py`` fails if a Reflex upgrade moves them).
    """
    processor = getattr(app, "_event_processor", None)
    if processor is None:
        return 0
    queue = getattr(processor, "_queue", None)
    queued = queue.qsize() if queue is not None else 0
    per_token = sum(len(entries) for entries in (getattr(processor, "_token_queues", None) or {}).values())
    running = len(getattr(processor, "_tasks", None) or {})
    return queued + per_token + running


async def close_websockets(app: Any) -> int:
    """Close every websocket of this worker cleanly (Engine.IO close packet, then the websocket
    close frame): socket.io clients see a transport close and reconnect. Returns how many."""
    sio = getattr(app, "sio", None)
    engine = getattr(sio, "eio", None)
    if engine is None:
        return 0
    sockets = list(engine.sockets.values())
    if sockets:
        await engine.disconnect()  # each: the close packet, queued behind what was sent before
    for sock in sockets:
        # End each socket's writer once the close packet is out: it then closes the websocket
        # itself (a close frame), without waiting for the client to close first.
        with contextlib.suppress(Exception):
            await sock.queue.put(None)
    return len(sockets)


async def drain(app: Any, *, timeout: float) -> dict[str, Any]:
    """Wait (at most ``timeout`` s) for in-flight events and requests, then close the websockets.

    Events that the open websockets keep sending meanwhile are processed too; under a steady
    stream the drain ends at ``timeout``. Requests that arrive meanwhile (a readiness probe) are
    short and counted like the others.
    """
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if events_in_flight(app) == 0 and DRAIN.http_in_flight == 0:
            break
        await asyncio.sleep(POLL_SECONDS)
    left = {"events": events_in_flight(app), "requests": DRAIN.http_in_flight}
    closed = await close_websockets(app)
    closing_until = time.monotonic() + CLOSE_SECONDS
    while DRAIN.websockets > 0 and time.monotonic() < closing_until:
        await asyncio.sleep(POLL_SECONDS)
    return {"seconds": round(time.monotonic() - started, 3), "closed_websockets": closed, "left": left}


@contextlib.asynccontextmanager
async def graceful_shutdown(app: Any) -> AsyncIterator[None]:
    """Lifespan task: put the drain in front of the server's own SIGTERM handler.

    Under granian the worker's loop already has granian's SIGTERM handler (it stops the server);
    it is kept and called once the drain is done. Without one (another server, a test client)
    nothing is installed: that server's own handling stays.
    """
    loop = asyncio.get_running_loop()
    handlers = getattr(loop, "_signal_handlers", None) or {}
    previous = handlers.get(signal.SIGTERM)
    if previous is None:
        yield
        return
    DRAIN.reset()

    def hand_over() -> None:
        previous._run()  # granian's handler: stop listening, then the lifespan shutdown

    async def drain_then_stop() -> None:
        timeout = shutdown_timeout()
        try:
            report = await drain(app, timeout=timeout)
            log.warning(
                "SIGTERM: drained in %.2f s (limit %.0f s), closed %d websockets, left in flight: %s; stopping",
                report["seconds"],
                timeout,
                report["closed_websockets"],
                report["left"],
            )
        except Exception:
            log.exception("SIGTERM: drain failed; stopping")
        hand_over()

    running: set[asyncio.Task] = set()

    def on_sigterm() -> None:
        if DRAIN.draining:
            return
        DRAIN.draining = True
        log.warning("SIGTERM: draining (pid %d): no new websockets, finishing what is in flight", os.getpid())
        task = loop.create_task(drain_then_stop())
        running.add(task)
        task.add_done_callback(running.discard)

    loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            loop.add_signal_handler(signal.SIGTERM, previous._callback, *previous._args)
