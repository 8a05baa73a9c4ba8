"""The admin dashboard and reports states, with their handlers called directly (no page, no menu):
a guest and a customer read no figures and get no CSV; an admin gets the service's figures and a
CSV that is ``to_csv`` of the same report."""

from __future__ import annotations

import asyncio
import base64
import random
import string
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from marque_app.models import UserRole, utcnow
from marque_app.services import checkout
from marque_app.services.admin import reports
from marque_app.services.auth.tokens import issue_token
from marque_app.settings import get_settings
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart
from tests.statetest import bind_app, module_database, state_tree


@pytest.fixture(scope="module")
def own_db(tmp_path_factory) -> Iterator[tuple[str, sa.Engine]]:
    with module_database(tmp_path_factory, "admin-reports-db") as db:
        yield db


@pytest.fixture
def states(own_db, monkeypatch) -> Iterator[dict]:
    bind_app(monkeypatch, *own_db)
    root, sub = state_tree()

    from marque_app.state.admin.reports import AdminDashboardState, AdminReportsState
    from marque_app.state.auth import AuthState

    yield {
        "root": root,
        "auth": sub(AuthState),
        "dash": sub(AdminDashboardState),
        "reports": sub(AdminReportsState),
        "dash_cls": AdminDashboardState,
        "reports_cls": AdminReportsState,
    }
    get_settings.cache_clear()


@pytest.fixture
def db(own_db) -> Iterator[Session]:
    with Session(own_db[1], expire_on_commit=False) as session:
        yield session


def _tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


def _token(user) -> str:
    return issue_token(user_id=user.id, role=user.role, email=user.email).access_token


def _at(states, url: str) -> None:
    """The page URL the handlers see (``self.router.url``), as after a navigation."""
    from reflex.istate.data import ReflexURL, RouterData

    states["root"].router = RouterData(url=ReflexURL(f"http://shop.test{url}"))


def _order(db, t: str):
    user = make_user(db, first_name="Rita", last_name=f"Report{t}")
    product, (variant,) = make_product(db, f"Report Lamp {t}", price="31.00", stock=(9,))
    fill_cart(db, user, [variant], 2)
    placed = checkout.place_order(session=db, user_id=user.id, shipping_address=address())
    return user, product, variant, placed


def _run(coro):
    return asyncio.run(coro)


def _csv_of(out) -> tuple[str, str]:
    """The (filename, text) of the rx.download event a handler answered."""
    args = {str(name).strip('"'): str(value) for name, value in out.args}
    url = args["url"].strip('"')
    head, _, payload = url.partition(",")
    text = base64.b64decode(payload).decode() if head.endswith(";base64") else unquote(payload)
    return args["filename"].strip('"'), text


@pytest.mark.parametrize("who", ["guest", "customer"])
def test_non_admins_read_no_figures_and_get_no_csv(states, db, who):
    t = _tag()
    admin = make_user(db, role=UserRole.admin)
    _order(db, t)
    dash_cls, reports_cls = states["dash_cls"], states["reports_cls"]
    # an admin's tab had the figures; the same tab now belongs to a guest or a customer
    states["auth"].token = _token(admin)
    _at(states, "/admin/reports?kind=products")
    _run(dash_cls.load_dashboard.fn(states["dash"]))
    _run(reports_cls.load_report.fn(states["reports"]))
    assert states["dash"].periods and states["reports"].rows

    states["auth"].token = "" if who == "guest" else _token(make_user(db, role=UserRole.customer))
    _run(dash_cls.load_dashboard.fn(states["dash"]))
    _run(reports_cls.load_report.fn(states["reports"]))
    out = _run(reports_cls.download_csv.fn(states["reports"]))
    out_apply = _run(reports_cls.apply.fn(states["reports"], {"kind": "sales"}))

    expected = "Please log in first" if who == "guest" else "This needs the admin role"
    assert expected in str(out) and expected in str(out_apply)
    assert "_download" not in str(out) and "/admin/reports" not in str(out_apply)
    dash, rep = states["dash"], states["reports"]
    assert (
        dash.loaded,
        dash.periods,
        dash.series,
        dash.by_status,
        dash.top_products,
        dash.low_stock,
        dash.sold_out,
    ) == (False, [], [], [], [], [], [])
    assert (rep.loaded, rep.rows, rep.totals, rep.columns) == (False, [], [], [])


def test_an_admin_gets_the_dashboards_figures(states, db):
    t = _tag()
    states["auth"].token = _token(make_user(db, role=UserRole.admin))
    _, product, variant, placed = _order(db, t)
    # a sold-out SKU that a cart holds
    wanted, (gone,) = make_product(db, f"Wanted Scarf {t}", stock=(0,))
    fill_cart(db, make_user(db), [gone], 1)

    _run(states["dash_cls"].load_dashboard.fn(states["dash"]))
    expected = reports.dashboard(session=db)
    dash = states["dash"]
    assert dash.loaded and dash.periods == expected.periods
    assert [p.label for p in dash.periods] == ["Today", "Last 7 days", "Last 30 days"]
    assert dash.periods[0].orders >= 1 and dash.currency == "USD"
    assert all(p.revenue_text == f"${Decimal(p.revenue):,.2f}" for p in dash.periods)
    assert [(s["day"], s["orders"], s["revenue"]) for s in dash.series] == [
        (p.day, p.orders, p.revenue) for p in expected.series
    ]
    assert dash.series[-1]["day"] == utcnow().date().isoformat() and dash.has_sales
    assert [(r["status"], int(r["count"])) for r in dash.by_status] == [
        (r["status"], r["count"]) for r in expected.by_status
    ]
    pending = next(r for r in dash.by_status if r["status"] == "pending")
    assert pending["href"] == "/admin/orders?status=pending" and pending["share"] == "100%"
    lamp = next(r for r in dash.top_products if r["name"] == product.name)
    assert lamp["quantity"] == "2" and lamp["href"] == f"/admin/products/{product.id}"
    scarf = next(r for r in dash.sold_out if r["sku"] == gone.sku)
    assert (scarf["carts"], scarf["wishlists"], scarf["href"]) == ("1", "0", f"/admin/products/{wanted.id}")
    assert dash.revenue_rule == reports.REVENUE_RULE


def test_an_admin_gets_the_report_and_its_csv(states, db):
    t = _tag()
    states["auth"].token = _token(make_user(db, role=UserRole.admin))
    user, product, variant, placed = _order(db, t)
    today = utcnow().date()
    cls, rep_state = states["reports_cls"], states["reports"]

    # no choice in the URL: sales by day over the last 30 days, with a totals row
    _at(states, "/admin/reports")
    _run(cls.load_report.fn(rep_state))
    assert (rep_state.kind, rep_state.date_to, rep_state.error) == ("sales", today.isoformat(), "")
    assert rep_state.date_from == (today - timedelta(days=29)).isoformat() and len(rep_state.rows) == 30
    expected = reports.report(session=db, kind="sales")
    assert rep_state.rows[-1] == [reports.money_cell(c, expected.rows[-1][c]) for c in expected.columns]
    assert rep_state.totals[0] == "Total" and rep_state.totals[-1] == f"${Decimal(expected.totals['revenue']):,.2f}"
    assert rep_state.rows[-1][-1].startswith("$")  # money as the shop writes it, not "211.32"

    # by product over a chosen range; the CSV is the same report
    frm = (today - timedelta(days=3)).isoformat()
    _at(states, f"/admin/reports?kind=products&date_from={frm}&date_to={today.isoformat()}")
    _run(cls.load_report.fn(rep_state))
    assert rep_state.headers == ["Product", "SKU", "Orders", "Quantity", "Revenue"]
    row = next(r for r in rep_state.rows if r[0] == product.name)
    assert row[1:4] == [variant.sku, "1", "2"]
    out = _run(cls.download_csv.fn(rep_state))
    filename, text = _csv_of(out)
    expected = reports.report(session=db, kind="products", date_from=frm, date_to=today.isoformat())
    assert filename == reports.csv_filename(expected) == f"marque-products-{frm}-to-{today.isoformat()}.csv"
    assert text == reports.to_csv(expected)
    assert text.splitlines()[0] == "product,sku,orders,quantity,revenue" and product.name in text

    # by customer: the shopper's e-mail and name
    _at(states, "/admin/reports?kind=customers")
    _run(cls.load_report.fn(rep_state))
    assert [user.email, f"Rita Report{t}", "1"] == next(r for r in rep_state.rows if r[0] == user.email)[:3]

    # the choice goes into the URL
    out = _run(cls.apply.fn(rep_state, {"kind": "customers", "date_from": frm, "date_to": ""}))
    assert f"/admin/reports?kind=customers&date_from={frm}" in str(out)


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("date_from=2026-03-10&date_to=2026-03-01", "date_to", "Date to: The end date comes before the start date"),
        ("date_from=2024-01-01&date_to=2026-01-01", "date_from", "Date from: Choose at most 366 days"),
        ("date_from=2026-02-31", "date_from", "Date from: Date from must be a date (YYYY-MM-DD)"),
        ("kind=refunds", "kind", "Report: Report must be one of sales, products, customers"),
    ],
)
def test_bad_choices_give_a_form_error_and_no_table(states, db, query, field, words):
    states["auth"].token = _token(make_user(db, role=UserRole.admin))
    cls, rep_state = states["reports_cls"], states["reports"]
    _at(states, f"/admin/reports?{query}")
    _run(cls.load_report.fn(rep_state))
    assert (rep_state.error_text, rep_state.error_field) == (words, field)
    assert rep_state.error == words.split(": ", 1)[1]
    assert (rep_state.loaded, rep_state.rows, rep_state.columns) == (False, [], [])
    out = _run(cls.download_csv.fn(rep_state))
    assert "_download" not in str(out) and words in str(out)
