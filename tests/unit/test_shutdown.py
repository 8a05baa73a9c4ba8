"""The drain of ``api/shutdown.py`` in one process: what it waits for, its bound, the websocket
gate, and the hand-over to the server's own SIGTERM handler. The real thing (a production
instance, granian, a browser's socket.io protocol) is ``tests/e2e/test_shutdown.py``."""

from __future__ import annotations

import asyncio
import os
import signal
from types import SimpleNamespace

import pytest

from marque_app.api import shutdown
from marque_app.api.shutdown import DRAIN, DrainGate, drain, graceful_shutdown


@pytest.fixture(autouse=True)
def _fresh_drain():
    DRAIN.reset()
    yield
    DRAIN.reset()


class FakeSocket:
    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()


class FakeEngineIO:
    """The part of python-engineio's AsyncServer the drain uses."""

    def __init__(self, n: int) -> None:
        self.sockets = {f"sid{i}": FakeSocket() for i in range(n)}
        self.disconnected: list[str] = []

    async def disconnect(self, sid=None) -> None:
        for socket_id, sock in self.sockets.items():
            self.disconnected.append(socket_id)
            await sock.queue.put("close packet")
        self.sockets = {}


def fake_app(tasks: dict, sockets: int = 2):
    processor = SimpleNamespace(_queue=asyncio.Queue(), _token_queues={}, _tasks=tasks)
    return SimpleNamespace(_event_processor=processor, sio=SimpleNamespace(eio=FakeEngineIO(sockets)))


def test_drain_waits_for_the_running_event_then_closes_every_websocket():
    async def scenario():
        done = []

        async def slow_event():
            await asyncio.sleep(0.3)
            done.append("event")

        tasks: dict = {}
        task = asyncio.create_task(slow_event())
        tasks["tx"] = task
        task.add_done_callback(lambda _: tasks.pop("tx"))
        app = fake_app(tasks)
        sockets = list(app.sio.eio.sockets.values())
        report = await drain(app, timeout=10)
        return done, report, app, sockets

    done, report, app, sockets = asyncio.run(scenario())
    assert done == ["event"], "the websockets were closed before the event finished"
    assert report["left"] == {"events": 0, "requests": 0}
    assert report["closed_websockets"] == 2
    assert app.sio.eio.disconnected == ["sid0", "sid1"]
    # each socket: the close packet, then the end of its writer (which sends the close frame)
    for sock in sockets:
        assert [sock.queue.get_nowait(), sock.queue.get_nowait()] == ["close packet", None]


def test_drain_gives_up_at_its_bound():
    async def scenario():
        never = asyncio.create_task(asyncio.sleep(3600))
        app = fake_app({"tx": never})
        try:
            return await drain(app, timeout=0.3)
        finally:
            never.cancel()

    report = asyncio.run(scenario())
    assert report["left"] == {"events": 1, "requests": 0}
    assert report["closed_websockets"] == 2
    assert report["seconds"] < 5


def test_drain_waits_for_queued_events_and_requests_in_flight():
    async def scenario():
        app = fake_app({}, sockets=0)
        app._event_processor._token_queues = {"tab": [("entry", "handler")]}
        DRAIN.http_in_flight = 1

        async def finish():
            await asyncio.sleep(0.2)
            app._event_processor._token_queues["tab"].clear()
            await asyncio.sleep(0.2)
            DRAIN.http_in_flight = 0

        finishing = asyncio.create_task(finish())
        report = await drain(app, timeout=10)
        await finishing
        return report

    report = asyncio.run(scenario())
    assert report["left"] == {"events": 0, "requests": 0}
    assert report["seconds"] >= 0.35


async def _call(app, scope):
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def _ok_app(scope, receive, send):
    if scope["type"] == "websocket":
        await send({"type": "websocket.accept"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_the_gate_refuses_new_websockets_only_while_draining():
    gate = DrainGate(_ok_app)
    with_ext = {"type": "websocket", "path": "/_event/", "extensions": {"websocket.http.response": {}}}
    assert asyncio.run(_call(gate, with_ext)) == [{"type": "websocket.accept"}]
    DRAIN.draining = True
    refused = asyncio.run(_call(gate, with_ext))
    assert refused[0]["type"] == "websocket.http.response.start" and refused[0]["status"] == 503
    without_ext = {"type": "websocket", "path": "/_event/"}
    assert asyncio.run(_call(gate, without_ext)) == [{"type": "websocket.close", "code": 1013}]


def test_the_gate_closes_kept_alive_connections_while_draining():
    gate = DrainGate(_ok_app)
    scope = {"type": "http", "path": "/", "headers": []}
    normal = asyncio.run(_call(gate, scope))
    assert (b"connection", b"close") not in normal[0]["headers"]
    DRAIN.draining = True
    draining = asyncio.run(_call(gate, scope))
    assert (b"connection", b"close") in draining[0]["headers"]
    assert draining[1]["body"] == b"ok", "a request is still answered while draining"
    assert DRAIN.http_in_flight == 0


def test_sigterm_drains_then_hands_over_to_the_servers_handler(monkeypatch):
    """Under granian the loop has its handler for SIGTERM; the lifespan task puts the drain in
    front of it, ignores a second SIGTERM, and calls granian's once the drain is done."""
    from marque_app.settings import get_settings

    monkeypatch.setenv("MARQUE_SHUTDOWN_TIMEOUT", "5")
    get_settings.cache_clear()

    async def scenario():
        loop = asyncio.get_running_loop()
        stopped = asyncio.Event()
        order: list[str] = []
        loop.add_signal_handler(signal.SIGTERM, lambda: (order.append("server stop"), stopped.set()))
        tasks: dict = {}

        async def slow_event():
            await asyncio.sleep(0.3)
            order.append("event done")

        app = fake_app(tasks)
        try:
            async with graceful_shutdown(app):
                task = asyncio.create_task(slow_event())
                tasks["tx"] = task
                task.add_done_callback(lambda _: tasks.pop("tx"))
                os.kill(os.getpid(), signal.SIGTERM)
                await asyncio.sleep(0.05)
                assert shutdown.is_draining()
                os.kill(os.getpid(), signal.SIGTERM)  # systemd and the supervisor both send one
                await asyncio.wait_for(stopped.wait(), 10)
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
        return order, app

    order, app = asyncio.run(scenario())
    assert order == ["event done", "server stop"]
    assert app.sio.eio.disconnected == ["sid0", "sid1"]


def test_without_a_server_handler_nothing_is_installed():
    async def scenario():
        loop = asyncio.get_running_loop()
        async with graceful_shutdown(fake_app({})):
            return signal.SIGTERM in getattr(loop, "_signal_handlers", {})

    assert asyncio.run(scenario()) is False


@pytest.mark.parametrize(("value", "seconds"), [("", 20.0), ("7.5", 7.5), ("0", 0.0)])
def test_shutdown_timeout_setting(monkeypatch, value, seconds):
    from marque_app.settings import get_settings

    if value:
        monkeypatch.setenv("MARQUE_SHUTDOWN_TIMEOUT", value)
    else:
        monkeypatch.delenv("MARQUE_SHUTDOWN_TIMEOUT", raising=False)
    get_settings.cache_clear()
    try:
        assert shutdown.shutdown_timeout() == seconds
    finally:
        get_settings.cache_clear()


def test_a_negative_shutdown_timeout_is_refused(monkeypatch):
    from marque_app.settings import Settings

    monkeypatch.setenv("MARQUE_SHUTDOWN_TIMEOUT", "-3")
    with pytest.raises(ValueError, match="shutdown_timeout"):
        Settings()
