"""The demo store's history: ~90 days of orders in every status, returns, reviews, analytics events."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import select

from marque_app.models import AnalyticsEvent, Order, OrderItem, OrderStatusHistory, Product, ProductReview, Return
from marque_app.services import demo_history, seed
from marque_app.services.admin.analytics import analytics_report
from marque_app.services.admin.reports import dashboard
from marque_app.settings import Settings

NOW = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)


def _signature(session):
    numbers = session.exec(select(Order.order_number).order_by(Order.created_at, Order.order_number)).all()
    totals = session.exec(select(sa.func.sum(Order.total_amount))).one()
    events = session.exec(select(sa.func.count()).select_from(AnalyticsEvent)).one()
    return numbers, totals, events


def test_history_has_every_status_returns_reviews_and_events_and_is_the_same_each_time(session):
    assert seed.is_empty(session=session)
    nested = session.begin_nested()
    seed.load_demo(session=session, write_images=False)
    session.flush()
    counts = demo_history.load_history(session=session, now=NOW)
    session.flush()
    first = _signature(session)

    assert 300 <= counts["orders"] <= 700 and counts["analytics_events"] > 10_000
    statuses = Counter(s.value for s in session.exec(select(Order.status)).all())
    assert set(statuses) == {"pending", "processing", "shipped", "delivered", "cancelled", "refunded"}
    days = session.exec(select(Order.created_at)).all()
    assert min(days) >= NOW - timedelta(days=demo_history.DAYS) and max(days) <= NOW
    assert statuses["delivered"] > statuses["pending"]  # old orders arrived, recent ones wait
    # the timeline of a delivered order went through every step, in order
    delivered = session.exec(select(Order).where(Order.status == "delivered")).first()
    steps = session.exec(
        select(OrderStatusHistory.to_status)
        .where(OrderStatusHistory.order_id == delivered.id)
        .order_by(OrderStatusHistory.created_at)
    ).all()
    assert steps == ["pending", "processing", "shipped", "delivered"]
    assert delivered.delivered_at and delivered.tracking_number
    # lines add up to the subtotal
    lines = session.exec(select(sa.func.sum(OrderItem.total_price)).where(OrderItem.order_id == delivered.id)).one()
    assert lines == delivered.subtotal
    assert set(session.exec(select(Return.status)).all()) == {
        "requested",
        "approved",
        "received",
        "refunded",
        "rejected",
    }
    verified = session.exec(select(ProductReview).where(ProductReview.order_item_id.is_not(None))).all()
    assert verified and all(r.verified_purchase and r.status == "approved" for r in verified)
    reviewed = session.get(Product, verified[0].product_id)
    approved = session.exec(
        select(sa.func.count()).where(ProductReview.product_id == reviewed.id, ProductReview.status == "approved")
    ).one()
    assert reviewed.review_count == approved  # the rating was recomputed with the new reviews
    kinds = set(session.exec(select(AnalyticsEvent.event_type).distinct()).all())
    assert kinds == {
        "page_view",
        "product_view",
        "search",
        "add_to_cart",
        "remove_from_cart",
        "begin_checkout",
        "purchase",
    }

    # the dashboards show something
    rep = analytics_report(session=session, date_from="2026-11-03", date_to="2026-12-02", now=NOW)
    assert all(step.sessions > 0 for step in rep.funnel)
    assert rep.zero_result_searches and rep.products and 0 < rep.cart_abandonment < 100
    dash = dashboard(session=session, now=NOW)
    assert dash.periods[2].orders > 50

    nested.rollback()
    session.expunge_all()  # the same ids come back: no stale objects in the identity map
    nested = session.begin_nested()
    seed.load_demo(session=session, write_images=False)
    session.flush()
    demo_history.load_history(session=session, now=NOW)
    session.flush()
    assert _signature(session) == first  # the same seed and day give the same history
    nested.rollback()


def test_history_is_off_in_tests_and_on_for_make_run_unless_set():
    assert Settings(env="test").wants_demo_history() is False
    assert Settings(env="development").wants_demo_history() is True
    assert Settings(env="test", demo_history=True).wants_demo_history() is True
    assert Settings(env="development", demo_history=False).wants_demo_history() is False
