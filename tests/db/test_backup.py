"""``cli backup`` and ``cli restore``: a store with orders and uploaded pictures, backed up and
restored into a fresh database (SQLite, or PostgreSQL with MARQUE_TEST_DATABASE_URL), has the same
rows in every table, the same orders and lines (a checksum over every column) and the same uploads.
"""

from __future__ import annotations

import io
import json
import tarfile
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from marque_app.services import backup, checkout, migrations, seed
from marque_app.services.admin.products import store_upload
from marque_app.services.db import make_engine
from tests.cartutil import make_product, make_user
from tests.dbutil import scratch_database
from tests.orderutil import address, fill_cart


def _png(colour=(10, 20, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def store(tmp_path):
    """A migrated database with the demo store, three orders (one a guest's) and two uploads."""
    uploads = tmp_path / "uploads"
    with scratch_database(tmp_path) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        try:
            with Session(engine, expire_on_commit=False) as session:
                seed.load_demo(session=session, write_images=False)
                session.commit()
                _, variants = make_product(session, stock=(50, 50))
                for n in range(2):
                    user = make_user(session)
                    fill_cart(session, user, variants, quantity=n + 1)
                    checkout.place_order(session=session, user_id=user.id, shipping_address=address())
                checkout.place_order(
                    session=session,
                    guest_email="guest@example.com",
                    guest_lines=[checkout.GuestLine(sku_id=str(variants[0].id), quantity=3)],
                    shipping_address=address(),
                )
                session.commit()
        finally:
            engine.dispose()
        names = [store_upload(upload_dir=uploads, filename=f"p{n}.png", data=_png((n, 2, 3))) for n in range(2)]
        yield url, uploads, names


def test_backup_restores_into_a_fresh_database_with_the_same_rows_and_uploads(store, tmp_path):
    url, uploads, names = store
    archive = backup.backup(db_url=url, upload_dir=uploads, out_dir=tmp_path / "backups")
    manifest = backup.read_manifest(archive)
    assert manifest["tables"]["orders"] == 3 and manifest["tables"]["order_items"] == 5
    assert manifest["tables"]["products"] > 10 and len(manifest["uploads"]) == 2
    with tarfile.open(archive) as tar:
        members = set(tar.getnames())
    assert {"manifest.json", manifest["dump"]["name"]} <= members

    restored_uploads = tmp_path / "restored-uploads"
    with scratch_database(tmp_path) as fresh:
        done = backup.restore(archive=archive, db_url=fresh, upload_dir=restored_uploads)
        # every table, row for row; the orders and lines column for column; the same pictures
        assert backup.table_counts(fresh) == backup.table_counts(url) == done.tables
        assert backup.orders_checksum(fresh) == backup.orders_checksum(url) == manifest["orders_checksum"]
        for name in names:
            rel = name.removeprefix("/_upload/")
            assert (restored_uploads / rel).read_bytes() == (uploads / rel).read_bytes()
        # the restored database is at the code's head: an instance may serve it
        engine = make_engine(fresh)
        try:
            with engine.connect() as conn:
                assert migrations.current_revision(conn) == migrations.head_revision()
        finally:
            engine.dispose()


def test_the_checksum_sees_a_changed_order_line(store, tmp_path):
    url, uploads, _ = store
    before = backup.orders_checksum(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE order_items SET quantity = quantity + 1 WHERE id IN "
                    "(SELECT id FROM order_items ORDER BY id LIMIT 1)"
                )
            )
    finally:
        engine.dispose()
    assert backup.orders_checksum(url) != before


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(store, tmp_path):
    url, uploads, _ = store
    archive = backup.backup(db_url=url, upload_dir=uploads, out_dir=tmp_path / "backups")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:  # a line changed after the backup
            conn.execute(sa.text("UPDATE order_items SET quantity = quantity + 1"))
    finally:
        engine.dispose()
    changed = backup.table_counts(url), backup.orders_checksum(url)
    assert changed[1] != backup.read_manifest(archive)["orders_checksum"]
    with pytest.raises(backup.BackupError, match="is not empty; restore into a new database, or add --force"):
        backup.restore(archive=archive, db_url=url, upload_dir=tmp_path / "empty")
    assert (backup.table_counts(url), backup.orders_checksum(url)) == changed  # nothing was touched

    done = backup.restore(archive=archive, db_url=url, upload_dir=uploads, force=True)
    assert done.tables["orders"] == 3
    assert backup.orders_checksum(url) == backup.read_manifest(archive)["orders_checksum"]


def test_restore_refuses_a_damaged_archive_and_changes_nothing(store, tmp_path):
    url, uploads, _ = store
    archive = backup.backup(db_url=url, upload_dir=uploads, out_dir=tmp_path / "backups")
    manifest = backup.read_manifest(archive)
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == manifest["dump"]["name"]:
                data = data[:-64] + bytes(64)
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    with scratch_database(tmp_path) as fresh:
        with pytest.raises(backup.BackupError, match="does not match its checksum"):
            backup.restore(archive=damaged, db_url=fresh, upload_dir=tmp_path / "r")
        assert backup.table_counts(fresh) == {}
    assert not (tmp_path / "r").exists()
    not_a_backup = tmp_path / "x.tar"
    not_a_backup.write_bytes(b"hello")
    with pytest.raises(backup.BackupError, match="is not a Marque backup"):
        backup.restore(archive=not_a_backup, db_url=url, upload_dir=uploads)


def test_cli_backup_keeps_the_newest_archives(store, tmp_path, monkeypatch):
    url, uploads, _ = store
    out = tmp_path / "backups"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for day in range(3):
        backup.backup(db_url=url, upload_dir=uploads, out_dir=out, now=start + timedelta(days=day))
    removed = backup.prune_backups(out, keep=2)
    assert [p.name for p in removed] == ["marque-backup-20260101T000000000000Z.tar"]
    assert sorted(p.name for p in out.glob("*.tar")) == [
        "marque-backup-20260102T000000000000Z.tar",
        "marque-backup-20260103T000000000000Z.tar",
    ]
    assert not list(out.glob(".backup-*"))  # no half-written leftovers

    from marque_app import cli
    from marque_app.settings import get_settings

    monkeypatch.setenv("REFLEX_DB_URL", url)
    monkeypatch.setenv("REFLEX_UPLOADED_FILES_DIR", str(uploads))
    get_settings.cache_clear()
    try:
        assert cli.main(["backup", "--out", str(out), "--keep", "2"]) == 0
        newest = sorted(out.glob("*.tar"))
        assert len(newest) == 2 and newest[-1].name > "marque-backup-20260103"
        with tarfile.open(newest[-1]) as archive:
            assert json.loads(archive.extractfile("manifest.json").read())["tables"]["orders"] == 3
        assert cli.main(["restore", str(newest[-1])]) == 2  # the store's own database is not empty
    finally:
        get_settings.cache_clear()
