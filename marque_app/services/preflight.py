"""Start-up checks that turn a broken setting into one clear line instead of a stack trace."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url


class StartupError(Exception):
    """A setting that cannot work: the message says what failed, which setting, what to do."""


def redact(url: str) -> str:
    """``url`` with any password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as given, it has no parts
        return url


def check_database(url: str, setting: str = "REFLEX_DB_URL") -> None:
    """Parse ``url``, make sure a SQLite file can be written and a server answers."""
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001
        raise StartupError(
            f"{setting}={url!r} is not a database URL; use sqlite:///path/to/marque.db or "
            "postgresql+psycopg://user@host:5432/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            raise StartupError(f"{setting}={url!r} is an in-memory database; give a file path")
        path = Path(database)
        folder = path.parent if path.parent != Path("") else Path.cwd()
        if not folder.is_dir():
            raise StartupError(
                f"cannot create the SQLite database {path} ({setting}): folder {folder} does not "
                "exist; create it or choose another path"
            )
        target = path if path.exists() else folder
        if not os.access(target, os.W_OK):
            raise StartupError(
                f"cannot write the SQLite database {path} ({setting}): permission denied; choose a writable path"
            )
    elif backend != "postgresql":
        raise StartupError(f"{setting} uses {backend!r}; Marque supports sqlite and postgresql(+psycopg) only")
    try:
        engine = sa.create_engine(parsed, connect_args={"connect_timeout": 5} if backend == "postgresql" else {})
    except Exception as err:  # noqa: BLE001 - e.g. a missing driver
        raise StartupError(f"{setting}={redact(url)}: {err}") from None
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as err:  # noqa: BLE001
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
        if backend == "sqlite":
            raise StartupError(
                f"cannot open the SQLite database {parsed.database} ({setting}): {reason}; choose a writable path"
            ) from None
        raise StartupError(
            f"cannot connect to the database {redact(url)} ({setting}): {reason}; start the "
            "server or fix the URL (unset it to use the built-in SQLite database)"
        ) from None
    finally:
        engine.dispose()


def check_schema(url: str, setting: str = "REFLEX_DB_URL") -> None:
    """Make sure the database is at the code's migration head (``alembic current`` = ``head``).

    Instances never migrate: ``python -m marque_app.cli migrate`` (or ``setup``) is one deploy
    step, run once before the new code starts. Code that finds an older (or newer) schema than
    its own refuses to serve instead of failing on a missing column in some request.
    """
    import logging

    from marque_app.services import migrations

    quiet = logging.getLogger("alembic.runtime.migration")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # not "Context impl SQLiteImpl." for a read
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5} if url.startswith("postgresql") else {})
    try:
        with engine.connect() as conn:
            current = migrations.current_revision(conn)
    except Exception as err:  # noqa: BLE001
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
        raise StartupError(f"cannot read the migration of {redact(url)} ({setting}): {reason}") from None
    finally:
        engine.dispose()
        quiet.setLevel(level)
    head = migrations.head_revision()
    if current != head:
        raise StartupError(
            f"the database {redact(url)} is at migration {current or 'none'} but this code needs "
            f"{head}; run `python -m marque_app.cli migrate` once (a deploy step), then start "
            "the instances"
        )


def serving_command(argv: list[str]) -> bool:
    """Whether ``argv`` is ``reflex run`` (or one of its backend workers, which inherit it), not
    ``reflex export`` or another command that builds the app without serving it."""
    if len(argv) < 2 or argv[1] != "run" or "--frontend-only" in argv:
        return False
    program = Path(argv[0])
    return program.name == "reflex" or program.parent.name == "reflex"


def check_redis(url: str | None, setting: str = "REFLEX_REDIS_URL") -> None:
    """Make sure Redis answers a PING when it is configured."""
    if not url:
        return
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    except ValueError as err:
        raise StartupError(f"{setting}={url!r} is not a Redis URL ({err}); use redis://host:6379") from None
    try:
        client.ping()
    except Exception as err:  # noqa: BLE001
        raise StartupError(
            f"cannot reach Redis at {redact(url)} ({setting}): {err}; start Redis or unset "
            f"{setting} to keep state in memory"
        ) from None
    finally:
        client.close()


def check_port(port: int, setting: str = "MARQUE_PORT") -> None:
    """Make sure nothing listens on ``port`` already."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            raise StartupError(
                f"port {port} is already in use ({setting}); stop the other server or set {setting}={port + 1}"
            ) from None
