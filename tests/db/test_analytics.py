"""Analytics events: kept in memory, written in batches, pruned; DNT/GPC and the off switch; the report."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from marque_app.domain.admin import AdminError
from marque_app.domain.analytics import make_event
from marque_app.models import AnalyticsEvent
from marque_app.services import analytics, checkout
from marque_app.services.admin.analytics import analytics_report, to_csv
from marque_app.services.analytics import BATCH, EventBuffer, flush, prune_events
from marque_app.services.db import make_engine
from marque_app.settings import get_settings
from marque_app.state import analytics as state_analytics
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart

DAY = datetime(2031, 3, 2, 12, 0, tzinfo=UTC)  # far from every other test's rows


def _count(session, **where) -> int:
    stmt = select(sa.func.count()).select_from(AnalyticsEvent)
    for k, v in where.items():
        stmt = stmt.where(getattr(AnalyticsEvent, k) == v)
    return session.exec(stmt).one()


def _event(kind="page_view", *, at=DAY, session_id="tab-1", **kw):
    return make_event(kind, at=at, session_id=session_id, **kw)


class _Statements:
    """Counts the INSERTs into analytics_events a connection runs (Core level: one per execute)."""

    def __init__(self, conn):
        self.conn, self.inserts = conn, 0
        sa.event.listen(conn, "before_execute", self._seen)

    def _seen(self, conn, clause, multiparams, params, execution_options):
        if isinstance(clause, sa.sql.dml.Insert) and clause.table.name == "analytics_events":
            self.inserts += 1

    def close(self):
        sa.event.remove(self.conn, "before_execute", self._seen)


def test_record_writes_nothing_until_the_flush_writes_in_batches(session):
    buf = EventBuffer(maxlen=10_000)
    before = _count(session)
    n = 2 * BATCH + 5
    for i in range(n):
        analytics.record(_event(session_id=f"batch-{i % 7}", data={"path": f"/p/{i}"}), into=buf)
    assert len(buf) == n
    assert _count(session) == before  # an event is an append in memory, no row yet

    stmts = _Statements(session.connection())
    try:
        assert flush(session=session, into=buf) == n
    finally:
        stmts.close()
    assert stmts.inserts == 3  # BATCH events per statement: 1000 + 1000 + 5
    assert len(buf) == 0
    assert _count(session) == before + n
    row = session.exec(select(AnalyticsEvent).where(AnalyticsEvent.session_id == "batch-3")).first()
    assert row.event_type == "page_view" and row.event_data["path"].startswith("/p/")
    assert row.created_at == DAY
    assert flush(session=session, into=buf) == 0  # nothing left: no statement


def test_a_failed_flush_keeps_the_events_for_the_next_one(tmp_path, session):
    buf = EventBuffer(maxlen=100)
    for i in range(5):
        buf.append(_event(session_id=f"keep-{i}"))
    broken = make_engine(f"sqlite:///{tmp_path / 'missing' / 'no.db'}")  # a folder that does not exist
    with pytest.raises(sa.exc.OperationalError):
        flush(engine=broken, into=buf)
    assert [e.session_id for e in buf.take(10)] == [f"keep-{i}" for i in range(5)]  # same order


def test_a_full_buffer_drops_the_oldest_and_counts_them():
    buf = EventBuffer(maxlen=100)
    for i in range(130):
        buf.append(_event(session_id=f"s{i}"))
    assert len(buf) == 100 and buf.dropped == 30
    assert buf.take(1)[0].session_id == "s30"


def test_an_event_of_a_deleted_account_is_kept_without_the_user(session):
    user = make_user(session)
    session.flush()
    buf = EventBuffer(maxlen=10)
    buf.append(_event(session_id="known-user", user_id=str(user.id)))
    buf.append(_event(session_id="gone-user", user_id=str(uuid.uuid4())))
    buf.append(_event(session_id="bad-user", user_id="not-a-uuid"))
    assert flush(session=session, into=buf) == 3
    rows = {
        r.session_id: r.user_id
        for r in session.exec(
            select(AnalyticsEvent).where(AnalyticsEvent.session_id.in_(["known-user", "gone-user", "bad-user"]))
        )
    }
    assert rows == {"known-user": user.id, "gone-user": None, "bad-user": None}


def test_prune_deletes_only_events_past_the_retention(session):
    now = DAY + timedelta(days=400)
    buf = EventBuffer(maxlen=10)
    buf.append(_event(at=now - timedelta(days=31), session_id="prune-old"))
    buf.append(_event(at=now - timedelta(days=29), session_id="prune-recent"))
    flush(session=session, into=buf)
    assert prune_events(session, now=now, retention_days=30) >= 1
    left = set(session.exec(select(AnalyticsEvent.session_id).where(AnalyticsEvent.session_id.like("prune-%"))).all())
    assert left == {"prune-recent"}


# --- the page states' hook ---------------------------------------------------------------------


def _tab(headers: dict[str, str], *, token="tab-hook", ip="203.0.113.57", path="/products/x", sid=None):
    """A page state of a real state tree whose websocket handshake carried ``headers``."""
    import marque_app.marque_app  # noqa: F401  (registers every state)
    from marque_app.state.cart import CartState
    from tests.statetest import state_tree

    root, sub = state_tree()
    raw = {"user-agent": "Mozilla/5.0 Test", **headers}
    router_data = {"pathname": path, "asPath": path, "query": {}, "headers": raw, "token": token, "ip": ip}
    root._update_router_vars({**router_data, "sid": sid or uuid.uuid4().hex}, {})
    return sub(CartState)


@pytest.fixture
def own_buffer(monkeypatch):
    buf = EventBuffer(maxlen=1000)
    monkeypatch.setattr(analytics, "_BUFFER", buf)
    return buf


@pytest.mark.parametrize(
    "header",
    [{"DNT": "1"}, {"dnt": "1"}, {"Sec-GPC": "1"}, {"sec-gpc": "1"}, {"cookie": "a=b; marque_no_track=1; c=d"}],
)
def test_do_not_track_and_global_privacy_control_record_nothing(own_buffer, session, header):
    state_analytics.track(_tab(header), "product_view", {"product_id": "p"})
    state_analytics.track_page_view(_tab(header))
    assert len(own_buffer) == 0
    assert flush(session=session, into=own_buffer) == 0


def test_a_sockets_handshake_is_read_once_and_a_new_socket_again(own_buffer):
    """The headers and address of a tab's websocket are fixed for its life: read once per
    socket session. A reconnect (a new session id) may carry other ones (the shopper turned on
    Global Privacy Control meanwhile): they are read again."""
    token = f"tab-{uuid.uuid4().hex[:8]}"
    state_analytics.track(_tab({}, token=token, sid="socket-1"), "product_view", {"product_id": "p"})
    state_analytics.track(_tab({}, token=token, sid="socket-1", ip="198.51.100.9"), "product_view", {})
    state_analytics.track(_tab({"Sec-GPC": "1"}, token=token, sid="socket-2"), "product_view", {})
    events = own_buffer.take(10)
    assert [e.session_id for e in events] == [token, token]
    assert {e.ip_address for e in events} == {"203.0.113.0"}  # the socket's address, as first read


def test_the_setting_turns_tracking_off(own_buffer, monkeypatch):
    monkeypatch.setenv("MARQUE_ANALYTICS_ENABLED", "false")
    get_settings.cache_clear()
    try:
        state_analytics.track(_tab({}), "page_view", {"path": "/"})
        assert len(own_buffer) == 0
    finally:
        monkeypatch.delenv("MARQUE_ANALYTICS_ENABLED")
        get_settings.cache_clear()
    state_analytics.track(_tab({}), "page_view", {"path": "/"})
    assert len(own_buffer) == 1


def test_a_tracked_view_is_stored_with_a_truncated_address_and_the_previous_page(own_buffer, session):
    token = f"tab-{uuid.uuid4().hex[:8]}"
    previous = state_analytics.track_page_view(
        _tab({"DNT": "0", "cookie": "marque_no_track="}, token=token, path="/shop")
    )
    assert previous == "/shop"
    state_analytics.track_page_view(
        _tab({}, token=token, path="/products/linen-shirt", ip="2001:db8:85a3:1:2:3:4:5"), previous=previous
    )
    state_analytics.track_cart_op(
        _tab({}, token=token), {"id": "op1", "type": "add", "sku_id": "s1", "quantity": 2}, ""
    )
    state_analytics.track_cart_op(_tab({}, token=token), {"id": "op2", "type": "wish_add", "product_id": "p"}, "")
    assert flush(session=session, into=own_buffer) == 3
    rows = session.exec(
        select(AnalyticsEvent).where(AnalyticsEvent.session_id == token).order_by(AnalyticsEvent.created_at)
    ).all()
    assert [r.event_type for r in rows] == ["page_view", "page_view", "add_to_cart"]
    assert str(rows[0].ip_address) == "203.0.113.0"
    assert str(rows[1].ip_address) == "2001:db8:85a3::"
    assert rows[1].referrer == "/shop" and rows[1].event_data == {"path": "/products/linen-shirt"}
    assert rows[2].event_data == {"sku_id": "s1", "quantity": 2} and rows[2].user_agent == "Mozilla/5.0 Test"
    assert all("57" not in str(r.ip_address).split(".")[-1] for r in rows)


# --- the admin report --------------------------------------------------------------------------


def _events(session, items):
    buf = EventBuffer(maxlen=10_000)
    for kind, sid, data in items:
        buf.append(_event(kind, session_id=sid, data=data))
    flush(session=session, into=buf)


def test_the_report_funnel_products_searches_and_abandonment(session):
    user = make_user(session)
    product, (variant,) = make_product(session, price="20.00", stock=(50,))
    other, _ = make_product(session, price="5.00", stock=(5,))
    session.flush()
    pid, oid = str(product.id), str(other.id)
    items = []
    for n in range(10):  # 10 sessions visit
        items.append(("page_view", f"r{n}", {"path": "/"}))
    for n in range(6):  # 6 view a product (the first twice)
        items.append(("product_view", f"r{n}", {"product_id": pid}))
    items.append(("product_view", "r0", {"product_id": pid}))
    items.append(("product_view", "r9", {"product_id": oid}))
    for n in range(4):  # 4 add to the cart
        items.append(("add_to_cart", f"r{n}", {"sku_id": str(variant.id)}))
    for n in range(2):  # 2 begin the checkout, 1 buys
        items.append(("begin_checkout", f"r{n}", {}))
    items.append(("purchase", "r0", {"order_id": "x"}))
    items += [
        ("search", "r1", {"query": "linen", "results": 12}),
        ("search", "r2", {"query": "velvet cape", "results": 0}),
        ("search", "r3", {"query": "velvet cape", "results": 0}),
        ("search", "r4", {"query": "zzz", "results": 0}),
    ]
    _events(session, items)
    fill_cart(session, user, [variant], 3)
    checkout.place_order(session=session, user_id=user.id, shipping_address=address(), now=DAY)
    session.flush()

    rep = analytics_report(session=session, date_from="2031-03-01", date_to="2031-03-03")
    assert [(s.label, s.sessions) for s in rep.funnel] == [
        ("Visits", 10),
        ("Product views", 7),
        ("Added to cart", 4),
        ("Checkout", 2),
        ("Purchase", 1),
    ]
    assert [s.from_previous for s in rep.funnel] == [None, 70.0, 57.1, 50.0, 50.0]
    assert rep.funnel[-1].from_start == 10.0
    assert rep.cart_sessions == 4 and rep.cart_sessions_purchased == 1 and rep.cart_abandonment == 75.0
    assert rep.checkout_abandonment == 50.0
    assert rep.searches == 4 and rep.searches_without_results == 3
    assert rep.zero_result_searches == [{"query": "velvet cape", "searches": 2}, {"query": "zzz", "searches": 1}]
    by_id = {p["product_id"]: p for p in rep.products}
    assert by_id[pid]["views"] == 7 and by_id[pid]["orders"] == 1 and by_id[pid]["quantity"] == 3
    assert by_id[pid]["view_to_order"] == 14.3 and by_id[pid]["name"] == product.name
    assert by_id[oid]["views"] == 1 and by_id[oid]["orders"] == 0
    assert [p["day"] for p in rep.series] == ["2031-03-01", "2031-03-02", "2031-03-03"]
    assert rep.series[1]["page_view"] == 10 and rep.series[0]["page_view"] == 0
    csv_text = to_csv(rep)
    assert "funnel,Purchase,sessions,1\n" in csv_text and "no_results,velvet cape,searches,2\n" in csv_text

    # a day without events: zeros, no division by zero
    empty = analytics_report(session=session, date_from="2031-04-01", date_to="2031-04-01")
    assert [s.sessions for s in empty.funnel] == [0] * 5 and empty.cart_abandonment is None


@pytest.mark.parametrize(
    ("date_from", "date_to", "field"),
    [("2031-03-05", "2031-03-01", "date_to"), ("2029-01-01", "2031-01-01", "date_from"), ("soon", "", "date_from")],
)
def test_the_report_refuses_a_bad_range(session, date_from, date_to, field):
    with pytest.raises(AdminError) as err:
        analytics_report(session=session, date_from=date_from, date_to=date_to)
    assert err.value.field == field
