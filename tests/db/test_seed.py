"""The demo store is realistic, complete and the same on every load."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, func, select

from marque_app.models import (
    Brand,
    Category,
    Coupon,
    Product,
    ProductImage,
    ProductReview,
    ProductStatus,
    ProductVariant,
    User,
    UserRole,
)
from marque_app.services import migrations, seed
from marque_app.services.db import make_engine
from marque_app.services.demo_images import PRODUCT_IMAGE_DIR
from marque_app.services.passwords import verify_password
from tests.dbutil import scratch_database


@pytest.fixture
def demo(session: Session) -> Session:
    assert seed.is_empty(session=session)
    seed.load_demo(session=session)
    session.flush()
    return session


def test_category_tree_has_two_levels(demo):
    categories = demo.exec(select(Category)).all()
    parents = [c for c in categories if c.parent_id is None]
    children = [c for c in categories if c.parent_id is not None]
    assert len(parents) >= 8
    by_id = {c.id: c for c in categories}
    assert all(by_id[c.parent_id].parent_id is None for c in children)
    assert {c.parent_id for c in children} == {p.id for p in parents}


def test_products_brands_and_statuses(demo):
    assert demo.exec(select(func.count()).select_from(Brand)).one() == 10
    statuses = Counter(demo.exec(select(Product.status)).all())
    assert statuses[ProductStatus.active] == 200
    assert statuses[ProductStatus.draft] >= 1
    assert statuses[ProductStatus.archived] >= 1
    products = demo.exec(select(Product)).all()
    assert any(p.compare_price and p.compare_price > p.price for p in products)
    assert any(p.featured for p in products)
    assert all(p.meta_title and p.meta_description for p in products)
    leaf_ids = {c.id for c in demo.exec(select(Category).where(Category.parent_id.is_not(None)))}
    assert all(p.category_id in leaf_ids for p in products)


def test_every_product_has_one_to_six_variants_with_size_and_colour(demo):
    per_product = Counter(demo.exec(select(ProductVariant.product_id)).all())
    products = demo.exec(select(Product.id)).all()
    assert set(per_product) == set(products)
    assert all(1 <= n <= 6 for n in per_product.values())
    variants = demo.exec(select(ProductVariant)).all()
    assert all({"size", "color"} <= set(v.attributes) for v in variants)
    stock = [v.inventory_quantity for v in variants]
    assert any(q == 0 for q in stock), "some variants are sold out"
    assert any(1 <= q <= 4 for q in stock), "some variants are low in stock"
    assert len({v.sku for v in variants}) == len(variants)


def test_every_product_has_a_local_image(demo):
    images = demo.exec(select(ProductImage)).all()
    assert {i.product_id for i in images} == set(demo.exec(select(Product.id)).all())
    for image in images:
        assert image.url.startswith("/products/"), "served from assets/, no other site"
        assert (PRODUCT_IMAGE_DIR / image.url.rsplit("/", 1)[1]).is_file()


def test_every_described_or_pictured_colour_can_be_bought(demo):
    """The description, its meta and every picture name only colours a variant of the product
    is sold in (64 of 200 used to describe and picture colours no variant had)."""
    from marque_app.services.seed import COLOURS

    sold: dict = {}
    for product_id, attributes in demo.exec(select(ProductVariant.product_id, ProductVariant.attributes)).all():
        sold.setdefault(product_id, set()).add(attributes["color"])
    pictured: dict = {}
    for product_id, alt in demo.exec(select(ProductImage.product_id, ProductImage.alt_text)).all():
        pictured.setdefault(product_id, set()).add(alt.rsplit(" in ", 1)[1])
    products = demo.exec(select(Product)).all()
    assert len(products) >= 200
    for product in products:
        colours = sold[product.id]
        assert pictured[product.id] == colours, product.slug
        described = product.description.split("Available in ", 1)[1].split(". ", 1)[0].split(", ")
        assert set(described) == colours, product.slug
        # no colour of the palette that is not sold is named anywhere in it
        assert not [c for c in COLOURS if c not in colours and f" {c}," in product.description], product.slug
        assert f"in {len(colours)} colour" in product.meta_description, product.slug


def test_reviews_match_product_ratings(demo):
    product = demo.exec(select(Product).where(Product.review_count > 2)).first()
    ratings = demo.exec(
        select(ProductReview.rating).where(ProductReview.product_id == product.id, ProductReview.status == "approved")
    ).all()
    assert product.review_count == len(ratings)
    assert abs(float(product.rating_average) - sum(ratings) / len(ratings)) < 0.01


def test_demo_accounts_can_be_checked(demo):
    for account in seed.DEMO_ACCOUNTS:
        user = demo.exec(select(User).where(User.email == account.email)).one()
        assert user.role == account.role
        assert user.phone == account.phone
        assert verify_password(user.password_hash, account.password)
        assert not verify_password(user.password_hash, account.password + "x")
    roles = {a.role for a in seed.DEMO_ACCOUNTS}
    assert {UserRole.admin, UserRole.customer} <= roles
    assert demo.exec(select(func.count()).select_from(Coupon)).one() >= 3


def test_same_seed_same_store(demo, tmp_path):
    def fingerprint(sess):
        rows = sess.exec(
            select(Product.id, Product.slug, Product.price, Product.compare_price, Product.status).order_by(
                Product.slug
            )
        ).all()
        stock = sess.exec(
            select(ProductVariant.sku, ProductVariant.inventory_quantity).order_by(ProductVariant.sku)
        ).all()
        return rows, stock

    with scratch_database(tmp_path) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        try:
            with Session(engine) as other:
                seed.load_demo(session=other, write_images=False)
                other.flush()
                assert fingerprint(other) == fingerprint(demo)
        finally:
            engine.dispose()
