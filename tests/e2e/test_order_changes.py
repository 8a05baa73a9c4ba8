"""Changing an order's items in a real browser: the shopper on their order page, then the admin
on the admin's order page; the database shows the stock, the lines and the total moved."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import sqlalchemy as sa
from playwright.sync_api import expect
from sqlmodel import Session, select

from marque_app.domain.money import format_money
from marque_app.models import CartItem, Order, OrderItem, ProductVariant, User
from marque_app.services import checkout
from tests.e2e.conftest import log_in_with_email, log_out

ADMIN = ("admin@marque.test", "Admin#2026")
SHOPPER = ("shopper@marque.test", "Shopper#2026")
ADDRESS = {
    "first_name": "Sam",
    "last_name": "Shopper",
    "address_line_1": "1 Main St",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "US",
}


def _toast(page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def _order(app_db_url: str) -> dict:
    """A cash-on-delivery order of the shopper's: one unit of a SKU with stock to spare."""
    engine = sa.create_engine(app_db_url)
    with Session(engine, expire_on_commit=False) as session:
        row = session.execute(
            sa.text(
                """
                SELECT v.id, v.product_id, v.sku, COALESCE(v.price, p.price) AS price
                FROM products p JOIN product_variants v ON v.product_id = p.id
                WHERE p.status = 'active' AND p.track_inventory AND v.inventory_quantity >= 10
                ORDER BY v.inventory_quantity DESC, v.sku LIMIT 1
                """
            )
        ).first()
        shopper = session.exec(select(User).where(User.email == SHOPPER[0])).one()
        # Earlier tests may have left lines in the shopper's cart: the order holds this one only.
        session.execute(sa.delete(CartItem).where(CartItem.user_id == shopper.id))
        session.add(
            CartItem(
                user_id=shopper.id,
                product_id=uuid.UUID(str(row[1])),
                product_variant_id=uuid.UUID(str(row[0])),
                quantity=1,
                unit_price=Decimal(str(row[3])),
            )
        )
        session.commit()
        order = checkout.place_order(session=session, user_id=shopper.id, shipping_address=ADDRESS)
    return {"id": order.id, "number": order.order_number, "sku_id": uuid.UUID(str(row[0])), "sku": row[2]}


def _state(app_db_url: str, order: dict) -> tuple[int, int, Decimal]:
    """(units in the order, units in stock, the order's total)."""
    engine = sa.create_engine(app_db_url)
    with Session(engine) as session:
        qty = session.execute(
            sa.select(sa.func.sum(OrderItem.quantity)).where(OrderItem.order_id == uuid.UUID(order["id"]))
        ).scalar_one()
        stock = session.get(ProductVariant, order["sku_id"]).inventory_quantity
        total = session.get(Order, uuid.UUID(order["id"])).total_amount
    return int(qty), stock, total


def test_the_shopper_then_the_admin_change_the_items(goto, page, app_db_url):
    order = _order(app_db_url)
    _, stock_before, _ = _state(app_db_url, order)

    goto(f"/account/orders/{order['number']}")
    log_in_with_email(page, *SHOPPER)
    expect(page).to_have_url(re.compile(rf"/account/orders/{order['number']}$"))
    page.get_by_test_id("order-modify-items").click()
    page.get_by_test_id(f"modify-qty-{order['sku']}").fill("3")
    page.get_by_test_id("modify-items-confirm").click()
    expect(_toast(page, "Order updated: the new total is")).to_be_visible()
    expect(page.get_by_test_id("items-dialog")).to_have_count(0)
    qty, stock, total = _state(app_db_url, order)
    assert (qty, stock) == (3, stock_before - 2)
    expect(page.get_by_test_id("order-line")).to_contain_text("3 ×")
    expect(page.get_by_test_id("order-detail-total")).to_contain_text(format_money(total))

    goto("/")
    log_out(page)
    goto(f"/admin/orders/{order['id']}")
    log_in_with_email(page, *ADMIN)
    expect(page.get_by_test_id("order-number")).to_have_text(order["number"])
    page.get_by_test_id(f"admin-modify-qty-{order['sku']}").fill("2")
    page.get_by_test_id("admin-modify-items").click()
    expect(_toast(page, "Items changed")).to_be_visible()
    expect(page.get_by_test_id("order-lines")).to_contain_text("2")
    expect(page.get_by_test_id("timeline-row").filter(has_text="Items changed")).to_have_count(2)
    qty, stock, _ = _state(app_db_url, order)
    assert (qty, stock) == (2, stock_before - 1)
