"""Admin dashboard and reports states (placeholder: being built)."""

from __future__ import annotations

import reflex as rx

from .base import require_admin


class AdminDashboardState(rx.State):
    @rx.event
    async def load_dashboard(self):
        if await require_admin(self) is None:
            self.reset()


class AdminReportsState(rx.State):
    @rx.event
    async def load_report(self):
        if await require_admin(self) is None:
            self.reset()
