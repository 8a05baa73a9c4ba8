"""Outages made to happen: a Redis server of the test's own, a TCP proxy to PostgreSQL that the test
cuts and restores, and a bounded load that records every answer.

Nothing here stops the shared PostgreSQL or Redis: the test's Redis runs on a free port, and the
database outage is the proxy refusing and cutting connections (the app talks to the proxy's port).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests.procutil import free_port


class RedisServer:
    """``redis-server`` on a free loopback port, no persistence; ``stop()``/``start()`` on the same port."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.fail(
                "redis-server is not installed (apt-get install -y redis-server); "
                "the Redis outage test starts one of its own on a free port"
            )
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # no goodbye: what a crash looks like to the clients
            self.proc.wait(timeout=10)
        self.proc = None


class TcpProxy:
    """127.0.0.1:<port> forwarded to ``upstream``; ``cut()`` refuses new connections and closes the
    open ones (a server gone), ``restore()`` listens again on the same port."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def restore(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        self._listener = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            open_now, self._open = self._open, set()
        for sock in open_now:
            _close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut while connecting
                    _close(client)
                    _close(server)
                    return
                self._open.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                _close(sock)
                with self._lock:
                    self._open.discard(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@dataclass
class Answer:
    at: float  # when the request was sent, seconds since the load started
    done: float  # when its answer came
    what: str
    status: int
    retry_after: str | None = None
    body: object = None


@dataclass
class Load:
    """Workers calling ``step(worker, n) -> (what, response)`` in a loop until ``stop()``."""

    steps: list[Callable]
    pause: float = 0.01
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.started = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self.started

    def start(self) -> Load:
        self.started = time.monotonic()
        for worker, step in enumerate(self.steps):
            thread = threading.Thread(target=self._run, args=(worker, step), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _run(self, worker: int, step: Callable) -> None:
        n = 0
        while not self._stop.is_set():
            sent = self.now()
            what, response = step(worker, n)
            n += 1
            try:
                body = response.json()
            except ValueError:
                body = response.text
            with self._lock:
                self.answers.append(
                    Answer(sent, self.now(), what, response.status_code, response.headers.get("Retry-After"), body)
                )
            time.sleep(self.pause)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def of(self, what: str, start: float = 0.0, end: float = float("inf")) -> list[Answer]:
        """The answers to ``what`` requests sent at ``start`` or later and answered before ``end``."""
        return [a for a in self.answers if a.what == what and start <= a.at and a.done < end]

    def statuses(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for a in self.answers:
            counts[a.status] = counts.get(a.status, 0) + 1
        return counts
