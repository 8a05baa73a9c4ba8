"""Changing a placed order's items against a real database (SQLite, or PostgreSQL with
MARQUE_TEST_DATABASE_URL): stock, movements, totals, coupon, payment (cash and a local fake
Stripe), timeline, idempotency, refusals that write nothing."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marque_app.api.errors import http_status
from marque_app.domain.checkout import (
    InvalidCheckout,
    OrderConflict,
    OrderNotFound,
    SoldOut,
    checkout_totals,
    shipping_methods,
)
from marque_app.models import (
    CartOperation,
    InventoryMovement,
    Order,
    OrderItem,
    OrderStatusHistory,
    Payment,
    ProductVariant,
)
from marque_app.models.enums import PaymentStatus, UserRole
from marque_app.models.order import CouponUsage, PaymentEvent
from marque_app.models.types import utcnow
from marque_app.services import checkout, order_changes, orders, payments
from marque_app.services.payments import CashOnDelivery, StripeProvider
from marque_app.settings import get_settings
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart, make_coupon
from tests.stripe_fake import API_KEY, FakeStripe


def stock(session, variant) -> int:
    session.expire_all()
    return session.execute(
        sa.select(ProductVariant.inventory_quantity).where(ProductVariant.id == variant.id)
    ).scalar_one()


def buy(session, user, lines, **kw):
    """Place an order of ``[(variant, quantity), ...]``."""
    for variant, quantity in lines:
        fill_cart(session, user, [variant], quantity)
    return checkout.place_order(session=session, user_id=user.id, shipping_address=address(), **kw)


def expected_total(lines, *, coupon=None, method="standard") -> Decimal:
    """What the checkout's own rule says for these ``(unit_price, quantity)`` lines."""
    s = get_settings()
    chosen = next(
        m for m in shipping_methods(shipping_flat=s.shipping_flat, express_cost=s.shipping_express) if m.code == method
    )
    return checkout_totals(
        lines, method=chosen, tax_rate=s.tax_rate, free_shipping_over=s.free_shipping_over, coupon=coupon
    ).total


def quantities(detail) -> dict[str, int]:
    return {line.sku_id: line.quantity for line in detail.lines}


def moves(session, order_id) -> list[tuple[str, int]]:
    return [
        (kind, change)
        for kind, change in session.execute(
            sa.select(InventoryMovement.movement_type, InventoryMovement.quantity_change)
            .where(InventoryMovement.reference_id == uuid.UUID(str(order_id)))
            .order_by(InventoryMovement.created_at, InventoryMovement.id)
        )
    ]


def snapshot(session, order_id):
    """Everything a refused change must leave as it was."""
    session.expire_all()
    order = session.get(Order, order_id)
    items = sorted(
        (str(i.product_variant_id), i.quantity)
        for i in session.execute(sa.select(OrderItem).where(OrderItem.order_id == order_id)).scalars()
    )
    pays = sorted(
        (p.payment_method, p.amount, p.status.value if hasattr(p.status, "value") else p.status)
        for p in session.execute(sa.select(Payment).where(Payment.order_id == order_id)).scalars()
    )
    history = session.execute(
        sa.select(sa.func.count()).select_from(OrderStatusHistory).where(OrderStatusHistory.order_id == order_id)
    ).scalar_one()
    return (order.total_amount, order.subtotal, items, pays, history, moves(session, order_id))


def test_more_of_a_line_and_an_added_sku_take_stock_and_recompute_totals(session):
    user = make_user(session)
    _, (a,) = make_product(session, price="20.00", stock=(10,))
    _, (b,) = make_product(session, price="7.50", stock=(4,))
    placed = buy(session, user, [(a, 1)])
    assert stock(session, a) == 9 and placed.total == expected_total([(Decimal("20.00"), 1)])

    result = order_changes.modify_items(
        session=session, order_ref=placed.order_number, changes=[(str(a.id), 3), (str(b.id), 2)], actor_id=user.id
    )
    detail = result.order
    assert quantities(detail) == {str(a.id): 3, str(b.id): 2}
    assert (stock(session, a), stock(session, b)) == (7, 2)
    want = expected_total([(Decimal("20.00"), 3), (Decimal("7.50"), 2)])
    assert detail.total == want and detail.subtotal == Decimal("75.00")
    assert detail.shipping == Decimal("0.00")  # 75.00 reaches the free-shipping threshold
    assert detail.tax == Decimal("6.00")
    assert sorted(moves(session, placed.id)) == [("sale", -2), ("sale", -2), ("sale", -1)]
    # cash on delivery: the payment asks for the new total
    assert result.payment.action == "new_amount" and result.payment.amount == want
    session.expire_all()
    payment = payments.payment_for_order(session, uuid.UUID(placed.id))
    assert payment.amount == want and payment.status == PaymentStatus.pending
    note = detail.timeline[-1].note
    assert note.startswith("Items changed:") and "1 -> 3" in note and "added (2)" in note
    assert f"${placed.total}" in note and f"${want}" in note
    added = next(line for line in detail.lines if line.sku_id == str(b.id))
    assert added.unit_price == Decimal("7.50") and added.name and added.image_url


def test_fewer_and_removed_lines_put_stock_back_with_restock_movements(session):
    user = make_user(session)
    _, (a,) = make_product(session, price="20.00", stock=(10,))
    _, (b,) = make_product(session, price="30.00", stock=(10,))
    placed = buy(session, user, [(a, 4), (b, 1)])
    assert (stock(session, a), stock(session, b)) == (6, 9)
    result = order_changes.modify_items(
        session=session, order_ref=placed.id, changes=[(str(a.id), 1), (str(b.id), 0)], actor_id=user.id
    )
    assert quantities(result.order) == {str(a.id): 1}
    assert (stock(session, a), stock(session, b)) == (9, 10)
    assert sorted(moves(session, placed.id)[2:]) == [("restock", 1), ("restock", 3)]
    assert result.order.total == expected_total([(Decimal("20.00"), 1)])
    assert "removed" in result.order.timeline[-1].note


def test_a_line_kept_keeps_its_price_and_an_added_sku_is_priced_now(session):
    user = make_user(session)
    product, (a,) = make_product(session, price="20.00", stock=(10,))
    placed = buy(session, user, [(a, 1)])
    session.execute(sa.update(ProductVariant).where(ProductVariant.id == a.id).values(price=Decimal("25.00")))
    session.commit()
    result = order_changes.modify_items(
        session=session, order_ref=placed.id, changes=[(str(a.id), 2)], actor_id=user.id
    )
    line = result.order.lines[0]
    assert line.unit_price == Decimal("20.00") and line.line_total == Decimal("40.00")


def test_a_percentage_coupon_is_recomputed_and_a_minimum_is_held(session):
    user = make_user(session)
    _, (a,) = make_product(session, price="20.00", stock=(20,))
    pct = make_coupon(session, value="10", minimum_order_amount=Decimal("30.00"))
    placed = buy(session, user, [(a, 2)], coupon_code=pct.code)
    assert placed.discount == Decimal("4.00")
    result = order_changes.modify_items(
        session=session, order_ref=placed.id, changes=[(str(a.id), 5)], actor_id=user.id
    )
    from marque_app.services.coupons import terms_of

    assert result.order.discount == Decimal("10.00")
    assert result.order.total == expected_total([(Decimal("20.00"), 5)], coupon=terms_of(pct))
    usage = session.execute(sa.select(CouponUsage.discount_amount).where(CouponUsage.order_id == uuid.UUID(placed.id)))
    assert usage.scalar_one() == Decimal("10.00")

    before = snapshot(session, uuid.UUID(placed.id))
    with pytest.raises(InvalidCheckout) as err:  # 20.00 < the 30.00 minimum
        order_changes.modify_items(session=session, order_ref=placed.id, changes=[(str(a.id), 1)], actor_id=user.id)
    assert pct.code in err.value.message and http_status(err.value) == 422
    assert snapshot(session, uuid.UUID(placed.id)) == before
    assert stock(session, a) == 15


def test_refusals_write_nothing(session):
    user, other = make_user(session), make_user(session)
    _, (a,) = make_product(session, stock=(3,))
    _, (gone,) = make_product(session, stock=(0,))
    placed = buy(session, user, [(a, 1)])
    oid = uuid.UUID(placed.id)
    before = snapshot(session, oid)
    cases = [
        (dict(changes=[(str(a.id), 4)], actor_id=user.id), SoldOut, 409),  # 2 left, 3 more asked
        (dict(changes=[(str(gone.id), 1)], actor_id=user.id), SoldOut, 409),
        (dict(changes=[(str(a.id), 0)], actor_id=user.id), InvalidCheckout, 422),  # nothing left
        (dict(changes=[(str(a.id), 1)], actor_id=user.id), InvalidCheckout, 422),  # no change
        (dict(changes=[(str(a.id), 100)], actor_id=user.id), InvalidCheckout, 422),
        (dict(changes=[("not-a-sku", 1)], actor_id=user.id), InvalidCheckout, 422),
        (dict(changes=[(str(uuid.uuid4()), 0)], actor_id=user.id), InvalidCheckout, 422),
        (dict(changes=[(str(a.id), 2)], actor_id=other.id), OrderNotFound, 404),  # another's order
    ]
    for kwargs, kind, status in cases:
        with pytest.raises(kind) as err:
            order_changes.modify_items(session=session, order_ref=placed.id, **kwargs)
        assert http_status(err.value) == status, kwargs
        assert snapshot(session, oid) == before, kwargs
    with pytest.raises(SoldOut) as err:
        order_changes.modify_items(session=session, order_ref=placed.id, changes=[(str(a.id), 4)], actor_id=user.id)
    assert err.value.items[0].available == 3  # the 1 held plus the 2 left
    assert stock(session, a) == 2


def test_the_status_and_the_window_bound_a_change(session):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(10,))
    window = get_settings().order_modify_window_minutes
    old = buy(session, user, [(a, 1)], now=utcnow() - timedelta(minutes=window + 1))
    with pytest.raises(OrderConflict) as err:
        order_changes.modify_items(session=session, order_ref=old.id, changes=[(str(a.id), 2)], actor_id=user.id)
    assert f"{window} minutes" in err.value.message and http_status(err.value) == 409
    recent = buy(session, user, [(a, 1)])
    orders.change_status(session=session, order_id=recent.id, to_status="processing")
    ok = order_changes.modify_items(session=session, order_ref=recent.id, changes=[(str(a.id), 2)], actor_id=user.id)
    assert ok.order.status == "processing" and quantities(ok.order) == {str(a.id): 2}
    orders.change_status(session=session, order_id=recent.id, to_status="shipped")
    with pytest.raises(OrderConflict, match="shipped"):
        order_changes.modify_items(session=session, order_ref=recent.id, changes=[(str(a.id), 3)], actor_id=user.id)
    assert stock(session, a) == 7


def test_the_admin_changes_any_order_and_the_timeline_names_them(session):
    user = make_user(session)
    admin = make_user(session, role=UserRole.admin)
    _, (a,) = make_product(session, stock=(10,))
    placed = buy(session, user, [(a, 1)])
    with pytest.raises(OrderNotFound):  # without the admin's rights: not theirs
        order_changes.modify_items(session=session, order_ref=placed.id, changes=[(str(a.id), 2)], actor_id=admin.id)
    result = order_changes.modify_items(
        session=session, order_ref=placed.id, changes=[(str(a.id), 2)], actor_id=admin.id, as_admin=True
    )
    assert quantities(result.order) == {str(a.id): 2}
    actor = session.execute(
        sa.select(OrderStatusHistory.actor_id)
        .where(OrderStatusHistory.order_id == uuid.UUID(placed.id))
        .order_by(OrderStatusHistory.created_at.desc())
    ).first()[0]
    assert actor == admin.id


def test_the_same_idempotency_key_applies_once(session):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(10,))
    placed = buy(session, user, [(a, 1)])
    key = f"k-{uuid.uuid4().hex}"
    first = order_changes.modify_items(
        session=session, order_ref=placed.id, changes=[(str(a.id), 3)], actor_id=user.id, idempotency_key=key
    )
    again = order_changes.modify_items(
        session=session, order_ref=placed.id, changes=[(str(a.id), 3)], actor_id=user.id, idempotency_key=key
    )
    assert not first.replayed and again.replayed
    assert again.order.total == first.order.total and again.payment == first.payment
    assert stock(session, a) == 7  # taken once
    assert len([e for e in again.order.timeline if e.note.startswith("Items changed")]) == 1
    with pytest.raises(OrderConflict) as err:
        order_changes.modify_items(
            session=session, order_ref=placed.id, changes=[(str(a.id), 5)], actor_id=user.id, idempotency_key=key
        )
    assert err.value.field == "Idempotency-Key" and stock(session, a) == 7


@pytest.fixture(scope="module")
def fake():
    with FakeStripe() as server:
        yield server


def paid_by_card(session, user, lines, fake, providers):
    placed = buy(session, user, lines, payment_method="stripe")
    intent = payments.create_intent(session=session, order_id=placed.id, user_id=user.id, providers=providers)
    payments.confirm_payment(
        session=session,
        payment_intent_id=intent.payment.intent_id,
        user_id=user.id,
        payment_method="pm_card_visa",
        providers=providers,
    )
    return placed


def test_card_payment_gets_a_partial_refund_for_a_decrease_and_a_new_intent_for_an_increase(session, fake):
    providers = {"cod": CashOnDelivery(), "stripe": StripeProvider(api_key=API_KEY, api_base=fake.url)}
    user = make_user(session)
    _, (a,) = make_product(session, price="20.00", stock=(10,))
    placed = paid_by_card(session, user, [(a, 3)], fake, providers)
    oid = uuid.UUID(placed.id)
    session.expire_all()
    first = payments.payment_for_order(session, oid)
    assert first.status == PaymentStatus.paid and first.amount == placed.total

    down = order_changes.modify_items(
        session=session, order_ref=placed.id, changes=[(str(a.id), 1)], actor_id=user.id, providers=providers
    )
    new_total = expected_total([(Decimal("20.00"), 1)])
    assert down.payment.action == "partial_refund" and down.payment.amount == placed.total - new_total
    assert down.order.payment_status == "partially_refunded"
    refund = next(r for r in fake.refunds.values() if r["payment_intent"] == first.payment_intent_id)
    assert refund["amount"] == int((placed.total - new_total) * 100)
    events = session.execute(
        sa.select(PaymentEvent.amount).where(PaymentEvent.payment_id == first.id, PaymentEvent.kind == "refund")
    )
    assert [e for (e,) in events] == [placed.total - new_total]

    key = f"up-{uuid.uuid4().hex}"
    up = order_changes.modify_items(
        session=session,
        order_ref=placed.id,
        changes=[(str(a.id), 4)],
        actor_id=user.id,
        providers=providers,
        idempotency_key=key,
    )
    four = expected_total([(Decimal("20.00"), 4)])
    assert up.payment.action == "extra_charge" and up.payment.amount == four - new_total
    extra = session.get(Payment, uuid.UUID(up.payment.payment_id))
    assert extra.payment_method == "stripe" and extra.status == PaymentStatus.pending
    assert fake.intents[extra.payment_intent_id]["amount"] == int((four - new_total) * 100)
    assert up.payment.client_secret.startswith(extra.payment_intent_id)
    assert up.order.payment_status == "pending"
    stored = session.execute(
        sa.select(CartOperation.response).where(CartOperation.op_id == f"order-items:{placed.id}:{key}")
    ).scalar_one()
    assert stored["payment"]["client_secret"] == "" and up.payment.client_secret not in json.dumps(stored)
    replay = order_changes.modify_items(
        session=session,
        order_ref=placed.id,
        changes=[(str(a.id), 4)],
        actor_id=user.id,
        providers=providers,
        idempotency_key=key,
    )
    assert replay.replayed and replay.payment.client_secret == up.payment.client_secret

    # paying the difference: the order is paid again, and create-intent asks only for what is due
    payments.confirm_payment(
        session=session,
        payment_intent_id=extra.payment_intent_id,
        user_id=user.id,
        payment_method="pm_card_visa",
        providers=providers,
    )
    session.expire_all()
    assert session.get(Order, oid).payment_status == PaymentStatus.paid


def test_the_admin_page_service_changes_items_adds_a_sku_and_logs_it(session):
    from marque_app.domain.admin import AdminError
    from marque_app.models.admin import AdminActivity
    from marque_app.services.admin import Actor
    from marque_app.services.admin import orders as admin_orders

    user = make_user(session)
    admin = make_user(session, role=UserRole.admin)
    _, (a,) = make_product(session, price="20.00", stock=(10,))
    _, (b,) = make_product(session, price="9.00", stock=(1,))
    placed = buy(session, user, [(a, 2)])
    actor = Actor(id=admin.id, email=admin.email)
    view = admin_orders.get_order(session=session, order_id=placed.id)
    assert view.can_modify_items and view.lines[0]["sku_id"] == str(a.id)

    changed = admin_orders.modify_items(
        session=session, actor=actor, order_id=placed.id, changes=[(str(a.id), 1), (str(b.id), 1)]
    )
    assert sorted(li["quantity"] for li in changed.lines) == [1, 1]
    assert changed.total == f"{expected_total([(Decimal('20.00'), 1), (Decimal('9.00'), 1)]):.2f}"
    logged = session.execute(
        sa.select(AdminActivity.action, AdminActivity.summary).where(AdminActivity.entity_id == str(placed.id))
    ).all()
    assert [row[0] for row in logged] == ["order.items"] and placed.order_number in logged[0][1]
    with pytest.raises(AdminError) as err:  # the last unit of b is in this order already
        admin_orders.modify_items(session=session, actor=actor, order_id=placed.id, changes=[(str(b.id), 2)])
    assert err.value.kind == "conflict"
    assert stock(session, b) == 0
    assert (
        session.execute(
            sa.select(sa.func.count()).select_from(AdminActivity).where(AdminActivity.entity_id == str(placed.id))
        ).scalar_one()
        == 1
    )  # the refused change left no log row
