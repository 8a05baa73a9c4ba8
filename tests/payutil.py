"""Builders for the payment and review tests: an order of a product, with its payment row."""

from __future__ import annotations

import uuid
from decimal import Decimal

from marque_app.models import Order, OrderItem, OrderStatus, Payment, PaymentStatus

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "address_line_1": "1 Loop Rd",
    "city": "Austin",
    "state": "TX",
    "postal_code": "78701",
    "country": "US",
}


def make_order(
    session,
    user,
    product=None,
    *,
    total: str = "48.00",
    method: str = "stripe",
    status: OrderStatus = OrderStatus.pending,
    payment_status: PaymentStatus = PaymentStatus.pending,
    with_payment: bool = True,
) -> tuple[Order, Payment | None]:
    order = Order(
        order_number=f"MQ-{uuid.uuid4().hex[:10].upper()}",
        user_id=user.id,
        status=status,
        payment_status=payment_status,
        subtotal=Decimal(total),
        total_amount=Decimal(total),
        shipping_address=ADDRESS,
        billing_address=ADDRESS,
    )
    session.add(order)
    session.flush()
    if product is not None:
        session.add(
            OrderItem(
                order_id=order.id,
                product_id=product.id,
                product_name=product.name,
                product_sku=product.sku,
                product_snapshot={"name": product.name},
                quantity=1,
                unit_price=Decimal(total),
                total_price=Decimal(total),
                status=status,
            )
        )
    payment = None
    if with_payment:
        payment = Payment(order_id=order.id, payment_method=method, amount=Decimal(total), status=payment_status)
        session.add(payment)
    session.commit()
    return order, payment
