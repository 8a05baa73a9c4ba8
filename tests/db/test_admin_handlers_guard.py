"""Every event handler of every admin state, called directly (no page, no menu, as a hand-made
websocket frame would) by a guest and by a customer: each one is refused, a load leaves its state
at the defaults, and the database is left exactly as it was.

The states are found, not listed: every ``rx.State`` subclass defined in a module of the
``marque_app.state.admin`` package. A new admin state or handler is checked the day it is added,
and fails here if it does not start with ``require_admin``. Handlers that are not admin actions
are listed in ``NOT_ADMIN_ACTIONS`` with the reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import importlib
import inspect
import pkgutil
import random
import string
import typing
from collections.abc import Iterator
from decimal import Decimal

import pytest
import reflex as rx
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

import marque_app.services.db as db_module
from marque_app import routes
from marque_app.models import Brand, Category, Coupon, ProductReview, UserRole
from marque_app.services import checkout
from marque_app.services import orders as order_service
from marque_app.services.admin import Actor
from marque_app.services.admin import coupons as admin_coupons
from marque_app.services.auth.tokens import issue_token
from marque_app.settings import get_settings
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart
from tests.statetest import module_database

#: Handlers that are not admin actions, by name, with the reason they need no role check.
NOT_ADMIN_ACTIONS = {
    "setvar": "Reflex's generic setter of the caller's own copy of one state var: it reads and writes no "
    "data, and every admin load and action checks the role again on the server",
}
REFUSED = {"guest": "Please log in first", "customer": "This needs the admin role"}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


def admin_state_classes() -> list[type[rx.State]]:
    """Every rx.State subclass defined in a module of marque_app.state.admin (all of them imported)."""
    import marque_app.marque_app  # noqa: F401  (registers every state, as the app does)
    import marque_app.state.admin as package

    modules = [importlib.import_module(m.name) for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    names = {m.__name__ for m in modules}
    found: list[type[rx.State]] = []
    todo = list(rx.State.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__ in names and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


def _handlers() -> list[tuple[type[rx.State], str]]:
    return [
        (cls, name)
        for cls in admin_state_classes()
        for name in sorted(cls.event_handlers)
        if name not in NOT_ADMIN_ACTIONS
    ]


# --- the database ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def own_db(tmp_path_factory) -> Iterator[tuple[str, sa.Engine]]:
    with module_database(tmp_path_factory, "admin-guard-db") as db:
        yield db


@pytest.fixture(scope="module")
def rows(own_db) -> dict:
    """One of each thing an admin acts on (an order, a delivered order with a return, a product
    and its SKUs, a coupon, a category, a brand, a pending review, an activity row) and the users."""
    engine = own_db[1]
    with Session(engine, expire_on_commit=False) as s:
        customer = make_user(s, role=UserRole.customer)
        admin = make_user(s, role=UserRole.admin)
        product, (a, b) = make_product(s, stock=(20, 20))
        fill_cart(s, customer, [a])
        order = checkout.place_order(session=s, user_id=customer.id, shipping_address=address())
        fill_cart(s, customer, [b], 2)
        delivered = checkout.place_order(session=s, user_id=customer.id, shipping_address=address())
        for to in ("processing", "shipped", "delivered"):
            order_service.change_status(session=s, order_id=delivered.id, to_status=to)
        ret = order_service.request_return(
            session=s, user_id=customer.id, order_ref=delivered.id, items=[(delivered.lines[0].id, 1, "Too small")]
        )
        t = _tag()
        coupon = Coupon(code=f"GUARD{t.upper()}", name="Guard", type="percentage", value=Decimal("10"))
        category = Category(name=f"Guard {t}", slug=f"guard-{t}")
        brand = Brand(name=f"Guard {t}", slug=f"guard-{t}")
        review = ProductReview(product_id=product.id, user_id=customer.id, rating=4, title="Nice", content="Nice")
        s.add_all([coupon, category, brand, review])
        s.commit()
        spare = Coupon(code=f"SPARE{t.upper()}", name="Spare", type="percentage", value=Decimal("5"))
        s.add(spare)
        s.commit()
        admin_coupons.deactivate_coupon(
            session=s, actor=Actor(id=admin.id, email=admin.email), coupon_id=str(spare.id)
        )  # an activity row
        return {
            "customer": customer,
            "admin": admin,
            "product": product,
            "variant": a,
            "order": order,
            "return": ret,
            "coupon": coupon,
            "category": category,
            "brand": brand,
            "review": review,
            "tag": t,
        }


def checksum(engine: sa.Engine) -> dict[str, str]:
    """Every table's rows, as a digest per table (row order does not matter)."""
    out = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            lines = sorted(repr(tuple(r)) for r in conn.execute(sa.select(table)))
            out[table.name] = f"{len(lines)}:{hashlib.sha256(chr(10).join(lines).encode()).hexdigest()[:16]}"
    return out


# --- plausible arguments --------------------------------------------------------------------------


class FakeUpload:
    """What ``rx.UploadFile`` offers the handler: a name and ``read``."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = self.filename = name
        self._data = data

    async def read(self, size: int = -1) -> bytes:
        return self._data if size < 0 else self._data[:size]


def ids(rows: dict) -> dict[str, str]:
    return {
        "order": str(rows["order"].id),
        "return": str(rows["return"].id),
        "product": str(rows["product"].id),
        "variant": str(rows["variant"].id),
        "coupon": str(rows["coupon"].id),
        "category": str(rows["category"].id),
        "brand": str(rows["brand"].id),
        "review": str(rows["review"].id),
        "customer": str(rows["customer"].id),
        "user": str(rows["customer"].id),
    }


def form(rows: dict) -> dict[str, str]:
    """A filled-in form with what any admin form asks for, valid for an admin."""
    t = rows["tag"]
    return {
        "q": t,
        "status": "processing",
        "payment_status": "pending",
        "note": f"Guard note {t}",
        "tracking_number": f"TRK{t.upper()}",
        "amount": "1.00",
        "sku": rows["variant"].sku,
        "quantity_change": "-1",
        "reason": "Guard check",
        "action": "approve",
        "name": f"Guard {t} new",
        "slug": f"guard-{t}-new",
        "code": f"NEW{t.upper()}",
        "type": "percentage",
        "value": "10",
        "price": "12.00",
        "is_active": "on",
        "description": "Made by the guard test",
        "_base": routes.ADMIN_CUSTOMERS,
        "variants.0.sku": f"NEW-{t.upper()}",
        "variants.0.name": "One",
        "variants.0.stock": "3",
        "date_from": "2020-01-01",
        "date_to": "2030-12-31",
        **{f"{kind}_id": value for kind, value in ids(rows).items()},
    }


def plausible(cls: type[rx.State], name: str, rows: dict) -> list:
    """Arguments for the handler from its signature: a form for a dict, a real id for an id, ..."""
    fn = cls.event_handlers[name].fn
    hints = typing.get_type_hints(fn)
    known = ids(rows)
    args = []
    for p in list(inspect.signature(fn).parameters.values())[1:]:
        kind = hints.get(p.name, str)
        origin = typing.get_origin(kind) or kind
        if origin is dict:
            args.append(form(rows))
        elif origin is list:
            args.append([FakeUpload("guard.png", PNG)])
        elif kind is int:
            args.append(1)
        elif kind is bool:
            args.append(True)
        elif p.name == "sku":
            args.append(rows["variant"].sku)
        elif p.name.endswith("_id") and p.name[:-3] in known:
            args.append(known[p.name[:-3]])
        else:
            args.append(known["order"])
    return args


# --- calling a handler ----------------------------------------------------------------------------


@pytest.fixture
def call(own_db, rows, monkeypatch, tmp_path):
    """``call(cls, name, who)``: the handler run on a fresh state tree (primed with real ids) for a
    guest, a customer or the admin; returns (what it answered, the state it must be left in if it
    is refused: the defaults for a load, else the primed state; the state after)."""
    db_url, engine = own_db
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    monkeypatch.setenv("REFLEX_UPLOADED_FILES_DIR", str(tmp_path / "uploads"))
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    get_settings.cache_clear()
    from reflex.state import State

    from marque_app.state.auth import AuthState

    tokens = {
        "guest": "",
        **{
            who: issue_token(user_id=rows[who].id, role=rows[who].role, email=rows[who].email).access_token
            for who in ("customer", "admin")
        },
    }

    def _call(cls, name: str, who: str):
        root = State(_reflex_internal_init=True)
        auth = root.get_substate(AuthState.get_full_name().split("."))
        auth.token = tokens[who]
        sub = root.get_substate(cls.get_full_name().split("."))
        handler = cls.event_handlers[name]
        assert not getattr(handler, "is_background", False), (
            f"{cls.__name__}.{name} is a background event: extend this test to call it through a StateProxy"
        )
        defaults = vars_of(sub)
        prime(sub, ids(rows))
        before = vars_of(sub)
        out = drain(handler.fn(sub, *plausible(cls, name, rows)))
        # a load starts from scratch: it is compared with the defaults, anything else with its start
        return out, defaults if name.startswith("load_") else before, vars_of(sub)

    yield _call
    get_settings.cache_clear()


def prime(sub: rx.State, known: dict[str, str]) -> None:
    """Point the state at real rows, as a loaded page would be (or as anyone may do to their own
    copy with ``setvar``): an ``<kind>_id`` var, or a dataclass var of that kind (``order:
    AdminOrder``, ``draft: CouponView``) gets the id of a real order, coupon, ... So a handler
    that forgot its guard would act on a real row, and the checksum would show it."""
    for name in type(sub).base_vars:
        value = getattr(sub, name)
        kind = name[:-3] if name.endswith("_id") else ""
        if isinstance(value, str) and kind in known:
            setattr(sub, name, known[kind])
        elif dataclasses.is_dataclass(value) and hasattr(value, "id"):
            match = next((k for k in known if k in type(value).__name__.lower()), None)
            if match is not None:
                setattr(sub, name, dataclasses.replace(value, id=known[match]))


def vars_of(sub: rx.State) -> dict:
    names = list(type(sub).base_vars) + list(getattr(type(sub), "backend_vars", {}) or {})
    return {n: repr(getattr(sub, n)) for n in names}


def drain(result) -> list:
    """What a handler answered: its return value, or everything it yielded."""

    async def run():
        if inspect.isasyncgen(result):
            return [item async for item in result]
        if inspect.iscoroutine(result):
            return [await result]
        if inspect.isgenerator(result):
            return list(result)
        return [result]

    out = asyncio.run(run())
    flat = []
    for item in out:
        flat.extend(item if isinstance(item, list | tuple) else [item])
    return [x for x in flat if x is not None]


# --- the tests ------------------------------------------------------------------------------------


def test_the_admin_states_are_found():
    classes = {c.__name__ for c in admin_state_classes()}
    # a few that exist today: the search must find states in every module, not a fixed list
    assert {"AdminOrdersState", "AdminOrderState", "AdminCouponsState", "AdminProductFormState"} <= classes
    modules = {c.__module__ for c in admin_state_classes()}
    assert len(modules) >= 4, modules
    handlers = _handlers()
    assert len(handlers) >= 20
    # every exemption names a handler that exists, and is not an admin action of ours
    every = {name for cls in admin_state_classes() for name in cls.event_handlers}
    assert set(NOT_ADMIN_ACTIONS) <= every


@pytest.mark.parametrize("who", ["guest", "customer"])
@pytest.mark.parametrize(("cls", "name"), _handlers(), ids=lambda v: getattr(v, "__name__", v))
def test_every_admin_handler_refuses_a_non_admin_and_changes_nothing(call, own_db, cls, name, who):
    engine = own_db[1]
    before = checksum(engine)
    out, state_before, state_after = call(cls, name, who)
    after = checksum(engine)

    changed = {t for t in before if before[t] != after[t]}
    assert not changed, f"{cls.__name__}.{name} as a {who} changed the tables {sorted(changed)}"
    answered = " ".join(str(x) for x in out)
    if name.startswith("load_"):
        # a page load: guard_page already showed the 403 panel or went to log in; nothing is read
        assert not out or REFUSED[who] in answered, f"{cls.__name__}.{name} answered {answered!r}"
        assert state_after == state_before, f"{cls.__name__}.{name} as a {who} filled its state"
    else:
        assert REFUSED[who] in answered, f"{cls.__name__}.{name} as a {who} answered {answered!r}"
        assert state_after == state_before, f"{cls.__name__}.{name} as a {who} changed its state"


def test_the_same_calls_are_not_refused_to_the_admin(call, own_db, rows):
    """The control: with the admin's token, the same handlers and arguments are let through (so
    the refusals above are the guard's, not bad arguments), and the admin's writes do land."""
    engine = own_db[1]
    before = checksum(engine)
    loads_filled = []
    for cls, name in _handlers():
        out, state_before, state_after = call(cls, name, "admin")
        answered = " ".join(str(x) for x in out)
        assert REFUSED["guest"] not in answered and REFUSED["customer"] not in answered, (cls, name, answered)
        if name.startswith("load_") and state_after != state_before:
            loads_filled.append(name)
    after = checksum(engine)
    assert before["admin_activity"] != after["admin_activity"]  # admin actions were made and logged
    assert len(loads_filled) >= 5, loads_filled
