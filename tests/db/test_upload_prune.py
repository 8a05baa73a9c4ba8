"""Uploaded pictures nothing refers to are deleted after a grace period; pictures in use, young
uploads (a form still open) and files that are not ours stay."""

from __future__ import annotations

import io
import os
from datetime import timedelta

import sqlalchemy as sa
from PIL import Image

from marque_app.models import Brand, ProductImage
from marque_app.models.types import utcnow
from marque_app.services.admin.products import UPLOAD_GRACE, prune_uploads, store_upload
from marque_app.services.housekeeping import run_once
from tests.cartutil import make_product


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


def _age(upload_dir, url: str, by: timedelta) -> None:
    path = upload_dir / url.removeprefix("/_upload/")
    when = (utcnow() - by).timestamp()
    os.utime(path, (when, when))


def test_prune_deletes_only_old_unreferenced_uploads(session, tmp_path):
    urls = {
        k: store_upload(upload_dir=tmp_path, filename=f"{k}.png", data=_png())
        for k in ("on_product", "on_brand", "orphan_old", "orphan_young")
    }
    product, _ = make_product(session)
    session.add(ProductImage(product_id=product.id, url=urls["on_product"], sort_order=1))
    session.add(Brand(name=f"Prune {product.slug}", slug=f"prune-{product.slug}", logo_url=urls["on_brand"]))
    session.flush()
    for key in ("on_product", "on_brand", "orphan_old"):
        _age(tmp_path, urls[key], UPLOAD_GRACE + timedelta(hours=1))
    _age(tmp_path, urls["orphan_young"], UPLOAD_GRACE - timedelta(hours=1))
    stranger = tmp_path / "products" / "README.txt"
    stranger.write_text("not an upload")
    os.utime(stranger, (0, 0))

    assert prune_uploads(session=session, upload_dir=tmp_path) == 1

    left = {p.name for p in (tmp_path / "products").iterdir()}
    gone = urls["orphan_old"].rsplit("/", 1)[1]
    assert gone not in left
    assert {urls[k].rsplit("/", 1)[1] for k in ("on_product", "on_brand", "orphan_young")} <= left
    assert "README.txt" in left
    # a picture removed from its product is an orphan at the next pass
    session.execute(sa.delete(ProductImage).where(ProductImage.url == urls["on_product"]))
    session.flush()
    assert prune_uploads(session=session, upload_dir=tmp_path) == 1
    assert prune_uploads(session=session, upload_dir=tmp_path) == 0


def test_prune_without_an_upload_folder_is_a_no_op(session, tmp_path):
    assert prune_uploads(session=session, upload_dir=tmp_path / "missing") == 0


def test_housekeeping_pass_reports_uploads(monkeypatch, engine, tmp_path):
    import marque_app.services.db as db_module

    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    url = store_upload(upload_dir=tmp_path, filename="x.png", data=_png())
    _age(tmp_path, url, UPLOAD_GRACE * 2)
    removed = run_once(upload_dir=tmp_path)
    assert removed["uploads"] == 1 and "cart_operations" in removed
    assert not (tmp_path / url.removeprefix("/_upload/")).exists()
