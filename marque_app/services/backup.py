"""Backups that restore: the database and the uploaded pictures in one ``.tar``.

An archive holds ``manifest.json``, the database (``database.dump``: ``pg_dump`` custom format,
or ``database.sqlite3``: a copy made with SQLite's online backup API, consistent while the store
writes) and ``uploads/`` (the folder of ``REFLEX_UPLOADED_FILES_DIR``). The manifest records the
row count of every table, a checksum over the orders and their lines, and a SHA-256 of every
other member, so a restore checks the archive before it touches anything and checks the
database after.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from marque_app.services import migrations
from marque_app.services.preflight import StartupError, redact

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
UPLOADS = "uploads"
PREFIX = "marque-backup-"
#: Tables whose rows the checksum covers, in this order (orders and their lines).
CHECKSUM_TABLES = ("orders", "order_items")


class BackupError(StartupError):
    """A backup or restore that cannot be done: the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    archive: Path
    tables: dict[str, int]
    uploads: int


# --- what a database holds ---------------------------------------------------------------------


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, connect_args={"connect_timeout": 5} if url.startswith("postgresql") else {})


def _tables(conn: sa.Connection) -> list[str]:
    if conn.dialect.name == "postgresql":
        return list(
            conn.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            ).scalars()
        )
    return list(
        conn.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        ).scalars()
    )


def table_counts(url: str) -> dict[str, int]:
    """The number of rows of every table of the database at ``url``."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            prep = conn.dialect.identifier_preparer
            return {
                name: int(conn.exec_driver_sql(f"SELECT count(*) FROM {prep.quote(name)}").scalar())
                for name in _tables(conn)
            }
    finally:
        engine.dispose()


def orders_checksum(url: str) -> str:
    """SHA-256 over every column of every row of the orders and their lines, in id order."""
    engine = _engine(url)
    digest = hashlib.sha256()
    try:
        with engine.connect() as conn:
            meta = sa.MetaData()
            for name in CHECKSUM_TABLES:
                table = sa.Table(name, meta, autoload_with=conn)
                columns = sorted(table.c, key=lambda c: c.name)
                digest.update(f"{name}:{','.join(c.name for c in columns)}\n".encode())
                for row in conn.execute(sa.select(*columns).order_by(table.c.id)):
                    digest.update(repr(tuple(str(v) for v in row)).encode() + b"\n")
    finally:
        engine.dispose()
    return digest.hexdigest()


def _revision(url: str) -> str | None:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return migrations.current_revision(conn)
    finally:
        engine.dispose()


# --- PostgreSQL's tools --------------------------------------------------------------------------


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """libpq options for ``url`` (the password goes in the environment, never on argv)."""
    parsed = make_url(url)
    args = [
        "--host",
        parsed.host or "127.0.0.1",
        "--port",
        str(parsed.port or 5432),
        "--username",
        parsed.username or "postgres",
        "--dbname",
        parsed.database or "postgres",
    ]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return args, env


def _pg_tool(name: str, args: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} is not installed; apt-get install -y postgresql-client-15 (the server's major version)"
        )
    result = subprocess.run([tool, *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[0]
        raise BackupError(f"{name} failed: {reason}")


# --- backup --------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _upload_files(upload_dir: Path) -> list[Path]:
    if not upload_dir.is_dir():
        return []
    return sorted(p for p in upload_dir.rglob("*") if p.is_file() and not p.is_symlink())


def backup(*, db_url: str, upload_dir: Path, out_dir: Path, now: datetime | None = None) -> Path:
    """Write one archive of the database and the uploads into ``out_dir``; returns its path."""
    now = now or datetime.now(UTC)
    backend = make_url(db_url).get_backend_name()
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"{PREFIX}{now.strftime('%Y%m%dT%H%M%S%fZ')}.tar"
    target = out_dir / name
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".backup-") as tmp:
        work = Path(tmp)
        if backend == "postgresql":
            dump = work / PG_DUMP
            args, env = _pg_args(db_url)
            _pg_tool("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--file", str(dump), *args], env)
        elif backend == "sqlite":
            dump = work / SQLITE_COPY
            source = sqlite3.connect(f"file:{make_url(db_url).database}?mode=ro", uri=True)
            copy = sqlite3.connect(dump)
            try:
                source.backup(copy)  # SQLite's online backup: a consistent copy while others write
            finally:
                copy.close()
                source.close()
        else:
            raise BackupError(f"cannot back up a {backend!r} database; Marque uses sqlite and postgresql")
        files = _upload_files(upload_dir)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "backend": backend,
            "database": redact(db_url),
            "migration": _revision(db_url),
            "tables": table_counts(db_url),
            "orders_checksum": orders_checksum(db_url),
            "dump": {"name": dump.name, "sha256": _sha256(dump)},
            "uploads": {p.relative_to(upload_dir).as_posix(): _sha256(p) for p in files},
        }
        partial = work / name
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump.name)
            for path in files:
                tar.add(path, arcname=f"{UPLOADS}/{path.relative_to(upload_dir).as_posix()}")
        os.replace(partial, target)  # never a half-written archive under the final name
    return target


def prune_backups(out_dir: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives in ``out_dir``; returns what was deleted."""
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    archives = sorted(out_dir.glob(f"{PREFIX}*.tar"), key=lambda p: p.name, reverse=True)
    for old in archives[keep:]:
        old.unlink()
    return archives[keep:]


# --- restore -------------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member else None
    except (OSError, tarfile.TarError, KeyError, ValueError) as err:
        raise BackupError(f"{archive} is not a Marque backup ({err}); give a marque-backup-*.tar") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a Marque backup of format {FORMAT}")
    return manifest


def _is_empty(url: str) -> bool:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return not _tables(conn)
    finally:
        engine.dispose()


def restore(*, archive: Path, db_url: str, upload_dir: Path, force: bool = False) -> Restored:
    """Restore ``archive`` into the database at ``db_url`` and its uploads into ``upload_dir``.

    Refuses (changing nothing) an archive that fails its checksums, one of another backend, and a
    target database or upload folder that is not empty, unless ``force``. Afterwards the row
    counts and the orders checksum must be the manifest's.
    """
    manifest = read_manifest(archive)
    backend = make_url(db_url).get_backend_name()
    if manifest["backend"] != backend:
        raise BackupError(
            f"{archive} holds a {manifest['backend']} database; it cannot be restored into {backend} ({redact(db_url)})"
        )
    try:
        empty = _is_empty(db_url)
    except sa.exc.OperationalError as err:
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
        raise BackupError(f"cannot reach {redact(db_url)}: {reason}; create the database first") from None
    if not empty and not force:
        raise BackupError(
            f"the database {redact(db_url)} is not empty; restore into a new database, or "
            "add --force to replace what it holds"
        )
    if _upload_files(upload_dir) and not force:
        raise BackupError(
            f"the upload folder {upload_dir} is not empty; restore into an empty one, or "
            "add --force to overwrite files of the same name"
        )
    with tempfile.TemporaryDirectory(prefix="marque-restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r") as tar:
            tar.extractall(work, filter="data")  # refuses absolute paths and ../
        dump = work / manifest["dump"]["name"]
        if not dump.is_file() or _sha256(dump) != manifest["dump"]["sha256"]:
            raise BackupError(
                f"{archive}: the database file does not match its checksum; the archive is damaged, use another one"
            )
        for rel, digest in manifest["uploads"].items():
            path = work / UPLOADS / rel
            if not path.is_file() or _sha256(path) != digest:
                raise BackupError(
                    f"{archive}: upload {rel} does not match its checksum; the archive is damaged, use another one"
                )
        if backend == "postgresql":
            args, env = _pg_args(db_url)
            clean = ["--clean", "--if-exists"] if not empty else []
            _pg_tool(
                "pg_restore",
                ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", *clean, *args, str(dump)],
                env,
            )
        else:
            target_path = make_url(db_url).database
            source = sqlite3.connect(dump)
            target = sqlite3.connect(target_path)
            try:
                source.backup(target)  # replaces the whole target database, page by page
            finally:
                target.close()
                source.close()
        for rel in manifest["uploads"]:
            dest = upload_dir / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(work / UPLOADS / rel, dest)
    counts = table_counts(db_url)
    if counts != manifest["tables"] or orders_checksum(db_url) != manifest["orders_checksum"]:
        raise BackupError(
            f"restored {redact(db_url)}, but its rows differ from the backup's; do not "
            "serve it (restore into a new, empty database)"
        )
    return Restored(archive=archive, tables=counts, uploads=len(manifest["uploads"]))
