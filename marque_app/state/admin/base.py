"""The admin's one server-side guard, called first by every admin page load and event handler.

    user = await require_admin(self)
    if user is None:
        return await refuse(self)     # guests: log-in page (and back); other roles: 403

``AuthState.guard_page("admin")`` in each admin page's ``on_load`` shows the 403 panel (or
sends a guest to ``/login?next=...``); the handlers check again, because an event can be sent
to the backend without the page (an open tab after a role change, a hand-made websocket frame).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import reflex as rx

from marque_app.domain.admin import AdminError, field_problem
from marque_app.services.auth import AuthUser
from marque_app.state.auth import AuthState, call_service

ROLE = "admin"


async def require_admin(state: rx.State) -> AuthUser | None:
    """The logged-in admin, checked now against the database; None for anyone else."""
    auth = await state.get_state(AuthState)
    return await auth.require_user(ROLE)


async def refuse(state: rx.State) -> list[Any]:
    """What a refused admin event answers: a 403 toast, or log in again."""
    auth = await state.get_state(AuthState)
    return auth.refusal()


async def run(fn, /, **kwargs: Any) -> Any:
    """A service call in a worker thread with its own session (commit on success)."""
    return await call_service(fn, **kwargs)


def query(state: rx.State, name: str) -> str:
    value = state.router.url.query_parameters.get(name)
    return str(value or "")


def url_with(base: str, params: dict[str, Any]) -> str:
    """``base`` with the non-empty ``params`` as its query string."""
    kept = {k: str(v) for k, v in params.items() if v not in (None, "", 0)}
    return f"{base}?{urlencode(kept)}" if kept else base


VISIBLE_TOASTS = 3  # the toaster shows at most this many at once (components.theme.toaster)


def toast_id(level: str, message: str, kind: str = "") -> str:
    """One id per kind of message: the same message again replaces its toast instead of piling
    another on top (sonner updates a toast whose id is already shown)."""
    return f"admin-{level}-{kind}" if kind else f"admin-{level}-{' '.join(str(message).split()).lower()[:80]}"


class toast:
    """``rx.toast`` for the admin, with :func:`toast_id` (pass ``kind`` to make every message of
    one kind replace the last, e.g. "saved")."""

    @staticmethod
    def success(message: str, *, kind: str = "", **props: Any):
        return rx.toast.success(message, id=toast_id("success", message, kind), **props)

    @staticmethod
    def error(message: str, *, kind: str = "", **props: Any):
        return rx.toast.error(message, id=toast_id("error", message, kind), **props)

    @staticmethod
    def info(message: str, *, kind: str = "", **props: Any):
        return rx.toast.info(message, id=toast_id("info", message, kind), **props)

    @staticmethod
    def warning(message: str, *, kind: str = "", **props: Any):
        return rx.toast.warning(message, id=toast_id("warning", message, kind), **props)


async def recheck_field(state: Any, form: str, name: str, value: str) -> Any:
    """An admin form's field changed while it holds the form's error: its own rule again
    (``domain.admin.field_problem``); corrected, the error goes (banner and field line), else its
    words follow what is typed now. The form sends this only for the field in error."""
    if await require_admin(state) is None:
        return await refuse(state)
    if not name or state.error_field != name:
        return None
    problem = field_problem(form, name, value if isinstance(value, str) else "")
    if problem:
        state.error = problem
    else:
        state.error, state.error_field = "", ""
    return None


def form_text(form: dict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


__all__ = [
    "ROLE",
    "VISIBLE_TOASTS",
    "AdminError",
    "form_text",
    "query",
    "recheck_field",
    "refuse",
    "require_admin",
    "run",
    "toast",
    "toast_id",
    "url_with",
]
