"""Admin returns and review-moderation states (placeholder: being built)."""

from __future__ import annotations

import reflex as rx

from .base import require_admin


class AdminReturnsState(rx.State):
    @rx.event
    async def load_returns(self):
        if await require_admin(self) is None:
            self.reset()


class AdminReviewsState(rx.State):
    @rx.event
    async def load_reviews(self):
        if await require_admin(self) is None:
            self.reset()
