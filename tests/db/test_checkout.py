"""Checkout against a real database: quote, place_order and every refusal leaving nothing behind."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marque_app.api.errors import http_status
from marque_app.domain.cart import GuestLine
from marque_app.domain.checkout import CouponInvalid, InvalidCheckout, PriceChanged, SoldOut
from marque_app.models import (
    Address,
    CartItem,
    Coupon,
    CouponUsage,
    InventoryMovement,
    Order,
    OrderItem,
    OrderStatusHistory,
    Payment,
    Product,
    ProductVariant,
)
from marque_app.models.types import utcnow
from marque_app.services import checkout
from marque_app.services.auth import CapturingEmailSender, CapturingSmsSender
from tests.cartutil import make_product, make_user
from tests.orderutil import address, counted, fill_cart, make_coupon
from tests.phones import fresh_phone

D = Decimal
# lock user, idempotency key, cart, SKUs locked, images, coupon, its per-customer use, order insert,
# variant stock, product stock, order lines, movements, timeline, payment, coupon count, coupon
# use, cart emptied, address book read, address insert (19); then the detail (6 reads).
PLACE_STATEMENTS = 25


def orders_of(session, user) -> list[Order]:
    return list(session.execute(sa.select(Order).where(Order.user_id == user.id)).scalars())


def stock(session, variant) -> int:
    return session.execute(
        sa.select(ProductVariant.inventory_quantity).where(ProductVariant.id == variant.id)
    ).scalar_one()


def product_stock(session, product) -> int:
    return session.execute(sa.select(Product.inventory_quantity).where(Product.id == product.id)).scalar_one()


def used_count(session, coupon) -> int:
    return session.execute(sa.select(Coupon.used_count).where(Coupon.id == coupon.id)).scalar_one()


def cart_count(session, user) -> int:
    return session.execute(
        sa.select(sa.func.count()).select_from(CartItem).where(CartItem.user_id == user.id)
    ).scalar_one()


def place(session, user, **kw):
    args = {"session": session, "user_id": user.id, "shipping_address": address()}
    return checkout.place_order(**{**args, **kw})


# ---- quote


def test_quote_of_a_users_cart(session):
    user = make_user(session)
    product, (a, b) = make_product(session, price="20.00", stock=(5, 1), variant_prices=[None, "30.00"])
    fill_cart(session, user, [a], 2, price_seen="20.00")
    fill_cart(session, user, [b], 1, price_seen="30.00")
    quote = checkout.quote_checkout(session=session, user_id=user.id)
    assert [(ln.sku_id, ln.quantity, ln.unit_price, ln.line_total) for ln in quote.lines] == [
        (str(a.id), 2, D("20.00"), D("40.00")),
        (str(b.id), 1, D("30.00"), D("30.00")),
    ]
    line = quote.lines[0]
    assert line.name == product.name and line.variant_label == "S / Navy" and line.image_url and line.available == 5
    assert (quote.subtotal, quote.discount, quote.shipping, quote.tax) == (D("70.00"), D("0.00"), D("5.99"), D("5.60"))
    assert quote.total == D("81.59") and quote.can_place and quote.problems == []
    assert [(o.code, o.cost, o.selected) for o in quote.shipping_methods] == [
        ("standard", D("5.99"), True),
        ("express", D("14.99"), False),
    ]
    assert quote.to_dict()["total"] == "81.59"


def test_quote_shows_price_changes_sold_out_and_a_bad_coupon(session):
    user = make_user(session)
    _, (a,) = make_product(session, price="25.00", stock=(3,))
    _, (gone,) = make_product(session, stock=(0,))
    fill_cart(session, user, [a], 1, price_seen="20.00")
    fill_cart(session, user, [gone], 1, price_seen="20.00")
    quote = checkout.quote_checkout(session=session, user_id=user.id, coupon_code="NOPE")
    kinds = {(p.kind, p.sku_id) for p in quote.problems}
    assert ("price_changed", str(a.id)) in kinds and ("sold_out", str(gone.id)) in kinds
    assert quote.lines[0].price_change == "up" and quote.lines[0].price_changed
    assert not quote.can_place
    assert quote.subtotal == D("25.00")  # the sold-out line is not charged
    assert quote.coupon is None and quote.coupon_error == "The coupon NOPE does not exist"


def test_quote_of_guest_lines_with_coupon_and_express(session):
    _, (a,) = make_product(session, price="50.00", stock=(4,))
    coupon = make_coupon(session, type="percentage", value="10", maximum_discount_amount=D("8"))
    quote = checkout.quote_checkout(
        session=session,
        guest_lines=[
            GuestLine(sku_id=str(a.id), quantity=2, price_seen="50.00"),
            GuestLine(sku_id=str(uuid.uuid4()), quantity=1, name="Ghost"),
        ],
        shipping_method="express",
        coupon_code=coupon.code.lower(),
    )
    assert quote.subtotal == D("100.00") and quote.discount == D("8.00")
    assert quote.shipping == D("14.99") and quote.tax == D("7.36") and quote.total == D("114.35")
    assert quote.coupon.code == coupon.code and "-$8.00" in quote.coupon.message
    assert [p.kind for p in quote.problems] == ["unavailable"] and not quote.can_place


def test_unknown_shipping_method_is_refused(session):
    with pytest.raises(InvalidCheckout) as err:
        checkout.quote_checkout(session=session, guest_lines=[], shipping_method="pigeon")
    assert err.value.field == "shipping_method"


# ---- placing


def test_place_order_writes_everything_in_one_go(session):
    user = make_user(session)
    product, (a, b) = make_product(session, price="20.00", stock=(5, 2))
    fill_cart(session, user, [a], 2)
    fill_cart(session, user, [b], 2)
    coupon = make_coupon(session, type="fixed_amount", value="5", usage_limit=10)
    quote = checkout.quote_checkout(session=session, user_id=user.id, coupon_code=coupon.code)
    detail = place(session, user, coupon_code=coupon.code, expected_total=quote.total, save_address=True)

    assert detail.order_number.startswith("MQ-") and detail.status == "pending"
    assert detail.total == quote.total == D("81.00")  # 80 - 5, free shipping from 75, tax 8% of 75
    order = orders_of(session, user)[0]
    assert order.order_number == detail.order_number and order.coupon_code == coupon.code
    assert order.shipping_address["city"] == "Springfield" and order.billing_address == order.shipping_address
    items = session.execute(sa.select(OrderItem).where(OrderItem.order_id == order.id)).scalars().all()
    assert sorted((i.product_variant_id, i.quantity, i.unit_price) for i in items) == sorted(
        [(a.id, 2, D("20.00")), (b.id, 2, D("20.00"))]
    )
    assert items[0].product_snapshot["name"] == product.name and items[0].product_snapshot["unit_price"] == "20.00"
    assert (stock(session, a), stock(session, b), product_stock(session, product)) == (3, 0, 3)
    moves = (
        session.execute(sa.select(InventoryMovement).where(InventoryMovement.reference_id == order.id)).scalars().all()
    )
    assert sorted(
        (m.product_variant_id, m.quantity_change, m.quantity_after, m.movement_type) for m in moves
    ) == sorted([(a.id, -2, 3, "sale"), (b.id, -2, 0, "sale")])
    assert {m.reference_type for m in moves} == {"order"}
    payment = session.execute(sa.select(Payment).where(Payment.order_id == order.id)).scalar_one()
    assert (payment.payment_method, payment.amount, payment.status.value) == ("cod", detail.total, "pending")
    usage = session.execute(sa.select(CouponUsage).where(CouponUsage.order_id == order.id)).scalar_one()
    assert usage.user_id == user.id and usage.discount_amount == D("5.00")
    assert used_count(session, coupon) == 1
    assert cart_count(session, user) == 0
    assert [t.status for t in detail.timeline] == ["pending"]
    assert session.execute(sa.select(Address).where(Address.user_id == user.id)).scalar_one().city == "Springfield"
    assert detail.can_cancel and detail.can_change_address and not detail.can_return


def test_guest_order_by_email(session):
    _, (a,) = make_product(session, price="10.00", stock=(3,))
    detail = checkout.place_order(
        session=session,
        guest_email="Guest@Example.com",
        guest_lines=[GuestLine(sku_id=str(a.id), quantity=3)],
        shipping_address=address(),
        billing_address=address(city="Chicago"),
        payment_method="stripe",
    )
    order = session.execute(sa.select(Order).where(Order.order_number == detail.order_number)).scalar_one()
    assert order.user_id is None and order.guest_email == "guest@example.com"
    assert order.billing_address["city"] == "Chicago" and detail.email == "guest@example.com"
    assert detail.payment_method == "stripe" and stock(session, a) == 0


def test_statements_do_not_grow_with_the_number_of_lines(session):
    counts = []
    for size in (1, 12):
        user = make_user(session)
        _, variants = make_product(session, stock=(9,) * 4)
        more = [v for _ in range(size // 4 + 1) for v in make_product(session, stock=(9,) * 4)[1]]
        fill_cart(session, user, (variants + more)[:size], 1)
        coupon = make_coupon(session, value="5")
        with counted(session) as statements:
            place(session, user, coupon_code=coupon.code, idempotency_key=f"k{size}", save_address=True)
        counts.append(len(statements))
    assert counts[0] == counts[1] == PLACE_STATEMENTS, counts


# ---- refusals leave nothing behind


def assert_nothing_written(session, user, variant, before: int, lines: int) -> None:
    assert orders_of(session, user) == []
    assert stock(session, variant) == before
    assert cart_count(session, user) == lines


def test_sold_out_between_cart_and_checkout(session):
    user = make_user(session)
    _, (a, b) = make_product(session, stock=(5, 2))
    fill_cart(session, user, [a], 1)
    fill_cart(session, user, [b], 2)
    session.execute(sa.update(ProductVariant).where(ProductVariant.id == b.id).values(inventory_quantity=1))
    session.commit()
    with pytest.raises(SoldOut) as err:
        place(session, user)
    assert http_status(err.value) == 409 and "only 1 of" in err.value.message.lower()
    assert [(i.sku_id, i.requested, i.available) for i in err.value.items] == [(str(b.id), 2, 1)]
    assert_nothing_written(session, user, a, 5, 2)


def test_price_changed_needs_confirmation_then_goes_through(session):
    user = make_user(session)
    product, (a,) = make_product(session, price="20.00", stock=(5,))
    fill_cart(session, user, [a], 1)
    shown = checkout.quote_checkout(session=session, user_id=user.id).total
    session.execute(sa.update(Product).where(Product.id == product.id).values(price=D("22.00")))
    session.commit()
    with pytest.raises(PriceChanged) as err:
        place(session, user, expected_total=shown)
    assert err.value.quote.subtotal == D("22.00") and err.value.actual == err.value.quote.total != shown
    assert_nothing_written(session, user, a, 5, 1)
    detail = place(session, user, expected_total=err.value.quote.total)
    assert detail.total == err.value.quote.total and detail.lines[0].unit_price == D("22.00")


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"expires_at": utcnow() - timedelta(minutes=1)}, "expired"),
        ({"usage_limit": 3, "used_count": 3}, "used_up"),
        ({"is_active": False}, "inactive"),
        ({"starts_at": utcnow() + timedelta(days=2)}, "not_started"),
        ({"minimum_order_amount": D("500")}, "below_minimum"),
    ],
)
def test_bad_coupon_refuses_the_order(session, kw, reason):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(5,))
    fill_cart(session, user, [a], 1)
    coupon = make_coupon(session, **kw)
    with pytest.raises(CouponInvalid) as err:
        place(session, user, coupon_code=coupon.code)
    assert err.value.reason == reason and err.value.field == "coupon_code"
    assert_nothing_written(session, user, a, 5, 1)
    assert used_count(session, coupon) == kw.get("used_count", 0)


def test_coupon_limits_per_customer_and_overall(session):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(9,))
    coupon = make_coupon(session, usage_limit=2, usage_limit_per_customer=1)
    fill_cart(session, user, [a], 1)
    place(session, user, coupon_code=coupon.code)
    fill_cart(session, user, [a], 1)
    with pytest.raises(CouponInvalid) as err:
        place(session, user, coupon_code=coupon.code)
    assert err.value.reason == "customer_limit"
    other = make_user(session)
    fill_cart(session, other, [a], 1)
    place(session, other, coupon_code=coupon.code)
    third = make_user(session)
    fill_cart(session, third, [a], 1)
    with pytest.raises(CouponInvalid) as err:
        place(session, third, coupon_code=coupon.code)
    assert err.value.reason == "used_up"
    assert used_count(session, coupon) == 2


def test_guest_coupon_per_customer_limit_by_email(session):
    _, (a,) = make_product(session, stock=(9,))
    coupon = make_coupon(session, usage_limit_per_customer=1)
    lines = [GuestLine(sku_id=str(a.id), quantity=1)]
    checkout.place_order(
        session=session,
        guest_email="g@example.com",
        guest_lines=lines,
        shipping_address=address(),
        coupon_code=coupon.code,
    )
    with pytest.raises(CouponInvalid) as err:
        checkout.place_order(
            session=session,
            guest_email="G@example.com",
            guest_lines=lines,
            shipping_address=address(),
            coupon_code=coupon.code,
        )
    assert err.value.reason == "customer_limit"


@pytest.mark.parametrize("missing", ["first_name", "address_line_1", "city", "postal_code"])
def test_missing_address_field(session, missing):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(5,))
    fill_cart(session, user, [a], 1)
    with pytest.raises(InvalidCheckout) as err:
        place(session, user, shipping_address=address(**{missing: "  "}))
    assert err.value.field == f"shipping_address.{missing}" and "required" in err.value.message
    assert_nothing_written(session, user, a, 5, 1)


def test_other_bad_input(session):
    user = make_user(session)
    with pytest.raises(InvalidCheckout) as err:
        place(session, user)
    assert err.value.field == "lines" and err.value.message == "Your cart is empty"
    with pytest.raises(InvalidCheckout) as err:
        place(session, user, payment_method="cheque")
    assert err.value.field == "payment_method"
    with pytest.raises(InvalidCheckout) as err:
        checkout.place_order(session=session, guest_email="nope", guest_lines=[], shipping_address=address())
    assert err.value.field == "guest_email"
    with pytest.raises(InvalidCheckout) as err:
        checkout.place_order(
            session=session,
            guest_email="a@b.co",
            shipping_address=address(),
            guest_lines=[GuestLine(sku_id=str(uuid.uuid4()), quantity=0)],
        )
    assert err.value.field == "lines"


def test_inactive_product_in_a_guest_order(session):
    from marque_app.models import ProductStatus

    _, (a,) = make_product(session, stock=(5,), status=ProductStatus.archived)
    with pytest.raises(SoldOut) as err:
        checkout.place_order(
            session=session,
            guest_email="a@b.co",
            shipping_address=address(),
            guest_lines=[GuestLine(sku_id=str(a.id), quantity=1)],
        )
    assert "sold out" in err.value.message


# ---- idempotency


def test_double_submit_returns_the_same_order(session):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(5,))
    fill_cart(session, user, [a], 2)
    first = place(session, user, idempotency_key="click-1")
    fill_cart(session, user, [a], 1)  # even with a new cart, the same key answers the same order
    again = place(session, user, idempotency_key="click-1")
    assert again.id == first.id and again.order_number == first.order_number
    assert len(orders_of(session, user)) == 1 and stock(session, a) == 3
    other = place(session, user, idempotency_key="click-2")
    assert other.id != first.id and stock(session, a) == 2


def test_idempotency_key_is_scoped_to_the_customer(session):
    _, (a,) = make_product(session, stock=(5,))
    u1, u2 = make_user(session), make_user(session)
    fill_cart(session, u1, [a], 1)
    fill_cart(session, u2, [a], 1)
    assert place(session, u1, idempotency_key="same").id != place(session, u2, idempotency_key="same").id
    lines = [GuestLine(sku_id=str(a.id), quantity=1)]
    g1 = checkout.place_order(
        session=session,
        guest_email="x@example.com",
        guest_lines=lines,
        shipping_address=address(),
        idempotency_key="same",
    )
    g2 = checkout.place_order(
        session=session,
        guest_email="x@example.com",
        guest_lines=lines,
        shipping_address=address(),
        idempotency_key="same",
    )
    assert g1.id == g2.id and stock(session, a) == 2


# ---- stock kinds and notices


def test_untracked_and_backorder_products(session):
    user = make_user(session)
    _, (free,) = make_product(session, stock=(0,), track_inventory=False)
    _, (back,) = make_product(session, stock=(1,), allow_backorder=True)
    fill_cart(session, user, [free], 3)
    fill_cart(session, user, [back], 3)
    place(session, user)
    assert stock(session, free) == 0 and stock(session, back) == -2
    order = orders_of(session, user)[0]
    moves = (
        session.execute(
            sa.select(InventoryMovement.product_variant_id).where(InventoryMovement.reference_id == order.id)
        )
        .scalars()
        .all()
    )
    assert moves == [back.id]


def test_order_confirmation_goes_by_sms_or_email(session):
    sms, mail = CapturingSmsSender(), CapturingEmailSender()
    phone = fresh_phone()
    user = make_user(session, phone=phone)
    _, (a,) = make_product(session, stock=(5,))
    fill_cart(session, user, [a], 1)
    detail = place(session, user, sms=sms, mailer=mail)
    assert sms.sent[-1][0] == phone and detail.order_number in sms.sent[-1][1] and mail.sent == []
    checkout.place_order(
        session=session,
        guest_email="buyer@example.com",
        shipping_address=address(),
        guest_lines=[GuestLine(sku_id=str(a.id), quantity=1)],
        sms=sms,
        mailer=mail,
    )
    assert mail.sent[-1][0] == "buyer@example.com"


def test_history_row_written(session):
    user = make_user(session)
    _, (a,) = make_product(session, stock=(5,))
    fill_cart(session, user, [a], 1)
    detail = place(session, user)
    rows = (
        session.execute(
            sa.select(OrderStatusHistory.to_status).where(OrderStatusHistory.order_id == uuid.UUID(detail.id))
        )
        .scalars()
        .all()
    )
    assert rows == ["pending"]
