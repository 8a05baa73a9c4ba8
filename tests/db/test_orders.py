"""Orders after checkout against a real database: list, detail, cancel, address, returns, status."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marque_app.api.errors import http_status
from marque_app.domain.cart import GuestLine
from marque_app.domain.checkout import InvalidCheckout, OrderConflict, OrderNotFound
from marque_app.models import InventoryMovement, Order, OrderItem, Product, ProductVariant, Return, ReturnItem
from marque_app.models.enums import PaymentStatus
from marque_app.models.types import utcnow
from marque_app.services import checkout, orders
from marque_app.services.auth import CapturingEmailSender, CapturingSmsSender
from tests.cartutil import make_product, make_user
from tests.orderutil import address, counted, fill_cart
from tests.phones import fresh_phone


def stock(session, variant) -> int:
    return session.execute(
        sa.select(ProductVariant.inventory_quantity).where(ProductVariant.id == variant.id)
    ).scalar_one()


def buy(session, user, variants, quantity=1, **kw):
    fill_cart(session, user, variants, quantity)
    return checkout.place_order(session=session, user_id=user.id, shipping_address=address(), **kw)


def deliver(session, order_id):
    for status in ("processing", "shipped", "delivered"):
        orders.change_status(session=session, order_id=order_id, to_status=status)


def test_list_is_newest_first_and_paged(session):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(20,))
    start = utcnow()
    placed = [buy(session, user, [a], now=start + timedelta(minutes=i)) for i in range(3)]
    page1 = orders.list_orders(session=session, user_id=user.id, page=1, per_page=2)
    page2 = orders.list_orders(session=session, user_id=user.id, page=2, per_page=2)
    assert (page1.total, page1.pages) == (3, 2)
    assert [o.order_number for o in page1.items + page2.items] == [p.order_number for p in reversed(placed)]
    assert page1.items[0].item_count == 1 and page1.items[0].first_image and page1.items[0].status_label
    assert orders.list_orders(session=session, user_id=user.id, page=99, per_page=2).page == 2
    assert orders.list_orders(session=session, user_id=make_user(session).id).items == []


def test_list_runs_a_fixed_number_of_queries(session):
    user = make_user(session)
    _, variants = make_product(session, stock=(9, 9, 9))
    buy(session, user, variants[:1])
    with counted(session) as few:
        orders.list_orders(session=session, user_id=user.id)
    for _ in range(4):
        buy(session, user, variants)
    with counted(session) as many:
        orders.list_orders(session=session, user_id=user.id)
    assert len(few) == len(many) == 3


def test_get_by_id_or_number_and_never_anothers(session):
    owner, stranger = make_user(session), make_user(session)
    _, (a,) = make_product(session, stock=(5,))
    placed = buy(session, owner, [a])
    assert orders.get_order(session=session, user_id=owner.id, order_ref=placed.id).id == placed.id
    assert orders.get_order(session=session, user_id=owner.id, order_ref=placed.order_number.lower()).id == placed.id
    for ref in (placed.id, placed.order_number, str(uuid.uuid4()), "MQ-XXXXXX", "nonsense", ""):
        with pytest.raises(OrderNotFound) as err:
            orders.get_order(session=session, user_id=stranger.id, order_ref=ref)
        assert http_status(err.value) == 404 and err.value.message == "Order not found"
    detail = orders.get_order(session=session, user_id=owner.id, order_ref=placed.id)
    assert detail.lines[0].name and detail.lines[0].sku and detail.lines[0].variant_label == "S / Navy"
    assert detail.email == owner.email and detail.payment_method == "cod" and detail.payment_status == "pending"


def test_guest_lookup_needs_the_email(session):
    _, (a,) = make_product(session, stock=(5,))
    placed = checkout.place_order(
        session=session,
        guest_email="g@example.com",
        shipping_address=address(),
        guest_lines=[GuestLine(sku_id=str(a.id), quantity=1)],
    )
    assert orders.get_guest_order(session=session, order_ref=placed.order_number, email="G@example.com").id == placed.id
    for email in ("h@example.com", "", "bad"):
        with pytest.raises(OrderNotFound):
            orders.get_guest_order(session=session, order_ref=placed.order_number, email=email)


def test_cancel_puts_stock_back_with_a_movement(session):
    user = make_user(session)
    product, (a, b) = make_product(session, stock=(2, 4))
    placed = buy(session, user, [a, b], 2)
    assert (stock(session, a), stock(session, b)) == (0, 2)
    sms = CapturingSmsSender()
    mail = CapturingEmailSender()
    detail = orders.cancel_order(
        session=session, user_id=user.id, order_ref=placed.order_number, reason="Too slow", sms=sms, mailer=mail
    )
    assert detail.status == "cancelled" and not detail.can_cancel and detail.cancelled_at is not None
    assert [(t.status, t.note) for t in detail.timeline] == [("pending", "Order placed"), ("cancelled", "Too slow")]
    assert (stock(session, a), stock(session, b)) == (2, 4)
    assert session.execute(sa.select(Product.inventory_quantity).where(Product.id == product.id)).scalar_one() == 6
    moves = session.execute(
        sa.select(
            InventoryMovement.product_variant_id,
            InventoryMovement.movement_type,
            InventoryMovement.quantity_change,
            InventoryMovement.quantity_after,
        ).where(InventoryMovement.reference_id == uuid.UUID(placed.id), InventoryMovement.movement_type == "restock")
    ).all()
    assert sorted(moves) == sorted([(a.id, "restock", 2, 2), (b.id, "restock", 2, 4)])
    assert mail.sent[-1][0] == user.email and "cancelled" in mail.sent[-1][2] and sms.sent == []
    with pytest.raises(OrderConflict):
        orders.cancel_order(session=session, user_id=user.id, order_ref=placed.id)
    assert stock(session, a) == 2  # not put back twice


def test_cannot_cancel_once_shipped(session):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(5,))
    placed = buy(session, user, [a])
    orders.change_status(session=session, order_id=placed.id, to_status="processing")
    orders.change_status(session=session, order_id=placed.id, to_status="shipped")
    with pytest.raises(OrderConflict) as err:
        orders.cancel_order(session=session, user_id=user.id, order_ref=placed.id)
    assert http_status(err.value) == 409 and "shipped" in err.value.message
    assert stock(session, a) == 4


def test_change_status_runs_the_state_machine_and_notifies(session):
    phone = fresh_phone()
    user = make_user(session, phone=phone)
    admin = make_user(session)
    _, (a,) = make_product(session, stock=(5,))
    placed = buy(session, user, [a])
    sms, mail = CapturingSmsSender(), CapturingEmailSender()
    orders.change_status(
        session=session, order_id=placed.id, to_status="processing", actor_id=admin.id, sms=sms, mailer=mail
    )
    shipped = orders.change_status(
        session=session,
        order_id=placed.id,
        to_status="shipped",
        actor_id=admin.id,
        note="Left the warehouse",
        tracking_number="1Z999AA1",
        sms=sms,
        mailer=mail,
    )
    assert shipped.tracking_number == "1Z999AA1" and shipped.shipped_at is not None and not shipped.can_change_address
    assert sms.sent[-1] == (phone, f"Marque: Your order {placed.order_number} has shipped. Tracking number: 1Z999AA1.")
    assert mail.sent == []
    with pytest.raises(OrderConflict):
        orders.change_status(session=session, order_id=placed.id, to_status="cancelled")
    with pytest.raises(OrderConflict):
        orders.change_status(session=session, order_id=placed.id, to_status="bogus")
    done = orders.change_status(session=session, order_id=placed.id, to_status="delivered")
    assert done.delivered_at is not None and done.can_return
    assert [t.status for t in done.timeline] == ["pending", "processing", "shipped", "delivered"]
    assert done.timeline[2].note == "Left the warehouse"
    items = session.execute(sa.select(OrderItem.status).where(OrderItem.order_id == uuid.UUID(placed.id))).scalars()
    assert {s.value for s in items} == {"delivered"}
    track = orders.tracking(session=session, user_id=user.id, order_ref=placed.id)
    assert track.tracking_number == "1Z999AA1" and track.status == "delivered" and len(track.timeline) == 4
    with pytest.raises(OrderNotFound):
        orders.change_status(session=session, order_id=uuid.uuid4(), to_status="processing")


def test_refund_before_shipping_needs_a_payment_and_restocks(session):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(3,))
    placed = buy(session, user, [a], 3)
    with pytest.raises(OrderConflict):
        orders.change_status(session=session, order_id=placed.id, to_status="refunded")
    session.execute(sa.update(Order).where(Order.id == uuid.UUID(placed.id)).values(payment_status=PaymentStatus.paid))
    session.commit()
    assert orders.change_status(session=session, order_id=placed.id, to_status="refunded").status == "refunded"
    assert stock(session, a) == 3


def test_change_address_until_shipped(session):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(5,))
    placed = buy(session, user, [a])
    changed = orders.change_address(
        session=session, user_id=user.id, order_ref=placed.id, shipping_address=address(city="Chicago")
    )
    assert changed.shipping_address["city"] == "Chicago" and changed.billing_address["city"] == "Springfield"
    assert changed.timeline[-1].note == "Shipping address changed"
    with pytest.raises(InvalidCheckout) as err:
        orders.change_address(
            session=session, user_id=user.id, order_ref=placed.id, shipping_address=address(postal_code="")
        )
    assert err.value.field == "shipping_address.postal_code"
    with pytest.raises(OrderNotFound):
        orders.change_address(
            session=session, user_id=make_user(session).id, order_ref=placed.id, shipping_address=address()
        )
    orders.change_status(session=session, order_id=placed.id, to_status="processing")
    orders.change_status(session=session, order_id=placed.id, to_status="shipped")
    with pytest.raises(OrderConflict):
        orders.change_address(session=session, user_id=user.id, order_ref=placed.id, shipping_address=address())
    assert orders.get_order(session=session, user_id=user.id, order_ref=placed.id).shipping_address["city"] == "Chicago"


def test_return_request_with_items_and_reasons(session):
    user = make_user(session)
    _, (a, b) = make_product(session, stock=(5, 5))
    placed = buy(session, user, [a, b], 2)
    with pytest.raises(OrderConflict):
        orders.request_return(
            session=session, user_id=user.id, order_ref=placed.id, items=[(placed.lines[0].id, 1, "Too big")]
        )
    deliver(session, placed.id)
    first, second = placed.lines
    ret = orders.request_return(
        session=session,
        user_id=user.id,
        order_ref=placed.id,
        items=[(first.id, 1, "Too big"), (second.id, 2, "Damaged")],
        comments="Box was wet",
    )
    assert ret.return_number.startswith("RT-") and ret.status == "requested" and ret.comments == "Box was wet"
    assert sorted((i.order_item_id, i.quantity, i.reason) for i in ret.items) == sorted(
        [(first.id, 1, "Too big"), (second.id, 2, "Damaged")]
    )
    assert ret.reason == "Several reasons"
    bad = [
        ([], "Choose at least one"),
        ([(first.id, 2, "Too big")], "Only 1 of"),
        ([(second.id, 1, "Too big")], "already being returned"),
        ([(first.id, 1, "  ")], "Say why"),
        ([(first.id, 0, "x")], "at least 1"),
        ([(str(uuid.uuid4()), 1, "x")], "not part of this order"),
    ]
    for items, words in bad:
        with pytest.raises(InvalidCheckout) as err:
            orders.request_return(session=session, user_id=user.id, order_ref=placed.id, items=items)
        assert words in err.value.message and err.value.field == "items"
    assert len(orders.list_returns(session=session, user_id=user.id, order_ref=placed.id)) == 1
    assert (
        session.execute(
            sa.select(sa.func.count())
            .select_from(ReturnItem)
            .join(Return)
            .where(Return.order_id == uuid.UUID(placed.id))
        ).scalar_one()
        == 2
    )
    detail = orders.get_order(session=session, user_id=user.id, order_ref=placed.id)
    assert [(ln.quantity, ln.returned_quantity) for ln in detail.lines] == [(2, 1), (2, 2)] and detail.can_return
    last = orders.request_return(session=session, user_id=user.id, order_ref=placed.id, items=[(first.id, 1, "Colour")])
    assert last.reason == "Colour"
    assert not orders.get_order(session=session, user_id=user.id, order_ref=placed.id).can_return
    with pytest.raises(OrderNotFound):
        orders.request_return(
            session=session, user_id=make_user(session).id, order_ref=placed.id, items=[(first.id, 1, "x")]
        )


def test_guest_status_change_goes_by_email(session):
    _, (a,) = make_product(session, stock=(5,))
    placed = checkout.place_order(
        session=session,
        guest_email="walkin@example.com",
        shipping_address=address(),
        guest_lines=[GuestLine(sku_id=str(a.id), quantity=1)],
    )
    sms, mail = CapturingSmsSender(), CapturingEmailSender()
    orders.change_status(session=session, order_id=placed.id, to_status="cancelled", sms=sms, mailer=mail)
    assert sms.sent == [] and mail.sent[-1][0] == "walkin@example.com"
    assert mail.sent[-1][1] == f"Order {placed.order_number}: Cancelled"
    assert stock(session, a) == 5
