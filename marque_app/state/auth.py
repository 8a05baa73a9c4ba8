"""Who is logged in (AuthState), and the log-in, register and password-reset forms (LoginState).

The JWT lives in the browser's local storage (``marque_token``, synced across tabs), as the
seed's ``useAuth`` keeps it; the backend checks it with the services' one guard
(``services.auth.authenticate``) on every page load and in every handler that needs a user,
so an expired, tampered, wrongly signed or logged-out token counts as logged out everywhere.

For other states::

    auth = await self.get_state(AuthState)
    user = await auth.require_user()      # or await auth.require_user("admin", "support")
    if user is None:
        return auth.refusal()             # toast + redirect to /login?next=..., or a 403 toast
    ... user.id, user.role ...

Pages that need a user put ``AuthState.guard_page`` (any user) or
``AuthState.guard_page("admin")`` in their ``on_load``; guests go to ``/login?next=<page>``,
a wrong role sees the 403 panel (``AuthState.is_forbidden``).

Hooks: ``on_login(handler)`` adds an event handler that runs after every log-in (the cart and
wishlist merge), called explicitly where the app is built (``marque_app.py``), never as a side
effect of importing a state module; ``holds_user_data(StateClass)`` marks a state that keeps the user's data, which
log-out (and an expired session) reset, so nothing of the account stays in the browser.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable
from typing import Any

import reflex as rx

from marque_app import routes
from marque_app.domain import network
from marque_app.domain.auth import AuthError, RateLimited, Unauthorized
from marque_app.services import auth as auth_services
from marque_app.services.auth.ratelimit import check_login, get_rate_limiter
from marque_app.services.db import run_unit, session_scope
from marque_app.settings import get_settings
from marque_app.state.changes import StorageSetsOnlyChanges, assign

TOKEN_KEY = "marque_token"
EXPIRED = "Session expired, please login"

_login_hooks: list[Any] = []
_user_data_states: list[type[rx.State]] = []


def on_login(handler: Any) -> Any:
    """Run the event ``handler`` (e.g. ``CartState.merge_guest_cart``) after every log-in.

    The handler runs as its own event once the token is stored; it finds the user with
    ``await self.get_state(AuthState)`` and ``require_user()``. Registering the same handler
    again changes nothing (an app module imported twice does not merge twice).
    """
    if handler not in _login_hooks:
        _login_hooks.append(handler)
    return handler


def login_hooks() -> tuple[Any, ...]:
    """The handlers :func:`on_login` registered, in order."""
    return tuple(_login_hooks)


def holds_user_data(state_cls: type[rx.State]) -> type[rx.State]:
    """Class decorator: ``state_cls`` keeps account data; log-out resets it to its defaults."""
    _user_data_states.append(state_cls)
    return state_cls


#: Seconds an event may reuse the token check it already made (a page load checks the token for
#: the frame and again for the page's own reads; one check serves both).
CHECK_REUSE_SECONDS = 2.0
#: The last token check of the current event (each event runs in its own asyncio task, so a
#: context variable set there is seen by that event only): (token, user, when).
_checked: contextvars.ContextVar[tuple[str, auth_services.AuthUser, float] | None] = contextvars.ContextVar(
    "marque_token_checked", default=None
)


def _authenticate(token: str) -> auth_services.AuthUser:
    with session_scope() as session:
        return auth_services.authenticate(session=session, token=token, redis=auth_services.get_redis())


def _as_user(*, token: str, fn: Callable[..., Any], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """The token's check, then ``fn`` for its user, in one worker thread (``AuthState.call_as_user``).

    Two units, not one: on SQLite a transaction that reads (the check) and then writes fails at
    once when another connection committed in between, where one that starts with its write
    waits its turn."""
    user = _authenticate(token)
    return user, run_unit(fn, user_id=str(user.user.id), **kwargs)


def _revoke(*, session, token: str) -> None:
    user = auth_services.authenticate(session=session, token=token, redis=auth_services.get_redis())
    auth_services.log_out(session=session, claims=user.claims, redis=auth_services.get_redis())


async def call_service(fn: Callable[..., Any], /, **kwargs: Any) -> Any:
    """``fn(session=..., **kwargs)`` in a worker thread (password hashing, SMS, SMTP block)."""

    return await asyncio.to_thread(run_unit, fn, **kwargs)


async def count_login(**kwargs: Any) -> None:
    """``check_login`` (a log-in attempt counted: a Redis round trip when Redis is set) in a worker
    thread, so a slow Redis never stalls the event loop; raises ``RateLimited`` as it does."""
    await asyncio.to_thread(check_login, get_rate_limiter(), **kwargs)


def client_address(router: Any) -> str:
    """The address of the tab behind this websocket: its handshake's peer, or the
    ``X-Forwarded-For`` entry of the trusted proxy in front (``MARQUE_TRUSTED_PROXY_HOPS``;
    ``domain.network.client_address``, the rule the API's limits use too)."""
    raw = router.headers.raw_headers
    peer = raw.get("asgi-scope-client") or router.session.client_ip
    return network.client_address(peer, raw.get("x-forwarded-for"), get_settings().trusted_proxy_hops)


def display_name(user: auth_services.UserPublic) -> str:
    """What the header shows for ``user``: the name, else the phone number, else the e-mail."""
    name = f"{user.first_name} {user.last_name}".strip()
    return name or user.phone or user.email or "Account"


class AuthState(StorageSetsOnlyChanges, rx.State):
    """The logged-in user's public profile, restored from the token on every page load."""

    token: str = rx.LocalStorage("", name=TOKEN_KEY, sync=True)
    is_logged_in: bool = False
    auth_checked: bool = False  # load_auth/guard_page ran since the page was opened
    is_forbidden: bool = False  # the page needs a role this user does not have
    forbidden_message: str = ""
    user_name: str = ""
    user_first_name: str = ""
    user_last_name: str = ""
    user_email: str = ""
    user_phone: str = ""
    user_role: str = ""
    user_has_password: bool = False
    _user_id: str = ""
    _refusal: str = ""  # why require_user refused: "login", "expired", "forbidden"
    _refusal_message: str = ""

    # --- the guard, for every handler -----------------------------------------------------

    def _apply(self, user: auth_services.UserPublic) -> None:
        assign(
            self,
            is_logged_in=True,
            _user_id=str(user.id),
            user_name=display_name(user),
            user_first_name=user.first_name,
            user_last_name=user.last_name,
            user_email=user.email or "",
            user_phone=user.phone or "",
            user_role=user.role.value,
            user_has_password=user.has_password,
        )

    def _forget(self) -> None:
        """Drop the token (the browser's copy is emptied with this update; not with
        ``rx.remove_local_storage``, which would re-run the current page's on_load before a
        redirect) and every var derived from the user."""
        self.token = ""
        self.is_logged_in = False
        self._user_id = ""
        self.user_name = self.user_first_name = self.user_last_name = ""
        self.user_email = self.user_phone = self.user_role = ""
        self.user_has_password = False

    async def _current_user(self) -> auth_services.AuthUser | None:
        """The user of the stored token, checked by the one guard; None when logged out.

        A token the guard refuses (expired, tampered, wrong key, logged out, account gone) is
        forgotten here and ``_refusal`` says "expired".
        """
        if not self.token:
            if self.is_logged_in:
                self._forget()
            assign(self, _refusal="login", _refusal_message="")
            return None
        assign(self, _refusal="", _refusal_message="")
        checked = _checked.get()
        if checked is not None and checked[0] == self.token and time.monotonic() - checked[2] < CHECK_REUSE_SECONDS:
            return checked[1]  # this event checked this token a moment ago
        try:
            user = await asyncio.to_thread(_authenticate, self.token)  # off the event loop
        except Unauthorized:
            _checked.set(None)
            self._forget()
            self._refusal = "expired"
            return None
        self._apply(user.user)
        _checked.set((self.token, user, time.monotonic()))
        return user

    async def _require_user(self, *roles: str) -> auth_services.AuthUser | None:
        """The logged-in user when the guard accepts the token (and the role is one of
        ``roles``, when given); else None, and :meth:`refusal` gives the events to return."""
        user = await self._current_user()
        if user is None or not roles:
            return user
        try:
            return auth_services.require_role(user, *roles)
        except AuthError as err:
            self._refusal, self._refusal_message = "forbidden", err.message
            return None

    async def _call_as_user(self, fn: Callable[..., Any], /, **kwargs: Any) -> Any:
        """``fn(session=..., user_id=<the token's user>, **kwargs)`` after the token's check, both
        in one worker thread (one hop instead of two: an add to a user's cart is one event that
        must stay cheap).

        Raises:
            Unauthorized: the guard refused the token (it is forgotten here, as
                :meth:`_current_user` does; :meth:`refusal` gives the events to return).
        """
        self._refusal = self._refusal_message = ""
        token = self.token
        try:
            if not token:
                raise Unauthorized("Not logged in")
            user, result = await asyncio.to_thread(_as_user, token=token, fn=fn, kwargs=kwargs)
        except Unauthorized:
            _checked.set(None)
            self._refusal = "expired" if token else "login"
            if token or self.is_logged_in:
                self._forget()
            raise
        self._apply(user.user)
        _checked.set((token, user, time.monotonic()))
        return result

    def _refusal_events(self) -> list[rx.event.EventSpec]:
        """The answer to a refused :meth:`require_user`: log in again, or a 403 toast."""
        if self._refusal == "forbidden":
            return [rx.toast.error(self._refusal_message or "You may not do this")]
        events: list[Any] = []
        if self._refusal == "expired":
            events.append(rx.toast.error(EXPIRED))
        else:
            events.append(rx.toast.info("Please log in first"))
        events.append(rx.redirect(routes.login_url(self._here())))
        return events

    # The other states' server-side helpers. Reflex makes every public method of a state an
    # event that the browser may send (and so run with its own arguments); these are private
    # methods, reached by the other states through read-only properties, which are not events.
    @property
    def current_user(self) -> Callable[[], Awaitable[auth_services.AuthUser | None]]:
        """``await auth.current_user()``: see :meth:`_current_user`."""
        return self._current_user

    @property
    def require_user(self) -> Callable[..., Awaitable[auth_services.AuthUser | None]]:
        """``await auth.require_user(*roles)``: see :meth:`_require_user`."""
        return self._require_user

    @property
    def call_as_user(self) -> Callable[..., Awaitable[Any]]:
        """``await auth.call_as_user(fn, **kwargs)``: see :meth:`_call_as_user`."""
        return self._call_as_user

    @property
    def refusal(self) -> Callable[[], list[rx.event.EventSpec]]:
        """``auth.refusal()``: the events answering a refused ``require_user``."""
        return self._refusal_events

    def _here(self) -> str:
        """The current page's path and query (without the static export's trailing slash)."""
        path = self.router.url.path or "/"
        path = path.rstrip("/") or "/"
        query = self.router.url.query
        return f"{path}?{query}" if query else path

    async def _reset_user_data(self) -> None:
        for state_cls in _user_data_states:
            (await self.get_state(state_cls)).reset()

    # --- page loads --------------------------------------------------------------------------

    @rx.event
    async def load_auth(self):
        """Every page: restore the user from the stored token (or forget a refused token)."""
        return await self._restore()

    async def _restore(self):
        had_token = bool(self.token)
        assign(self, is_forbidden=False)
        user = await self._current_user()
        assign(self, auth_checked=True)
        if user is None and had_token:
            await self._reset_user_data()
            return rx.toast.error(EXPIRED)
        return None

    @rx.event
    async def guard_page(self, roles: str = ""):
        """A page for logged-in users (``roles``: "admin,support"; "" any role).

        Guests go to ``/login?next=<this page>``; a wrong role gets the 403 panel.
        """
        self.is_forbidden = False
        self.forbidden_message = ""
        wanted = [r.strip() for r in roles.split(",") if r.strip()]
        user = await self._require_user(*wanted)
        self.auth_checked = True
        if user is not None:
            return None
        if self._refusal == "forbidden":
            self.is_forbidden = True
            self.forbidden_message = self._refusal_message
            return None
        await self._reset_user_data()
        next_path = self._here()
        events: list[Any] = []
        if self._refusal == "expired":
            events.append(rx.toast.error(EXPIRED))
        events.append(rx.redirect(routes.login_url(next_path), replace=True))
        return events

    # --- log in / out ------------------------------------------------------------------------

    def _logged_in(self, result: auth_services.AuthResult, next_path: str = "") -> list[Any]:
        """Keep the token of a successful log-in; the events to return: toast, hooks, redirect."""
        self.token = result.access_token
        self._apply(result.user)
        self.auth_checked = True
        self.is_forbidden = False
        return [
            rx.toast.success("Logged in!"),
            *_login_hooks,
            rx.redirect(routes.safe_next(next_path)),
        ]

    @rx.event
    async def log_out(self):
        """Revoke the token on the server, then forget it and every bit of the user's data."""
        token = self.token
        if token:
            try:
                await call_service(_revoke, token=token)
            except Unauthorized:
                pass  # already expired or revoked: nothing to revoke
        self._forget()
        self.is_forbidden = False
        await self._reset_user_data()
        return [rx.toast.info("Logged out"), rx.redirect(routes.HOME)]

    async def _end_session(self, message: str) -> list[Any]:
        """Forget the user after their account was deleted; the events to return."""
        self._forget()
        await self._reset_user_data()
        return [rx.toast.info(message), rx.redirect(routes.HOME)]


# --- the log-in, register and reset forms ------------------------------------------------------


def _text(form: dict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


class LoginState(rx.State):
    """The forms of /login (phone code, e-mail), /register, /forgot-password, /reset-password."""

    tab: str = "phone"
    code_sent_to: str = ""  # E.164; "" while the phone step shows
    resend_in: int = 0  # seconds until "Resend code" (counted down live)
    error: str = ""
    error_field: str = ""
    notice: str = ""
    busy: bool = False
    password_hints: list[str] = []  # what the typed password lacks (register, reset)
    password_typed: bool = False
    reset_done: bool = False
    _countdown: int = 0  # generation of the running countdown

    def _fail(self, err: AuthError) -> None:
        self.error, self.error_field, self.busy = err.message, err.field or "", False

    def _clear(self) -> None:
        self.error, self.error_field, self.notice = "", "", ""

    def _client(self) -> str:
        return client_address(self.router)

    def _next(self) -> str:
        return str(self.router.url.query_parameters.get("next") or "")

    @rx.event
    async def load_login(self):
        """/login, /register: a fresh form (``?tab=email`` opens that tab); a user who is
        already logged in goes on to ``next``."""
        self.reset()
        if self.router.url.query_parameters.get("tab") == "email":
            self.tab = "email"
        auth = await self.get_state(AuthState)
        if auth.is_logged_in:
            return rx.redirect(routes.safe_next(self._next()), replace=True)
        return None

    @rx.event
    def load_password_form(self):
        """/forgot-password, /reset-password: a fresh form."""
        self.reset()

    @rx.event
    def set_tab(self, tab: str):
        self.tab = tab if tab in ("phone", "email") else "phone"
        self._clear()

    @rx.event
    def change_number(self):
        """Back to the phone step (a typo in the number)."""
        self.code_sent_to = ""
        self.resend_in = 0
        self._countdown += 1
        self._clear()

    @rx.event
    def check_password(self, value: str):
        """Live hints under a new-password field."""
        self.password_typed = bool(value)
        self.password_hints = auth_services.password_problems(value or "")

    # --- phone -------------------------------------------------------------------------------

    async def _send(self, phone: str):
        self._clear()
        try:
            e164 = auth_services.normalize_phone(phone)
            await count_login(scope="code", identifier=e164, client=self._client())
            sent = await call_service(
                auth_services.send_phone_code,
                phone=e164,
                sms=auth_services.get_sms_sender(),
                redis=auth_services.get_redis(),
            )
        except RateLimited as err:
            if err.field == "phone" and self.code_sent_to == "":
                # a code for this number is still on its way: go to the code step
                self.code_sent_to = auth_services.normalize_phone(phone)
                self.resend_in = err.retry_after
                self.notice = f"We already sent a code to {self.code_sent_to}; enter it below"
                self.busy = False
                return LoginState.run_countdown
            self._fail(err)
            return None
        except AuthError as err:
            self._fail(err)
            return None
        except auth_services.DeliveryError:
            self.error, self.busy = "We could not send the SMS just now; try again in a minute", False
            return None
        self.code_sent_to = sent.phone
        self.resend_in = sent.resend_in
        self.notice = f"We sent a 6-digit code to {sent.phone}"
        self.busy = False
        return LoginState.run_countdown

    @rx.event
    async def send_code(self, form: dict):
        """Phone step: text a code to the number typed."""
        self.busy = True
        yield
        yield await self._send(_text(form, "phone"))

    @rx.event
    async def resend_code(self):
        """ "Resend code" once the countdown is over (the server's gap is the truth)."""
        if not self.code_sent_to:
            return
        self.busy = True
        yield
        yield await self._send(self.code_sent_to)

    @rx.event(background=True)
    async def run_countdown(self):
        """Count ``resend_in`` down once a second (a newer countdown stops this one)."""
        async with self:
            self._countdown += 1
            mine = self._countdown
        while True:
            await asyncio.sleep(1)
            async with self:
                if self._countdown != mine or self.resend_in <= 0:
                    return
                self.resend_in -= 1

    @rx.event
    async def verify_code(self, form: dict):
        """Code step: log in with the code (typed or pasted)."""
        if not self.code_sent_to:
            return
        self._clear()
        self.busy = True
        yield
        try:
            await count_login(scope="login", identifier=self.code_sent_to, client=self._client())
            result = await call_service(
                auth_services.log_in_with_phone_code,
                phone=self.code_sent_to,
                code=_text(form, "code"),
                redis=auth_services.get_redis(),
                client=self._client(),
            )
        except AuthError as err:
            self._fail(err)
            return
        yield await self._finish_log_in(result)

    async def _finish_log_in(self, result) -> list:
        """Hand the log-in to AuthState (token, toast, merge, redirect) and clear the forms."""
        auth = await self.get_state(AuthState)
        events = auth._logged_in(result, self._next())
        self.reset()
        return events

    # --- e-mail and password -----------------------------------------------------------------

    @rx.event
    async def log_in_with_email(self, form: dict):
        self._clear()
        self.busy = True
        yield
        email = _text(form, "email").strip().lower()
        try:
            await count_login(scope="login", identifier=email, client=self._client())
            result = await call_service(
                auth_services.log_in_with_password,
                email=email,
                password=_text(form, "password"),
                client=self._client(),
            )
        except AuthError as err:
            self._fail(err)
            return
        events = await self._finish_log_in(result)
        self.tab = "email"
        yield events

    @rx.event
    async def register(self, form: dict):
        self._clear()
        self.busy = True
        yield
        email = _text(form, "email").strip().lower()
        try:
            await count_login(scope="register", identifier=email, client=self._client())
            result = await call_service(
                auth_services.register,
                email=email,
                password=_text(form, "password"),
                first_name=_text(form, "first_name"),
                last_name=_text(form, "last_name"),
                mailer=auth_services.get_email_sender(),  # the verification link
            )
        except AuthError as err:
            self._fail(err)
            return
        yield await self._finish_log_in(result)

    @rx.event
    async def request_reset(self, form: dict):
        """/forgot-password: e-mail a reset link (the same answer whether or not it exists)."""
        self._clear()
        self.busy = True
        yield
        email = _text(form, "email").strip().lower()
        try:
            await count_login(scope="reset", identifier=email, client=self._client())
            await call_service(
                auth_services.request_password_reset,
                email=email,
                mailer=auth_services.get_email_sender(),
            )
        except AuthError as err:
            self._fail(err)
            return
        except auth_services.DeliveryError:
            self.error, self.busy = "We could not send the e-mail just now; try again in a minute", False
            return
        self.busy = False
        self.notice = "If an account uses this e-mail, we sent it a link to choose a new password. The link works once."

    @rx.event
    async def reset_password(self, form: dict):
        """/reset-password?token=...: choose the new password."""
        self._clear()
        password = _text(form, "new_password")
        if password != _text(form, "confirm_password"):
            self.error, self.error_field = "The two passwords differ", "confirm_password"
            return
        self.busy = True
        yield
        token = str(self.router.url.query_parameters.get("token") or "")
        try:
            await count_login(scope="reset", identifier="", client=self._client())
            await call_service(auth_services.reset_password, token=token, new_password=password)
        except AuthError as err:
            self._fail(err)
            return
        self.busy = False
        self.reset_done = True
        yield [rx.toast.success("Password changed; log in with the new one"), rx.redirect(routes.LOGIN + "?tab=email")]

    @rx.var
    def is_code_step(self) -> bool:
        return self.code_sent_to != ""
