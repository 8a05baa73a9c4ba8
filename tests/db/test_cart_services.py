"""The cart and wishlist services against a real database (SQLite, or PostgreSQL when configured)."""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.domain.cart import CartError, GuestLine
from marque_app.models import (
    CartItem,
    CartOperation,
    Product,
    ProductImage,
    ProductStatus,
    ProductVariant,
    User,
    Wishlist,
)
from marque_app.services import cart, wishlist
from tests.cartutil import make_product, make_user


@contextmanager
def counted(session):
    """The SQL statements the session's connection runs inside the block."""
    statements: list[str] = []
    conn = session.connection()
    engine = conn.engine

    def record(_conn, _cursor, statement, _params, _ctx, _many):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _qty(session, user) -> dict[str, int]:
    rows = session.exec(select(CartItem.product_variant_id, CartItem.quantity).where(CartItem.user_id == user.id))
    return {str(sku): q for sku, q in rows}


# --- reading and writing a user's cart ---------------------------------------------------------


def test_add_sums_lines_and_totals_come_from_the_server(session):
    user = make_user(session)
    product, (s, m) = make_product(session, price="30.00", stock=(5, 5), variant_prices=[None, "32.50"])
    view = cart.add_item(session=session, user_id=user.id, sku_id=str(s.id), quantity=2)
    view = cart.add_item(session=session, user_id=str(user.id), sku_id=str(s.id), quantity=1)
    view = cart.add_item(session=session, user_id=user.id, sku_id=str(m.id), quantity=1)
    assert [(line.sku_id, line.quantity) for line in view.items] == [(str(s.id), 3), (str(m.id), 1)]
    first = view.items[0]
    assert first.unit_price == "30.00" and first.line_total == "90.00" and first.price_seen == "30.00"
    assert first.variant_label == "S / Navy" and first.product_slug == product.slug
    assert first.image_url.startswith("/img/") and first.available == 5 and not first.is_sold_out
    assert view.total_items == 4
    assert view.subtotal == "122.50" and view.tax == "9.80" and view.shipping == "0.00" and view.total == "132.30"
    assert view.currency == "USD"


def test_add_refuses_more_than_stock_with_the_number_available(session):
    user = make_user(session)
    _, (v,) = make_product(session, stock=(2,))
    cart.add_item(session=session, user_id=user.id, sku_id=str(v.id), quantity=1)
    with pytest.raises(CartError) as err:
        cart.add_item(session=session, user_id=user.id, sku_id=str(v.id), quantity=2)
    assert err.value.kind == "insufficient_stock" and err.value.available == 2
    assert err.value.message == "Only 2 left in stock"
    assert _qty(session, user) == {str(v.id): 1}  # nothing changed


@pytest.mark.parametrize("quantity", [0, -1, 100, 1.5, "2", True])
def test_add_refuses_bad_quantities(session, quantity):
    user = make_user(session)
    _, (v,) = make_product(session)
    with pytest.raises(CartError) as err:
        cart.add_item(session=session, user_id=user.id, sku_id=str(v.id), quantity=quantity)
    assert err.value.kind == "invalid" and "whole number from 1 to 99" in err.value.message


def test_add_unknown_or_inactive_sku_is_not_found(session):
    user = make_user(session)
    _, (draft,) = make_product(session, status=ProductStatus.draft)
    for sku in (str(uuid.uuid4()), "not-a-uuid", str(draft.id)):
        with pytest.raises(CartError) as err:
            cart.add_item(session=session, user_id=user.id, sku_id=sku, quantity=1)
        assert err.value.kind == "not_found" and err.value.message == "Product not found"


def test_line_cap_of_99_and_untracked_stock(session):
    user = make_user(session)
    _, (v,) = make_product(session, stock=(0,), track_inventory=False)
    cart.add_item(session=session, user_id=user.id, sku_id=str(v.id), quantity=90)
    with pytest.raises(CartError) as err:
        cart.add_item(session=session, user_id=user.id, sku_id=str(v.id), quantity=10)
    assert err.value.kind == "invalid" and "99" in err.value.message
    assert cart.stock_for(session=session, sku_ids=[str(v.id), "nope"]) == {str(v.id): 99, "nope": 0}


def test_set_quantity_remove_clear_and_other_users_lines(session):
    user, other = make_user(session), make_user(session)
    _, (a, b) = make_product(session, stock=(3, 9))
    view = cart.add_item(session=session, user_id=user.id, sku_id=str(a.id), quantity=1)
    item_id = view.items[0].id
    view = cart.set_quantity(session=session, user_id=user.id, item_id=item_id, quantity=3)
    assert view.items[0].quantity == 3
    with pytest.raises(CartError) as err:
        cart.set_quantity(session=session, user_id=user.id, item_id=item_id, quantity=4)
    assert err.value.kind == "insufficient_stock" and err.value.available == 3
    for fn in (
        lambda: cart.set_quantity(session=session, user_id=other.id, item_id=item_id, quantity=1),
        lambda: cart.remove_item(session=session, user_id=other.id, item_id=item_id),
        lambda: cart.remove_item(session=session, user_id=user.id, item_id="garbage"),
    ):
        with pytest.raises(CartError) as err:
            fn()
        assert err.value.kind == "not_found"
    cart.add_item(session=session, user_id=user.id, sku_id=str(b.id), quantity=2)
    view = cart.remove_item(session=session, user_id=user.id, item_id=item_id)
    assert [line.sku_id for line in view.items] == [str(b.id)]
    view = cart.clear_cart(session=session, user_id=user.id)
    assert view.items == [] and view.total == "0.00" and view.shipping == "0.00"


def test_op_ids_apply_once(session):
    user = make_user(session)
    _, (v,) = make_product(session, stock=(10,))
    for _ in range(3):
        view = cart.add_item(session=session, user_id=user.id, sku_id=str(v.id), quantity=2, op_id="op-1")
    assert view.items[0].quantity == 2
    cart.add_item(session=session, user_id=user.id, sku_id=str(v.id), quantity=2, op_id="op-2")
    item_id = cart.get_cart(session=session, user_id=user.id).items[0].id
    cart.remove_item(session=session, user_id=user.id, item_id=item_id, op_id="op-3")
    cart.remove_item(session=session, user_id=user.id, item_id=item_id, op_id="op-3")  # replay: no 404
    assert _qty(session, user) == {}
    # a refused operation is not recorded: its retry is tried again
    with pytest.raises(CartError):
        cart.add_item(session=session, user_id=user.id, sku_id=str(v.id), quantity=11, op_id="op-4")
    cart.add_item(session=session, user_id=user.id, sku_id=str(v.id), quantity=1, op_id="op-4")
    assert _qty(session, user) == {str(v.id): 1}
    ops = session.exec(select(CartOperation.op_id).where(CartOperation.user_id == user.id)).all()
    assert sorted(ops) == ["op-1", "op-2", "op-3", "op-4"]


def test_validate_reports_price_changes_sold_out_and_short_lines(session):
    user = make_user(session)
    p1, (a,) = make_product(session, name="Up", price="10.00", stock=(5,))
    p2, (b,) = make_product(session, name="Gone", stock=(5,))
    p3, (c,) = make_product(session, name="Short", stock=(5,))
    p4, (d,) = make_product(session, name="Down", price="10.00", stock=(5,))
    for v, q in ((a, 1), (b, 1), (c, 4), (d, 1)):
        cart.add_item(session=session, user_id=user.id, sku_id=str(v.id), quantity=q)
    p1.price = Decimal("12.00")
    p4.price = Decimal("8.00")
    b.inventory_quantity = 0
    c.inventory_quantity = 2
    session.add_all([p1, p4, b, c])
    session.commit()
    view = cart.validate_cart(session=session, user_id=user.id)
    by_name = {line.name: line for line in view.items}
    assert by_name[p1.name].price_change == "up" and by_name[p4.name].price_change == "down"
    assert by_name[p2.name].is_sold_out and by_name[p2.name].available == 0
    text = " | ".join(view.messages)
    assert f"The price of {p1.name} went up from $10.00 to $12.00" in text
    assert f"The price of {p4.name} went down from $10.00 to $8.00" in text
    assert f"{p2.name} is sold out" in text and f"Only 2 of {p3.name} left in stock" in text
    # the sold-out line is not charged
    assert view.subtotal == "100.00"  # 12.00 + 4 x 20.00 + 8.00


# --- guest carts ---------------------------------------------------------------------------------


def test_price_guest_cart_uses_server_prices_and_repairs_lines(session):
    _, (a, b) = make_product(session, price="25.00", stock=(2, 0))
    _, (draft,) = make_product(session, status=ProductStatus.draft)
    lines = [
        GuestLine(sku_id=str(a.id), quantity=5, price_seen="1.00", name="Hacked"),  # lowered price, too many
        GuestLine(sku_id=str(b.id), quantity=1, price_seen="25.00"),  # sold out: kept, marked
        GuestLine(sku_id=str(draft.id), quantity=1, name="Old thing"),
        GuestLine(sku_id=str(uuid.uuid4()), quantity=1, name="Ghost"),
        GuestLine(sku_id="garbage", quantity=1),
    ]
    view, kept = cart.price_guest_cart(session=session, lines=lines)
    assert [line.sku_id for line in kept] == [str(a.id), str(b.id)]
    assert kept[0].quantity == 2 and kept[0].price_seen == "1.00" and kept[0].name != "Hacked"
    first = view.items[0]
    assert first.id == str(a.id) and first.unit_price == "25.00" and first.price_change == "up"
    assert view.items[1].is_sold_out
    assert view.subtotal == "50.00"  # 2 x 25.00 from the database; the sold-out line is not charged
    text = " | ".join(view.messages)
    assert "Old thing is no longer available" in text and "Ghost is no longer available" in text
    assert "reduced to the 2 in stock" in text and "is sold out" in text


def test_price_guest_cart_runs_a_fixed_number_of_queries(session):
    products = [make_product(session, stock=(5,))[1][0] for _ in range(12)]
    with counted(session) as one:
        cart.price_guest_cart(session=session, lines=[GuestLine(sku_id=str(products[0].id), quantity=1)])
    with counted(session) as many:
        cart.price_guest_cart(session=session, lines=[GuestLine(sku_id=str(v.id), quantity=1) for v in products])
    assert len(one) == len(many) == 2


# --- the merge -----------------------------------------------------------------------------------


def test_merge_rules_and_message(session):
    user = make_user(session)
    _, (same, fresh, short) = make_product(session, stock=(10, 10, 2))
    _, (draft,) = make_product(session, status=ProductStatus.draft)
    kept_product, _ = make_product(session, name="Kept")
    cart.add_item(session=session, user_id=user.id, sku_id=str(same.id), quantity=3)
    result = cart.merge_guest(
        session=session,
        user_id=user.id,
        merge_id="m-1",
        lines=[
            GuestLine(sku_id=str(same.id), quantity=4),
            GuestLine(sku_id=str(fresh.id), quantity=1),
            GuestLine(sku_id=str(fresh.id), quantity=1),  # duplicate: summed
            GuestLine(sku_id=str(short.id), quantity=5),
            GuestLine(sku_id=str(draft.id), quantity=1, name="Draft"),
            GuestLine(sku_id=str(uuid.uuid4()), quantity=1, name="Ghost"),
        ],
        wishlist=[str(kept_product.id), str(kept_product.id), "junk"],
    )
    assert _qty(session, user) == {str(same.id): 7, str(fresh.id): 2, str(short.id): 2}
    o = result.outcome
    assert (o.added, o.increased, o.wishlist_added) == (2, 1, 1)
    assert [q for _, q in o.reduced] == [2] and len(o.dropped) == 2
    assert result.message == (
        "3 items added to your cart; 1 reduced to the 2 in stock; 2 no longer available; 1 added to your wishlist"
    )
    assert not result.already_applied and result.cart.total_items == 11
    assert [item.product_id for item in result.wishlist.items] == [str(kept_product.id)]


def test_merge_caps_at_99_and_never_lowers_a_line(session):
    user = make_user(session)
    _, (free,) = make_product(session, stock=(0,), track_inventory=False)
    _, (tight,) = make_product(session, stock=(5,))
    cart.add_item(session=session, user_id=user.id, sku_id=str(free.id), quantity=90)
    cart.add_item(session=session, user_id=user.id, sku_id=str(tight.id), quantity=5)
    result = cart.merge_guest(
        session=session,
        user_id=user.id,
        merge_id="m-cap",
        lines=[GuestLine(sku_id=str(free.id), quantity=50), GuestLine(sku_id=str(tight.id), quantity=3)],
        wishlist=[],
    )
    assert _qty(session, user) == {str(free.id): 99, str(tight.id): 5}
    assert sorted(q for _, q in result.outcome.reduced) == [5, 99]


def test_merge_id_applies_once_and_repeats_return_the_first_outcome(session):
    user = make_user(session)
    _, (v,) = make_product(session, stock=(10,))
    lines = [GuestLine(sku_id=str(v.id), quantity=3)]
    first = cart.merge_guest(session=session, user_id=user.id, merge_id="same", lines=lines, wishlist=[])
    again = cart.merge_guest(session=session, user_id=user.id, merge_id="same", lines=lines, wishlist=[])
    assert _qty(session, user) == {str(v.id): 3}
    assert again.already_applied and again.message == first.message == "1 item added to your cart"
    cart.merge_guest(session=session, user_id=user.id, merge_id="other", lines=lines, wishlist=[])
    assert _qty(session, user) == {str(v.id): 6}


def test_merge_refuses_a_missing_merge_id_and_too_many_lines(session):
    user = make_user(session)
    with pytest.raises(CartError):
        cart.merge_guest(session=session, user_id=user.id, merge_id="", lines=[], wishlist=[])
    lines = [GuestLine(sku_id=str(uuid.uuid4()), quantity=1)] * 501
    with pytest.raises(CartError) as err:
        cart.merge_guest(session=session, user_id=user.id, merge_id="big", lines=lines, wishlist=[])
    assert "500" in err.value.message


MERGE_STATEMENTS = 14  # claim, lock, variants, all lines, upsert, wishlist x2, outcome, pictures, wishlist x5


@pytest.mark.parametrize("size", [1, 50])
def test_merge_runs_a_fixed_number_of_statements(session, size):
    user = make_user(session)
    skus = [v for _ in range(size) for v in make_product(session, stock=(20,))[1]]
    wished, _ = make_product(session)
    cart.add_item(session=session, user_id=user.id, sku_id=str(skus[0].id), quantity=1)
    lines = [GuestLine(sku_id=str(v.id), quantity=2) for v in skus]
    with counted(session) as statements:
        result = cart.merge_guest(
            session=session, user_id=user.id, merge_id=f"n-{size}", lines=lines, wishlist=[str(wished.id)]
        )
    assert result.cart.total_items == 2 * size + 1
    assert len(statements) == MERGE_STATEMENTS, statements


# --- wishlist ------------------------------------------------------------------------------------


def test_wishlist_add_remove_clear(session):
    user = make_user(session)
    a, _ = make_product(session, name="A")
    b, _ = make_product(session, name="B", stock=(0, 4))
    draft, _ = make_product(session, status=ProductStatus.draft)
    wishlist.add_to_wishlist(session=session, user_id=user.id, product_id=str(a.id))
    view = wishlist.add_to_wishlist(session=session, user_id=user.id, product_id=str(a.id))  # twice: once
    view = wishlist.add_to_wishlist(session=session, user_id=user.id, product_id=str(b.id))
    assert view.total == 2 and {i.product_id for i in view.items} == {str(a.id), str(b.id)}
    item_b = next(i for i in view.items if i.product_id == str(b.id))
    assert item_b.price == "20.00" and item_b.image_url and not item_b.is_sold_out
    for pid in (str(draft.id), str(uuid.uuid4()), "nope"):
        with pytest.raises(CartError) as err:
            wishlist.add_to_wishlist(session=session, user_id=user.id, product_id=pid)
        assert err.value.kind == "not_found" and err.value.message == "Product not found"
    view = wishlist.remove_from_wishlist(session=session, user_id=user.id, product_id=str(a.id))
    assert [i.product_id for i in view.items] == [str(b.id)]
    with pytest.raises(CartError):
        wishlist.remove_from_wishlist(session=session, user_id=user.id, product_id=str(a.id))
    assert wishlist.clear_wishlist(session=session, user_id=user.id).total == 0


def test_wishlist_default_sku_is_the_first_in_stock(session):
    user = make_user(session)
    product, (gone, there) = make_product(session, stock=(0, 4))
    view = wishlist.add_to_wishlist(session=session, user_id=user.id, product_id=str(product.id))
    assert view.items[0].default_sku_id == str(there.id)


def test_move_to_cart_checks_stock_and_keeps_the_wish_on_failure(session):
    user = make_user(session)
    product, (v,) = make_product(session, stock=(1,))
    sold_out, _ = make_product(session, stock=(0,))
    other, (other_sku,) = make_product(session)
    for p in (product, sold_out):
        wishlist.add_to_wishlist(session=session, user_id=user.id, product_id=str(p.id))
    cart_view, wish = wishlist.move_to_cart(session=session, user_id=user.id, product_id=str(product.id))
    assert [line.sku_id for line in cart_view.items] == [str(v.id)]
    assert [i.product_id for i in wish.items] == [str(sold_out.id)]
    with pytest.raises(CartError) as err:
        wishlist.move_to_cart(session=session, user_id=user.id, product_id=str(sold_out.id))
    assert err.value.kind == "insufficient_stock" and err.value.message == "This item is sold out"
    with pytest.raises(CartError) as err:
        wishlist.move_to_cart(session=session, user_id=user.id, product_id=str(sold_out.id), sku_id=str(other_sku.id))
    assert (err.value.kind, err.value.field, err.value.code) == ("invalid", "sku_id", "not_a_variant")
    assert [i.product_id for i in wishlist.get_wishlist(session=session, user_id=user.id).items] == [str(sold_out.id)]


def test_price_guest_wishlist_drops_unknown_products(session):
    a, _ = make_product(session)
    draft, _ = make_product(session, status=ProductStatus.draft)
    view, messages = wishlist.price_guest_wishlist(
        session=session, product_ids=[str(a.id), str(draft.id), str(uuid.uuid4())]
    )
    assert [i.product_id for i in view.items] == [str(a.id)]
    assert messages == ["2 products in your wishlist are no longer available and removed"]


# --- races: two real connections, a barrier ------------------------------------------------------


@pytest.fixture
def committed(engine):
    """A user and products committed for real (the race needs two connections); removed afterwards."""
    with Session(engine, expire_on_commit=False) as session:
        user = make_user(session)
        _, (plenty,) = make_product(session, stock=(50,))
        _, (tight,) = make_product(session, stock=(5,))
        wished, _ = make_product(session)
    yield user, plenty, tight, wished
    # Nothing stays behind for the tests that come after (they expect an empty catalog).
    products = [plenty.product_id, tight.product_id, wished.id]
    with Session(engine) as session:
        session.execute(sa.delete(User).where(User.id == user.id))  # cart lines, wishes, ops cascade
        for model in (ProductImage, ProductVariant):
            session.execute(sa.delete(model).where(model.product_id.in_(products)))
        session.execute(sa.delete(Product).where(Product.id.in_(products)))
        session.commit()


def _race(engine, user, payloads) -> list:
    barrier = threading.Barrier(len(payloads))
    results: list = [None] * len(payloads)

    def run(i, merge_id, lines, wishes):
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                results[i] = cart.merge_guest(
                    session=session, user_id=user.id, merge_id=merge_id, lines=lines, wishlist=wishes
                )
            except Exception as err:  # noqa: BLE001 - reported by the assertion below
                results[i] = err

    threads = [threading.Thread(target=run, args=(i, *p)) for i, p in enumerate(payloads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not [r for r in results if isinstance(r, Exception) or r is None], results
    return results


def _quantities(engine, user) -> dict[str, int]:
    with Session(engine) as session:
        return _qty(session, user)


def test_two_tabs_merging_the_same_payload_apply_it_once(engine, committed):
    user, plenty, tight, wished = committed
    lines = [GuestLine(sku_id=str(plenty.id), quantity=3), GuestLine(sku_id=str(tight.id), quantity=2)]
    results = _race(engine, user, [("tab-merge", lines, [str(wished.id)])] * 2)
    assert _quantities(engine, user) == {str(plenty.id): 3, str(tight.id): 2}
    assert sorted(r.already_applied for r in results) == [False, True]
    assert results[0].message == results[1].message == "2 items added to your cart; 1 added to your wishlist"
    with Session(engine) as session:
        assert len(session.exec(select(Wishlist).where(Wishlist.user_id == user.id)).all()) == 1


def test_two_different_merges_at_once_add_once_each_and_respect_the_stock(engine, committed):
    user, plenty, tight, _ = committed
    lines = [GuestLine(sku_id=str(plenty.id), quantity=3), GuestLine(sku_id=str(tight.id), quantity=4)]
    results = _race(engine, user, [("merge-a", lines, []), ("merge-b", lines, [])])
    assert _quantities(engine, user) == {str(plenty.id): 6, str(tight.id): 5}
    assert not any(r.already_applied for r in results)
    assert sum(len(r.outcome.reduced) for r in results) == 1  # the later merge met the stock of 5
