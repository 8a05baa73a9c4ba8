"""The deployment recipe in ``deploy/``, checked with what runs on a machine without a container
runtime: the compose file loaded with PyYAML, the Dockerfile read stage by stage (hadolint lints
it in ``make lint``), the systemd units through ``systemd-analyze verify`` when it is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
SYSTEMD = DEPLOY / "systemd"
NGINX_CONF = DEPLOY / "nginx" / "marque.conf"
APPS = ("app1", "app2")
DRAIN_SECONDS = 20  # MARQUE_SHUTDOWN_TIMEOUT's default (api/shutdown.py)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+)(s|m)?", str(text))
    assert match, text
    return int(match.group(1)) * (60 if match.group(2) == "m" else 1)


def test_compose_has_the_whole_topology(compose):
    assert set(compose["services"]) == {"postgres", "redis", "migrate", "nginx", *APPS}


def test_the_app_instances_share_one_image_and_have_their_own_ids(compose):
    apps = [compose["services"][name] for name in APPS]
    assert {app["image"] for app in apps} == {compose["services"]["migrate"]["image"]}
    assert all(app["build"]["dockerfile"] == "deploy/Dockerfile" for app in apps)
    ids = [_env(app)["MARQUE_INSTANCE_ID"] for app in apps]
    assert len(set(ids)) == len(ids) and all(ids)
    for app in apps:
        env = _env(app)
        assert env["MARQUE_ENV"] == "production"
        assert env["REFLEX_DB_URL"].startswith("postgresql+psycopg://") and "@postgres:5432/" in env["REFLEX_DB_URL"]
        assert env["REFLEX_REDIS_URL"].startswith("redis://redis:6379")
        assert app["env_file"] == ".env"
        assert "command" not in app, "instances run the image's CMD (cli serve), never a migration"


def test_migrations_are_one_step_before_the_instances(compose):
    migrate = compose["services"]["migrate"]
    assert migrate["command"] == ["python", "-m", "marque_app.cli", "migrate"]
    assert migrate["restart"] == "no"
    for name in APPS:
        needs = compose["services"][name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert needs["postgres"]["condition"] == needs["redis"]["condition"] == "service_healthy"


def test_every_long_running_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        if name != "migrate":
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name in APPS:
        assert "/_health/ready" in " ".join(compose["services"][name]["healthcheck"]["test"])
    assert compose["services"]["nginx"]["depends_on"] == {name: {"condition": "service_healthy"} for name in APPS}


def test_instances_get_time_to_drain_before_a_kill(compose):
    for name in APPS:
        app = compose["services"][name]
        assert app["stop_signal"] == "SIGTERM"
        drain = float(_env(app)["MARQUE_SHUTDOWN_TIMEOUT"])
        assert _seconds(app["stop_grace_period"]) > drain + 5


def test_no_secret_is_committed(compose):
    text = COMPOSE.read_text()
    assert "${POSTGRES_PASSWORD:?" in text  # from deploy/.env, refused when unset
    assert not re.search(r"(?i)(password|secret|token)\s*[:=]\s*['\"]?[A-Za-z0-9+/_-]{8,}", text)
    example = (DEPLOY / "env.example").read_text()
    for key in ("POSTGRES_PASSWORD", "MARQUE_SECRET_KEY", "MARQUE_SMTP_PASSWORD", "MARQUE_TWILIO_AUTH_TOKEN"):
        assert re.search(rf"^{key}=$", example, re.M), f"{key} must be empty in deploy/env.example"
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "deploy/.env" in ignored and "deploy/tls/" in ignored, "the filled-in settings and the key stay out of git"


def test_nginx_is_given_the_shared_conf_and_the_certificate(compose):
    nginx = compose["services"]["nginx"]
    mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in nginx["volumes"]}
    assert mounts["./nginx/marque.conf"].startswith("/etc/nginx/conf.d/")
    assert mounts["./tls"] == "/etc/nginx/tls"
    assert {"80:80", "443:443"} <= set(nginx["ports"])
    for name in APPS:
        assert "ports" not in compose["services"][name], "instances are reached through nginx only"


def test_the_nginx_conf_proxies_to_the_compose_instances(compose):
    if not NGINX_CONF.exists():
        pytest.skip("deploy/nginx/marque.conf is written on its own branch (i14-nginx)")
    conf = NGINX_CONF.read_text()
    upstream = re.search(r"upstream\s+\w+\s*\{(.*?)\}", conf, re.S)
    assert upstream
    servers = set(re.findall(r"^\s*server\s+([^\s;]+)", upstream.group(1), re.M))
    expected = {f"{name}:{_env(compose['services'][name])['MARQUE_PORT']}" for name in APPS}
    assert servers == expected
    assert "/etc/nginx/tls/" in conf


# --- the Dockerfile -----------------------------------------------------------------------------


def _stages() -> dict[str, list[str]]:
    """Instructions (continuation lines joined) by stage name."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    stages: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            current = line.split()[-1] if " AS " in line.upper() else line.split()[1]
            stages[current] = []
        elif current:
            stages[current].append(line)
    return stages


def test_the_dockerfile_is_multi_stage_and_builds_the_frontend_at_build_time():
    stages = _stages()
    assert list(stages)[-1] == "runtime"
    builder = " ".join(stages["builder"])
    assert "reflex export --frontend-only --no-zip" in builder
    assert "pip install -r" in builder
    runtime = " ".join(stages["runtime"])
    assert "COPY --from=builder /out/.web ./.web" in runtime


def test_the_runtime_stage_is_slim_and_unprivileged():
    runtime = _stages()["runtime"]
    text = " ".join(runtime)
    for tool in ("apt-get install", "gcc", "build-essential", "npm", "bun", "nodejs", "--from=node"):
        assert tool not in text, f"the runtime stage has {tool}"
    users = [line.split()[1] for line in runtime if line.startswith("USER ")]
    assert users and users[-1].split(":")[0].isdigit() and users[-1].split(":")[0] != "0"
    health = next(line for line in runtime if line.startswith("HEALTHCHECK "))
    assert "/_health/live" in health
    cmd = next(line for line in runtime if line.startswith("CMD "))
    assert '"marque_app.cli", "serve"' in cmd and "migrate" not in cmd
    assert "STOPSIGNAL SIGTERM" in runtime


def test_the_image_port_is_the_instances_port(compose):
    runtime = _stages()["runtime"]
    exposed = {line.split()[1] for line in runtime if line.startswith("EXPOSE ")}
    ports = {_env(compose["services"][name])["MARQUE_PORT"] for name in APPS}
    assert exposed == ports == {"3000"}


def test_the_build_context_leaves_out_secrets_and_local_state():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".web", ".tools", "*.db", ".git", "tests"} <= ignored


# --- systemd --------------------------------------------------------------------------------------


def _unit(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (SYSTEMD / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_the_instance_template_serves_on_its_port_and_drains():
    unit = _unit("marque@.service")
    assert unit["ExecStart"] == ["/srv/marque/.venv/bin/python -m marque_app.cli serve"]
    assert "MARQUE_PORT=%i" in unit["Environment"]
    assert "MARQUE_INSTANCE_ID=app-%i" in unit["Environment"]
    assert unit["User"] == ["marque"]
    assert unit["KillMode"] == ["mixed"] and unit["KillSignal"] == ["SIGTERM"]
    assert float(unit["TimeoutStopSec"][0]) > DRAIN_SECONDS + 5
    assert "marque-migrate.service" in unit["Requires"][0]
    for option, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes"}.items():
        assert unit[option] == [value]


def test_the_migration_unit_is_a_oneshot():
    unit = _unit("marque-migrate.service")
    assert unit["Type"] == ["oneshot"]
    assert unit["ExecStart"] == ["/srv/marque/.venv/bin/python -m marque_app.cli migrate"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_units(tmp_path):
    """``systemd-analyze verify`` on copies whose /srv/marque/.venv/bin/python is this Python (it
    checks that the command exists)."""
    names = []
    for unit in SYSTEMD.iterdir():
        text = unit.read_text().replace("/srv/marque/.venv/bin/python", sys.executable)
        target = tmp_path / (unit.name.replace("@.", "@3001.") if "@." in unit.name else unit.name)
        target.write_text(text)
        names.append(str(target))
    # the instance template wants marque-migrate.service and marque.target next to it
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(names)], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    problems = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 0 and not problems, "\n".join(problems)
