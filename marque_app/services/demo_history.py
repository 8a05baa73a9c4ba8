"""The demo store's history: ~90 days of orders, returns, reviews and analytics events.

``load_history(session=..., seed=..., now=...)`` runs after ``seed.load_demo`` on an empty store
(``cli setup`` with ``MARQUE_DEMO_HISTORY``, on by default for ``make run`` and off when
``MARQUE_ENV=test``), so a newcomer's dashboard, reports and analytics show something. The same
seed and day always give the same history; it ends at ``now`` (the day of the set-up), so the
dashboard's "last 30 days" are full.

- Orders of the demo customers and of guests, priced with the checkout's own rule
  (``domain.checkout.checkout_totals``: shipping, the free-shipping threshold, tax), every
  status by age (recent ones pending, processing or shipped; older ones delivered, some
  cancelled or refunded), with their timeline, cash-on-delivery payment, tracking numbers.
- Returns of some delivered orders (every return status) and verified-purchase reviews of
  delivered lines (the products' rating averages are recomputed).
- Analytics events: each order's session went through the whole funnel (page view, product
  view, add to cart, checkout, purchase); many more sessions browse, search (some searches find
  nothing), add and leave.

The history does not move stock (the catalog's stock is today's) and uses no coupon.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.domain.analytics import Event, make_event
from marque_app.domain.checkout import checkout_totals, shipping_methods
from marque_app.domain.orders import make_order_number, make_return_number
from marque_app.models import (
    Order,
    OrderItem,
    OrderStatus,
    OrderStatusHistory,
    Payment,
    PaymentStatus,
    Product,
    ProductImage,
    ProductReview,
    ProductStatus,
    ProductVariant,
    Return,
    ReturnItem,
    User,
    UserRole,
)
from marque_app.models.types import utcnow
from marque_app.services.analytics import write_events
from marque_app.settings import get_settings

DAYS = 90
NAMESPACE = uuid.UUID("2b7e0f5c-9d41-4c3a-8f0e-5a6b7c8d9e01")

AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
REFERRERS = ("https://www.google.com/", "https://duckduckgo.com/", "https://www.instagram.com/", None, None, None)
NETWORKS = ("198.51.100.", "203.0.113.", "192.0.2.")
FOUND_SEARCHES = ("linen shirt", "hoodie", "sneakers", "wool", "jacket", "dress", "tote", "socks", "cap", "denim")
EMPTY_SEARCHES = ("velvet cape", "snowboard", "gift card", "tuxedo", "ski goggles", "kimono")
PAGES = ("/", "/shop", "/brands", "/category/clothing", "/category/shoes", "/cart")
CITIES = (("Springfield", "IL", "62701"), ("Portland", "OR", "97201"), ("Austin", "TX", "73301"))
RETURN_FLOW = ("requested", "approved", "received", "refunded", "rejected")


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


@dataclass(frozen=True)
class _Sku:
    product: Product
    variant: ProductVariant
    price: Decimal
    image_url: str


def _catalog(session: Session) -> list[_Sku]:
    images = {
        pid: url
        for pid, url in session.execute(
            select(ProductImage.product_id, ProductImage.url).order_by(ProductImage.sort_order.desc())
        )
    }
    rows = session.exec(
        select(Product, ProductVariant)
        .join(ProductVariant, ProductVariant.product_id == Product.id)
        .where(Product.status == ProductStatus.active)
        .order_by(Product.slug, ProductVariant.sku)
    ).all()
    return [_Sku(p, v, v.price if v.price is not None else p.price, images.get(p.id, "")) for p, v in rows]


def _status_for(age_days: int, rng: random.Random) -> str:
    roll = rng.random()
    if age_days <= 1:
        return "pending" if roll < 0.6 else "processing"
    if age_days <= 4:
        return "processing" if roll < 0.35 else "shipped" if roll < 0.9 else "cancelled"
    if age_days <= 8:
        return "shipped" if roll < 0.4 else "delivered" if roll < 0.93 else "cancelled"
    return "delivered" if roll < 0.88 else "cancelled" if roll < 0.95 else "refunded"


def _timeline(status: str) -> list[str]:
    return {
        "pending": ["pending"],
        "processing": ["pending", "processing"],
        "shipped": ["pending", "processing", "shipped"],
        "delivered": ["pending", "processing", "shipped", "delivered"],
        "cancelled": ["pending", "cancelled"],
        "refunded": ["pending", "processing", "shipped", "delivered", "refunded"],
    }[status]


PAYMENT_STATUS = {
    "pending": PaymentStatus.pending,
    "processing": PaymentStatus.pending,
    "shipped": PaymentStatus.pending,
    "delivered": PaymentStatus.paid,
    "cancelled": PaymentStatus.failed,
    "refunded": PaymentStatus.refunded,
}


def load_history(*, session: Session, seed: int = 20261121, now: datetime | None = None, days: int = DAYS) -> dict:
    """Add the history to a freshly seeded demo store; returns counts per kind. The caller commits."""
    now = now or utcnow()
    rng = random.Random(f"history/{seed}")
    settings = get_settings()
    catalog = _catalog(session)
    if not catalog:
        return {}
    customers = session.exec(select(User).where(User.role == UserRole.customer).order_by(User.email)).all()
    popular = catalog[: max(1, len(catalog) // 3)]  # a third of the SKUs get most of the attention
    methods = {
        m.code: m
        for m in shipping_methods(shipping_flat=settings.shipping_flat, express_cost=settings.shipping_express)
    }
    admin_id = session.exec(select(User.id).where(User.role == UserRole.admin)).first()

    orders: list[dict] = []
    items: list[dict] = []
    history: list[dict] = []
    payments: list[dict] = []
    returns: list[dict] = []
    return_items: list[dict] = []
    reviews: list[dict] = []
    events: list[Event] = []
    start_day = (now - timedelta(days=days - 1)).date()

    def pick() -> _Sku:
        return rng.choice(popular) if rng.random() < 0.6 else rng.choice(catalog)

    def moment(day_index: int) -> datetime:
        day = datetime(start_day.year, start_day.month, start_day.day, tzinfo=now.tzinfo) + timedelta(days=day_index)
        latest = min(day + timedelta(hours=23, minutes=59), now - timedelta(minutes=5))
        earliest = day + timedelta(hours=7)
        if latest <= earliest:
            earliest = day
        span = max(int((latest - earliest).total_seconds()), 1)
        return earliest + timedelta(seconds=rng.randrange(span))

    def session_events(sid: str, at: datetime, user_id: str | None, steps: list[tuple[str, dict]]) -> None:
        agent, ip, ref = rng.choice(AGENTS), f"{rng.choice(NETWORKS)}{rng.randrange(1, 255)}", rng.choice(REFERRERS)
        for i, (kind, data) in enumerate(steps):
            events.append(
                make_event(
                    kind,
                    at=at + timedelta(seconds=40 * i + rng.randrange(30)),
                    session_id=sid,
                    user_id=user_id,
                    data=data,
                    client_ip=ip,
                    user_agent=agent,
                    referrer=ref if i == 0 else (steps[i - 1][1].get("path") or None),
                )
            )

    n_order = 0
    for d in range((now.date() - start_day).days + 1):
        age = (now.date() - start_day).days - d
        weekend = (start_day + timedelta(days=d)).weekday() >= 5
        for _ in range(rng.randint(3, 9) if weekend else rng.randint(2, 7)):
            n_order += 1
            created = moment(d)
            status = _status_for(age, rng)
            user = rng.choice(customers) if customers and rng.random() < 0.75 else None
            oid = _id("order", seed, n_order)
            chosen: dict[uuid.UUID, tuple[_Sku, int]] = {}
            for _ in range(rng.choices((1, 2, 3), weights=(55, 30, 15))[0]):
                sku = pick()
                chosen[sku.variant.id] = (sku, rng.choices((1, 2), weights=(80, 20))[0])
            method = methods["express" if rng.random() < 0.15 else "standard"]
            totals = checkout_totals(
                [(s.price, q) for s, q in chosen.values()],
                method=method,
                tax_rate=settings.tax_rate,
                free_shipping_over=settings.free_shipping_over,
            )
            city, state, postal = rng.choice(CITIES)
            first, last = (user.first_name, user.last_name) if user else ("Guest", f"Buyer{n_order}")
            addr = {
                "first_name": first,
                "last_name": last,
                "address_line_1": f"{rng.randrange(1, 999)} Market St",
                "city": city,
                "state": state,
                "postal_code": postal,
                "country": "US",
                "phone": "+12025550143",
            }
            flow = _timeline(status)
            times = [created]
            for step in flow[1:]:
                gap = {"processing": 3, "shipped": 20, "delivered": 60, "cancelled": 5, "refunded": 200}[step]
                times.append(min(times[-1] + timedelta(hours=gap + rng.randrange(8)), now - timedelta(minutes=1)))
            at = dict(zip(flow, times, strict=True))
            order = dict(
                id=oid,
                order_number=make_order_number(choice=rng.choice),
                user_id=user.id if user else None,
                guest_email=None if user else f"guest{n_order}@example.com",
                status=OrderStatus(status),
                payment_status=PAYMENT_STATUS[status],
                subtotal=totals.subtotal,
                tax_rate=settings.tax_rate,
                tax_amount=totals.tax,
                shipping_amount=totals.shipping,
                discount_amount=totals.discount,
                total_amount=totals.total,
                currency=settings.currency,
                shipping_address=addr,
                billing_address=addr,
                shipping_method=method.code,
                # a UPS-style number (1Z, shipper, service, parcel): the order page links it to UPS
                tracking_number=f"1ZA81B6203{rng.randrange(10**9, 10**10) % 10**8:08d}" if "shipped" in at else None,
                shipped_at=at.get("shipped"),
                delivered_at=at.get("delivered"),
                cancelled_at=at.get("cancelled"),
                cancelled_reason="Changed my mind" if status == "cancelled" else None,
                created_at=created,
                updated_at=times[-1],
            )
            orders.append(order)
            prev = None
            for step, when in zip(flow, times, strict=True):
                history.append(
                    dict(
                        id=_id("history", oid, step),
                        order_id=oid,
                        from_status=prev,
                        to_status=step,
                        actor_id=None if step == "pending" else admin_id,
                        created_at=when,
                    )
                )
                prev = step
            payments.append(
                dict(
                    id=_id("payment", oid),
                    order_id=oid,
                    payment_method="cod",
                    amount=totals.total,
                    currency=settings.currency,
                    status=PAYMENT_STATUS[status],
                    processed_at=at.get("delivered"),
                    created_at=created,
                )
            )
            order_lines = []
            for n, (sku, qty) in enumerate(chosen.values()):
                line = dict(
                    id=_id("item", oid, n),
                    order_id=oid,
                    product_id=sku.product.id,
                    product_variant_id=sku.variant.id,
                    product_name=sku.product.name,
                    product_sku=sku.variant.sku,
                    product_snapshot={
                        "sku_id": str(sku.variant.id),
                        "sku": sku.variant.sku,
                        "product_id": str(sku.product.id),
                        "slug": sku.product.slug,
                        "name": sku.product.name,
                        "variant_name": sku.variant.name,
                        "variant_label": sku.variant.name,
                        "attributes": sku.variant.attributes or {},
                        "image_url": sku.image_url,
                        "unit_price": str(sku.price),
                    },
                    quantity=qty,
                    unit_price=sku.price,
                    total_price=sku.price * qty,
                    status=OrderStatus(status),
                    created_at=created,
                )
                order_lines.append(line)
            items.extend(order_lines)

            if status == "delivered" and rng.random() < 0.1:  # a return, in any state of its flow
                line = order_lines[0]
                r_status = RETURN_FLOW[len(returns) % len(RETURN_FLOW)]
                rid = _id("return", oid)
                asked = min(at["delivered"] + timedelta(days=2), now - timedelta(minutes=1))
                returns.append(
                    dict(
                        id=rid,
                        order_id=oid,
                        return_number=make_return_number(choice=rng.choice),
                        status=r_status,
                        reason=rng.choice(("wrong_size", "damaged", "not_as_described", "changed_mind")),
                        refund_amount=line["total_price"] if r_status == "refunded" else None,
                        requested_at=asked,
                        processed_at=None if r_status == "requested" else asked + timedelta(days=1),
                        created_at=asked,
                    )
                )
                return_items.append(
                    dict(
                        id=_id("return-item", rid),
                        return_id=rid,
                        order_item_id=line["id"],
                        quantity=1,
                        reason="wrong_size",
                        created_at=asked,
                    )
                )
            elif status == "delivered" and user is not None and rng.random() < 0.25:  # a verified review
                line = order_lines[0]
                rating = rng.choices((5, 4, 3, 2, 1), weights=(50, 28, 12, 6, 4))[0]
                reviews.append(
                    dict(
                        id=_id("review", oid),
                        product_id=line["product_id"],
                        user_id=user.id,
                        order_item_id=line["id"],
                        rating=rating,
                        title=("Love it", "Good value", "It is fine", "Not for me", "Disappointed")[5 - rating],
                        content="Bought it here; this is what I think after wearing it a while.",
                        verified_purchase=True,
                        status="approved",
                        created_at=min(at["delivered"] + timedelta(days=3), now - timedelta(minutes=1)),
                    )
                )

            # the buyer's session: the whole funnel
            sid = f"demo-{seed}-order-{n_order}"
            start = created - timedelta(minutes=12)
            steps: list[tuple[str, dict]] = [("page_view", {"path": "/"})]
            for sku, qty in chosen.values():
                steps.append(("page_view", {"path": f"/products/{sku.product.slug}"}))
                steps.append(("product_view", {"product_id": str(sku.product.id), "slug": sku.product.slug}))
                steps.append(("add_to_cart", {"sku_id": str(sku.variant.id), "quantity": qty}))
            steps.append(("page_view", {"path": "/checkout"}))
            steps.append(("begin_checkout", {"total": str(totals.total)}))
            steps.append(
                (
                    "purchase",
                    {
                        "order_id": str(oid),
                        "total": str(totals.total),
                        "items": [{"product_id": str(s.product.id), "quantity": q} for s, q in chosen.values()],
                    },
                )
            )
            session_events(sid, start, str(user.id) if user else None, steps)

        # everyone else that day: browse, search, some add and leave
        for n in range(rng.randint(35, 70) + (15 if weekend else 0)):
            sid = f"demo-{seed}-day-{d}-{n}"
            steps = [("page_view", {"path": rng.choice(PAGES)})]
            if rng.random() < 0.3:
                if rng.random() < 0.15:
                    steps.append(("search", {"query": rng.choice(EMPTY_SEARCHES), "results": 0}))
                else:
                    steps.append(("search", {"query": rng.choice(FOUND_SEARCHES), "results": rng.randint(3, 40)}))
            if rng.random() < 0.6:
                viewed = [pick() for _ in range(rng.randint(1, 3))]
                for sku in viewed:
                    steps.append(("page_view", {"path": f"/products/{sku.product.slug}"}))
                    steps.append(("product_view", {"product_id": str(sku.product.id), "slug": sku.product.slug}))
                if rng.random() < 0.22:
                    sku = viewed[-1]
                    steps.append(("add_to_cart", {"sku_id": str(sku.variant.id), "quantity": 1}))
                    if rng.random() < 0.2:
                        steps.append(("remove_from_cart", {"sku_id": str(sku.variant.id)}))
                    elif rng.random() < 0.35:
                        steps.append(("page_view", {"path": "/checkout"}))
                        steps.append(("begin_checkout", {"total": str(sku.price)}))
            session_events(sid, moment(d), None, steps)

    # Core multi-row inserts (an ORM object per row costs more than the database does here)
    for model, rows in (
        (Order, orders),
        (OrderItem, items),
        (OrderStatusHistory, history),
        (Payment, payments),
        (Return, returns),
        (ReturnItem, return_items),
        (ProductReview, reviews),
    ):
        if rows:
            session.execute(sa.insert(model.__table__), rows)
    _refresh_ratings(session, {r["product_id"] for r in reviews})
    for i in range(0, len(events), 5000):
        write_events(session=session, events=events[i : i + 5000])
    return {
        "orders": len(orders),
        "order_items": len(items),
        "returns": len(returns),
        "history_reviews": len(reviews),
        "analytics_events": len(events),
    }


def _refresh_ratings(session: Session, product_ids: set) -> None:
    """Rating average and count of the products that got a review, from their approved reviews."""
    if not product_ids:
        return
    rows = session.execute(
        sa.select(ProductReview.product_id, sa.func.count(), sa.func.avg(ProductReview.rating))
        .where(ProductReview.product_id.in_(product_ids), ProductReview.status == "approved")
        .group_by(ProductReview.product_id)
    ).all()
    for pid, n, avg in rows:
        product = session.get(Product, pid)
        if product is not None:
            product.review_count = int(n)
            product.rating_average = Decimal(str(avg)).quantize(Decimal("0.01"))
            session.add(product)
    session.flush()
