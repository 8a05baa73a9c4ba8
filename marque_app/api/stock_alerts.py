"""Back-in-stock alerts over REST.

- ``POST /api/v1/stock-alerts {sku_id, email?}``: be told once when a sold-out SKU is back. A
  logged-in caller is told by the account's phone (SMS), else its e-mail, or at ``email`` when
  given; a guest must give ``email``. 201 with the alert (asking again returns the same one);
  409 when the SKU can be bought now; 404 for an unknown SKU; 422 for a bad e-mail.
- ``GET /api/v1/stock-alerts``: the caller's alerts (waiting, due or sent), newest first.
- ``DELETE /api/v1/stock-alerts/{id}``: cancel one of the caller's (204; 404 when not theirs).
- ``POST /api/v1/stock-alerts/unsubscribe {token}``: cancel by the signed link of a message.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from marque_app.services import stock_alerts
from marque_app.views.stock_alerts import StockAlertView

from .deps import CurrentUser, SessionDep
from .errors import http_status
from .orders import OptionalUser
from .schemas import ErrorOut, RequestModel, model_of


class StockAlertRoute(APIRoute):
    """Answers :class:`StockAlertError` as ``{detail, field}`` with its code's status."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def run(request: Request):
            try:
                return await handler(request)
            except stock_alerts.StockAlertError as err:
                return JSONResponse({"detail": err.message, "field": err.field}, status_code=http_status(err))

        return run


class StockAlertIn(RequestModel):
    sku_id: str = Field(description="The sold-out SKU (a variant's id)")
    email: str | None = Field(
        None, description="Where to e-mail the alert; a guest must give it, an account defaults to its phone or e-mail"
    )


class UnsubscribeIn(RequestModel):
    token: str = Field(description="The `token` of the link in a back-in-stock message")


StockAlertOut = model_of(
    StockAlertView,
    "StockAlertOut",
    {
        "status": {"description": "waiting (for a restock), due (restocked, being sent) or sent"},
        "channel": {"description": "sms or email"},
    },
)


class StockAlertListOut(BaseModel):
    items: list[StockAlertOut]  # type: ignore[valid-type]  # built by model_of


class UnsubscribedOut(BaseModel):
    cancelled: bool = Field(description="False when the alert was cancelled already")
    product_name: str | None = None


ERRORS = {s: {"model": ErrorOut} for s in (401, 404, 409, 422)}
router = APIRouter(prefix="/api/v1", tags=["stock alerts"], route_class=StockAlertRoute, responses=ERRORS)


@router.post("/stock-alerts", response_model=StockAlertOut, status_code=201, summary="Be told when a SKU is back")
def subscribe(body: StockAlertIn, user: OptionalUser, session: SessionDep) -> JSONResponse:
    alert = stock_alerts.subscribe(
        session=session, sku_id=body.sku_id, user_id=user.id if user else None, email=body.email
    )
    return JSONResponse(alert.to_dict(), status_code=201)


@router.get("/stock-alerts", response_model=StockAlertListOut, summary="My back-in-stock alerts")
def list_mine(user: CurrentUser, session: SessionDep) -> JSONResponse:
    return JSONResponse({"items": [a.to_dict() for a in stock_alerts.list_mine(session=session, user_id=user.id)]})


@router.delete("/stock-alerts/{alert_id}", status_code=204, summary="Cancel one of my alerts")
def delete_mine(alert_id: str, user: CurrentUser, session: SessionDep) -> Response:
    stock_alerts.delete_mine(session=session, user_id=user.id, alert_id=alert_id)
    return Response(status_code=204)


@router.post("/stock-alerts/unsubscribe", response_model=UnsubscribedOut, summary="Cancel by a message's link")
def unsubscribe(body: UnsubscribeIn, session: SessionDep) -> JSONResponse:
    gone = stock_alerts.unsubscribe(session=session, token=body.token)
    return JSONResponse({"cancelled": gone is not None, "product_name": gone.product_name if gone else None})
