"""The large catalog generator writes complete, consistent products in bulk."""

from __future__ import annotations

from collections import Counter

from sqlmodel import func, select

from marque_app.models import Product, ProductImage, ProductStatus, ProductVariant
from marque_app.services.generator import generate


def test_generator_adds_products_with_variants_and_images(session):
    result = generate(session=session, products=300, seed=3)
    assert result["products"] == 300
    generated = session.exec(select(Product).where(Product.sku.like("GEN-%"))).all()
    assert len(generated) == 300
    assert all(p.status == ProductStatus.active for p in generated)
    ids = {p.id for p in generated}
    per_product = Counter(pid for pid in session.exec(select(ProductVariant.product_id)).all() if pid in ids)
    assert set(per_product) == ids and all(1 <= n <= 6 for n in per_product.values())
    images = session.exec(select(func.count()).select_from(ProductImage).where(ProductImage.product_id.in_(ids))).one()
    assert images == 300
    # the variants' stock adds up to the product's
    stock = dict(
        session.exec(
            select(ProductVariant.product_id, func.sum(ProductVariant.inventory_quantity)).group_by(
                ProductVariant.product_id
            )
        ).all()
    )
    assert all(stock[p.id] == p.inventory_quantity for p in generated)
