"""The admin REST API, part 2: ``/api/v1/admin/dashboard``, ``/orders``, ``/returns``, ``/reports``,
``/analytics``.

Same rules as ``api/admin.py``: an admin's bearer token on every route (401 without, 403 for
other roles), refusals as ``{"detail", "field"}`` with 422/404/409. Money is decimal strings;
dates are UTC days ``YYYY-MM-DD``. Review moderation is ``/api/v1/admin/reviews`` (api/reviews.py).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from marque_app.domain.admin import paging
from marque_app.services.admin import Actor, reports, returns
from marque_app.services.admin import analytics as admin_analytics
from marque_app.services.admin import orders as admin_orders
from marque_app.services.auth import get_email_sender, get_sms_sender

from .admin import ADMIN, ADMIN_ERRORS, AdminRoute, AdminUser, PageQ, PerPageQ, page_body
from .admin_bodies import AmountIn, NoteIn, StatusChangeIn, TrackingIn, fields
from .deps import SessionDep

router = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin: orders"],
    route_class=AdminRoute,
    dependencies=[Depends(ADMIN)],
    responses=ADMIN_ERRORS,
)


@router.get("/dashboard", summary="Revenue and orders (today, 7 and 30 days), by status, top products, stock")
def dashboard(session: SessionDep) -> dict:
    """Revenue counts orders not cancelled or refunded; days are UTC."""
    return asdict(reports.dashboard(session=session))


@router.get("/orders", summary="Orders, newest first, with filters")
def list_orders(
    session: SessionDep,
    status: str = "",
    payment_status: str = "",
    q: str = "",
    date_from: str = "",
    date_to: str = "",
    page: PageQ = None,
    per_page: PerPageQ = None,
) -> dict:
    """``q``: order number or customer e-mail; ``date_from``/``date_to``: UTC days, both included."""
    return page_body(
        admin_orders.list_orders(
            session=session,
            paging=paging(page, per_page),
            status=status,
            payment_status=payment_status,
            q=q,
            date_from=date_from,
            date_to=date_to,
        )
    )


@router.get("/orders/{order_id}", summary="One order with lines, timeline, notes and the allowed moves")
def get_order(order_id: str, session: SessionDep) -> dict:
    return asdict(admin_orders.get_order(session=session, order_id=order_id))


@router.put("/orders/{order_id}/status", summary="Move an order along the state machine")
def change_status(order_id: str, user: AdminUser, session: SessionDep, body: StatusChangeIn) -> dict:
    """Body: ``{"status", "note", "tracking_number"}`` (tracking only with shipped). 409 when the
    state machine forbids the move (nothing saved). The customer is notified."""
    return asdict(
        admin_orders.change_status(
            session=session,
            actor=Actor.of(user),
            order_id=order_id,
            data=fields(body),
            sms=get_sms_sender(),
            mailer=get_email_sender(),
        )
    )


@router.put("/orders/{order_id}/tracking", summary="Set or correct the tracking number")
def set_tracking(order_id: str, user: AdminUser, session: SessionDep, body: TrackingIn) -> dict:
    """Body: ``{"tracking_number"}``; processing, shipped or delivered orders only (409)."""
    return asdict(
        admin_orders.set_tracking(session=session, actor=Actor.of(user), order_id=order_id, data=fields(body))
    )


@router.post("/orders/{order_id}/notes", summary="Append an admin note (never shown to the customer)")
def add_note(order_id: str, user: AdminUser, session: SessionDep, body: NoteIn) -> dict:
    return asdict(admin_orders.add_note(session=session, actor=Actor.of(user), order_id=order_id, data=fields(body)))


@router.post("/orders/{order_id}/refund", summary="Refund through the payment interface")
def refund(order_id: str, user: AdminUser, session: SessionDep, body: AmountIn) -> dict:
    """Body: ``{"amount": "10.00"}``; no amount refunds what is left."""
    return asdict(admin_orders.refund(session=session, actor=Actor.of(user), order_id=order_id, data=fields(body)))


@router.post("/orders/{order_id}/mark-paid", summary="Cash on delivery: the cash was taken")
def mark_paid(order_id: str, user: AdminUser, session: SessionDep) -> dict:
    return asdict(admin_orders.mark_paid(session=session, actor=Actor.of(user), order_id=order_id))


@router.get("/returns", summary="Returns, newest first; status filter, return or order number")
def list_returns(
    session: SessionDep, status: str = "", q: str = "", page: PageQ = None, per_page: PerPageQ = None
) -> dict:
    return page_body(returns.list_returns(session=session, paging=paging(page, per_page), status=status, q=q))


@router.post("/returns/{return_id}/{action}", summary="approve, reject, receive (restock) or refund a return")
def return_action(return_id: str, action: str, user: AdminUser, session: SessionDep, body: AmountIn) -> dict:
    """Body for refund: ``{"amount"}`` (default: the returned lines' price)."""
    return asdict(
        returns.act(session=session, actor=Actor.of(user), return_id=return_id, action=action, data=fields(body))
    )


def _report(kind: str, session, date_from: str, date_to: str, format: str):
    rep = reports.report(session=session, kind=kind, date_from=date_from, date_to=date_to)
    if format == "csv":
        return Response(
            reports.to_csv(rep),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{reports.csv_filename(rep)}"'},
        )
    return asdict(rep)


@router.get("/reports/sales", summary="Sales by UTC day over a range (?format=csv)")
def report_sales(session: SessionDep, date_from: str = "", date_to: str = "", format: str = "json"):
    return _report("sales", session, date_from, date_to, format)


@router.get("/reports/products", summary="Sales by product over a range (?format=csv)")
def report_products(session: SessionDep, date_from: str = "", date_to: str = "", format: str = "json"):
    return _report("products", session, date_from, date_to, format)


@router.get("/reports/customers", summary="Sales by customer over a range (?format=csv)")
def report_customers(session: SessionDep, date_from: str = "", date_to: str = "", format: str = "json"):
    return _report("customers", session, date_from, date_to, format)


@router.get(
    "/analytics",
    summary="Shopper analytics over UTC days: funnel, products viewed vs bought, searches, abandonment (?format=csv)",
)
def analytics(session: SessionDep, date_from: str = "", date_to: str = "", format: Literal["json", "csv"] = "json"):
    """``date_from``/``date_to``: UTC days ``YYYY-MM-DD`` (default the last 30 days, at most 366);
    a bad day or range is a 422 naming the field."""
    rep = admin_analytics.analytics_report(session=session, date_from=date_from, date_to=date_to)
    if format == "csv":
        return Response(
            admin_analytics.to_csv(rep),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{admin_analytics.csv_filename(rep)}"'},
        )
    return asdict(rep)
