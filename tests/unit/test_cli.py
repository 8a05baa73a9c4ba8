"""The set-up command turns a bad setting into one line and a non-zero exit, no stack trace."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from marque_app.settings import PROJECT_ROOT


def _setup(**env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("REFLEX_", "MARQUE_"))}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "marque_app.cli", "setup"],
        cwd=PROJECT_ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"REFLEX_DB_URL": "nonsense"}, "REFLEX_DB_URL"),
        ({"REFLEX_DB_URL": "postgresql+psycopg://postgres@127.0.0.1:1/x"}, "cannot connect"),
        ({"REFLEX_DB_URL": "sqlite:////no/such/dir/m.db"}, "does not exist"),
        ({"REFLEX_REDIS_URL": "redis://127.0.0.1:1"}, "REFLEX_REDIS_URL"),
        ({"MARQUE_ENV": "production"}, "MARQUE_SECRET_KEY"),
        ({"MARQUE_ENV": "production", "MARQUE_SECRET_KEY": "s" * 48}, "MARQUE_SMS_PROVIDER"),
        (
            {"MARQUE_ENV": "production", "MARQUE_SECRET_KEY": "s" * 48, "MARQUE_SMS_PROVIDER": "twilio"},
            "MARQUE_EMAIL_PROVIDER",
        ),
    ],
)
def test_bad_setting_gives_one_clear_line(env, expected, tmp_path):
    env.setdefault("REFLEX_DB_URL", f"sqlite:///{tmp_path}/m.db")
    result = _setup(**env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert "Traceback" not in result.stderr


def test_setup_migrates_seeds_and_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path}/fresh.db"
    first = _setup(REFLEX_DB_URL=url)
    assert first.returncode == 0, first.stderr
    assert "demo store loaded" in first.stderr
    second = _setup(REFLEX_DB_URL=url)
    assert second.returncode == 0, second.stderr
    assert "nothing to seed" in second.stderr
    assert "Running upgrade" not in second.stderr


def test_production_setup_never_loads_the_demo_accounts(tmp_path):
    import sqlite3

    db = tmp_path / "prod.db"
    result = _setup(
        REFLEX_DB_URL=f"sqlite:///{db}",
        MARQUE_ENV="production",
        MARQUE_SECRET_KEY="a-real-secret-of-enough-length-0123456789abcdef",
        MARQUE_SMS_PROVIDER="twilio",
        MARQUE_EMAIL_PROVIDER="smtp",
    )
    assert result.returncode == 0, result.stderr
    assert "not loaded" in result.stderr + result.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM products").fetchone() == (0,)
