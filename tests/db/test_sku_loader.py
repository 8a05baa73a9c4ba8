"""The one SKU loader of the cart and checkout (``services.skus``) against a real database."""

from __future__ import annotations

import uuid
from decimal import Decimal

import sqlalchemy as sa

from marque_app.models import ProductImage, ProductStatus
from marque_app.services import cart as cart_service
from marque_app.services import checkout
from marque_app.services.skus import first_images, load_skus
from tests.cartutil import make_product


def test_load_skus_reads_what_a_line_needs_in_one_query(session):
    product, variants = make_product(session, price="20.00", stock=(3, 0, 500), variant_prices=[None, "25.00", None])
    other, (backordered,) = make_product(session, allow_backorder=True, stock=(0,))
    statements: list[str] = []
    engine = session.get_bind()

    def count(conn, cursor, statement, *args):
        if not statement.startswith(("SAVEPOINT", "RELEASE")):  # the test's own transaction
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        found = load_skus(session, [v.id for v in variants] + [backordered.id, uuid.uuid4()])
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1 and set(found) == {*(v.id for v in variants), backordered.id}
    small, sold_out, big = (found[v.id] for v in variants)
    assert (small.price, sold_out.price) == (Decimal("20.00"), Decimal("25.00"))
    assert small.sku == variants[0].sku and small.label == "S / Navy" and small.product_name == product.name
    assert (small.line_cap, sold_out.line_cap, big.line_cap) == (3, 0, 99)  # a cart line holds at most 99
    assert (small.available(), big.available()) == (3, 500)  # an order may take all the stock
    assert found[backordered.id].sellable is None and found[backordered.id].line_cap == 99
    # checkout reads the same loader, keyed by id text, and may lock the rows
    assert set(checkout._skus(session, [str(v.id) for v in variants], lock=True)) == {str(v.id) for v in variants}


def test_an_inactive_product_sells_nothing(session):
    _, (variant,) = make_product(session, status=ProductStatus.draft)
    sku = load_skus(session, [variant.id])[variant.id]
    assert not sku.is_active and sku.line_cap == 0 and sku.available() == 0


def test_first_images_takes_the_lowest_sort_order(session):
    product, _ = make_product(session, image=False)
    bare, _ = make_product(session, image=False)
    session.add(ProductImage(product_id=product.id, url="/img/second.jpg", sort_order=2))
    session.add(ProductImage(product_id=product.id, url="/img/first.jpg", sort_order=1))
    session.commit()
    assert first_images(session, [product.id, bare.id]) == {product.id: "/img/first.jpg"}
    assert first_images(session, []) == {}


def test_the_cart_prices_a_guest_line_through_the_loader(session):
    product, (variant,) = make_product(session, price="12.50", stock=(2,))
    from marque_app.domain.cart import GuestLine

    view, survivors = cart_service.price_guest_cart(
        session=session, lines=[GuestLine(sku_id=str(variant.id), quantity=5, price_seen="12.50")]
    )
    (line,) = view.items
    assert line.variant_label == "S / Navy" and line.unit_price == "12.50" and line.available == 2
    assert line.quantity == 2 and survivors[0].quantity == 2 and line.image_url.startswith("/img/")
