"""Instances never migrate; one whose database is behind its code refuses to serve, in one line.

A database migrated to the head's parent revision (a deploy whose ``cli migrate`` step did not
run yet): ``cli check`` and ``reflex run`` refuse with the same line naming both revisions and
the command to run; once migrated to head, ``cli check`` passes. (At head ``reflex run`` serves:
the e2e layer starts the app that way.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from marque_app.services import migrations
from marque_app.services.preflight import serving_command
from tests.dbutil import scratch_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def behind(tmp_path):
    """A database at the head's parent revision, and that revision."""
    head = migrations.head_revision()
    parent = ScriptDirectory.from_config(migrations.alembic_config()).get_revision(head).down_revision
    with scratch_database(tmp_path) as url:
        migrations.upgrade(url, revision=parent)
        yield url, parent


def _run(args: list[str], url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REFLEX_", "MARQUE_", "GRANIAN_"))}
    env.update(
        MARQUE_ENV="test",
        REFLEX_DB_URL=url,
        REFLEX_WEB_WORKDIR=str(tmp_path / "web"),
        REFLEX_STATES_WORKDIR=str(tmp_path / "states"),
        REFLEX_TELEMETRY_ENABLED="false",
        NO_COLOR="1",
    )
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _refusal(parent: str) -> str:
    return f"is at migration {parent} but this code needs {migrations.head_revision()}; run `python -m marque_app.cli migrate`"


def test_cli_check_refuses_a_database_behind_the_code_then_passes_at_head(behind, tmp_path):
    url, parent = behind
    refused = _run(["-m", "marque_app.cli", "check"], url, tmp_path)
    assert refused.returncode == 2
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: the database ") and _refusal(parent) in lines[0]

    migrations.upgrade(url)
    passed = _run(["-m", "marque_app.cli", "check"], url, tmp_path)
    assert passed.returncode == 0, passed.stderr
    assert "settings ok" in passed.stderr


def test_reflex_run_refuses_to_serve_a_database_behind_the_code(behind, tmp_path):
    url, parent = behind
    refused = _run(["-m", "reflex", "run", "--env", "prod"], url, tmp_path)
    assert refused.returncode == 1
    assert _refusal(parent) in refused.stderr
    # refused before anything was compiled or built
    assert not (tmp_path / "web").exists()


def test_an_empty_database_is_refused_too(tmp_path):
    with scratch_database(tmp_path) as url:
        refused = _run(["-m", "marque_app.cli", "check"], url, tmp_path)
    assert refused.returncode == 2
    assert "is at migration none but this code needs" in refused.stderr


@pytest.mark.parametrize(
    ("argv", "serving"),
    [
        (["/srv/marque/.venv/bin/reflex", "run", "--env", "prod"], True),
        (["/srv/marque/.venv/lib/python3.11/site-packages/reflex/__main__.py", "run"], True),
        (["/srv/marque/.venv/bin/reflex", "run", "--frontend-only"], False),
        (["/srv/marque/.venv/bin/reflex", "export"], False),
        (["/srv/marque/.venv/bin/pytest", "run"], False),
        (["python"], False),
    ],
)
def test_only_reflex_run_checks_the_schema(argv, serving):
    assert serving_command(argv) is serving
