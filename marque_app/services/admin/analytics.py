"""The admin analytics report over chosen UTC days: aggregate SQL over ``analytics_events``.

- **Funnel**: sessions (a tab's client token) that had a page view, a product view, an add to
  cart, a checkout, a purchase, with the conversion from the step before and from the first
  (``domain.analytics.funnel``).
- **Products viewed against bought**: product views per product (events) beside the units and
  orders of that product placed in the same days (``orders``/``order_items``, the ledger; not
  cancelled or refunded, as the sales reports count).
- **Searches with no results**: the searches (normalised text) that found nothing, most asked first.
- **Cart abandonment**: of the sessions that added to the cart, the share without a purchase;
  the same for the sessions that began a checkout.
- A daily series of page views, product views, adds and purchases for the charts.

The range rules (default the last 30 days, at most 366, the end not before the start) are the
sales reports' (``reports.report_range``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.analytics import (
    ADD_TO_CART,
    BEGIN_CHECKOUT,
    PAGE_VIEW,
    PRODUCT_VIEW,
    PURCHASE,
    SEARCH,
    FunnelStep,
    abandonment,
    funnel,
    rate,
)
from marque_app.models import AnalyticsEvent, Order, OrderItem, Product

from .orders import day_start
from .reports import COUNTED_OUT, report_range, utc_day

SERIES_TYPES = (PAGE_VIEW, PRODUCT_VIEW, ADD_TO_CART, PURCHASE)
DATA: Any = AnalyticsEvent.__table__.c.event_data  # JSON paths on the column


@dataclass(frozen=True)
class AnalyticsReport:
    date_from: str
    date_to: str
    events: dict[str, int]  # all events of each type in the range
    funnel: list[FunnelStep]
    series: list[dict]  # per UTC day, oldest first: {day, page_view, product_view, add_to_cart, purchase}
    products: list[dict]  # {product_id, name, views, orders, quantity, view_to_order}
    zero_result_searches: list[dict]  # {query, searches}
    searches: int
    searches_without_results: int
    cart_sessions: int
    cart_sessions_purchased: int
    cart_abandonment: float | None  # % of cart sessions without a purchase
    checkout_sessions: int
    checkout_sessions_purchased: int
    checkout_abandonment: float | None
    notes: list[str] = field(default_factory=list)


NOTES = [
    "Sessions are browser tabs; a step counts the sessions that had it at least once in these days.",
    "Bought: units and orders placed in these days, not cancelled or refunded (the sales reports' rule).",
    "Visitors who sent Do-Not-Track or Global Privacy Control are not counted.",
]


def _sessions_with(event_type: str, window):
    return sa.select(AnalyticsEvent.session_id).where(
        AnalyticsEvent.event_type == event_type, AnalyticsEvent.session_id.is_not(None), *window
    )


def analytics_report(
    *,
    session: Session,
    date_from: object = "",
    date_to: object = "",
    now: datetime | None = None,
    limit: int = 20,
) -> AnalyticsReport:
    """The report of the chosen UTC days (both included). Raises ``AdminError`` (422) for a bad range."""
    start, end = report_range(date_from, date_to, now=now)
    lo, hi = day_start(start), day_start(end + timedelta(days=1))
    window = (AnalyticsEvent.created_at >= lo, AnalyticsEvent.created_at < hi)
    E = AnalyticsEvent

    counts: dict[str, int] = {}
    sessions: dict[str, int] = {}
    for event_type, n, s in session.execute(
        sa.select(E.event_type, sa.func.count(), sa.func.count(sa.distinct(E.session_id)))
        .where(*window)
        .group_by(E.event_type)
    ):
        counts[event_type], sessions[event_type] = int(n), int(s)

    def purchased_among(started: str) -> int:
        return int(
            session.execute(
                sa.select(sa.func.count(sa.distinct(E.session_id))).where(
                    E.event_type == PURCHASE,
                    *window,
                    E.session_id.in_(_sessions_with(started, window)),
                )
            ).scalar_one()
        )

    cart_bought = purchased_among(ADD_TO_CART)
    checkout_bought = purchased_among(BEGIN_CHECKOUT)

    day = utc_day(session, E.created_at)
    per_day: dict[str, dict[str, int]] = {}
    for d, event_type, n in session.execute(
        sa.select(day, E.event_type, sa.func.count())
        .where(*window, E.event_type.in_(SERIES_TYPES))
        .group_by(day, E.event_type)
    ):
        per_day.setdefault(d, {})[event_type] = int(n)
    series = []
    for i in range((end - start).days + 1):
        d = (start + timedelta(days=i)).isoformat()
        got = per_day.get(d, {})
        series.append({"day": d, **{t: got.get(t, 0) for t in SERIES_TYPES}})

    product_id = DATA["product_id"].as_string()
    views = (
        sa.select(product_id.label("pid"), sa.func.count().label("views"))
        .where(E.event_type == PRODUCT_VIEW, *window)
        .group_by(product_id)
        .subquery()
    )
    bought = (
        sa.select(
            sa.cast(OrderItem.product_id, sa.String).label("pid"),
            sa.func.count(sa.distinct(OrderItem.order_id)).label("orders"),
            sa.func.sum(OrderItem.quantity).label("quantity"),
        )
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.status.notin_(COUNTED_OUT), Order.created_at >= lo, Order.created_at < hi)
        .group_by(OrderItem.product_id)
        .subquery()
    )
    view_rows = session.execute(
        sa.select(views.c.pid, views.c.views).order_by(views.c.views.desc(), views.c.pid).limit(limit)
    ).all()
    bought_rows = session.execute(
        sa.select(bought.c.pid, bought.c.orders, bought.c.quantity)
        .order_by(bought.c.quantity.desc(), bought.c.pid)
        .limit(limit)
    ).all()
    pids = {_norm(p) for p, *_ in [*view_rows, *bought_rows] if p}
    view_of = dict(
        session.execute(sa.select(views.c.pid, views.c.views).where(views.c.pid.in_(_spellings(pids)))).all()
    )
    bought_of = {
        p: (o, q)
        for p, o, q in session.execute(
            sa.select(bought.c.pid, bought.c.orders, bought.c.quantity).where(bought.c.pid.in_(_spellings(pids)))
        )
    }
    view_of = {_norm(k): int(v) for k, v in view_of.items()}
    bought_of = {_norm(k): (int(o), int(q or 0)) for k, (o, q) in bought_of.items()}
    names: dict[str, str] = dict(
        session.execute(
            sa.select(sa.cast(Product.id, sa.String), Product.name).where(
                sa.cast(Product.id, sa.String).in_(_spellings(pids))
            )
        ).all()
    )
    names = {_norm(k): str(v) for k, v in names.items()}
    products = []
    for pid in pids:
        v = view_of.get(pid, 0)
        o, q = bought_of.get(pid, (0, 0))
        products.append(
            {
                "product_id": pid,
                "name": names.get(pid, "(deleted product)"),
                "views": v,
                "orders": o,
                "quantity": q,
                "view_to_order": rate(o, v),
            }
        )
    products.sort(key=lambda r: (-r["views"], -r["quantity"], r["name"]))

    query = DATA["query"].as_string()
    results = DATA["results"].as_integer()
    zero = session.execute(
        sa.select(query, sa.func.count())
        .where(E.event_type == SEARCH, *window, results == 0)
        .group_by(query)
        .order_by(sa.func.count().desc(), query)
        .limit(limit)
    ).all()
    zero_total = int(
        session.execute(sa.select(sa.func.count()).where(E.event_type == SEARCH, *window, results == 0)).scalar_one()
    )

    return AnalyticsReport(
        date_from=start.isoformat(),
        date_to=end.isoformat(),
        events={t: counts.get(t, 0) for t in sorted(counts)},
        funnel=funnel(sessions),
        series=series,
        products=products,
        zero_result_searches=[{"query": q or "", "searches": int(n)} for q, n in zero],
        searches=counts.get(SEARCH, 0),
        searches_without_results=zero_total,
        cart_sessions=sessions.get(ADD_TO_CART, 0),
        cart_sessions_purchased=cart_bought,
        cart_abandonment=abandonment(sessions.get(ADD_TO_CART, 0), cart_bought),
        checkout_sessions=sessions.get(BEGIN_CHECKOUT, 0),
        checkout_sessions_purchased=checkout_bought,
        checkout_abandonment=abandonment(sessions.get(BEGIN_CHECKOUT, 0), checkout_bought),
        notes=list(NOTES),
    )


def _norm(pid: object) -> str:
    """A product id as one spelling (SQLite keeps UUIDs as 32 hex digits, events as dashed text)."""
    text = str(pid).replace("-", "").lower()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}" if len(text) == 32 else str(pid)


def _spellings(pids: set[str]) -> list[str]:
    return sorted({s for p in pids for s in (p, p.replace("-", ""))})


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def to_csv(rep: AnalyticsReport) -> str:
    """The report as one CSV in long form: section, name, metric, value (a spreadsheet pivots it)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["section", "name", "metric", "value"])
    w.writerow(["range", "", "date_from", rep.date_from])
    w.writerow(["range", "", "date_to", rep.date_to])
    for step in rep.funnel:
        w.writerow(["funnel", step.label, "sessions", step.sessions])
        w.writerow(["funnel", step.label, "from_previous_pct", _pct(step.from_previous)])
        w.writerow(["funnel", step.label, "from_start_pct", _pct(step.from_start)])
    w.writerow(["abandonment", "cart", "sessions", rep.cart_sessions])
    w.writerow(["abandonment", "cart", "purchased", rep.cart_sessions_purchased])
    w.writerow(["abandonment", "cart", "abandonment_pct", _pct(rep.cart_abandonment)])
    w.writerow(["abandonment", "checkout", "sessions", rep.checkout_sessions])
    w.writerow(["abandonment", "checkout", "purchased", rep.checkout_sessions_purchased])
    w.writerow(["abandonment", "checkout", "abandonment_pct", _pct(rep.checkout_abandonment)])
    for p in rep.products:
        for metric in ("views", "orders", "quantity"):
            w.writerow(["product", p["name"], metric, p[metric]])
        w.writerow(["product", p["name"], "view_to_order_pct", _pct(p["view_to_order"])])
    w.writerow(["searches", "", "searches", rep.searches])
    w.writerow(["searches", "", "without_results", rep.searches_without_results])
    for s in rep.zero_result_searches:
        w.writerow(["no_results", s["query"], "searches", s["searches"]])
    for point in rep.series:
        for t in SERIES_TYPES:
            w.writerow(["day", point["day"], t, point[t]])
    return out.getvalue()


def csv_filename(rep: AnalyticsReport) -> str:
    return f"marque-analytics-{rep.date_from}-to-{rep.date_to}.csv"
