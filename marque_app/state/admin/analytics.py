"""Admin analytics (/admin/analytics): a thin state over ``services.admin.analytics``.

The range (UTC days) lives in the URL (``/admin/analytics?date_from=2026-10-01&date_to=2026-10-31``)
as the reports' does; the CSV is built again on the server from the same range. Every load and
handler checks the admin first.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from marque_app import routes
from marque_app.domain.admin import AdminError
from marque_app.services.admin import analytics

from .base import form_text, query, refuse, require_admin, run, toast, url_with

PARAMS = ("date_from", "date_to")
FIELD_LABELS = {"date_from": "Date from", "date_to": "Date to"}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


class AdminAnalyticsState(rx.State):
    date_from: str = ""
    date_to: str = ""
    loaded: bool = False
    error: str = ""
    error_field: str = ""
    form_key: str = ""
    has_events: bool = False
    # {label, sessions, from_previous, from_start, share (CSS width)}
    funnel: list[dict[str, str]] = []
    funnel_chart: list[dict[str, Any]] = []  # {label, sessions}
    series: list[dict[str, Any]] = []  # {label (MM-DD), page_view, product_view, add_to_cart, purchase}
    products: list[dict[str, str]] = []  # {name, views, orders, quantity, view_to_order, href}
    zero_searches: list[dict[str, str]] = []  # {query, searches}
    searches: str = "0"
    searches_without_results: str = "0"
    cart_abandonment: str = "-"
    cart_text: str = ""
    checkout_abandonment: str = "-"
    checkout_text: str = ""
    notes: list[str] = []

    @rx.var
    def error_text(self) -> str:
        label = FIELD_LABELS.get(self.error_field, "")
        return f"{label}: {self.error}" if label and self.error else self.error

    @rx.var
    def range_text(self) -> str:
        return f"{self.date_from} to {self.date_to} (UTC days, both included)" if self.loaded else ""

    def _show(self, rep: analytics.AnalyticsReport) -> None:
        self.date_from, self.date_to = rep.date_from, rep.date_to
        most = max((s.sessions for s in rep.funnel), default=0)
        self.funnel = [
            {
                "label": s.label,
                "sessions": f"{s.sessions:,}",
                "from_previous": _pct(s.from_previous) if s.from_previous is not None else "",
                "from_start": _pct(s.from_start),
                "share": f"{(100 * s.sessions / most) if most else 0:.0f}%",
            }
            for s in rep.funnel
        ]
        self.funnel_chart = [{"label": s.label, "sessions": s.sessions} for s in rep.funnel]
        self.series = [{**p, "label": p["day"][5:]} for p in rep.series]
        self.has_events = any(rep.events.values())
        self.products = [
            {
                "name": p["name"],
                "views": str(p["views"]),
                "orders": str(p["orders"]),
                "quantity": str(p["quantity"]),
                "view_to_order": _pct(p["view_to_order"]),
                "href": f"{routes.ADMIN_PRODUCTS}/{p['product_id']}",
            }
            for p in rep.products
        ]
        self.zero_searches = [{"query": s["query"], "searches": str(s["searches"])} for s in rep.zero_result_searches]
        self.searches, self.searches_without_results = f"{rep.searches:,}", f"{rep.searches_without_results:,}"
        self.cart_abandonment = _pct(rep.cart_abandonment)
        self.cart_text = f"{rep.cart_sessions:,} sessions added to the cart; {rep.cart_sessions_purchased:,} bought"
        self.checkout_abandonment = _pct(rep.checkout_abandonment)
        self.checkout_text = (
            f"{rep.checkout_sessions:,} sessions began a checkout; {rep.checkout_sessions_purchased:,} bought"
        )
        self.notes = list(rep.notes)
        self.loaded = True

    def _fail(self, err: AdminError) -> None:
        self.loaded = False
        self.funnel, self.funnel_chart, self.series, self.products, self.zero_searches = [], [], [], [], []
        self.error, self.error_field = err.message, err.field

    @rx.event
    async def load_analytics(self):
        if await require_admin(self) is None:
            self.reset()
            return None
        chosen = {k: query(self, k).strip() for k in PARAMS}
        self.form_key = "|".join(chosen.values())  # remount the uncontrolled inputs with the URL's days
        self.error = self.error_field = ""
        try:
            rep = await run(analytics.analytics_report, **chosen)
        except AdminError as err:
            self.date_from, self.date_to = chosen["date_from"], chosen["date_to"]
            self._fail(err)
            return None
        self._show(rep)
        return None

    @rx.event
    async def apply(self, form: dict):
        if await require_admin(self) is None:
            return await refuse(self)
        return rx.redirect(url_with(routes.ADMIN_ANALYTICS, {k: form_text(form, k).strip() for k in PARAMS}))

    @rx.event
    async def download_csv(self):
        """The shown range's report as a CSV file, built again on the server."""
        if await require_admin(self) is None:
            return await refuse(self)
        try:
            rep = await run(analytics.analytics_report, date_from=self.date_from, date_to=self.date_to)
        except AdminError as err:
            self._fail(err)
            return toast.error(self.error_text)
        return rx.download(data=analytics.to_csv(rep), filename=analytics.csv_filename(rep), mime_type="text/csv")
