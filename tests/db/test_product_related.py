"""Related products on the product page: the same category first, filled up with the same brand."""

from __future__ import annotations

from marque_app.models import ProductStatus
from marque_app.services import catalog
from tests.db.test_catalog_service import (  # noqa: F401  (fixtures and builders)
    QueryCounter,
    add_brand,
    add_product,
    tree,
)


def test_related_fills_up_with_the_same_brand_after_the_same_category(session, tree):
    _, shirts, knitwear, _ = tree
    brand, other_brand = add_brand(session), add_brand(session, "Other")
    product = add_product(session, "Oxford", category=shirts, brand=brand)
    add_product(session, "Linen", category=shirts, brand=other_brand, featured=True)
    add_product(session, "Flannel", category=shirts, brand=brand)  # both: listed once
    add_product(session, "Brand Sweater", category=knitwear, brand=brand)
    add_product(session, "Brand Draft", category=knitwear, brand=brand, status=ProductStatus.draft)
    add_product(session, "Stranger", category=knitwear, brand=other_brand)
    add_product(session, "Uncategorised", brand=brand)

    detail = catalog.product_detail(session=session, slug=product.slug, related_limit=4)

    names = [r.name for r in detail.related]
    assert names[:2] == ["Linen", "Flannel"]  # the category's, best (featured) first
    assert sorted(names[2:]) == ["Brand Sweater", "Uncategorised"]
    assert len(names) == len(set(names))

    # Enough in the category: the brand's are not needed.
    short = catalog.product_detail(session=session, slug=product.slug, related_limit=2)
    assert [r.name for r in short.related] == ["Linen", "Flannel"]


def test_related_of_a_product_without_category_comes_from_its_brand(session, tree):
    brand = add_brand(session)
    product = add_product(session, "Loose", brand=brand)
    add_product(session, "Sibling", brand=brand)
    add_product(session, "Unrelated", category=tree[1])

    detail = catalog.product_detail(session=session, slug=product.slug)

    assert [r.name for r in detail.related] == ["Sibling"]


def test_related_query_count_does_not_grow_with_the_brand(session, connection, tree):
    _, shirts, knitwear, _ = tree
    # Both brands stay referenced, so session.get() finds either in the identity map.
    brand, solo = add_brand(session), add_brand(session, "Solo")
    lone = add_product(session, "Lone", category=shirts, brand=solo)
    product = add_product(session, "Busy", category=shirts, brand=brand)
    for i in range(6):
        add_product(session, f"Brand {i}", category=knitwear, brand=brand, images=2)

    counter = QueryCounter(connection)
    catalog.product_detail(session=session, slug=lone.slug)
    few = counter.count
    counter.count = 0
    detail = catalog.product_detail(session=session, slug=product.slug)
    assert len(detail.related) == 4
    assert counter.count == few
