"""The cart and the wishlist in the browser (CartState): guest storage, the user's cart, apply(op).

Guest: the cart and the wishlist live in local storage (``marque_cart``, ``marque_wishlist``,
versioned JSON from ``domain.cart``), synced to every open tab by Reflex (``sync=True``); the
lines shown are derived from that JSON (a pure ``@rx.var``), with prices the server gave
(``price_guest_cart``) so another tab's change shows at once and prices never come from the
browser. Logged in: the database is the truth (``get_cart``/``get_wishlist`` on every page load).

Every change goes through :meth:`CartState.apply` with an op made in the browser
(``components/cart_ops.op_arg``: ``{"id", "type", ...}``). It is applied once per id, shown at
once (optimistic: the vars change and the handler yields), then saved; a refusal rolls it back
with the seed's messages; a database that cannot be reached keeps the op in the offline queue
(``marque_cart_queue``) and keeps the change on the page.

Log-in merges the guest cart and wishlist in one request (:meth:`CartState.merge_guest_cart`,
registered with ``state.auth.on_login`` where the app is built); guest storage is emptied only
after the server said yes.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

import reflex as rx
from sqlalchemy.exc import OperationalError

from marque_app import routes
from marque_app.domain.auth import Unauthorized
from marque_app.domain.cart import (
    GUEST_STORAGE_VERSION,
    MAX_LINE_QUANTITY,
    CartError,
    CartOp,
    GuestLine,
    OpResult,
    apply_op,
    cart_totals,
    dump_guest_cart,
    dump_guest_wishlist,
    guest_cart_patch,
    move_needs_choice,
    parse_guest_cart,
    parse_guest_wishlist,
    price_change,
    stock_message,
)
from marque_app.domain.money import format_money
from marque_app.services import cart as cart_services
from marque_app.services import wishlist as wishlist_services
from marque_app.services.wishlist import WishlistItem, WishlistView
from marque_app.settings import get_settings
from marque_app.state.analytics import track_cart_op
from marque_app.state.auth import EXPIRED, AuthState, call_service, holds_user_data
from marque_app.state.changes import StorageSetsOnlyChanges, assign, unwrapped
from marque_app.state.scripts import call_script, fixed_toast
from marque_app.views.cart import CartLine, CartView, LineView, Summary, WishVariantView, WishView

CART_KEY = "marque_cart"
WISHLIST_KEY = "marque_wishlist"
SETTLED_OPS = 10  # op ids kept in CartState.settled_ops (sent with every change: kept short)
META_KEY = "marque_cart_meta"  # {"merge_id": ..., "ops": [last applied op ids]}
QUEUE_KEY = "marque_cart_queue"  # ops kept while the database (or backend) is unreachable
RECENT_OPS = 50  # applied op ids kept in guest storage (sent with every guest change)

NOT_FOUND = "Product not found"
SERVER_ERROR = "Server error, try again later"
OFFLINE = "Offline mode - will sync when online"


# --- pure helpers (tested in tests/unit/test_cart_state_helpers.py) ---------------------------


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def line_view(line: CartLine, currency: str) -> LineView:
    """A server-priced line for the page."""
    unit = _amount(line.unit_price) or Decimal(0)
    seen = _amount(line.price_seen)
    return LineView(
        id=line.id,
        sku_id=line.sku_id,
        product_id=line.product_id,
        href=f"/products/{line.product_slug}" if line.product_slug else "",
        name=line.name,
        variant_label=line.variant_label,
        image_url=line.image_url,
        unit_amount=str(unit),
        unit_price=format_money(unit, currency),
        price_seen=format_money(seen, currency) if seen is not None else "",
        price_change=line.price_change,
        quantity=line.quantity,
        max_quantity=max(1, min(MAX_LINE_QUANTITY, line.available)),
        is_sold_out=line.is_sold_out,
        line_total=format_money(unit * line.quantity, currency),
    )


def guest_line_view(line: GuestLine, priced: CartLine | None, currency: str) -> LineView:
    """A guest line: the server's price and stock when known (``priced``), else what the
    shopper saw when adding (shown until the next page load prices it)."""
    if priced is not None:
        seen = _amount(line.price_seen)
        now = _amount(priced.unit_price) or Decimal(0)
        change = price_change(seen, now) if seen is not None else ""
        return line_view(
            replace(priced, id=line.sku_id, quantity=line.quantity, price_seen=line.price_seen, price_change=change),
            currency,
        )
    unit = _amount(line.price_seen) or Decimal(0)
    return LineView(
        id=line.sku_id,
        sku_id=line.sku_id,
        product_id=line.product_id,
        name=line.name or "Item",
        image_url=line.image,
        unit_amount=str(unit),
        unit_price=format_money(unit, currency),
        quantity=line.quantity,
        line_total=format_money(unit * line.quantity, currency),
    )


def summarize(lines: list[LineView]) -> Summary:
    """Totals of ``lines`` with the tax and shipping rates from settings."""
    settings = get_settings()
    totals = cart_totals(
        [(Decimal(line.unit_amount), line.quantity) for line in lines if not line.is_sold_out],
        tax_rate=settings.tax_rate,
        shipping_flat=settings.shipping_flat,
        free_shipping_over=settings.free_shipping_over,
    )
    currency = settings.currency
    return Summary(
        count=sum(line.quantity for line in lines),
        subtotal=format_money(totals.subtotal, currency),
        tax=format_money(totals.tax, currency),
        shipping="Free" if lines and totals.shipping == 0 else format_money(totals.shipping, currency),
        total=format_money(totals.total, currency),
        free_shipping=bool(lines) and totals.shipping == 0,
    )


def wish_view(item: WishlistItem, currency: str) -> WishView:
    price = _amount(item.price)
    return WishView(
        product_id=item.product_id,
        href=f"/products/{item.slug}" if item.slug else "",
        name=item.name,
        brand=item.brand,
        image_url=item.image_url,
        price=format_money(price, currency) if price is not None else "",
        is_sold_out=item.is_sold_out,
        default_sku_id=item.default_sku_id,
        needs_choice=move_needs_choice(len(item.variants)),
        variants=[
            WishVariantView(sku_id=v.sku_id, label=v.label, stock_label=v.stock_label, is_sold_out=v.is_sold_out)
            for v in item.variants
        ],
    )


def local_op(lines: list[GuestLine], op: dict, *, now: str = "") -> tuple[CartOp, OpResult]:
    """The browser's op and the engine's answer on this page's lines (``domain.cart.apply_op``).

    The stock is not known here (``sellable=None``): this refuses at once what no stock could
    allow (a bad quantity, a line past 99, a line not in the cart); the server's check with the
    stock comes after (``services.cart.check_guest_op`` for a guest, the service for a user).
    """
    cart_op = CartOp.from_browser(op, now=now)
    return cart_op, apply_op(lines, cart_op, sellable=None)


def remember_op(meta: dict, op_id: str) -> dict:
    """``meta`` with ``op_id`` added to its last :data:`RECENT_OPS` applied ids."""
    ops = [i for i in meta.get("ops", []) if isinstance(i, str) and i != op_id]
    return {**meta, "ops": [*ops, op_id][-RECENT_OPS:]}


def content_merge_id(cart: str, wishlist: str) -> str:
    """The merge id of a guest cart whose storage has none (written by an older page, or the
    meta cleared): made from the stored text, so the same cart sent again (the page's storage as
    it was before a merge emptied it) is recognised by the server as already merged."""
    digest = hashlib.sha256(f"{cart}\n{wishlist}".encode()).hexdigest()[:40]
    return f"content-{digest}"


def storage_patch(cart: dict | None, meta: dict | None) -> Any:
    """The script that patches the page's stored guest cart and op ids (``assets/cart_ops.js``
    ``patchStorage``): a few hundred bytes, whatever the size of the cart."""
    payload = {name: part for name, part in (("cart", cart), ("meta", meta)) if part is not None}
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    return call_script(f"window.marqueCart&&window.marqueCart.patchStorage({body})")


def read_meta(raw: str) -> dict:
    try:
        meta = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


class _Refused(Exception):
    """An op refused before it reaches a service (bad quantity, unknown SKU, stock)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@holds_user_data
class CartState(StorageSetsOnlyChanges, rx.State):
    """The cart and the wishlist: the guest's in local storage, the user's from the database."""

    guest_cart: str = rx.LocalStorage("", name=CART_KEY, sync=True)
    guest_wishlist: str = rx.LocalStorage("", name=WISHLIST_KEY, sync=True)
    guest_meta: str = rx.LocalStorage("", name=META_KEY, sync=True)
    queue: str = rx.LocalStorage("", name=QUEUE_KEY, sync=True)
    is_user: bool = False
    notices: list[str] = []  # findings of the last load: repaired lines, price changes, sold out
    drawer_open: bool = False
    # Ids of the last ops this tab's server side has taken up (applied, refused, rolled back).
    # The header badges (assets/cart_count.jsx) add a clicked op until its id shows up here, in
    # the same delta as the count it changed: optimistic at click time, never counted twice.
    settled_ops: list[str] = []
    # Server side only (never sent): the user's cart and wishlist as last read or changed, the
    # server's price and stock of guest SKUs, the guest wishlist products the server described.
    _user_lines: list[LineView] = []
    _user_wishlist: list[WishView] = []
    _priced: dict[str, CartLine] = {}
    _wish_known: dict[str, WishView] = {}

    # The page this tab's cart last loaded for (``_load``: every storefront and account page) when
    # it is one that shows the cart or the wishlist (/cart, /wishlist); else "". Only those two
    # change what the lines, totals and wishlist items show: a navigation from one product to
    # another leaves it as it was, so they are neither recomputed nor sent again.
    _page: str = ""

    # --- derived (pure) ----------------------------------------------------------------------
    # Cached, with their dependencies named: Reflex recomputes one only when a var it reads
    # changed in this event (``_quiet`` marks them too), so an event that does not touch the cart
    # neither loads this state nor recomputes it (an uncached var made every event of every
    # state do both). The lines, totals and wishlist items are only computed where they are on
    # screen (the open drawer, /cart, /wishlist; else empty), so an add on a product page sends
    # the count and the op id, not the whole cart.

    def _cart_page(self) -> str:
        path = (self.router.url.path or "/").rstrip("/") or "/"
        return path if path in (routes.CART, routes.WISHLIST) else ""

    def _shows_lines(self) -> bool:
        return self.drawer_open or self._page == routes.CART

    def _all_lines(self) -> list[LineView]:
        if self.is_user:
            return list(self._user_lines)
        parsed, _ = parse_guest_cart(self.guest_cart)
        currency = get_settings().currency
        return [guest_line_view(line, self._priced.get(line.sku_id), currency) for line in parsed]

    @rx.var(deps=["drawer_open", "_page", "is_user", "_user_lines", "guest_cart", "_priced"], auto_deps=False)
    def lines(self) -> list[LineView]:
        return self._all_lines() if self._shows_lines() else []

    @rx.var(deps=["drawer_open", "_page", "is_user", "_user_lines", "guest_cart", "_priced"], auto_deps=False)
    def summary(self) -> Summary:
        return summarize(self._all_lines()) if self._shows_lines() else Summary()

    @rx.var(deps=["drawer_open", "_page", "is_user", "_user_lines", "guest_cart", "_priced"], auto_deps=False)
    def has_lines(self) -> bool:
        return self._shows_lines() and bool(self._all_lines())

    @rx.var(deps=["is_user", "_user_lines", "guest_cart"], auto_deps=False)
    def cart_count(self) -> int:
        if self.is_user:
            return sum(line.quantity for line in self._user_lines)
        parsed, _ = parse_guest_cart(self.guest_cart)
        return sum(line.quantity for line in parsed)

    def _wishlist_ids(self) -> list[str]:
        if self.is_user:
            return [item.product_id for item in self._user_wishlist]
        ids, _ = parse_guest_wishlist(self.guest_wishlist)
        return ids

    @rx.var(deps=["is_user", "_user_wishlist", "guest_wishlist"], auto_deps=False)
    def wishlist_ids(self) -> list[str]:
        return self._wishlist_ids()

    @rx.var(deps=["_page", "is_user", "_user_wishlist", "guest_wishlist", "_wish_known"], auto_deps=False)
    def wishlist_items(self) -> list[WishView]:
        if self._page != routes.WISHLIST:
            return []
        if self.is_user:
            return list(self._user_wishlist)
        return [self._wish_known[pid] for pid in self._wishlist_ids() if pid in self._wish_known]

    @rx.var(deps=["is_user", "_user_wishlist", "guest_wishlist"], auto_deps=False)
    def wishlist_count(self) -> int:
        return len(self._wishlist_ids())

    # --- loading -----------------------------------------------------------------------------

    def _show_cart(self, view: CartView) -> None:
        currency = get_settings().currency
        self._user_lines = [line_view(line, currency) for line in view.items]

    def _show_wishlist(self, view: WishlistView) -> None:
        currency = get_settings().currency
        self._user_wishlist = [wish_view(item, currency) for item in view.items]

    async def _user_id(self) -> str | None:
        auth = await self.get_state(AuthState)
        user = await auth.require_user() if auth.token else None
        return str(user.user.id) if user is not None else None

    @rx.event
    async def load_cart(self):
        """Every page (after AuthState.load_auth): the user's cart and wishlist from the
        database, or the guest's from local storage, repaired line by line and priced by the
        server where the lines are shown."""
        return await self._load()

    async def _load(self):
        assign(self, drawer_open=False, _page=self._cart_page())  # a new page starts with the drawer closed
        auth = await self.get_state(AuthState)
        if auth.is_logged_in and auth._user_id:
            if self.guest_cart or self.guest_wishlist:
                # A guest cart beside a logged-in user: a merge that has not run, or the page's
                # hydrate brought back local storage as it was before the merge emptied it. The
                # merge id (made with the guest cart's first line) lets the server apply it once.
                return await self._merge_guest(announce_repeat=False)
            assign(self, is_user=True)
            try:
                cart = await call_service(cart_services.get_cart, user_id=auth._user_id)
                wish = await call_service(wishlist_services.get_wishlist, user_id=auth._user_id)
            except OperationalError:
                return rx.toast.warning(OFFLINE)
            self._show_cart(cart)
            self._show_wishlist(wish)
            self.notices = list(cart.messages)
            return None
        assign(self, is_user=False, _user_lines=[], _user_wishlist=[])
        # The server prices the guest's lines only where they are shown (/cart here, the drawer
        # when it opens): a product page's load reads no table for the cart.
        return await self._load_guest(wishlist=False, price=self._page == routes.CART)

    @rx.event
    async def load_wishlist(self):
        """/wishlist: the products (guest: described by the server)."""
        auth = await self.get_state(AuthState)
        if auth.is_logged_in:
            return None  # load_cart read it
        return await self._load_guest(wishlist=True, price=False)

    async def _load_guest(self, *, wishlist: bool, price: bool = True):
        lines, messages = parse_guest_cart(self.guest_cart)
        ids, wish_messages = parse_guest_wishlist(self.guest_wishlist)
        repairs = [*messages, *wish_messages]
        notices: list[str] = list(repairs)
        try:
            if lines and price:
                view, survivors = await call_service(cart_services.price_guest_cart, lines=lines)
                self._priced = {line.sku_id: line for line in view.items}
                notices.extend(m for m in view.messages if m not in notices)
                if len(survivors) != len(lines):
                    repairs.extend(m for m in view.messages if m not in repairs)
                lines = list(survivors)
            if wishlist and ids:
                wview, dropped = await call_service(wishlist_services.price_guest_wishlist, product_ids=ids)
                currency = get_settings().currency
                self._wish_known = {i.product_id: wish_view(i, currency) for i in wview.items}
                ids = [item.product_id for item in wview.items]  # unknown/inactive dropped
                repairs.extend(dropped)
                notices.extend(dropped)
        except OperationalError:
            return rx.toast.warning(OFFLINE)
        # Rewrite storage only when it changed: the canonical JSON, without the refused lines.
        if self.guest_cart and dump_guest_cart(lines) != self.guest_cart:
            self.guest_cart = dump_guest_cart(lines) if lines else ""
        if self.guest_wishlist and dump_guest_wishlist(ids) != self.guest_wishlist:
            self.guest_wishlist = dump_guest_wishlist(ids) if ids else ""
        assign(self, notices=notices)
        if repairs:
            return [rx.toast.warning(message) for message in repairs[:5]]
        return None

    # --- the drawer --------------------------------------------------------------------------

    @rx.event
    async def open_drawer(self):
        return await self.set_drawer_open(True)

    @rx.event
    async def set_drawer_open(self, value: bool):
        """Open (the guest's lines priced by the server first) or close the drawer."""
        if value and not self.drawer_open and not self.is_user and self.guest_cart:
            self.drawer_open = True
            return await self._load_guest(wishlist=False)
        self.drawer_open = bool(value)
        return None

    @rx.event
    def close_drawer(self):
        self.drawer_open = False

    # --- apply(op): every change -------------------------------------------------------------

    def _guest_applied(self, op_id: str) -> bool:
        return op_id in read_meta(self.guest_meta).get("ops", [])

    def _remember(self, op_id: str) -> dict:
        """Note ``op_id`` as applied in the guest's storage; returns the page's patch for it."""
        meta = read_meta(self.guest_meta)
        patch: dict[str, Any] = {"key": META_KEY, "op": op_id, "keep": RECENT_OPS}
        if not meta.get("merge_id"):
            meta["merge_id"] = str(uuid.uuid4())  # shared by every tab: one merge per guest cart
            patch["merge_id"] = meta["merge_id"]
        self._quiet("guest_meta", json.dumps(remember_op(meta, op_id), separators=(",", ":")))
        return patch

    def _keep_cart(self, lines: list[GuestLine], before: list[GuestLine]) -> dict | None:
        """The guest cart is now ``lines`` (it was ``before``): kept here at once, and the page's
        copy patched with the lines that changed (the returned patch) rather than sent whole."""
        text = dump_guest_cart(lines) if lines else ""
        if text == self.guest_cart:
            return None
        patch = guest_cart_patch(before, lines)
        if patch is None:
            self.guest_cart = text  # emptied or reordered: the whole value goes in the delta
            return None
        self._quiet("guest_cart", text)
        return {"key": CART_KEY, "v": GUEST_STORAGE_VERSION, **patch}

    def _quiet(self, name: str, value: str) -> None:
        """Set the local-storage var ``name`` here without sending it in this event's delta
        (the page patches its copy: :func:`storage_patch`). Reflex sends the vars named in the
        state's ``dirty_vars``; the one place that leaves a var out of it. A var already due to
        be sent whole stays so."""
        due = name in self.dirty_vars
        setattr(self, name, value)
        if not due:
            self._mark_dirty_computed_vars([name])  # the count and lines read it: recomputed
            self.dirty_vars.discard(name)

    def _queue_op(self, op: dict) -> None:
        try:
            queued = json.loads(self.queue) if self.queue else []
        except ValueError:
            queued = []
        if not isinstance(queued, list):
            queued = []
        if not any(isinstance(q, dict) and q.get("id") == op.get("id") for q in queued):
            queued.append(op)
        self.queue = json.dumps(queued, separators=(",", ":"))

    @rx.event
    async def apply(self, op: dict):
        """Apply one cart/wishlist op (``components/cart_ops.op_arg``) once per ``op["id"]``:
        shown at once, then saved; rolled back with a message when refused."""
        if not isinstance(op, dict) or not isinstance(op.get("id"), str) or not op["id"]:
            yield rx.toast.error("Something went wrong, reload the page")
            return
        self.settled_ops = [*(i for i in unwrapped(self.settled_ops) if i != op["id"]), op["id"]][-SETTLED_OPS:]
        op_type = op.get("type")
        auth = await self.get_state(AuthState)
        if auth.token and not auth._user_id:
            # A reconnect may bring a change before the page's on_load (AuthState.load_auth):
            # the user comes from the stored token first, so a user's op never lands in the
            # guest cart (to be merged again on the next page).
            await auth.current_user()
        track_cart_op(self, op, auth._user_id)  # analytics: an append in memory (state/analytics.py)
        if auth.is_logged_in and auth._user_id:
            async for event in self._apply_user(op, op_type, auth):
                yield event
        else:
            async for event in self._apply_guest(op, op_type):
                yield event

    # guest: local storage is the store; the server checks SKUs, stock and prices

    async def _apply_guest(self, op: dict, op_type: Any):
        if self._guest_applied(op["id"]):
            # sent again (a retry, a replay): the page's copy of the op ids settles it
            yield storage_patch(None, self._remember(op["id"]))
            return
        before = (self.guest_cart, self.guest_wishlist)
        lines, _ = parse_guest_cart(self.guest_cart)
        ids, _ = parse_guest_wishlist(self.guest_wishlist)
        check: CartOp | None = None  # an op whose SKU and stock the server must confirm
        toast: Any = None
        before_lines = lines
        try:
            if op_type in ("add", "move_to_cart", "set", "remove", "clear"):
                check, result = local_op(lines, op, now=_now())
                if result.refusal is not None:
                    raise _Refused(result.refusal.message)
                lines = list(result.lines)
                if check.type not in ("add", "set") or all(ln.sku_id != check.sku_id for ln in lines):
                    check = None  # removed: nothing for the server to confirm
                if op_type == "move_to_cart":
                    ids = [pid for pid in ids if pid != op.get("product_id")]
                    toast = fixed_toast("success", "Moved to your cart")
            elif op_type == "wish_add":
                pid = str(op.get("product_id") or "")
                if not pid:
                    raise _Refused(NOT_FOUND)
                if pid not in ids:
                    ids = [*ids, pid]
                    toast = fixed_toast("success", "Saved to your wishlist")
                if pid not in self._wish_known and op.get("name"):
                    self._wish_known = {**unwrapped(self._wish_known), pid: _wish_from_op(op)}
            elif op_type == "wish_remove":
                ids = [pid for pid in ids if pid != op.get("product_id")]
            elif op_type == "wish_clear":
                ids = []
            else:
                raise _Refused("Unknown change")
        except _Refused as refused:
            yield [storage_patch(None, self._remember(op["id"])), rx.toast.error(refused.message)]
            return
        # Kept now, checked next, sent once: the header badge already showed the click (it is
        # optimistic in the page, assets/cart_count.jsx), so one delta carries the change, the
        # settled op id and the toast (a refusal sends the rolled-back storage only if it moved).
        # The cart's change goes to the page as a patch of the lines it touched (an add on a
        # 100-line cart sends one line, not the cart); the wishlist is small and goes whole.
        cart_patch = self._keep_cart(lines, before_lines)
        wishlist = dump_guest_wishlist(ids) if ids else ""
        if wishlist != self.guest_wishlist:
            self.guest_wishlist = wishlist
        meta_patch = self._remember(op["id"])
        if check is None:
            yield [storage_patch(cart_patch, meta_patch), *([toast] if toast is not None else [])]
            return
        try:
            result, priced = await call_service(cart_services.check_guest_op, lines=before_lines, op=check)
        except OperationalError:
            self._queue_op(op)  # kept in the cart (and storage), saved once the database is back
            yield [storage_patch(cart_patch, meta_patch), rx.toast.warning(OFFLINE)]
            return
        except Exception:  # noqa: BLE001 - any other failure: undo, say so, keep the page alive
            self._undo_guest(before)
            yield [storage_patch(None, meta_patch), rx.toast.error(SERVER_ERROR)]
            return
        if priced is not None:
            self._priced = {**unwrapped(self._priced), priced.sku_id: priced}
        if result.refusal is not None:  # the same refusal a user gets from the service
            self._undo_guest(before)
            yield [storage_patch(None, meta_patch), rx.toast.error(result.refusal.message)]
            return
        if toast is None and op_type == "add":
            toast = fixed_toast("success", "Added to your cart")
        yield [storage_patch(cart_patch, meta_patch), *([toast] if toast is not None else [])]

    def _undo_guest(self, before: tuple[str, str]) -> None:
        """Back to the cart and wishlist of ``before`` (the page's copy was not patched yet)."""
        self._quiet("guest_cart", before[0])
        if self.guest_wishlist != before[1]:
            self.guest_wishlist = before[1]

    # user: the database is the truth; the services apply an op id once

    async def _apply_user(self, op: dict, op_type: Any, auth: AuthState):
        before = (unwrapped(self._user_lines), unwrapped(self._user_wishlist))
        call: Callable[..., Any]
        kwargs: dict[str, Any] = {"op_id": op["id"]}  # the user comes from the token's check
        success: Any = None
        try:
            if op_type == "add":
                cart_op, local = local_op(self._engine_lines(), op)
                if local.refusal is not None:
                    raise _Refused(local.refusal.message)
                self._optimistic_add(op, local)
                call, kwargs = (
                    cart_services.add_item,
                    {**kwargs, "sku_id": cart_op.sku_id, "quantity": cart_op.quantity},
                )
                success = fixed_toast("success", "Added to your cart")
            elif op_type == "set":
                item_id = str(op.get("item_id") or "")
                sku = next((ln.sku_id for ln in self._user_lines if ln.id == item_id), "")
                cart_op, local = local_op(self._engine_lines(), {**op, "item_id": sku})
                if local.refusal is not None:
                    raise _Refused(local.refusal.message)
                quantity = cart_op.quantity
                if quantity == 0:
                    self._user_lines = [line for line in self._user_lines if line.id != item_id]
                    call, kwargs = cart_services.remove_item, {**kwargs, "item_id": item_id}
                else:
                    self._user_lines = [
                        _with_quantity(line, quantity) if line.id == item_id else line for line in self._user_lines
                    ]
                    call, kwargs = cart_services.set_quantity, {**kwargs, "item_id": item_id, "quantity": quantity}
            elif op_type == "remove":
                item_id = str(op.get("item_id") or "")
                self._user_lines = [line for line in self._user_lines if line.id != item_id]
                call, kwargs = cart_services.remove_item, {**kwargs, "item_id": item_id}
            elif op_type == "clear":
                self._user_lines = []
                call = cart_services.clear_cart
            elif op_type == "wish_add":
                pid = str(op.get("product_id") or "")
                if not pid:
                    raise _Refused(NOT_FOUND)
                if all(item.product_id != pid for item in self._user_wishlist):
                    self._user_wishlist = [*unwrapped(self._user_wishlist), _wish_from_op(op)]
                call, kwargs = wishlist_services.add_to_wishlist, {**kwargs, "product_id": pid}
                success = fixed_toast("success", "Saved to your wishlist")
            elif op_type == "wish_remove":
                pid = str(op.get("product_id") or "")
                self._user_wishlist = [i for i in self._user_wishlist if i.product_id != pid]
                call, kwargs = wishlist_services.remove_from_wishlist, {**kwargs, "product_id": pid}
            elif op_type == "wish_clear":
                self._user_wishlist = []
                call = wishlist_services.clear_wishlist
            elif op_type == "move_to_cart":
                pid = str(op.get("product_id") or "")
                self._user_wishlist = [i for i in self._user_wishlist if i.product_id != pid]
                if op.get("sku_id"):
                    _, local = local_op(self._engine_lines(), op)
                    if local.refusal is not None:
                        raise _Refused(local.refusal.message)
                    self._optimistic_add(op, local)
                call, kwargs = (
                    wishlist_services.move_to_cart,
                    {**kwargs, "product_id": pid, "sku_id": str(op.get("sku_id") or "") or None},
                )
                success = fixed_toast("success", "Moved to your cart")
            else:
                raise _Refused("Unknown change")
        except _Refused as refused:
            self._user_lines, self._user_wishlist = before
            yield rx.toast.error(refused.message)
            return
        # No delta before the database answered: the badge is optimistic in the page, and one
        # delta (count, settled op id, toast) is all an add sends. The token is checked in the
        # same worker thread and transaction as the change.
        try:
            result = await auth.call_as_user(call, **kwargs)
        except Unauthorized:  # expired or logged out meanwhile
            self._user_lines, self._user_wishlist = before
            await auth._reset_user_data()
            yield [rx.toast.error(EXPIRED), *auth.refusal()[1:]]
            return
        except OperationalError:
            self._queue_op(op)
            yield rx.toast.warning(OFFLINE)
            return
        except CartError as err:
            self._user_lines, self._user_wishlist = before
            if err.kind == "unauthorized":
                auth._forget()
                await auth._reset_user_data()
                yield rx.toast.error(EXPIRED)
                return
            yield rx.toast.error(_error_message(err))
            return
        except Exception:  # noqa: BLE001 - undo, say so, keep the page alive
            self._user_lines, self._user_wishlist = before
            yield rx.toast.error(SERVER_ERROR)
            return
        if isinstance(result, tuple):  # move_to_cart: (cart, wishlist)
            self._show_cart(result[0])
            self._show_wishlist(result[1])
        elif isinstance(result, CartView):
            self._show_cart(result)
        elif isinstance(result, WishlistView):
            self._show_wishlist(result)
        if success is not None:
            yield success

    def _engine_lines(self) -> list[GuestLine]:
        return [GuestLine(sku_id=line.sku_id, quantity=line.quantity) for line in self._user_lines]

    def _optimistic_add(self, op: dict, local: OpResult) -> None:
        """Show the add the engine made of the page's lines (``local``) before the server's answer."""
        sku = str(op.get("sku_id") or "")
        quantity = next(line.quantity for line in local.lines if line.sku_id == sku)
        if any(line.sku_id == sku for line in self._user_lines):
            self._user_lines = [
                _with_quantity(line, quantity) if line.sku_id == sku else line for line in self._user_lines
            ]
            return
        guest = GuestLine(
            sku_id=sku,
            quantity=quantity,
            price_seen=str(op.get("price_seen") or ""),
            name=str(op.get("name") or ""),
            image=str(op.get("image") or ""),
            product_id=str(op.get("product_id") or ""),
        )
        pending = replace(guest_line_view(guest, None, get_settings().currency), id=f"pending-{op['id']}")
        self._user_lines = [*unwrapped(self._user_lines), pending]

    # --- the offline queue, replayed on reconnect (assets/cart_ops.js asks for it) -------------

    @rx.event
    async def replay_queue(self):
        """Apply the ops kept while the backend or the database could not be reached.

        ``assets/cart_ops.js`` sends this on every websocket (re)connect while
        ``marque_cart_queue`` holds ops (the reconnect's hydrate brought this var up to date).
        The ops go through ``apply`` in their order, each applied once per id (Reflex's client
        may have sent its in-memory copy of the same op first); one that still cannot be saved is
        queued again by ``apply``. The queue is emptied first, so a second replay finds nothing.
        """
        try:
            queued = json.loads(self.queue) if self.queue else []
        except ValueError:
            queued = []
        ops = [op for op in queued if isinstance(op, dict)] if isinstance(queued, list) else []
        self.queue = ""
        if not ops:
            return
        # A reconnect may bring this before the page's on_load (AuthState.load_auth) ran: the
        # user comes from the stored token first, so a user's ops never land in a guest cart.
        auth = await self.get_state(AuthState)
        if auth.token:
            await auth.current_user()
        for op in ops:
            async for event in self.apply(op):
                yield event
        try:
            left = len(json.loads(self.queue)) if self.queue else 0
        except ValueError:
            left = 0
        synced = len(ops) - left
        if synced:
            yield rx.toast.success(f"Back online - {synced} change{'s' if synced != 1 else ''} synced")

    # --- merge on log-in -----------------------------------------------------------------------

    @rx.event
    async def merge_guest_cart(self):
        """After a log-in: the whole guest cart and wishlist in ONE merge (id kept in local
        storage, so a retry or a second tab reuses it); guest storage emptied once it is saved.

        The tab where the shopper logged in always says what the merge did, also when another
        tab of theirs (following the log-in) happened to send the same merge first."""
        return await self._merge_guest(announce_repeat=True)

    async def _merge_guest(self, *, announce_repeat: bool):
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            return None
        user_id = str(user.user.id)
        self.is_user = True
        lines, _ = parse_guest_cart(self.guest_cart)
        ids, _ = parse_guest_wishlist(self.guest_wishlist)
        try:
            if not lines and not ids:
                self._show_cart(await call_service(cart_services.get_cart, user_id=user_id))
                self._show_wishlist(await call_service(wishlist_services.get_wishlist, user_id=user_id))
                self.guest_meta = ""
                return None
            meta = read_meta(self.guest_meta)
            merge_id = meta.get("merge_id") or content_merge_id(self.guest_cart, self.guest_wishlist)
            if meta.get("merge_id") != merge_id:
                self.guest_meta = json.dumps({**meta, "merge_id": merge_id}, separators=(",", ":"))
            result = await call_service(
                cart_services.merge_guest,
                user_id=user_id,
                merge_id=merge_id,
                lines=lines,
                wishlist=ids,
            )
        except OperationalError:
            return rx.toast.warning(OFFLINE)  # guest storage kept: the next log-in merges it
        except Exception:  # noqa: BLE001
            return rx.toast.error(SERVER_ERROR)
        self._show_cart(result.cart)
        self._show_wishlist(result.wishlist)
        self.guest_cart = ""
        self.guest_wishlist = ""
        self.guest_meta = ""
        self._priced = {}
        self._wish_known = {}
        if not result.message or (result.already_applied and not announce_repeat):
            return None
        return rx.toast.success(result.message)


def _error_message(err: CartError) -> str:
    if err.kind == "not_found":
        return NOT_FOUND
    if err.kind == "insufficient_stock":
        available = getattr(err, "available", None)
        return stock_message(available) if isinstance(available, int) else err.message
    return err.message or SERVER_ERROR


def _with_quantity(line: LineView, quantity: int) -> LineView:
    unit = _amount(line.unit_amount) or Decimal(0)
    return replace(line, quantity=quantity, line_total=format_money(unit * quantity, get_settings().currency))


def _wish_from_op(op: dict) -> WishView:
    return WishView(
        product_id=str(op.get("product_id") or ""),
        href=f"/products/{op['slug']}" if op.get("slug") else "",
        name=str(op.get("name") or ""),
        image_url=str(op.get("image") or ""),
        price=str(op.get("price") or ""),
        default_sku_id=str(op.get("sku_id") or ""),
    )
