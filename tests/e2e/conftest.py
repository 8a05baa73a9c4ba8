"""End-to-end fixtures: the compiled app in production mode, driven by Chromium.

``base_url`` (session)  builds and starts ``reflex run --env prod`` once per test run, on a free
                        port, with its own temporary SQLite database (migrated and loaded with
                        the demo store by ``python -m marque_app.cli setup``), its own frontend
                        build directory and state directory; the process group is killed at the
                        end. ``MARQUE_E2E_BASE_URL=http://localhost:3000`` uses a server that is
                        already running instead (nothing is started or stopped).
``app_process``         the server's process: ``stop()``, then ``start()`` again on the same port and
                        database (a test of the backend going away); serving again after the test.
``app_db_url`` (session) the URL of that database (with MARQUE_E2E_BASE_URL: MARQUE_E2E_DB_URL,
                        else REFLEX_DB_URL / the project's marque.db).
``server_log``          the app's output (stdout and stderr, e.g. the log SMS sender's line
                        ``SMS to <E.164>: ...``): ``server_log.wait_for(regex)``. With
                        MARQUE_E2E_BASE_URL it reads MARQUE_E2E_LOG (the file that server logs to).
``page``                a fresh Playwright page (sync API, headless Chromium). It records
                        uncaught page errors, failed requests and HTTP responses >= 400; the test
                        fails at teardown if any occurred. Tests that expect one call
                        ``page_problems.allow("/expected-404")`` first.
``goto("/path")``       navigates to ``base_url + path`` and waits until the page is hydrated:
                        the backend answered the hydrate event over the websocket
                        (``wait_for_hydration(page)`` does the waiting alone, e.g. after a click
                        that loads another page).

The Redis state manager is used when REFLEX_REDIS_URL is set (``.ci/run`` does so).
Chromium is /usr/bin/chromium (``apt-get install -y chromium``) or ``MARQUE_CHROMIUM``.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.procutil import free_port, http_get, stop_group, tail

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("MARQUE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# First build on a fresh clone installs the frontend packages: allow minutes, not seconds.
START_TIMEOUT = float(os.environ.get("MARQUE_E2E_START_TIMEOUT", "600"))
HYDRATION_TIMEOUT = float(os.environ.get("MARQUE_E2E_HYDRATION_TIMEOUT", "30"))
# The e2e build gets its own Reflex web directory so it never rebuilds the .web/ that a
# developer's `make run` / `reflex run` is serving from (it is kept between runs, so the
# frontend packages are installed once).
WEB_DIR = Path(os.environ.get("MARQUE_E2E_WEB_DIR", ROOT / ".tools" / "e2e-web"))

# The backend's answer to the hydrate event sets State.is_hydrated (``is_hydrated_rx_state_``).
_HYDRATED_FRAME = re.compile(r'"is_hydrated[^"]*"\s*:\s*true')


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


# --- the app ----------------------------------------------------------------------------------


def _reflex_env(tmp: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MARQUE_TEST_DATABASE_URL", None)  # the db layer's server, not the app's database
    env.setdefault("MARQUE_ENV", "test")  # also keeps rxconfig from loading the developer's .env
    env.update(
        REFLEX_DB_URL=f"sqlite:///{tmp / 'marque-e2e.db'}",
        MARQUE_PORT=str(port),
        REFLEX_WEB_WORKDIR=str(WEB_DIR),
        REFLEX_STATES_WORKDIR=str(tmp / "states"),
        REFLEX_TELEMETRY_ENABLED="false",
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
    )
    # This run's own keys (codes, limits, revoked tokens): another run on the same Redis
    # cannot use up or refuse this run's codes.
    env.setdefault("MARQUE_REDIS_PREFIX", f"e2e-{secrets.token_hex(4)}:")
    # The tests log in many times from one address; the limit itself is tested in tests/api.
    env.setdefault("MARQUE_RATE_LIMIT_LOGIN", "1000/15minutes")
    env.setdefault("MARQUE_RATE_LIMIT_CHECKOUT", "1000/hour")  # tested in tests/api and tests/db
    env.setdefault("MARQUE_STOCK_ALERT_FLUSH_SECONDS", "2")  # a restock's alerts go out soon after
    return env


def _clear_catalog_cache(redis_url: str | None) -> None:
    if not redis_url:
        return
    import redis

    from marque_app.services.cache import PREFIX

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(f"{PREFIX}catalog:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


class AppProcess:
    """The e2e server's ``reflex run --env prod`` process, which a test may stop and start again.

    ``start()`` serves on the same port, database, web and state directories as before (the
    frontend build is reused: a restart takes seconds) and appends to the same log file.
    """

    def __init__(self, url: str, env: dict[str, str], log_path: Path) -> None:
        self.url = url
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start the server and wait until it serves the page and /ping.

        The catalog cache in Redis is emptied first: it is shared by every app on that Redis
        (earlier runs, another database served by a test), and a fresh app serves its own
        database, as a store does after a deploy (which runs ``cli setup``: it drops the cache).
        """
        _clear_catalog_cache(self.env.get("REFLEX_REDIS_URL"))
        started = time.monotonic()
        port = self.url.rsplit(":", 1)[1]
        with self.log_path.open("a") as log:
            self.proc = proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "reflex",
                    "run",
                    "--env",
                    "prod",
                    "--frontend-port",
                    port,
                    "--backend-port",
                    port,
                ],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as a whole
            )
        deadline = started + timeout
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"`reflex run --env prod` exited with {proc.returncode} before serving "
                    f"(log: {self.log_path}):\n{tail(self.log_path)}",
                    pytrace=False,
                )
            if http_get(f"{self.url}/ping", 2) == (200, '"pong"'):
                status, body = http_get(f"{self.url}/")
                if status == 200 and "<html" in body.lower():
                    return
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the app did not serve {self.url}/ within {timeout:.0f}s "
                    f"(MARQUE_E2E_START_TIMEOUT; log: {self.log_path}):\n{tail(self.log_path)}",
                    pytrace=False,
                )
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop the whole process group; the port refuses connections once this returns."""
        if self.proc is not None:
            stop_group(self.proc)
            self.proc = None


@dataclass(frozen=True)
class AppServer:
    url: str
    db_url: str
    log_path: Path | None = None
    process: AppProcess | None = None  # None for a server given by MARQUE_E2E_BASE_URL


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app served in production mode (frontend and backend on one port), and its database."""
    if external := os.environ.get("MARQUE_E2E_BASE_URL"):
        from marque_app.settings import default_db_url

        log = os.environ.get("MARQUE_E2E_LOG")
        yield AppServer(
            external.rstrip("/"),
            os.environ.get("MARQUE_E2E_DB_URL") or default_db_url(),
            Path(log) if log else None,
        )
        return

    tmp = tmp_path_factory.mktemp("e2e-app")
    port = free_port()
    env = _reflex_env(tmp, port)
    log_path = tmp / "reflex.log"
    started = time.monotonic()

    setup = subprocess.run(
        [sys.executable, "-m", "marque_app.cli", "setup"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if setup.returncode != 0:
        pytest.fail(
            f"`python -m marque_app.cli setup` failed (exit {setup.returncode}):\n{setup.stdout}{setup.stderr}",
            pytrace=False,
        )

    log_path.write_text("")
    server = AppProcess(f"http://127.0.0.1:{port}", env, log_path)
    try:
        server.start(timeout=START_TIMEOUT - (time.monotonic() - started))
        sys.stderr.write(
            f"\n[e2e] app served at {server.url} after {time.monotonic() - started:.1f}s "
            f"(state manager: {'redis' if env.get('REFLEX_REDIS_URL') else 'disk'}; log: {log_path})\n"
        )
        yield AppServer(server.url, env["REFLEX_DB_URL"], log_path, server)
    finally:
        server.stop()


@pytest.fixture
def app_process(app_server: AppServer) -> Iterator[AppProcess]:
    """The running app's process, for tests that stop the backend and start it again.

    Whatever the test did, the server is serving again when the test ends (later tests share it).
    """
    if app_server.process is None:
        pytest.skip("stopping the backend needs the server this run starts (MARQUE_E2E_BASE_URL is set)")
    yield app_server.process
    if not app_server.process.running:
        app_server.process.start()


@contextmanager
def serving_with(app_process: AppProcess, **env: str) -> Iterator[AppProcess]:
    """The app restarted with ``env`` changed (e.g. ``REFLEX_DB_URL``, a rate limit); on exit it
    is restarted with the settings it had (later tests share it)."""
    saved = {key: app_process.env.get(key) for key in env}
    app_process.stop()
    app_process.env.update(env)
    try:
        app_process.start()
        yield app_process
    finally:
        app_process.stop()
        for key, value in saved.items():
            if value is None:
                app_process.env.pop(key, None)
            else:
                app_process.env[key] = value
        app_process.start()


@pytest.fixture(scope="session")
def base_url(app_server: AppServer) -> str:
    """``http://127.0.0.1:<port>``: page, /ping, /_event and the API on that one port."""
    return app_server.url


@pytest.fixture(scope="session")
def app_db_url(app_server: AppServer) -> str:
    """The database the app under test serves from (a temporary SQLite file by default)."""
    return app_server.db_url


class ServerLog:
    """The app server's output, read from its log file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def text(self) -> str:
        return self.path.read_text(errors="replace")

    def mark(self) -> int:
        """The current end of the log: ``wait_for(..., after=mark)`` looks only past it."""
        return len(self.text())

    def wait_for(self, pattern: str, *, after: int = 0, timeout: float = 15) -> re.Match[str]:
        """The last match of ``pattern`` written after offset ``after`` (waits for it)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            matches = list(regex.finditer(self.text()[after:]))
            if matches:
                return matches[-1]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{pattern!r} did not appear in the server log {self.path} within "
                    f"{timeout:.0f}s:\n{tail(self.path, 20)}"
                )
            time.sleep(0.1)


@pytest.fixture(scope="session")
def server_log(app_server: AppServer) -> ServerLog:
    """The output of the app under test (e.g. the log SMS sender's ``SMS to ...`` lines)."""
    if app_server.log_path is None:
        pytest.fail(
            "server_log needs the server's log file: with MARQUE_E2E_BASE_URL, set "
            "MARQUE_E2E_LOG to the file that server writes its output to",
            pytrace=False,
        )
    return ServerLog(app_server.log_path)


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium` "
            "(or point MARQUE_CHROMIUM at a Chromium binary). The e2e layer needs it.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """Page errors, failed requests and HTTP errors seen by one page."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """Do not count problems matching ``pattern`` (a regular expression), e.g. a 404 the test provokes."""
        self._allowed.append(re.compile(pattern))

    def add(self, problem: str) -> None:
        if not any(p.search(problem) for p in self._allowed):
            self.items.append(problem)


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser, base_url: str, page_problems: PageProblems) -> Iterator:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    pg._marque_frames = []  # websocket frames received, for goto()/wait_for_hydration()

    def on_request_failed(request) -> None:
        failure = request.failure or ""
        # A navigation cancels the previous page's pending requests: not a problem of the app.
        if "ERR_ABORTED" in failure and request.resource_type != "document":
            return
        page_problems.add(f"request failed: {request.method} {request.url} ({failure})")

    def on_response(response) -> None:
        if response.status >= 400:
            page_problems.add(f"HTTP {response.status}: {response.request.method} {response.url}")

    def on_websocket(ws) -> None:
        ws.on("framereceived", lambda payload: pg._marque_frames.append(payload))

    pg.on("pageerror", lambda err: page_problems.add(f"page error: {err}"))
    pg.on("requestfailed", on_request_failed)
    pg.on("response", on_response)
    pg.on("websocket", on_websocket)
    try:
        yield pg
        if page_problems.items:
            pytest.fail(
                "the page reported problems:\n  " + "\n  ".join(page_problems.items),
                pytrace=False,
            )
    finally:
        context.close()


def wait_for_hydration(page, timeout: float = HYDRATION_TIMEOUT) -> None:
    """Wait until the backend has answered the page's hydrate event (State.is_hydrated)."""
    frames: list = page._marque_frames
    deadline = time.monotonic() + timeout
    while not any(isinstance(f, str) and _HYDRATED_FRAME.search(f) for f in frames):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{page.url} was not hydrated within {timeout:.0f}s: the websocket to the "
                f"backend did not deliver is_hydrated ({len(frames)} frames received)"
            )
        page.wait_for_timeout(50)


@pytest.fixture
def goto(page) -> Callable[..., object]:
    """``goto("/path")``: navigate and wait for hydration; returns the page."""

    def _goto(path: str = "/", **kwargs):
        page._marque_frames.clear()
        page.goto(path, **kwargs)
        wait_for_hydration(page)
        return page

    return _goto


def log_in_with_email(page, email: str, password: str, attempts: int = 3) -> None:
    """Fill and send the log-in page's e-mail form (the page must be showing it).

    A guarded page redirects to /login on the client; the log-in page's own load (a fresh form,
    the phone tab) may then land just after the e-mail tab was chosen: the form is chosen and
    filled again until its submit button is there to click.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        page.get_by_test_id("login-tab-email").click()
        page.get_by_test_id("email-input").fill(email)
        page.get_by_test_id("password-input").fill(password)
        try:
            page.get_by_test_id("login-submit").click(timeout=5000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


def log_out(page, attempts: int = 3) -> None:
    """Open the header's account menu and choose "Log out".

    Right after a log-in the page may still be moving to the ``next`` page, whose render closes
    a menu opened a moment before: the menu is opened again until its item shows.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # A test that opened a second tab leaves this one in the background, where Chromium may throttle
    # animation frames: Playwright's click then finds the opening menu "not stable" (it compares
    # the item's box over two frames) until it times out. A shopper clicks in the front tab.
    page.bring_to_front()
    for _ in range(attempts):
        page.get_by_test_id("account-menu").click()
        try:
            page.get_by_test_id("logout").wait_for(state="visible", timeout=3000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        try:  # the next page's render may close the menu between "visible" and the click
            page.get_by_test_id("logout").click(timeout=3000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        return
    raise AssertionError(f"the account menu did not open in {attempts} tries")


def expect_count(page, testid: str, value) -> None:
    """The header badge ``testid`` ("cart-count", "wishlist-count") shows ``value``, settled by
    the server (the badges are optimistic: ``data-pending`` is "true" until the server's answer
    with the change arrives, and a guest's cart is in local storage only from then on)."""
    from playwright.sync_api import expect

    badge = page.get_by_test_id(testid)
    expect(badge).to_have_text(str(value))
    expect(badge).to_have_attribute("data-pending", "false")
    expect(badge).to_have_text(str(value))
