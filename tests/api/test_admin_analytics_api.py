"""GET /api/v1/admin/analytics: admin only, the range validated, the report as JSON and CSV."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from marque_app.domain.analytics import make_event
from marque_app.models import AnalyticsEvent
from marque_app.services.analytics import EventBuffer, flush
from tests.api.test_admin_api import API, admin, customer  # noqa: F401  (fixtures)

DAY = datetime(2032, 6, 10, 15, 0, tzinfo=UTC)  # no other test writes events on these days


def _seed_events(db) -> str:
    run = uuid.uuid4().hex[:8]
    buf = EventBuffer(maxlen=100)
    for n in range(4):
        buf.append(make_event("page_view", at=DAY, session_id=f"{run}-{n}", data={"path": "/"}))
    for n in range(2):
        buf.append(make_event("add_to_cart", at=DAY, session_id=f"{run}-{n}", data={"sku_id": "s"}))
    buf.append(make_event("purchase", at=DAY, session_id=f"{run}-0", data={"order_id": "o"}))
    buf.append(make_event("search", at=DAY, session_id=f"{run}-3", data={"query": "unicorn boots", "results": 0}))
    flush(session=db, into=buf)
    db.commit()
    return run


def _cleanup(db, run: str) -> None:
    db.execute(sa.delete(AnalyticsEvent).where(AnalyticsEvent.session_id.like(f"{run}-%")))
    db.commit()


def test_analytics_is_for_admins_only(client, customer):
    assert client.get(f"{API}/admin/analytics").status_code == 401
    assert client.get(f"{API}/admin/analytics", headers=customer).status_code == 403


def test_analytics_report_json_and_csv(client, admin, db):
    run = _seed_events(db)
    try:
        got = client.get(
            f"{API}/admin/analytics", params={"date_from": "2032-06-10", "date_to": "2032-06-10"}, headers=admin
        )
        assert got.status_code == 200
        body = got.json()
        assert body["date_from"] == body["date_to"] == "2032-06-10"
        assert [(s["event_type"], s["sessions"]) for s in body["funnel"]] == [
            ("page_view", 4),
            ("product_view", 0),
            ("add_to_cart", 2),
            ("begin_checkout", 0),
            ("purchase", 1),
        ]
        assert body["cart_abandonment"] == 50.0
        assert body["zero_result_searches"] == [{"query": "unicorn boots", "searches": 1}]
        assert body["series"] == [
            {"day": "2032-06-10", "page_view": 4, "product_view": 0, "add_to_cart": 2, "purchase": 1}
        ]
        csv = client.get(
            f"{API}/admin/analytics",
            params={"date_from": "2032-06-10", "date_to": "2032-06-10", "format": "csv"},
            headers=admin,
        )
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert 'filename="marque-analytics-2032-06-10-to-2032-06-10.csv"' in csv.headers["content-disposition"]
        assert csv.text.splitlines()[0] == "section,name,metric,value"
        assert "funnel,Visits,sessions,4" in csv.text and "abandonment,cart,abandonment_pct,50.0" in csv.text
    finally:
        _cleanup(db, run)


def test_analytics_refuses_a_bad_range_naming_the_field(client, admin):
    cases = [
        ({"date_from": "2032-06-10", "date_to": "2032-06-01"}, "date_to"),
        ({"date_from": "2030-01-01", "date_to": "2032-01-01"}, "date_from"),
        ({"date_from": "10/06/2032"}, "date_from"),
        ({"date_to": "2032-13-01"}, "date_to"),
    ]
    for params, field in cases:
        got = client.get(f"{API}/admin/analytics", params=params, headers=admin)
        assert got.status_code == 422, params
        assert got.json()["field"] == field, params
    assert client.get(f"{API}/admin/analytics", params={"format": "xml"}, headers=admin).status_code == 422
