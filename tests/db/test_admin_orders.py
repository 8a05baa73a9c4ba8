"""Admin orders, returns, review moderation, dashboard and reports against a real database."""

from __future__ import annotations

import random
import string
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import select

from marque_app.api.errors import http_status
from marque_app.domain.admin import AdminError, Paging
from marque_app.models import (
    AdminActivity,
    CartItem,
    InventoryMovement,
    Order,
    ProductReview,
    ProductVariant,
    Return,
    UserRole,
    Wishlist,
)
from marque_app.services import checkout, payments
from marque_app.services import orders as order_service
from marque_app.services.admin import Actor, reports, returns
from marque_app.services.admin import orders as admin_orders
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart


def tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


@pytest.fixture
def admin(session) -> Actor:
    user = make_user(session, role=UserRole.admin)
    return Actor(id=user.id, email=user.email)


def buy(session, user, variants, quantity=1, now=None):
    fill_cart(session, user, variants, quantity)
    return checkout.place_order(session=session, user_id=user.id, shipping_address=address(), now=now)


def log(session, entity_id) -> list[AdminActivity]:
    return session.exec(
        select(AdminActivity).where(AdminActivity.entity_id == str(entity_id)).order_by(AdminActivity.at)
    ).all()


def stock(session, variant) -> int:
    return session.execute(
        sa.select(ProductVariant.inventory_quantity).where(ProductVariant.id == variant.id)
    ).scalar_one()


# --- orders -------------------------------------------------------------------------------------


def test_list_filters_by_status_email_number_and_dates(session, admin):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(20,))
    base = datetime(2091, 3, random.randint(1, 20), 12, tzinfo=UTC)
    first = buy(session, user, [a], 2, now=base)
    second = buy(session, user, [a], now=base + timedelta(days=1))
    admin_orders.change_status(session=session, actor=admin, order_id=second.id, data={"status": "processing"})
    day = base.date().isoformat()
    page = admin_orders.list_orders(session=session, q=user.email, date_from=day, date_to=day)
    assert [r.order_number for r in page.items] == [first.order_number] and page.total == 1
    assert page.items[0].item_count == 2 and page.items[0].customer == user.email
    both = admin_orders.list_orders(session=session, q=user.email.upper())
    assert [r.order_number for r in both.items] == [second.order_number, first.order_number]
    proc = admin_orders.list_orders(session=session, q=user.email, status="processing")
    assert [r.order_number for r in proc.items] == [second.order_number]
    assert admin_orders.list_orders(session=session, q=first.order_number.lower()).items[0].id == first.id


@pytest.mark.parametrize("max_ids", [200, 0])  # 0: more accounts match than the id list holds
def test_search_by_part_of_an_e_mail_finds_the_accounts_orders(session, admin, monkeypatch, max_ids):
    monkeypatch.setattr(admin_orders, "MAX_ACCOUNT_IDS", max_ids)
    t = tag().lower()
    user = make_user(session, email=f"ann.{t}@example.com")
    other = make_user(session, email=f"bob.{t}@example.org")
    _, (a,) = make_product(session, stock=(20,))
    mine, theirs = buy(session, user, [a]), buy(session, other, [a])
    found = admin_orders.list_orders(session=session, q=f"ANN.{t}")
    assert [r.id for r in found.items] == [mine.id] and found.total == 1
    both = admin_orders.list_orders(session=session, q=t)
    assert {r.id for r in both.items} == {mine.id, theirs.id} and both.total == 2
    assert admin_orders.list_orders(session=session, q=f"{t}%").total == 0  # LIKE specials are text
    for bad in (
        {"status": "lost"},
        {"date_from": "yesterday"},
        {"payment_status": "x"},
        {"date_from": "2091-03-05", "date_to": "2091-03-01"},
    ):
        with pytest.raises(AdminError) as err:
            admin_orders.list_orders(session=session, **bad)
        assert http_status(err.value) == 422 and err.value.field in ("status", "date_from", "date_to", "payment_status")


def test_status_moves_follow_the_state_machine_and_are_logged(session, admin):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(5,))
    placed = buy(session, user, [a])
    with pytest.raises(AdminError) as err:  # pending -> shipped is forbidden: nothing saved, no log row
        admin_orders.change_status(
            session=session, actor=admin, order_id=placed.id, data={"status": "shipped", "tracking_number": "TRK1"}
        )
    assert (
        http_status(err.value) == 409 and err.value.field == "status" and "cannot become shipped" in err.value.message
    )
    session.expire_all()
    order = session.get(Order, uuid.UUID(placed.id))
    assert order.status.value == "pending" and order.tracking_number is None and log(session, placed.id) == []

    admin_orders.change_status(session=session, actor=admin, order_id=placed.id, data={"status": "processing"})
    with pytest.raises(AdminError) as err:  # shipping needs the tracking number the customer is sent
        admin_orders.change_status(session=session, actor=admin, order_id=placed.id, data={"status": "shipped"})
    assert http_status(err.value) == 422 and err.value.field == "tracking_number"
    session.expire_all()
    assert session.get(Order, uuid.UUID(placed.id)).status.value == "processing" and len(log(session, placed.id)) == 1
    view = admin_orders.change_status(
        session=session,
        actor=admin,
        order_id=placed.id,
        data={"status": "shipped", "tracking_number": " 1Z999AA1 ", "note": "DHL"},
    )
    assert view.status == "shipped" and view.tracking_number == "1Z999AA1" and view.next_statuses == ["delivered"]
    assert [t["label"] for t in view.timeline][-2:] == ["Processing", "Shipped"]
    rows = log(session, placed.id)
    assert [r.action for r in rows] == ["order.status", "order.status"]
    assert rows[-1].actor_email == admin.email and "processing -> shipped" in rows[-1].summary
    # the customer sees the tracking number
    assert order_service.tracking(session=session, user_id=user.id, order_ref=placed.id).tracking_number == "1Z999AA1"
    with pytest.raises(AdminError) as err:
        admin_orders.change_status(session=session, actor=admin, order_id=placed.id, data={"status": "nope"})
    assert http_status(err.value) == 422
    with pytest.raises(AdminError) as err:
        admin_orders.change_status(session=session, actor=admin, order_id="not-an-id", data={"status": "shipped"})
    assert http_status(err.value) == 404


def test_cancel_restocks_and_tracking_and_notes(session, admin):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(5,))
    placed = buy(session, user, [a], 2)
    assert stock(session, a) == 3
    with pytest.raises(AdminError) as err:
        admin_orders.set_tracking(session=session, actor=admin, order_id=placed.id, data={"tracking_number": "X"})
    assert http_status(err.value) == 409
    view = admin_orders.add_note(session=session, actor=admin, order_id=placed.id, data={"note": "Called the buyer"})
    assert view.admin_notes.endswith("Called the buyer") and admin.email in view.admin_notes
    with pytest.raises(AdminError) as err:
        admin_orders.add_note(session=session, actor=admin, order_id=placed.id, data={"note": "  "})
    assert err.value.field == "note"
    admin_orders.change_status(session=session, actor=admin, order_id=placed.id, data={"status": "cancelled"})
    assert stock(session, a) == 5
    assert [r.action for r in log(session, placed.id)] == ["order.note", "order.status"]


def test_refund_and_cod_paid_through_the_payment_interface(session, admin):
    user = make_user(session)
    _, (a,) = make_product(session, price="30.00", stock=(5,))
    placed = buy(session, user, [a])
    with pytest.raises(AdminError) as err:  # not paid yet
        admin_orders.refund(session=session, actor=admin, order_id=placed.id, data={})
    assert http_status(err.value) == 409 and log(session, placed.id) == []
    view = admin_orders.mark_paid(session=session, actor=admin, order_id=placed.id)
    assert view.payment_status == "paid" and view.can_refund
    with pytest.raises(AdminError) as err:
        admin_orders.refund(session=session, actor=admin, order_id=placed.id, data={"amount": "abc"})
    assert http_status(err.value) == 422 and err.value.field == "amount"
    view = admin_orders.refund(session=session, actor=admin, order_id=placed.id, data={"amount": "10.00"})
    assert view.payment_status == "partially_refunded"
    assert payments.refunded_total(session, payments.payment_for_order(session, uuid.UUID(placed.id)).id) == Decimal(
        "10.00"
    )
    assert [r.action for r in log(session, placed.id)] == ["order.paid", "order.refund"]


# --- returns and reviews ------------------------------------------------------------------------


def delivered_with_return(session, admin, quantity=2):
    user = make_user(session)
    _, (a,) = make_product(session, price="25.00", stock=(5,))
    placed = buy(session, user, [a], quantity)
    assert admin_orders.mark_paid(session=session, actor=admin, order_id=placed.id).status == "processing"
    for s in ("shipped", "delivered"):
        order_service.change_status(session=session, order_id=placed.id, to_status=s)
    ret = order_service.request_return(
        session=session, user_id=user.id, order_ref=placed.id, items=[(placed.lines[0].id, 1, "Too small")]
    )
    return placed, ret, a


def test_return_approve_receive_refund(session, admin):
    placed, ret, variant = delivered_with_return(session, admin)
    before = stock(session, variant)
    with pytest.raises(AdminError) as err:  # not approved yet
        returns.act(session=session, actor=admin, return_id=ret.id, action="receive")
    assert http_status(err.value) == 409 and stock(session, variant) == before
    row = returns.act(session=session, actor=admin, return_id=ret.id, action="approve")
    assert row.status == "approved" and row.actions == ["receive"] and row.value == "25.00"
    returns.act(session=session, actor=admin, return_id=ret.id, action="receive")
    assert stock(session, variant) == before + 1
    mv = session.exec(select(InventoryMovement).where(InventoryMovement.reference_id == uuid.UUID(ret.id))).one()
    assert (mv.movement_type, mv.quantity_change, mv.quantity_after) == ("return", 1, before + 1)
    row = returns.act(session=session, actor=admin, return_id=ret.id, action="refund")
    assert row.status == "refunded" and row.refund_amount == "25.00" and row.actions == []
    assert admin_orders.get_order(session=session, order_id=placed.id).payment_status == "partially_refunded"
    assert [r.action for r in log(session, ret.id)] == ["return.approve", "return.receive", "return.refund"]
    listed = returns.list_returns(session=session, q=ret.return_number, status="refunded")
    assert [r.id for r in listed.items] == [ret.id]


def test_return_reject_and_refused_refund_saves_nothing(session, admin):
    _, ret, _ = delivered_with_return(session, admin)
    returns.act(session=session, actor=admin, return_id=ret.id, action="approve")
    returns.act(session=session, actor=admin, return_id=ret.id, action="receive")
    with pytest.raises(AdminError) as err:  # more than was paid
        returns.act(session=session, actor=admin, return_id=ret.id, action="refund", data={"amount": "999.00"})
    assert http_status(err.value) == 422
    session.expire_all()
    assert session.get(Return, uuid.UUID(ret.id)).status == "received"
    assert [r.action for r in log(session, ret.id)] == ["return.approve", "return.receive"]
    _, other, _ = delivered_with_return(session, admin)
    assert returns.act(session=session, actor=admin, return_id=other.id, action="reject").status == "rejected"
    with pytest.raises(AdminError):
        returns.act(session=session, actor=admin, return_id=other.id, action="dance")


def test_review_moderation_logged(session, admin):
    user = make_user(session)
    product, _ = make_product(session)
    review = ProductReview(
        product_id=product.id, user_id=user.id, rating=4, title="Nice", content="Fits well", status="pending"
    )
    session.add(review)
    session.commit()
    queue = returns.moderation_queue(session=session, paging=Paging(1, 50))
    assert queue.total >= 1
    item = returns.moderate(session=session, actor=admin, review_id=review.id, status="approved")
    assert item.status == "approved" and [r.action for r in log(session, review.id)] == ["review.approved"]
    assert log(session, review.id)[0].summary == f"4-star review of {product.name} approved"
    unknown = uuid.uuid4()
    with pytest.raises(AdminError) as err:  # an unknown review: 404 and no log row
        returns.moderate(session=session, actor=admin, review_id=unknown, status="approved")
    assert http_status(err.value) == 404 and log(session, unknown) == []
    with pytest.raises(AdminError) as err:
        returns.moderate(session=session, actor=admin, review_id=review.id, status="maybe")
    assert http_status(err.value) == 422


# --- dashboard and reports ----------------------------------------------------------------------


def test_reports_by_day_product_customer_exclude_cancelled(session, admin):
    year = random.randint(2100, 2900)
    base = datetime(year, 5, 10, 9, tzinfo=UTC)
    user = make_user(session, first_name="Rita", last_name=tag())
    _, (a, b) = make_product(session, price="10.00", stock=(50, 50))
    buy(session, user, [a], 2, now=base)
    buy(session, user, [a, b], 1, now=base + timedelta(days=2))
    gone = buy(session, user, [b], 5, now=base + timedelta(days=2))
    admin_orders.change_status(session=session, actor=admin, order_id=gone.id, data={"status": "cancelled"})
    kw = {"date_from": f"{year}-05-10", "date_to": f"{year}-05-12"}
    sales = reports.report(session=session, kind="sales", **kw)
    assert [(r["day"], r["orders"]) for r in sales.rows] == [
        (f"{year}-05-10", 1),
        (f"{year}-05-11", 0),
        (f"{year}-05-12", 1),
    ]
    assert sales.totals["orders"] == 2 and sales.totals["subtotal"] == "40.00"
    products = reports.report(session=session, kind="products", **kw)
    assert [(r["sku"], r["quantity"], r["revenue"]) for r in products.rows] == [
        (a.sku, 3, "30.00"),
        (b.sku, 1, "10.00"),
    ]
    customers = reports.report(session=session, kind="customers", **kw)
    assert [(r["customer"], r["orders"]) for r in customers.rows] == [(user.email, 2)]
    text = reports.to_csv(products)
    assert text.splitlines()[0] == "product,sku,orders,quantity,revenue" and f"{a.sku},2,3,30.00" in text
    for bad in (
        {"kind": "sales", "date_from": "x"},
        {"kind": "taxes"},
        {"kind": "sales", "date_from": "2090-01-01", "date_to": "2092-01-01"},
    ):
        with pytest.raises(AdminError) as err:
            reports.report(session=session, **bad)
        assert http_status(err.value) == 422


def test_dashboard_numbers(session, admin):
    year = random.randint(2100, 2900)
    now = datetime(year, 7, 20, 18, tzinfo=UTC)
    user = make_user(session)
    _, (a,) = make_product(session, price="10.00", stock=(50,))
    t1 = buy(session, user, [a], 1, now=now - timedelta(hours=2)).total  # today
    t2 = buy(session, user, [a], 2, now=now - timedelta(days=3)).total  # 7 days
    t3 = buy(session, user, [a], 3, now=now - timedelta(days=20)).total  # 30 days
    gone = buy(session, user, [a], 4, now=now - timedelta(hours=1))
    admin_orders.change_status(session=session, actor=admin, order_id=gone.id, data={"status": "cancelled"})
    board = reports.dashboard(session=session, now=now)
    # other tests' orders are in the present, far before this year
    assert [(p.orders, p.revenue) for p in board.periods] == [
        (1, f"{t1:.2f}"),
        (2, f"{t1 + t2:.2f}"),
        (3, f"{t1 + t2 + t3:.2f}"),
    ]
    assert len(board.series) == 30 and board.series[-1].day == now.date().isoformat()
    assert board.series[-1].orders == 1 and board.series[-4].revenue_text == f"{t2:.2f}"
    assert board.top_products[0]["quantity"] == 6
    assert {s["status"] for s in board.by_status} >= {"pending", "cancelled"}


def test_sold_out_demand_counts_carts_and_wishlists(session):
    product, (gone, fine) = make_product(session, stock=(0, 5))
    shoppers = [make_user(session) for _ in range(3)]
    for u in shoppers[:2]:
        session.add(CartItem(user_id=u.id, product_id=product.id, product_variant_id=gone.id, quantity=1))
    session.add(CartItem(session_id=f"guest-{tag()}", product_id=product.id, product_variant_id=gone.id, quantity=1))
    session.add(CartItem(user_id=shoppers[2].id, product_id=product.id, product_variant_id=fine.id, quantity=1))
    for u in shoppers:
        session.add(Wishlist(user_id=u.id, product_id=product.id))
    session.commit()
    mine = [r for r in reports.sold_out_demand(session=session, limit=100) if r["product_id"] == str(product.id)]
    assert mine == [
        {
            "product_id": str(product.id),
            "name": product.name,
            "sku": gone.sku,
            "variant": gone.name,
            "carts": 3,
            "wishlists": 3,
            "alerts": 0,
        }
    ]


def test_the_admin_reads_payments_in_words_and_money_as_the_shop_writes_it(session, admin):
    """A cash order awaiting its cash: "Awaiting payment (cash on delivery)", "$1,234.50"-style
    amounts (domain.money.format_money), no refund offered and the reason why; once the cash is
    received the refund is "Mark refunded in cash"."""
    user = make_user(session)
    _, (variant,) = make_product(session, price="1234.50", stock=(5,))
    placed = buy(session, user, [variant], 1)
    (row,) = admin_orders.list_orders(session=session, q=placed.order_number).items
    assert (row.payment_status, row.payment_label) == ("pending", "Awaiting payment")
    assert row.total == f"{placed.total:.2f}" and row.total_text == f"${placed.total:,.2f}"
    detail = admin_orders.get_order(session=session, order_id=placed.id)
    assert detail.payment_label == "Awaiting payment (cash on delivery)"
    assert detail.money["subtotal"] == "$1,234.50" and detail.money["total"] == f"${placed.total:,.2f}"
    assert detail.lines[0]["unit_price_text"] == "$1,234.50"
    assert not detail.can_refund and "never recorded as received" in detail.refund_hint
    paid = admin_orders.mark_paid(session=session, actor=admin, order_id=placed.id)
    assert paid.can_refund and paid.refund_label == "Mark refunded in cash"
    assert paid.payment_label == "Paid (cash on delivery)"
