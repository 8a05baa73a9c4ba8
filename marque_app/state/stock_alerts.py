"""Back-in-stock alerts in the browser: the product page's "Tell me when it is back" and the
account page's list of alerts. Each handler makes one service call in a worker thread."""

from __future__ import annotations

import reflex as rx

from marque_app.domain.stock_alerts import StockAlertError, subscribed_notice
from marque_app.services import stock_alerts
from marque_app.state.auth import AuthState, call_service, holds_user_data
from marque_app.views.stock_alerts import StockAlertView


@holds_user_data
class StockAlertState(rx.State):
    email: str = ""  # what a guest (or a shopper who wants another address) typed
    error: str = ""
    notices: dict[str, str] = {}  # sku id -> "We'll text ... once when it is back in stock."
    alerts: list[StockAlertView] = []  # the account page's list
    alerts_loaded: bool = False

    @rx.event
    def set_email(self, value: str):
        self.email = (value or "")[:255]
        self.error = ""

    @rx.event
    async def subscribe(self, sku_id: str):
        """Put the shopper on the list for the sold-out ``sku_id`` (the account's phone or
        e-mail when logged in and nothing was typed; the typed e-mail otherwise)."""
        if not sku_id:
            return None
        auth = await self.get_state(AuthState)
        user = await auth.current_user()
        self.error = ""
        try:
            alert = await call_service(
                stock_alerts.subscribe,
                sku_id=sku_id,
                user_id=user.id if user else None,
                email=self.email.strip() or None,
            )
        except StockAlertError as err:
            self.error = err.message
            return None
        self.notices = {**self.notices, sku_id: subscribed_notice(alert.channel, alert.contact)}
        return rx.toast.success("You're on the list")

    @rx.event
    async def load_alerts(self):
        """The account page's alerts (after ``AuthState.guard_page``)."""
        auth = await self.get_state(AuthState)
        user = await auth.current_user()
        if user is None:
            self.alerts, self.alerts_loaded = [], False
            return None
        self.alerts = await call_service(stock_alerts.list_mine, user_id=user.id)
        self.alerts_loaded = True
        return None

    @rx.event
    async def cancel_alert(self, alert_id: str):
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            self.reset()
            return auth.refusal()
        try:
            await call_service(stock_alerts.delete_mine, user_id=user.id, alert_id=alert_id)
        except StockAlertError:
            pass  # gone already (another tab, the message's link): the list below says so
        self.alerts = await call_service(stock_alerts.list_mine, user_id=user.id)
        return rx.toast.success("Alert cancelled")


class UnsubscribeState(rx.State):
    """The page a message's "cancel alerts" link opens (``/stock-alerts/unsubscribe?token=``)."""

    outcome: str = "loading"  # loading | cancelled | already | invalid
    product_name: str = ""

    @rx.event
    async def load_unsubscribe(self):
        token = self.router.url.query_parameters.get("token", "")
        try:
            gone = await call_service(stock_alerts.unsubscribe, token=token if isinstance(token, str) else "")
        except StockAlertError:
            self.outcome, self.product_name = "invalid", ""
            return
        self.outcome = "cancelled" if gone else "already"
        self.product_name = gone.product_name if gone else ""
