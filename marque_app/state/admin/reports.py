"""Admin dashboard and reports: thin states over ``services.admin.reports``.

Every load and handler checks the admin first (``require_admin``): a guest or a customer gets a
reset state (no figures) or a refusal. The report's choice (kind and UTC days) lives in the URL
(``/admin/reports?kind=products&date_from=2026-01-01&date_to=2026-01-31``), so a reload or a
shared link shows the same report; its CSV is built on the server from the same report.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from marque_app import routes
from marque_app.domain.admin import AdminError
from marque_app.services.admin import reports
from marque_app.services.admin.inventory import LowStockRow
from marque_app.services.admin.reports import Period

from .base import form_text, query, refuse, require_admin, run, toast, url_with

KIND_LABELS = {"sales": "Sales by day", "products": "Sales by product", "customers": "Sales by customer"}
COLUMN_LABELS = {
    "day": "Day",
    "orders": "Orders",
    "subtotal": "Subtotal",
    "discount": "Discount",
    "shipping": "Shipping",
    "tax": "Tax",
    "revenue": "Revenue",
    "product": "Product",
    "sku": "SKU",
    "quantity": "Quantity",
    "customer": "Customer",
    "name": "Name",
}
FIELD_LABELS = {"kind": "Report", "date_from": "Date from", "date_to": "Date to"}
REPORT_PARAMS = ("kind", "date_from", "date_to")


class AdminDashboardState(rx.State):
    loaded: bool = False
    currency: str = "USD"
    revenue_rule: str = ""
    periods: list[Period] = []
    # the last 30 UTC days, oldest first: {day, label (MM-DD), orders, revenue}
    series: list[dict[str, Any]] = []
    has_sales: bool = False
    by_status: list[dict[str, str]] = []  # {status, label, count, share (CSS width), href}
    top_products: list[dict[str, str]] = []  # {product_id, name, quantity, revenue, href}
    low_stock: list[LowStockRow] = []
    sold_out: list[dict[str, str]] = []  # {product_id, name, sku, variant, carts, wishlists, alerts, href}

    @rx.event
    async def load_dashboard(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        dash = await run(reports.dashboard)
        self.currency, self.revenue_rule, self.periods = dash.currency, dash.revenue_rule, dash.periods
        self.series = [
            {"day": p.day, "label": p.day[5:], "orders": p.orders, "revenue": p.revenue} for p in dash.series
        ]
        self.has_sales = any(p.orders for p in dash.series)
        most = max((r["count"] for r in dash.by_status), default=0)
        self.by_status = [
            {
                "status": r["status"],
                "label": r["label"],
                "count": str(r["count"]),
                "share": f"{(100 * r['count'] / most) if most else 0:.0f}%",
                "href": url_with(routes.ADMIN_ORDERS, {"status": r["status"]}),
            }
            for r in dash.by_status
        ]
        self.top_products = [
            {
                "product_id": r["product_id"],
                "name": r["name"],
                "quantity": str(r["quantity"]),
                "revenue": r["revenue"],
                "revenue_text": r["revenue_text"],
                "href": f"{routes.ADMIN_PRODUCTS}/{r['product_id']}" if r["product_id"] else "",
            }
            for r in dash.top_products
        ]
        self.low_stock = [LowStockRow(**r) for r in dash.low_stock]
        self.sold_out = [
            {**{k: str(v) for k, v in r.items()}, "href": f"{routes.ADMIN_PRODUCTS}/{r['product_id']}"}
            for r in dash.sold_out_demand
        ]
        self.loaded = True
        return None


class AdminReportsState(rx.State):
    kind: str = "sales"
    date_from: str = ""
    date_to: str = ""
    columns: list[str] = []  # the report's column keys
    headers: list[str] = []  # their labels
    rows: list[list[str]] = []
    totals: list[str] = []  # one cell per column ("" where nothing adds up)
    revenue_rule: str = ""
    loaded: bool = False
    error: str = ""
    error_field: str = ""
    form_key: str = ""

    @rx.var
    def title(self) -> str:
        return KIND_LABELS.get(self.kind, "Report")

    @rx.var
    def error_text(self) -> str:
        """The error for the banner, naming its field (the field's own line has the message)."""
        label = FIELD_LABELS.get(self.error_field, "")
        return f"{label}: {self.error}" if label and self.error else self.error

    @rx.var
    def range_text(self) -> str:
        return f"{self.date_from} to {self.date_to} (UTC days, both included)" if self.loaded else ""

    def _show(self, rep: reports.Report) -> None:
        self.kind, self.date_from, self.date_to = rep.kind, rep.date_from, rep.date_to
        self.columns = list(rep.columns)
        self.headers = [COLUMN_LABELS.get(c, c) for c in rep.columns]
        # money as the shop writes it; the CSV download keeps the plain amounts
        self.rows = [[reports.money_cell(c, row[c]) for c in rep.columns] for row in rep.rows]
        self.totals = [reports.money_cell(c, rep.totals.get(c, "")) for c in rep.columns]
        self.revenue_rule = rep.revenue_rule
        if rep.columns and not self.totals[0]:
            self.totals[0] = "Total"
        self.loaded = True

    def _fail(self, err: AdminError) -> None:
        self.columns, self.headers, self.rows, self.totals, self.loaded = [], [], [], [], False
        self.error, self.error_field = err.message, err.field

    @rx.event
    async def load_report(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        chosen = {k: query(self, k).strip() for k in REPORT_PARAMS}
        chosen["kind"] = chosen["kind"] or "sales"
        # the form's inputs are uncontrolled: a new key remounts them with the URL's values
        self.form_key = "|".join(chosen.values())
        self.error = self.error_field = ""
        try:
            rep = await run(reports.report, **chosen)
        except AdminError as err:
            self.kind, self.date_from, self.date_to = chosen["kind"], chosen["date_from"], chosen["date_to"]
            self._fail(err)
            return None
        self._show(rep)
        return None

    @rx.event
    async def apply(self, form: dict):
        if await require_admin(self) is None:
            return await refuse(self)
        return rx.redirect(url_with(routes.ADMIN_REPORTS, {k: form_text(form, k).strip() for k in REPORT_PARAMS}))

    @rx.event
    async def download_csv(self):
        """The shown report (same kind and days) as a CSV file, built again on the server."""
        if await require_admin(self) is None:
            return await refuse(self)
        try:
            rep = await run(reports.report, kind=self.kind, date_from=self.date_from, date_to=self.date_to)
        except AdminError as err:
            self._fail(err)
            return toast.error(self.error_text)
        return rx.download(data=reports.to_csv(rep), filename=reports.csv_filename(rep), mime_type="text/csv")
