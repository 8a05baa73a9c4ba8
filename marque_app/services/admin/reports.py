"""Sales reports and the dashboard's numbers: aggregate SQL (GROUP BY), never a loop over orders.

Revenue counts the orders that are not cancelled or refunded (``COUNTED``): their
``total_amount`` (after discount, with shipping and tax). Days are UTC days.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from marque_app.domain.admin import AdminError, Paging
from marque_app.domain.money import format_money
from marque_app.domain.orders import STATUS_LABELS, STATUSES
from marque_app.models import (
    CartItem,
    Order,
    OrderItem,
    Product,
    ProductStatus,
    ProductVariant,
    StockAlert,
    User,
    Wishlist,
    utcnow,
)

from . import inventory
from .orders import day_start, parse_day

COUNTED_OUT = ("cancelled", "refunded")
REVENUE_RULE = "Revenue counts orders that are not cancelled or refunded (order totals, UTC days)."
MAX_DAYS = 366
KINDS = ("sales", "products", "customers")


def _counted():
    return Order.status.notin_(COUNTED_OUT)


def _day(session: Session, col):
    """The UTC calendar day of a timestamp column, as SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", col), "YYYY-MM-DD")
    return sa.func.strftime("%Y-%m-%d", col)  # SQLite holds UTC


#: The UTC-day expression, for the other report modules (analytics).
utc_day = _day


MONEY_COLUMNS = ("subtotal", "discount", "shipping", "tax", "revenue")  # plain amounts in the CSV


def money_cell(column: str, value: object, currency: str = "USD") -> str:
    """A report cell as the page shows it: money as the shop writes it ("$1,234.50"), the rest as
    it is (the CSV keeps plain amounts)."""
    if column in MONEY_COLUMNS and value not in (None, ""):
        return format_money(Decimal(str(value)), currency)
    return str(value)


def _money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


# --- dashboard ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    label: str
    orders: int
    revenue: str
    revenue_text: str = ""  # "$1,234.50" (domain.money.format_money, as the shop writes it)


@dataclass(frozen=True)
class DayPoint:
    day: str
    orders: int
    revenue: float  # for the chart only; the tables show the Decimal text
    revenue_text: str


@dataclass(frozen=True)
class Dashboard:
    periods: list[Period] = field(default_factory=list)
    series: list[DayPoint] = field(default_factory=list)  # the last 30 UTC days, oldest first, gaps as 0
    by_status: list[dict] = field(default_factory=list)  # {status, label, count}
    top_products: list[dict] = field(default_factory=list)  # {product_id, name, quantity, revenue}
    low_stock: list[dict] = field(default_factory=list)  # inventory.LowStockRow as dicts
    sold_out_demand: list[dict] = field(
        default_factory=list
    )  # {product_id, name, sku, variant, carts, wishlists, alerts}
    revenue_rule: str = REVENUE_RULE
    currency: str = "USD"


def dashboard(*, session: Session, now: datetime | None = None, top: int = 5) -> Dashboard:
    now = now or utcnow()
    today = now.date()
    starts = {
        "Today": day_start(today),
        "Last 7 days": day_start(today - timedelta(days=6)),
        "Last 30 days": day_start(today - timedelta(days=29)),
    }
    row = session.execute(
        sa.select(
            *[
                expr
                for start in starts.values()
                for expr in (
                    sa.func.count(sa.case((Order.created_at >= start, 1))),
                    sa.func.coalesce(sa.func.sum(sa.case((Order.created_at >= start, Order.total_amount))), 0),
                )
            ]
        ).where(_counted(), Order.created_at >= starts["Last 30 days"], Order.created_at <= now)
    ).one()
    currency = Dashboard.currency
    periods = [
        Period(label, int(row[2 * i]), _money(row[2 * i + 1]), format_money(Decimal(row[2 * i + 1] or 0), currency))
        for i, label in enumerate(starts)
    ]

    day = _day(session, Order.created_at)
    per_day = {
        d: (int(n), Decimal(r or 0))
        for d, n, r in session.execute(
            sa.select(day, sa.func.count(), sa.func.sum(Order.total_amount))
            .where(_counted(), Order.created_at >= starts["Last 30 days"], Order.created_at <= now)
            .group_by(day)
        )
    }
    series = []
    for i in range(30):
        d = (today - timedelta(days=29 - i)).isoformat()
        n, r = per_day.get(d, (0, Decimal("0")))
        series.append(DayPoint(d, n, float(r), _money(r)))

    counts = {
        getattr(s, "value", s): int(n)
        for s, n in session.execute(sa.select(Order.status, sa.func.count()).group_by(Order.status))
    }
    by_status = [{"status": s, "label": STATUS_LABELS[s], "count": counts.get(s, 0)} for s in STATUSES]

    top_rows = session.execute(
        sa.select(
            OrderItem.product_id,
            sa.func.max(OrderItem.product_name),
            sa.func.sum(OrderItem.quantity),
            sa.func.sum(OrderItem.total_price),
        )
        .join(Order, Order.id == OrderItem.order_id)
        .where(_counted(), Order.created_at >= starts["Last 30 days"], Order.created_at <= now)
        .group_by(OrderItem.product_id)
        .order_by(sa.func.sum(OrderItem.quantity).desc(), sa.func.max(OrderItem.product_name))
        .limit(top)
    ).all()
    top_products = [
        {
            "product_id": str(pid or ""),
            "name": name,
            "quantity": int(q),
            "revenue": _money(r),
            "revenue_text": format_money(Decimal(r or 0), currency),
        }
        for pid, name, q, r in top_rows
    ]

    low = inventory.low_stock(session=session, paging=Paging(1, 10))
    return Dashboard(
        periods=periods,
        series=series,
        by_status=by_status,
        top_products=top_products,
        low_stock=[asdict(r) for r in low.items],
        sold_out_demand=sold_out_demand(session=session),
    )


def sold_out_demand(*, session: Session, limit: int = 10) -> list[dict]:
    """Sold-out SKUs of live products with how many carts hold them, how many wishlists hold
    their product and how many back-in-stock alerts wait for them, most wanted first."""
    carts = (
        sa.select(
            CartItem.product_variant_id.label("vid"),
            sa.func.count(
                sa.distinct(sa.func.coalesce(sa.cast(CartItem.user_id, sa.String), CartItem.session_id))
            ).label("n"),
        )
        .group_by(CartItem.product_variant_id)
        .subquery()
    )
    wishes = (
        sa.select(Wishlist.product_id.label("pid"), sa.func.count().label("n")).group_by(Wishlist.product_id).subquery()
    )
    alerts = (
        sa.select(StockAlert.product_variant_id.label("vid"), sa.func.count().label("n"))
        .where(StockAlert.sent_at.is_(None))
        .group_by(StockAlert.product_variant_id)
        .subquery()
    )
    n_carts, n_wishes = sa.func.coalesce(carts.c.n, 0), sa.func.coalesce(wishes.c.n, 0)
    n_alerts = sa.func.coalesce(alerts.c.n, 0)
    wanted = n_carts + n_wishes + n_alerts
    rows = session.execute(
        sa.select(Product.id, Product.name, ProductVariant.sku, ProductVariant.name, n_carts, n_wishes, n_alerts)
        .join(Product, Product.id == ProductVariant.product_id)
        .outerjoin(carts, carts.c.vid == ProductVariant.id)
        .outerjoin(wishes, wishes.c.pid == Product.id)
        .outerjoin(alerts, alerts.c.vid == ProductVariant.id)
        .where(
            ProductVariant.inventory_quantity <= 0,
            Product.track_inventory,
            ~Product.allow_backorder,
            Product.status == ProductStatus.active,
            wanted > 0,
        )
        .order_by(wanted.desc(), Product.name, ProductVariant.sku)
        .limit(limit)
    ).all()
    return [
        {
            "product_id": str(pid),
            "name": name,
            "sku": sku,
            "variant": vname,
            "carts": int(c),
            "wishlists": int(w),
            "alerts": int(a),
        }
        for pid, name, sku, vname, c, w, a in rows
    ]


# --- reports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    kind: str
    date_from: str
    date_to: str
    columns: list[str]
    rows: list[dict]
    totals: dict
    revenue_rule: str = REVENUE_RULE


def report_range(date_from: object, date_to: object, *, now: datetime | None = None) -> tuple[date, date]:
    """The chosen UTC days (both included); default the last 30 days. Raises AdminError (422)."""
    today = (now or utcnow()).date()
    end = parse_day(date_to, "date_to") or today
    start = parse_day(date_from, "date_from") or end - timedelta(days=29)
    if end < start:
        raise AdminError("invalid", "The end date comes before the start date", field="date_to")
    if (end - start).days + 1 > MAX_DAYS:
        raise AdminError("invalid", f"Choose at most {MAX_DAYS} days", field="date_from")
    return start, end


def report(
    *,
    session: Session,
    kind: str,
    date_from: object = "",
    date_to: object = "",
    now: datetime | None = None,
    limit: int = 1000,
) -> Report:
    """``sales`` (by day, gaps as 0), ``products`` or ``customers`` over the chosen days."""
    if kind not in KINDS:
        raise AdminError("invalid", f"Report must be one of {', '.join(KINDS)}", field="kind")
    start, end = report_range(date_from, date_to, now=now)
    window = (_counted(), Order.created_at >= day_start(start), Order.created_at < day_start(end + timedelta(days=1)))
    if kind == "sales":
        day = _day(session, Order.created_at)
        got = {
            d: r
            for d, *r in session.execute(
                sa.select(
                    day,
                    sa.func.count(),
                    sa.func.sum(Order.subtotal),
                    sa.func.sum(Order.discount_amount),
                    sa.func.sum(Order.shipping_amount),
                    sa.func.sum(Order.tax_amount),
                    sa.func.sum(Order.total_amount),
                )
                .where(*window)
                .group_by(day)
            )
        }
        columns = ["day", "orders", "subtotal", "discount", "shipping", "tax", "revenue"]
        rows = []
        for i in range((end - start).days + 1):
            d = (start + timedelta(days=i)).isoformat()
            n, *money = got.get(d, (0, 0, 0, 0, 0, 0))
            rows.append(dict(zip(columns, [d, int(n), *[_money(m) for m in money]], strict=False)))
    elif kind == "products":
        columns = ["product", "sku", "orders", "quantity", "revenue"]
        rows = [
            dict(zip(columns, [name, sku, int(n), int(q), _money(r)], strict=False))
            for name, sku, n, q, r in session.execute(
                sa.select(
                    sa.func.max(OrderItem.product_name),
                    OrderItem.product_sku,
                    sa.func.count(sa.distinct(OrderItem.order_id)),
                    sa.func.sum(OrderItem.quantity),
                    sa.func.sum(OrderItem.total_price),
                )
                .join(Order, Order.id == OrderItem.order_id)
                .where(*window)
                .group_by(OrderItem.product_sku)
                .order_by(sa.func.sum(OrderItem.total_price).desc(), OrderItem.product_sku)
                .limit(limit)
            )
        ]
    else:
        columns = ["customer", "name", "orders", "revenue"]
        email = sa.func.coalesce(User.email, Order.guest_email, "")
        name = sa.func.max(sa.func.coalesce(User.first_name, "") + " " + sa.func.coalesce(User.last_name, ""))
        rows = [
            dict(zip(columns, [mail, (full or "").strip(), int(n), _money(r)], strict=False))
            for mail, full, n, r in session.execute(
                sa.select(email, name, sa.func.count(), sa.func.sum(Order.total_amount))
                .select_from(Order)
                .outerjoin(User, User.id == Order.user_id)
                .where(*window)
                .group_by(email)
                .order_by(sa.func.sum(Order.total_amount).desc(), email)
                .limit(limit)
            )
        ]
    totals: dict = {}
    for c in columns:
        values = [r[c] for r in rows]
        if kind == "products" and c == "orders":
            continue  # an order of two products is in two rows: its sum would count it twice
        if values and isinstance(values[0], int):
            totals[c] = sum(values)
        elif c in MONEY_COLUMNS:
            totals[c] = _money(sum((Decimal(v) for v in values), Decimal("0")))
    return Report(kind, start.isoformat(), end.isoformat(), columns, rows, totals)


def to_csv(rep: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rep.columns)
    for row in rep.rows:
        writer.writerow([_safe(row[c]) for c in rep.columns])
    return out.getvalue()


def _safe(value) -> object:
    """No spreadsheet formulas from names or e-mails."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def csv_filename(rep: Report) -> str:
    return f"marque-{rep.kind}-{rep.date_from}-to-{rep.date_to}.csv"
