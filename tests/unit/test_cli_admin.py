"""``cli create-admin`` and ``cli set-role`` (issue 12, item 9): the first admin of a production
database, the password never on the command line, every role change in the activity log."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from marque_app.services import passwords
from marque_app.settings import PROJECT_ROOT

PRODUCTION = {
    "MARQUE_ENV": "production",
    "MARQUE_SECRET_KEY": "a-real-secret-of-enough-length-0123456789abcdef",
    "MARQUE_SMS_PROVIDER": "twilio",
    "MARQUE_EMAIL_PROVIDER": "smtp",
}


def _cli(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("REFLEX_", "MARQUE_"))}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "marque_app.cli", *args],
        cwd=PROJECT_ROOT,
        env=full,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A production database set up once (migrated, no demo data) for the module to copy."""
    db = tmp_path_factory.mktemp("cli-admin") / "template.db"
    result = _cli("setup", **PRODUCTION, REFLEX_DB_URL=f"sqlite:///{db}")
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture
def prod_db(migrated, tmp_path):
    db = tmp_path / "prod.db"
    shutil.copyfile(migrated, db)
    return db, {**PRODUCTION, "REFLEX_DB_URL": f"sqlite:///{db}"}


def _rows(db, sql, *params):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_create_admin_reads_the_password_from_stdin_and_logs_it(prod_db):
    db, env = prod_db
    result = _cli(
        "create-admin", "--email", "Boss@Shop.example", "--phone", "+1 202 555 0199", stdin="Boss#Secret2026\n", **env
    )
    assert result.returncode == 0, result.stderr
    assert "admin boss@shop.example created" in result.stderr
    assert "Boss#Secret2026" not in result.stdout + result.stderr
    [(role, pw_hash, phone, verified)] = _rows(
        db, "SELECT role, password_hash, phone, email_verified FROM users WHERE email = ?", "boss@shop.example"
    )
    assert role == "admin" and phone == "+12025550199" and verified
    assert passwords.verify_password(pw_hash, "Boss#Secret2026") and "Boss#Secret2026" not in pw_hash
    [(action, actor, summary)] = _rows(db, "SELECT action, actor_email, summary FROM admin_activity")
    assert action == "user.create_admin" and actor.startswith("(command line")
    assert summary == "Admin account boss@shop.example created"


def test_the_password_is_never_an_argument(prod_db):
    _, env = prod_db
    result = _cli("create-admin", "--email", "x@shop.example", "--password", "Boss#Secret2026", **env)
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


@pytest.mark.parametrize(
    ("stdin", "expected"),
    [("weak\n", "error: Password needs"), ("", "error: Password needs")],
)
def test_a_weak_password_is_one_clear_line(prod_db, stdin, expected):
    db, env = prod_db
    result = _cli("create-admin", "--email", "x@shop.example", stdin=stdin, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert _rows(db, "SELECT count(*) FROM users") == [(0,)]


def test_set_role_changes_and_logs_the_role_and_keeps_one_admin(prod_db):
    db, env = prod_db
    assert _cli("create-admin", "--email", "first@shop.example", stdin="First#2026x\n", **env).returncode == 0
    again = _cli("create-admin", "--email", "first@shop.example", stdin="First#2026x\n", **env)
    assert again.returncode == 2 and "already has an account" in again.stderr
    assert _cli("create-admin", "--email", "second@shop.example", stdin="Second#2026\n", **env).returncode == 0

    result = _cli("set-role", "--email", "second@shop.example", "--role", "support", **env)
    assert result.returncode == 0, result.stderr
    assert _rows(db, "SELECT role FROM users WHERE email = 'second@shop.example'") == [("support",)]
    [(summary, details)] = _rows(db, "SELECT summary, details FROM admin_activity WHERE action = 'user.role'")
    assert summary == "Role of second@shop.example changed from admin to support"
    assert '"from": "admin"' in details and '"to": "support"' in details

    last = _cli("set-role", "--email", "first@shop.example", "--role", "customer", **env)
    assert last.returncode == 2 and "last active admin" in last.stderr
    unknown = _cli("set-role", "--email", "first@shop.example", "--role", "owner", **env)
    assert unknown.returncode == 2 and "not a role" in unknown.stderr
    nobody = _cli("set-role", "--email", "nobody@shop.example", "--role", "admin", **env)
    assert nobody.returncode == 2 and "no account" in nobody.stderr


def test_create_admin_needs_a_migrated_database(tmp_path):
    env = {**PRODUCTION, "REFLEX_DB_URL": f"sqlite:///{tmp_path}/empty.db"}
    result = _cli("create-admin", "--email", "x@shop.example", stdin="Boss#Secret2026\n", **env)
    assert result.returncode == 2
    assert "run `python -m marque_app.cli migrate` once" in result.stderr.strip().splitlines()[-1]
