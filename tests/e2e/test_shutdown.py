"""Graceful shutdown (issue 14, item 4): SIGTERM to a production instance (``reflex run --env
prod``, the supervisor process, as ``docker stop`` and ``systemctl stop`` send it) while work is in
flight. The events running and the HTTP request in flight complete and are answered, the
instance stops taking new websockets and says it is not ready, every websocket is closed with
Engine.IO's close packet and a close frame (a page's socket.io client reconnects elsewhere), and
the process exits 0 within MARQUE_SHUTDOWN_TIMEOUT (20 s) plus granian's own stop.

On the code before ``api/shutdown.py`` the same SIGTERM dropped the websockets without a close
frame and cancelled the running events: the registrations below were never stored.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import signal
import socket
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

import pytest

from tests.bench import shoppers_protocol as proto

#: MARQUE_SHUTDOWN_TIMEOUT's default plus the time granian and Reflex take to stop after it.
BOUND_SECONDS = 20 + 10
PASSWORD = "Shutdown#2026x"
TABS = 3


class Tab:
    """One browser tab's websocket, spoken as the compiled page speaks it (shoppers_protocol)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.frames: list[str] = []
        self.closed: object = None

    async def open(self) -> None:
        import websockets

        self.ws = await websockets.connect(
            proto.ws_url(self.base_url, str(uuid.uuid4())), origin=self.base_url, ping_interval=None, max_size=2**24
        )
        assert proto.parse(await asyncio.wait_for(self.ws.recv(), 10))[0] == "open"
        await self.ws.send(proto.connect_frame(proto.Template(), "/register", None, {}))
        while proto.HYDRATED not in await self._recv():
            pass

    async def _recv(self) -> str:
        frame = await asyncio.wait_for(self.ws.recv(), 30)
        if frame == "2":  # Engine.IO ping
            await self.ws.send("3")
        self.frames.append(frame)
        return frame

    async def read_until_closed(self) -> None:
        import websockets

        try:
            while True:
                await self._recv()
        except websockets.ConnectionClosed as closed:
            self.closed = closed


def _slow_register(base_url: str, email: str) -> tuple[socket.socket, bytes]:
    """A POST /api/v1/auth/register whose body is only half sent: in flight until the rest is."""
    parts = urlsplit(base_url)
    body = json.dumps({"email": email, "password": PASSWORD}).encode()
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    head = (
        f"POST /api/v1/auth/register HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock.sendall(head + body[: len(body) // 2])
    return sock, body[len(body) // 2 :]


def _read_response(sock: socket.socket) -> tuple[int, str, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return int(lines[0].split()[1]), "\n".join(lines[1:]).lower(), rest


def _handshake_status(base_url: str) -> int:
    """The HTTP status a new websocket handshake gets (101 when it is accepted)."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            (
                f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                f"Origin: {base_url}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        return _read_response(sock)[0]


def _get(url: str) -> tuple[int, str]:
    """The status and body of a GET, a 503's body too."""
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def _users(db_url: str, emails: list[str]) -> set[str]:
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        marks = ",".join("?" * len(emails))
        return {row[0] for row in conn.execute(f"SELECT email FROM users WHERE email IN ({marks})", emails)}


def test_sigterm_drains_in_flight_work_and_exits_zero(app_process, base_url, app_db_url, server_log):
    if not app_db_url.startswith("sqlite:///"):
        pytest.skip("reads the e2e server's own SQLite database")
    assert _get(f"{base_url}/_health/ready") == (200, '{"status":"ready","failed":[]}')
    assert _handshake_status(base_url) == 101
    tag = uuid.uuid4().hex[:8]
    tab_emails = [f"shutdown-{tag}-{i}@example.com" for i in range(TABS)]
    api_email = f"shutdown-{tag}-api@example.com"
    proc = app_process.proc
    assert proc is not None
    mark = server_log.mark()

    async def scenario() -> dict:
        tabs = [Tab(base_url) for _ in range(TABS)]
        await asyncio.gather(*(tab.open() for tab in tabs))
        sock, rest = _slow_register(base_url, api_email)
        await asyncio.sleep(0.3)  # the request has reached the app and waits for its body
        for tab, email in zip(tabs, tab_emails, strict=True):  # argon2 hashing: each takes a while
            await tab.ws.send(proto.register_frame(email, PASSWORD))
        await asyncio.sleep(0.05)
        sent_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        readers = [asyncio.create_task(tab.read_until_closed()) for tab in tabs]
        await asyncio.sleep(0.5)
        loop = asyncio.get_running_loop()
        during = {
            "ready": await loop.run_in_executor(None, _get, f"{base_url}/_health/ready"),
            "live": await loop.run_in_executor(None, _get, f"{base_url}/_health/live"),
            "handshake": await loop.run_in_executor(None, _handshake_status, base_url),
        }
        sock.sendall(rest)  # the request in flight completes now, 0.5 s into the drain
        during["api"] = await loop.run_in_executor(None, _read_response, sock)
        sock.close()
        await asyncio.wait_for(asyncio.gather(*readers), BOUND_SECONDS)
        exit_code = await loop.run_in_executor(None, proc.wait, BOUND_SECONDS)
        during["exit"] = (exit_code, time.monotonic() - sent_at)
        during["tabs"] = tabs
        return during

    try:
        # In its own thread: Playwright's sync API may hold a running loop in this one (when an
        # earlier e2e test used it), and asyncio.run refuses to start inside a running loop.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            seen = pool.submit(asyncio.run, scenario()).result()
    finally:
        if proc.poll() is None:
            app_process.stop()
        app_process.proc = None  # the fixture starts the server again for the later tests

    assert seen["ready"] == (503, '{"status":"not ready","failed":["draining"]}'), seen["ready"]
    assert seen["live"] == (200, '{"status":"alive"}')
    assert seen["handshake"] in (503, 403), "a draining instance must not take new websockets"
    status, headers, body = seen["api"]
    assert status == 201, (status, body)
    assert "connection: close" in headers
    for tab in seen["tabs"]:
        answered = [f for f in tab.frames if "token_rx_state_" in f]
        assert answered, f"the register event was not answered before the close: {tab.frames[-3:]}"
        assert "1" in tab.frames, "no Engine.IO close packet (the client would not reconnect at once)"
        assert tab.frames.index("1") > tab.frames.index(answered[0])
        assert tab.closed is not None and tab.closed.rcvd is not None, "no websocket close frame from the server"
    assert _users(app_db_url, [*tab_emails, api_email]) == {*tab_emails, api_email}
    exit_code, seconds = seen["exit"]
    assert exit_code == 0, server_log.text()[mark:]
    assert seconds < BOUND_SECONDS
    assert "SIGTERM: drained" in server_log.text()[mark:]
