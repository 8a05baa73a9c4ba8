"""The table of cart cases (tests/unit/test_cart_engine.py) through the real database.

Every case runs through the user path's services (``add_item``, ``set_quantity``, with the
quantity as ``CartState`` passes it on) and through the guest path's server check
(``check_guest_op``), against products made with the case's stock settings. Both must give the
outcome in the table, the same one the engine gives for a guest in the unit test.
"""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from marque_app.domain.cart import CartError, CartOp, GuestLine
from marque_app.models import CartItem, ProductStatus, ProductVariant
from marque_app.services import cart
from tests.cartutil import make_product, make_user
from tests.unit.test_cart_engine import CASES, Case, browser_op, guest_lines, outcome

IDS = [c.name for c in CASES]


def _sku(session, case: Case) -> str:
    """The case's SKU in the database (a fresh id for ``unknown``)."""
    if case.sku == "unknown":
        return str(uuid.uuid4())
    _, (variant,) = make_product(
        session,
        stock=(case.on_hand,),
        track_inventory=case.track,
        allow_backorder=case.backorder,
        status=ProductStatus.active if case.sku == "known" else ProductStatus.draft,
    )
    return str(variant.id)


def _quantity(session, user, sku: str) -> int:
    row = session.exec(
        select(CartItem.quantity).where(CartItem.user_id == user.id, CartItem.product_variant_id == uuid.UUID(sku))
    ).first()
    return row or 0


def _put(session, user, sku: str, quantity: int) -> str:
    """A line already in the user's cart (written as it stands: the stock may have dropped since)."""
    _, (other,) = make_product(session, stock=(5,))
    session.add(CartItem(user_id=user.id, product_id=other.product_id, product_variant_id=other.id, quantity=1))
    variant = session.get(ProductVariant, uuid.UUID(sku))
    item = CartItem(user_id=user.id, product_id=variant.product_id, product_variant_id=variant.id, quantity=quantity)
    session.add(item)
    session.commit()
    return str(item.id)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_user_path_gives_the_table_outcome(session, case):
    user = make_user(session)
    sku = _sku(session, case)
    item_id = _put(session, user, sku, case.have) if case.have else str(uuid.uuid4())
    quantity = CartOp.from_browser(browser_op(case, sku)).quantity  # as CartState passes it on
    try:
        if case.op == "add":
            cart.add_item(session=session, user_id=user.id, sku_id=sku, quantity=quantity)
        else:
            cart.set_quantity(session=session, user_id=user.id, item_id=item_id, quantity=quantity)
    except CartError as err:
        got = (err.code, err.message, err.available)
        assert _quantity(session, user, sku) == case.have  # a refusal leaves the line as it was
    else:
        got = ("ok", _quantity(session, user, sku))
    assert got == case.expect


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_guest_server_check_gives_the_table_outcome(session, case):
    from marque_app.state.cart import local_op

    sku = _sku(session, case)
    _, (other,) = make_product(session, stock=(5,))
    lines = [GuestLine(sku_id=str(other.id), quantity=1), *guest_lines(case, sku)[1:]]
    cart_op, local = local_op(lines, browser_op(case, sku), now="t")
    if local.refusal is not None or all(line.sku_id != sku for line in local.lines):
        got = outcome(local, sku)  # refused on the page, or a removal: the server is not asked
    else:
        result, priced = cart.check_guest_op(session=session, lines=lines, op=cart_op)
        got = outcome(result, sku)
        if case.sku == "known":
            assert priced is not None and priced.sku_id == sku
        else:
            assert priced is None
    assert got == case.expect


def _guest_add(session, sku: str, quantity: int = 1):
    op = CartOp.from_browser({"id": str(uuid.uuid4()), "type": "add", "sku_id": sku, "quantity": quantity})
    result, _ = cart.check_guest_op(session=session, lines=[], op=op)
    return result


def test_a_guest_add_again_within_seconds_reads_no_sku_and_a_sell_out_is_seen_at_once(session):
    import sqlalchemy as sa

    from marque_app.services import cache

    cache.clear_local()
    _, (variant,) = make_product(session, stock=(3,))
    sku = str(variant.id)
    assert _guest_add(session, sku).refusal is None

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    bind = session.get_bind()
    sa.event.listen(bind, "before_cursor_execute", count)
    try:
        assert _guest_add(session, sku, 2).refusal is None  # the second add of a row: from memory
        assert not [s for s in statements if "product_variants" in s]
    finally:
        sa.event.remove(bind, "before_cursor_execute", count)

    # Sold out elsewhere: the checkout (and every stock write) bumps the products generation.
    variant.inventory_quantity = 0
    session.add(variant)
    session.commit()
    cache.invalidate_products()
    refused = _guest_add(session, sku)
    assert refused.refusal is not None and refused.refusal.available == 0


def test_a_guest_add_reads_the_stock_again_after_the_few_seconds(session, monkeypatch):
    from marque_app.services import cache

    cache.clear_local()
    _, (variant,) = make_product(session, stock=(2,))
    sku = str(variant.id)
    assert _guest_add(session, sku).refusal is None
    variant.inventory_quantity = 1  # fell without selling out: no generation bump
    session.add(variant)
    session.commit()
    monkeypatch.setattr(cache.time, "monotonic", lambda: 10_000_000.0)  # GUEST_SKU_SECONDS later
    refused = _guest_add(session, sku, 2)
    assert refused.refusal is not None and refused.refusal.available == 1
