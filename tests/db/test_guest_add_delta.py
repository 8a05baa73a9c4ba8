"""A guest's add, through ``CartState.apply`` against a real database: the server keeps the whole
cart but sends the page a patch of the line it changed (not the stored cart), so an add costs the
same few hundred bytes on a 100-line cart as on a 1-line one; a refused add patches nothing."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import replace

import pytest
from sqlmodel import Session

from marque_app.domain.cart import GuestLine, apply_guest_patch, dump_guest_cart, parse_guest_cart
from marque_app.settings import get_settings
from tests.cartutil import make_product
from tests.statetest import bind_app, module_database, state_tree


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    with module_database(tmp_path_factory, "guest_delta") as (url, engine):
        with Session(engine) as session:
            skus = []
            for _ in range(21):
                product, variants = make_product(session, stock=(50, 50, 50, 50, 50))
                skus.extend((str(v.id), str(product.id)) for v in variants)
        yield url, engine, skus


@pytest.fixture
def cart(shop, monkeypatch):
    url, engine, skus = shop
    bind_app(monkeypatch, url, engine)
    from marque_app.state.cart import CartState

    root, sub = state_tree()
    state = sub(CartState)
    yield state, root, skus
    get_settings.cache_clear()


def _apply(state, op):
    async def drain():
        out = []
        async for item in type(state).apply.fn(state, op):
            out.extend(item if isinstance(item, list) else [item])
        return out

    return asyncio.run(drain())


def _sent(events) -> list:
    """The events as Reflex sends them to the page (name and payload)."""
    from reflex.event import Event

    return Event.from_event_type(events)


def _patches(events) -> list[dict]:
    out = []
    for event in _sent(events):
        code = event.payload.get("javascript_code") or ""
        if "patchStorage(" in code:
            out.append(json.loads(code[code.index("patchStorage(") + 13 : code.rindex(")")]))
    return out


def _script_bytes(events) -> int:
    return sum(len(json.dumps(e.payload)) for e in _sent(events) if "patchStorage" in str(e.payload))


def _toasts(events) -> str:
    return " ".join(str(e.payload) for e in _sent(events) if "toast" in str(e.payload))


def _stored(skus, n) -> list[GuestLine]:
    return [
        GuestLine(sku_id=sku, quantity=1, price_seen="20.00", name=f"Tee {i}", product_id=pid)
        for i, (sku, pid) in enumerate(skus[:n])
    ]


@pytest.mark.parametrize("held", [1, 100])
def test_an_add_sends_a_patch_of_its_line_not_the_stored_cart(cart, held):
    state, root, skus = cart
    stored = _stored(skus, held)
    state.guest_cart = dump_guest_cart(stored)  # as the page's hydrate brought it
    root._clean()
    sku = skus[0][0]
    events = _apply(
        state,
        {
            "id": str(uuid.uuid4()),
            "type": "add",
            "sku_id": sku,
            "quantity": 2,
            "product_id": skus[0][1],
            "name": "Tee 0",
            "price_seen": "20.00",
        },
    )
    # the server holds the new cart; the delta leaves the stored cart and the op ids out
    lines, _ = parse_guest_cart(state.guest_cart)
    assert lines == [replace(stored[0], quantity=3), *stored[1:]]
    delta = state.get_delta()[state.get_full_name()]
    assert not {"guest_cart_rx_state_", "guest_meta_rx_state_"} & set(delta)
    assert delta["cart_count_rx_state_"] == held + 2
    # the page's patch gives the same cart and notes the op id
    (patch,) = _patches(events)
    assert apply_guest_patch(stored, patch["cart"]) == lines
    assert patch["meta"]["op"] in json.loads(state.guest_meta)["ops"]
    assert _script_bytes(events) < 1000


def test_a_refused_add_keeps_the_cart_and_patches_only_the_op_ids(cart):
    state, root, skus = cart
    stored = [replace(line, quantity=50) for line in _stored(skus, 3)]  # all 50 in stock
    state.guest_cart = before = dump_guest_cart(stored)
    root._clean()
    # past the stock: the server's check refuses it (the op id is kept: it is not tried again)
    events = _apply(state, {"id": "op-stock", "type": "add", "sku_id": skus[1][0], "quantity": 1})
    assert state.guest_cart == before
    (patch,) = _patches(events)
    assert "cart" not in patch and patch["meta"]["op"] == "op-stock"
    assert "guest_cart" not in state.dirty_vars and _toasts(events)
    # past 99: refused on the page's own lines before any check; its id settles it all the same
    state.guest_cart = full = dump_guest_cart([replace(line, quantity=99) for line in stored])
    events = _apply(state, {"id": "op-99", "type": "add", "sku_id": skus[1][0], "quantity": 1})
    assert [p["meta"]["op"] for p in _patches(events) if "cart" not in p] == ["op-99"]
    assert "99" in _toasts(events) and state.guest_cart == full
    # the same op sent again (a retry): not applied twice, settled again
    events = _apply(state, {"id": "op-stock", "type": "add", "sku_id": skus[1][0], "quantity": 1})
    assert [p["meta"]["op"] for p in _patches(events)] == ["op-stock"] and not _toasts(events)


def test_emptying_the_cart_writes_the_stored_value_whole(cart):
    state, root, skus = cart
    state.guest_cart = dump_guest_cart(_stored(skus, 5))
    root._clean()
    events = _apply(state, {"id": "op-clear", "type": "clear"})
    assert state.guest_cart == ""
    assert state.get_delta()[state.get_full_name()]["guest_cart_rx_state_"] == ""
    assert all("cart" not in p for p in _patches(events))
