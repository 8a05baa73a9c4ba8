"""A real fleet as processes: nginx (TLS, websocket upgrade, round robin) in front of N
production instances on one database and one Redis, for the fleet test and the benchmark.

    with Fleet(tmp, db_url=..., redis_url=..., instances=2) as fleet:
        fleet.url                  # https://127.0.0.1:<port> (nginx; self-signed certificate)
        fleet.http_url             # http://127.0.0.1:<port>  (answers 301 to the https URL)
        fleet.instances            # [Instance("app-1", port, ...), Instance("app-2", ...)]
        fleet.kill("app-1")        # SIGKILL that instance's whole process group (a crash)
        fleet.start_instance("app-1")  # and back (its frontend build is reused)

Topology, as deploy/ runs it: ``python -m marque_app.cli setup`` once (migrations are a deploy
step; the instances refuse a schema behind their code), then each instance is ``reflex run
--env prod`` (what ``make run`` does: page, websocket and API on one port) on its own loopback
port, one after another building the same frontend into one folder (``.tools/fleet-web``, kept
between runs so the frontend packages are installed once: see ``_env`` for why), the same ``REFLEX_DB_URL`` and ``REFLEX_REDIS_URL`` (the
Redis state manager: any instance serves any tab), its own ``MARQUE_INSTANCE_ID`` (the
``X-Marque-Instance`` header), ``MARQUE_TRUSTED_PROXY_HOPS=1`` and one shared secret key. The
compiled page's websocket address is nginx's (``REFLEX_API_URL``).

nginx is Debian's ``/usr/sbin/nginx`` (``MARQUE_NGINX``) run unprivileged-style in the
foreground with its own prefix, pid, logs and temp folders in ``tmp``, on free high ports, with
``deploy/nginx/marque.conf.template`` rendered by ``deploy/nginx/render.py``; its certificate is
made here with ``openssl`` (never committed). A missing nginx or openssl raises
:class:`FleetError` with how to install it.

``python -m tests.fleet [--instances 2] [--db URL] [--redis URL]`` starts one and keeps it up
until Ctrl-C (a fresh PostgreSQL database is made and dropped when --db is not given).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import http.client
import importlib.util
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from tests.procutil import free_port, http_get, stop_group, tail

ROOT = Path(__file__).resolve().parents[1]
NGINX = Path(os.environ.get("MARQUE_NGINX", "/usr/sbin/nginx"))
RENDER = ROOT / "deploy" / "nginx" / "render.py"
WEB_ROOT = Path(os.environ.get("MARQUE_FLEET_WEB_ROOT", ROOT / ".tools"))
START_TIMEOUT = float(os.environ.get("MARQUE_FLEET_START_TIMEOUT", "600"))


class FleetError(RuntimeError):
    """The fleet could not be started (a missing program, an instance that did not serve)."""


def render_module() -> ModuleType:
    """deploy/nginx/render.py (a stand-alone script, loaded from its path)."""
    spec = importlib.util.spec_from_file_location("marque_nginx_render", RENDER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def require_nginx() -> Path:
    """nginx's binary, or :class:`FleetError` saying how to install it."""
    if not (NGINX.is_file() and os.access(NGINX, os.X_OK)):
        raise FleetError(
            f"nginx not found at {NGINX}: install it with `apt-get install -y nginx` (or point "
            "MARQUE_NGINX at an nginx binary). The fleet tests run the real load balancer."
        )
    return NGINX


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 and localhost (``openssl req -x509``)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise FleetError("openssl is not installed: apt-get install -y openssl")
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "marque.crt", folder / "marque.key"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key.chmod(0o600)
    return cert, key


def https_request(url: str, *, method: str = "GET", timeout: float = 5, headers: dict | None = None):
    """``(status, headers, body)`` of one request, the certificate not checked, redirects not
    followed; ``(0, {}, "")`` when nothing answered."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout, context=context
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else "") or "/", headers=headers or {})
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    except OSError:
        return 0, {}, ""
    finally:
        conn.close()


@dataclass
class Instance:
    """One production instance: ``reflex run --env prod`` in its own process group."""

    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pgid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def launch(self) -> None:
        with self.log_path.open("a") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "reflex",
                    "run",
                    "--env",
                    "prod",
                    "--frontend-port",
                    str(self.port),
                    "--backend-port",
                    str(self.port),
                ],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as a whole
            )

    def ready(self) -> bool:
        """Serving: /ping answers and the page is the compiled frontend."""
        if self.proc is None or self.proc.poll() is not None:
            raise FleetError(f"{self.name} exited with {self.proc and self.proc.returncode}:\n{tail(self.log_path)}")
        if http_get(f"{self.url}/ping", 2) != (200, '"pong"'):
            return False
        status, body = http_get(f"{self.url}/")
        return status == 200 and "<html" in body.lower()

    def kill(self) -> None:
        """SIGKILL the whole process group (as a crash or an OOM kill would): no draining."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc)


@dataclass
class Fleet:
    """nginx + ``instances`` production instances on ``db_url`` and ``redis_url`` (see above)."""

    tmp: Path
    db_url: str
    redis_url: str
    instances_count: int = 2
    workers: int = 1  # GRANIAN_WORKERS per instance
    setup: bool = True  # run `cli setup` (migrate, demo store) before the instances start
    extra_env: dict[str, str] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)
    nginx: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        require_nginx()
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.https_port, self.http_port = free_port(), free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.http_url = f"http://127.0.0.1:{self.http_port}"
        self.nginx_dir = self.tmp / "nginx"
        self.secret = secrets.token_hex(32)
        for n in range(1, self.instances_count + 1):
            name, port = f"app-{n}", free_port()
            self.instances.append(Instance(name, port, self._env(name, port, n), self.tmp / f"{name}.log"))

    # --- set-up ---------------------------------------------------------------------------

    def _base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("MARQUE_TEST_DATABASE_URL", None)
        env.setdefault("MARQUE_ENV", "test")  # also keeps rxconfig from loading a developer's .env
        env.update(
            REFLEX_DB_URL=self.db_url,
            REFLEX_REDIS_URL=self.redis_url,
            MARQUE_SECRET_KEY=self.secret,  # one key: a token made by one instance is good on all
            REFLEX_TELEMETRY_ENABLED="false",
            PYTHONUNBUFFERED="1",
            NO_COLOR="1",
        )
        env.update(self.extra_env)
        return env

    def _env(self, name: str, port: int, n: int) -> dict[str, str]:
        env = self._base_env()
        env.update(
            MARQUE_PORT=str(port),
            MARQUE_INSTANCE_ID=name,
            MARQUE_TRUSTED_PROXY_HOPS="1",
            MARQUE_PUBLIC_URL=self.url,
            REFLEX_API_URL=self.url,  # the compiled page opens its websocket through nginx
            REFLEX_DEPLOY_URL=self.url,  # sitemap.xml's links
            # Every instance builds its frontend at start (Reflex 0.10 always does), and the
            # bundles' names carry content hashes: a page from one instance asks any instance
            # for its files, so all must serve the same build. Reflex writes some of the
            # sources in set order (Python's per-process hash seed) and the bundler hashes the
            # folder's path in, so: one seed, one folder, builds one after another (Reflex
            # locks the folder while it builds), checked below.
            PYTHONHASHSEED="0",
            REFLEX_WEB_WORKDIR=str(WEB_ROOT / "fleet-web"),
            REFLEX_STATES_WORKDIR=str(self.tmp / f"states-{n}"),
            GRANIAN_WORKERS=str(self.workers),
        )
        env.update(self.extra_env)
        return env

    def run_setup(self) -> None:
        """``python -m marque_app.cli setup``: migrations and the demo store, once per fleet."""
        done = subprocess.run(
            [sys.executable, "-m", "marque_app.cli", "setup"],
            cwd=ROOT,
            env=self._base_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode:
            raise FleetError(
                f"`python -m marque_app.cli setup` failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            )

    def nginx_conf(self) -> Path:
        """nginx.conf for this fleet's own prefix, including the rendered deploy conf."""
        d = self.nginx_dir
        for sub in ("logs", "temp", "tls"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        cert, key = self_signed_certificate(d / "tls")
        marque = render_module().render(
            [f"127.0.0.1:{i.port}" for i in self.instances],
            http_port=self.http_port,
            https_port=self.https_port,
            cert=str(cert),
            key=str(key),
        )
        (d / "marque.conf").write_text(marque)
        # Workers run as this user (a root nginx would switch them to nobody, who cannot write
        # the temp folders here).
        user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
        temps = "\n".join(
            f"    {kind}_temp_path {d / 'temp' / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (d / "nginx.conf").write_text(
            f"""{user}worker_processes 1;
daemon off;
pid {d / "nginx.pid"};
error_log {d / "logs" / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format fleet '$remote_addr "$request" $status $upstream_addr $upstream_status $request_time';
    access_log {d / "logs" / "access.log"} fleet;
    # Test diagnostics (not in the deploy conf): the instance that took a request, on every
    # answer and on a websocket's 101. The instances' own X-Marque-Instance header reaches HTTP
    # answers only: granian drops the headers of an ASGI websocket.accept.
    add_header X-Marque-Upstream $upstream_addr always;
{temps}
    include {d / "marque.conf"};
}}
"""
        )
        return d / "nginx.conf"

    def _nginx_args(self, conf: Path) -> list[str]:
        return [
            str(NGINX),
            "-p",
            str(self.nginx_dir),
            "-c",
            str(conf),
            "-e",
            str(self.nginx_dir / "logs" / "error.log"),
        ]

    def start_nginx(self) -> None:
        conf = self.nginx_conf()
        check = subprocess.run([*self._nginx_args(conf), "-t"], capture_output=True, text=True, timeout=30)
        if check.returncode:
            raise FleetError(f"nginx -t refused the fleet's configuration:\n{check.stderr}")
        log = (self.nginx_dir / "logs" / "stderr.log").open("a")
        self.nginx = subprocess.Popen(
            self._nginx_args(conf),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    # --- life ------------------------------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT) -> Fleet:
        started = time.monotonic()
        if self.setup:
            self.run_setup()
        first, *others = self.instances
        for instance in self.instances:
            instance.log_path.write_text("")
        # The first builds the frontend; the others build the same files into the same folder
        # after it (nobody is served yet: nginx starts once all are up).
        first.launch()
        self.wait_ready([first], started + timeout, through_nginx=False)
        for instance in others:
            instance.launch()
        self.wait_ready(others, started + timeout, through_nginx=False)
        self.check_same_build()
        self.start_nginx()
        self.wait_ready(self.instances, started + timeout)
        return self

    def check_same_build(self) -> None:
        """Every instance serves the same page (the same bundle names), or :class:`FleetError`."""
        pages = {i.name: http_get(f"{i.url}/")[1] for i in self.instances}
        if len(set(pages.values())) != 1:
            raise FleetError(f"the instances serve different frontend builds: {', '.join(pages)}")

    def wait_ready(self, instances: list[Instance], deadline: float, *, through_nginx: bool = True) -> None:
        waiting = list(instances)
        while waiting:
            waiting = [i for i in waiting if not i.ready()]
            if not waiting:
                break
            if time.monotonic() > deadline:
                names = ", ".join(i.name for i in waiting)
                raise FleetError(f"{names} did not serve in time:\n{tail(waiting[0].log_path)}")
            time.sleep(0.5)
        while through_nginx and https_request(f"{self.url}/ping")[0] != 200:
            if self.nginx is None or self.nginx.poll() is not None:
                raise FleetError(f"nginx exited:\n{tail(self.nginx_dir / 'logs' / 'error.log')}")
            if time.monotonic() > deadline:
                raise FleetError(
                    f"nginx did not answer {self.url}/ping:\n{tail(self.nginx_dir / 'logs' / 'error.log')}"
                )
            time.sleep(0.2)

    def instance(self, name: str) -> Instance:
        for instance in self.instances:
            if instance.name == name:
                return instance
        raise KeyError(name)

    def instance_at(self, upstream_addr: str) -> Instance:
        """The instance behind ``X-Marque-Upstream`` (nginx's ``$upstream_addr``, ``host:port``;
        after a retry a list whose last entry answered)."""
        port = int(upstream_addr.replace(" : ", ",").split(",")[-1].strip().rsplit(":", 1)[1])
        for instance in self.instances:
            if instance.port == port:
                return instance
        raise KeyError(upstream_addr)

    def kill(self, name: str) -> Instance:
        """Kill instance ``name`` (SIGKILL to its process group); nginx keeps serving."""
        instance = self.instance(name)
        instance.kill()
        return instance

    def start_instance(self, name: str, timeout: float = START_TIMEOUT) -> Instance:
        """Start instance ``name`` again. It rebuilds the shared frontend folder, which the
        running instances serve from: for tests, not for a store with shoppers on it (deploy
        an image built once instead)."""
        instance = self.instance(name)
        if not instance.running:
            instance.launch()
            self.wait_ready([instance], time.monotonic() + timeout)
        return instance

    def stop(self) -> None:
        for instance in self.instances:
            instance.stop()
        if self.nginx is not None:
            stop_group(self.nginx)
            self.nginx = None

    def access_log(self) -> str:
        path = self.nginx_dir / "logs" / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> Fleet:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- a fleet by hand ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="GRANIAN_WORKERS per instance")
    parser.add_argument("--db", help="PostgreSQL URL (default: a new database, dropped at the end)")
    parser.add_argument("--redis", default=os.environ.get("REFLEX_REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="marque-fleet-"))
    with contextlib.ExitStack() as stack:
        db = args.db
        if db is None:
            from tests.dbutil import scratch_database

            os.environ.setdefault("MARQUE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
            db = stack.enter_context(scratch_database(tmp))
        fleet = stack.enter_context(Fleet(tmp, db, args.redis, args.instances, workers=args.workers))
        print(
            f"fleet: {fleet.url} (http {fleet.http_url}) over", ", ".join(f"{i.name} {i.url}" for i in fleet.instances)
        )
        print(f"logs: {tmp}; Ctrl-C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
