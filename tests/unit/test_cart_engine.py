"""One table of cart cases for both paths: a guest's (the engine as CartState calls it) and a user's.

Each case is one op on a cart that holds ``have`` of one SKU with the given stock settings. Here
it runs through :func:`marque_app.domain.cart.apply_op` exactly as the guest path calls it (the
page's check without the stock, ``state.cart.local_op``, then the server's with the sellable
quantity, ``services.cart.check_guest_op``). ``tests/db/test_cart_engine_db.py`` imports
:data:`CASES` and runs every case through the user path's services (``add_item``,
``set_quantity``) and the guest's server check against the real database: every path must give
the outcome written here.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from marque_app.api.errors import http_status
from marque_app.domain.cart import (
    ITEM_NOT_FOUND,
    PRODUCT_NOT_FOUND,
    QUANTITY_MESSAGE,
    CartOp,
    GuestLine,
    OpResult,
    apply_op,
)
from marque_app.domain.stock import sellable_quantity

SKU = "0d07f31b-0710-52d0-82a4-60e12c3e712a"
OTHER = "1d07f31b-0710-52d0-82a4-60e12c3e712b"  # already in the cart, untouched by the op


@dataclass(frozen=True)
class Case:
    """One op on a cart holding ``have`` of the SKU (and 1 of another SKU).

    ``sku``: ``"known"`` (an active product with ``on_hand``/``track``/``backorder``),
    ``"draft"`` (a product that is not for sale) or ``"unknown"`` (no such SKU).
    ``expect``: ``("ok", quantity of the SKU's line afterwards, 0 when it is gone)`` or
    ``(code, message, available)``.
    """

    name: str
    op: str  # "add" or "set"
    quantity: object
    expect: tuple
    have: int = 0
    on_hand: int = 10
    track: bool = True
    backorder: bool = False
    sku: str = "known"
    extra: dict = field(default_factory=dict)


def _line_limit(have: int) -> tuple:
    return ("line_limit", f"At most 99 of one item per cart (you have {have})", 99 - have)


BAD = ("bad_quantity", QUANTITY_MESSAGE, None)

CASES: list[Case] = [
    Case("add a new line", "add", 2, ("ok", 2)),
    Case("add the same SKU sums", "add", 2, ("ok", 5), have=3),
    Case("add up to 99 exactly", "add", 1, ("ok", 99), have=98, on_hand=500),
    Case("98 + 5 is refused, not capped", "add", 5, _line_limit(98), have=98, on_hand=500),
    Case("add more than the stock", "add", 2, ("insufficient_stock", "Only 2 left in stock", 2), have=1, on_hand=2),
    Case("add past 99 and past the stock: the line limit says it", "add", 97, _line_limit(3), have=3, on_hand=50),
    Case("add a sold-out SKU", "add", 1, ("insufficient_stock", "This item is sold out", 0), on_hand=0),
    Case("untracked stock is unlimited", "add", 50, ("ok", 50), on_hand=0, track=False),
    Case("untracked stock: still at most 99", "add", 40, _line_limit(60), have=60, on_hand=0, track=False),
    Case("backordered stock is unlimited", "add", 20, ("ok", 25), have=5, on_hand=-3, backorder=True),
    Case("backordered stock: 98 + 5 refused", "add", 5, _line_limit(98), have=98, on_hand=0, backorder=True),
    Case("add an unknown SKU", "add", 1, ("not_found", PRODUCT_NOT_FOUND, None), sku="unknown"),
    Case("add a SKU that is not for sale", "add", 1, ("not_found", PRODUCT_NOT_FOUND, None), sku="draft"),
    Case("a typed quantity is a number", "add", "3", ("ok", 4), have=1),
    Case("add 'x'", "add", "x", BAD, have=1),
    Case("add -1", "add", -1, BAD, have=1),
    Case("add 0", "add", 0, BAD, have=1),
    Case("add 100", "add", 100, BAD),
    Case("add 1.5", "add", 1.5, BAD, have=1),
    Case("add True", "add", True, BAD, have=1),
    Case("set a new quantity", "set", 7, ("ok", 7), have=2),
    Case("set 0 removes the line", "set", 0, ("ok", 0), have=3),
    Case("set over the stock", "set", 4, ("insufficient_stock", "Only 3 left in stock", 3), have=1, on_hand=3),
    Case("set may lower a line that is above the stock", "set", 4, ("ok", 4), have=6, on_hand=2),
    Case("set untracked to 99", "set", 99, ("ok", 99), have=1, on_hand=0, track=False),
    Case("set backordered past the stock", "set", 30, ("ok", 30), have=1, on_hand=2, backorder=True),
    Case("set a line that is not in the cart", "set", 2, ("not_found", ITEM_NOT_FOUND, None)),
    Case(
        "set a line whose product is no longer for sale",
        "set",
        3,
        ("not_found", PRODUCT_NOT_FOUND, None),
        have=1,
        sku="draft",
    ),
    Case("set 'x'", "set", "x", BAD, have=1),
    Case("set -1", "set", -1, BAD, have=1),
    Case("set 100", "set", 100, BAD, have=1),
    Case("set 1.5", "set", 1.5, BAD, have=1),
    Case("set True", "set", True, BAD, have=1),
]


def browser_op(case: Case, sku: str) -> dict:
    """The op as the page sends it (``components/cart_ops.op_arg``): a guest's line id is its SKU."""
    if case.op == "add":
        return {"id": "op-1", "type": "add", "sku_id": sku, "quantity": case.quantity, "name": "Tee"}
    return {"id": "op-1", "type": "set", "item_id": sku, "quantity": case.quantity}


def guest_lines(case: Case, sku: str) -> list[GuestLine]:
    lines = [GuestLine(sku_id=OTHER, quantity=1)]
    if case.have:
        lines.append(GuestLine(sku_id=sku, quantity=case.have))
    return lines


def outcome(result: OpResult, sku: str) -> tuple:
    """A result in the table's words."""
    if result.refusal is not None:
        return (result.refusal.code, result.refusal.message, result.refusal.available)
    return ("ok", next((line.quantity for line in result.lines if line.sku_id == sku), 0))


def guest_outcome(case: Case, sellable: dict[str, int | None]) -> tuple:
    """The guest path of ``CartState._apply_guest``: the page's check, then the server's."""
    from marque_app.state.cart import local_op  # the state's own call of the engine

    lines = guest_lines(case, SKU)
    cart_op, local = local_op(lines, browser_op(case, SKU), now="t")
    if local.refusal is not None:
        return outcome(local, SKU)
    if all(line.sku_id != SKU for line in local.lines):
        return outcome(local, SKU)  # a removal: nothing for the server to confirm
    return outcome(apply_op(lines, cart_op, sellable=sellable), SKU)


def case_sellable(case: Case) -> dict[str, int | None]:
    """What the server tells the engine: the sellable quantity of the SKUs for sale."""
    sellable: dict[str, int | None] = {OTHER: None}
    if case.sku == "known":
        sellable[SKU] = sellable_quantity(case.on_hand, track_inventory=case.track, allow_backorder=case.backorder)
    return sellable


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_engine_as_the_guest_path_calls_it(case):
    assert guest_outcome(case, case_sellable(case)) == case.expect


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_refused_op_leaves_the_lines_as_they_were(case):
    lines = guest_lines(case, SKU)
    result = apply_op(lines, CartOp.from_browser(browser_op(case, SKU)), sellable=case_sellable(case))
    if result.refusal is not None:
        assert result.lines == tuple(lines)
    else:
        assert [line.sku_id for line in result.lines][:1] == [OTHER]  # other lines kept, in order


@pytest.mark.parametrize(
    ("on_hand", "track", "backorder", "expected"),
    [
        (5, True, False, 5),
        (0, True, False, 0),
        (-2, True, False, 0),
        (0, False, False, None),
        (7, False, False, None),
        (0, True, True, None),
        (-4, True, True, None),
    ],
)
def test_sellable_quantity_untracked_or_backordered_is_unlimited(on_hand, track, backorder, expected):
    assert sellable_quantity(on_hand, track_inventory=track, allow_backorder=backorder) == expected


def test_remove_and_clear():
    lines = [GuestLine(sku_id=OTHER, quantity=1), GuestLine(sku_id=SKU, quantity=2)]
    assert apply_op(lines, CartOp("remove", SKU), sellable=None).lines == (lines[0],)
    missing = apply_op([lines[0]], CartOp("remove", SKU), sellable=None)
    assert missing.refusal is not None and missing.refusal.code == "not_found"
    assert apply_op(lines, CartOp("clear"), sellable=None) == OpResult(lines=())
    unknown = apply_op(lines, CartOp("explode", SKU), sellable=None)
    assert unknown.refusal is not None and unknown.refusal.code == "unknown_op"


def test_a_refusal_raises_as_the_cart_error_the_api_maps():
    result = apply_op([GuestLine(sku_id=SKU, quantity=98)], CartOp("add", SKU, 5), sellable={SKU: None})
    with pytest.raises(Exception) as err:
        result.checked()
    assert (err.value.kind, err.value.code, http_status(err.value), err.value.available) == (
        "invalid",
        "line_limit",
        422,
        1,
    )
    result = apply_op([], CartOp("add", SKU, 5), sellable={SKU: 2})
    with pytest.raises(Exception) as err:
        result.checked()
    assert (err.value.kind, http_status(err.value), err.value.available) == ("insufficient_stock", 409, 2)


def test_the_engine_is_pure_python():
    code = (
        "import sys, marque_app.domain.cart, marque_app.domain.stock; "
        "assert not {'reflex', 'sqlmodel', 'sqlalchemy'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
