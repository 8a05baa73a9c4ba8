"""The page the verification e-mail links to (/verify-email?token=...)."""

from __future__ import annotations

import reflex as rx

from marque_app.domain.auth import AuthError
from marque_app.services import auth as auth_services
from marque_app.services.auth.ratelimit import get_rate_limiter
from marque_app.state.auth import call_service


class VerifyEmailState(rx.State):
    status: str = "checking"  # checking | verified | failed
    message: str = ""

    @rx.event
    async def load_verify_email(self):
        """Use the link's token once: the address is verified, or the page says why not."""
        self.status, self.message = "checking", ""
        yield
        token = str(self.router.url.query_parameters.get("token") or "")
        try:
            verified = await call_service(
                auth_services.verify_email,
                token=token,
                limiter=get_rate_limiter(),
                client=self.router.session.client_ip or "unknown",
            )
        except AuthError as err:
            self.status, self.message = "failed", err.message
            return
        self.status, self.message = "verified", f"Thank you: {verified.email} is verified."
