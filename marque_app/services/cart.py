"""The cart: a user's lines in the database, a guest's priced from the database, the log-in merge.

Every function takes the session as a keyword argument and returns frozen dataclasses with
prices as decimal strings ("24.00"); money is ``Decimal`` inside and never a float. Each runs a
fixed number of queries whatever the number of lines (one ``IN`` query per kind of row).

Writes of one user are serialised by a row lock on the user (:func:`cart_ops.lock_user`), and
an operation that carries a client-made id (``op_id``, a merge id) is applied once
(:mod:`marque_app.services.cart_ops`). A refused operation raises
:class:`marque_app.domain.cart.CartError` and leaves nothing behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.domain.cart import (
    ADD,
    ITEM_NOT_FOUND,
    MAX_MERGE_LINES,
    SET,
    CartError,
    CartOp,
    GuestLine,
    MergeOutcome,
    OpResult,
    apply_op,
    cart_totals,
    combine_lines,
    merge_message,
    normalize_uuid,
    outcome_from_dict,
    outcome_to_dict,
    parse_price,
    plan_merge,
    price_change,
)
from marque_app.domain.colours import picture_for_colour, variant_colour
from marque_app.domain.money import decimal_string, format_money
from marque_app.models import CartItem, Product, ProductImage, ProductVariant, Wishlist
from marque_app.models.enums import ProductStatus
from marque_app.models.types import utcnow
from marque_app.services.cache import local_fetch
from marque_app.services.cart_ops import (
    as_uuid,
    check_op_id,
    claim_operation,
    dialect_insert,
    find_operation,
    lock_user,
    store_response,
)
from marque_app.services.skus import SKU_COLUMNS as _SKU_COLUMNS
from marque_app.services.skus import Sku as _Sku
from marque_app.services.skus import load_skus
from marque_app.services.wishlist_views import WishlistView, get_wishlist
from marque_app.settings import Settings, get_settings
from marque_app.views.cart import CartLine, CartView

# --------------------------------------------------------------------------------------------
# Public schemas


@dataclass(frozen=True)
class MergeResult:
    cart: CartView
    wishlist: WishlistView
    outcome: MergeOutcome
    message: str
    already_applied: bool = False


# --------------------------------------------------------------------------------------------
# Stock and rows


def _unit_price(sku: _Sku) -> Decimal:
    return sku.price


def _sellable(sku: _Sku) -> int | None:
    """The SKU's sellable quantity (:func:`marque_app.domain.stock.sellable_quantity`)."""
    return sku.sellable


def _sellable_map(skus: Iterable[_Sku]) -> dict[str, int | None]:
    """What :func:`marque_app.domain.cart.apply_op` needs: the active SKUs' sellable quantities."""
    return {str(sku.id): _sellable(sku) for sku in skus if sku.is_active}


def _line_cap(sku: _Sku) -> int:
    """How many one line of the SKU may hold (0 when its product is not active)."""
    return sku.line_cap


def _variant_label(sku: _Sku) -> str:
    return sku.label


def _variants(session: Session, sku_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, _Sku]:
    """Variants with their products' columns, one query (:func:`marque_app.services.skus.load_skus`)."""
    return load_skus(session, sku_ids)


#: Built once (their construction cost more than their run): each product's pictures in gallery
#: order, and a user's stored lines with their SKUs' columns in cart order.
_PICTURES = (
    sa.select(ProductImage.product_id, ProductImage.url, ProductImage.alt_text)
    .where(ProductImage.product_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(ProductImage.product_id, ProductImage.sort_order, ProductImage.created_at)
)


def _pictures(session: Session, product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[tuple[str, str]]]:
    """Each product's pictures, ``(url, alt)`` in gallery order, one query."""
    ids = list(set(product_ids))
    if not ids:
        return {}
    pictures: dict[uuid.UUID, list[tuple[str, str]]] = {}
    for product_id, url, alt in session.connection().execute(_PICTURES, {"ids": ids}):
        pictures.setdefault(product_id, []).append((url, alt or ""))
    return pictures


def _picture(pictures: dict[uuid.UUID, list[tuple[str, str]]], sku: _Sku) -> str:
    """The line's picture: the one of the variant's colour, else the product's first."""
    return picture_for_colour(pictures.get(sku.product_id, []), variant_colour(sku.attributes))


def _settings(settings: Settings | None) -> Settings:
    return settings or get_settings()


def _line(*, line_id: str, sku: _Sku, image: str, quantity: int, seen: Decimal | None) -> CartLine:
    price = _unit_price(sku)
    cap = _line_cap(sku)
    return CartLine(
        id=line_id,
        sku_id=str(sku.id),
        product_id=str(sku.product_id),
        product_slug=sku.slug,
        name=sku.product_name,
        variant_label=_variant_label(sku),
        image_url=image,
        unit_price=decimal_string(price),
        price_seen=decimal_string(seen) if seen is not None else "",
        price_change=price_change(seen, price),
        quantity=quantity,
        available=cap,
        is_sold_out=cap == 0,
        line_total=decimal_string(price * quantity),
    )


def _view(lines: Sequence[CartLine], *, settings: Settings | None = None, messages: Sequence[str] = ()) -> CartView:
    s = _settings(settings)
    totals = cart_totals(
        ((Decimal(line.unit_price), line.quantity) for line in lines if not line.is_sold_out),
        tax_rate=s.tax_rate,
        shipping_flat=s.shipping_flat,
        free_shipping_over=s.free_shipping_over,
    )
    return CartView(
        items=list(lines),
        total_items=sum(line.quantity for line in lines),
        subtotal=decimal_string(totals.subtotal),
        tax=decimal_string(totals.tax),
        shipping=decimal_string(totals.shipping),
        total=decimal_string(totals.total),
        currency=s.currency,
        messages=list(messages),
    )


def _findings(line: CartLine, *, active: bool, currency: str) -> list[str]:
    out = []
    if not active:
        out.append(f"{line.name} is no longer available")
    elif line.is_sold_out:
        out.append(f"{line.name} is sold out")
    elif line.quantity > line.available:
        out.append(f"Only {line.available} of {line.name} left in stock")
    if line.price_change and line.price_seen:
        seen, now = Decimal(line.price_seen), Decimal(line.unit_price)
        out.append(
            f"The price of {line.name} went {line.price_change} from "
            f"{format_money(seen, currency)} to {format_money(now, currency)}"
        )
    return out


#: A stored line with its SKU: (item id, quantity, the price seen when added, the SKU).
_Row = tuple[uuid.UUID, int, Decimal | None, _Sku]


_USER_ROWS = (
    sa.select(CartItem.id, CartItem.quantity, CartItem.unit_price, *_SKU_COLUMNS)
    .join(ProductVariant, ProductVariant.id == CartItem.product_variant_id)
    .join(Product, Product.id == ProductVariant.product_id)
    .where(CartItem.user_id == sa.bindparam("user_id"))
    .order_by(CartItem.added_at, CartItem.id)
)


def _user_rows(session: Session, user_id: uuid.UUID) -> list[_Row]:
    """The user's stored lines with their SKUs' current columns, in cart order (one query)."""
    rows = session.connection().execute(_USER_ROWS, {"user_id": user_id})
    return [(row[0], row[1], row[2], _Sku(*row[3:])) for row in rows]


def _lines_from_rows(session: Session, rows: Sequence[_Row]) -> list[tuple[CartLine, bool]]:
    """The cart lines of ``rows`` (one query for the pictures), each with whether its product
    is still active."""
    pictures = _pictures(session, (sku.product_id for *_, sku in rows))
    return [
        (
            _line(line_id=str(item_id), sku=sku, image=_picture(pictures, sku), quantity=quantity, seen=unit_price),
            sku.is_active,
        )
        for item_id, quantity, unit_price, sku in rows
    ]


def _user_lines(session: Session, user_id: uuid.UUID) -> list[tuple[CartLine, bool]]:
    """The user's lines (two queries), each with whether its product is still active."""
    return _lines_from_rows(session, _user_rows(session, user_id))


# --------------------------------------------------------------------------------------------
# Reading


def get_cart(*, session: Session, user_id, settings: Settings | None = None) -> CartView:
    """The user's cart with current prices and totals (two queries)."""
    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")
    return _view([line for line, _ in _user_lines(session, uid)], settings=settings)


def validate_cart(*, session: Session, user_id, settings: Settings | None = None) -> CartView:
    """The cart with its findings in ``messages``: price changes, sold-out or short lines."""
    s = _settings(settings)
    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")
    lines = _user_lines(session, uid)
    messages = [m for line, active in lines for m in _findings(line, active=active, currency=s.currency)]
    return _view([line for line, _ in lines], settings=s, messages=messages)


def stock_for(*, session: Session, sku_ids: Sequence[str]) -> dict[str, int]:
    """How many of each SKU one line may hold (stock, at most 99; 0 when unknown or inactive)."""
    ids = {normalize_uuid(s): s for s in sku_ids}
    found = _variants(session, (uuid.UUID(i) for i in ids if i))
    out = {}
    for norm, raw in ids.items():
        pair = found.get(uuid.UUID(norm)) if norm else None
        out[raw] = _line_cap(pair) if pair else 0
    return out


def price_guest_cart(
    *, session: Session, lines: Sequence[GuestLine], settings: Settings | None = None
) -> tuple[CartView, list[GuestLine]]:
    """A guest cart priced from the database (two queries), and the lines that survive.

    Unknown or inactive SKUs are dropped; a quantity above the stock is lowered to it; a sold-out
    line stays, marked sold out; names and images come from the catalog; an invalid
    ``price_seen`` becomes the current price. Each change is told in ``messages``.
    """
    s = _settings(settings)
    clean = [GuestLine(**{**line.__dict__, "sku_id": normalize_uuid(line.sku_id)}) for line in lines]
    clean = combine_lines(line for line in clean if line.sku_id)
    found = _variants(session, (uuid.UUID(line.sku_id) for line in clean))
    pictures = _pictures(session, (sku.product_id for sku in found.values()))
    out_lines: list[CartLine] = []
    survivors: list[GuestLine] = []
    messages: list[str] = []
    for line in clean:
        sku = found.get(uuid.UUID(line.sku_id))
        if sku is None or not sku.is_active:
            messages.append(f"{line.name or 'An item'} is no longer available and was removed")
            continue
        cap = _line_cap(sku)
        quantity = line.quantity
        if cap and quantity > cap:
            quantity = cap
            messages.append(f"{sku.product_name} was reduced to the {cap} in stock")
        seen = parse_price(line.price_seen)
        if seen is None:
            seen = _unit_price(sku)
        cart_line = _line(
            line_id=line.sku_id,
            sku=sku,
            image=_picture(pictures, sku),
            quantity=quantity,
            seen=seen,
        )
        messages.extend(_findings(cart_line, active=True, currency=s.currency))
        out_lines.append(cart_line)
        survivors.append(
            GuestLine(
                sku_id=line.sku_id,
                quantity=quantity,
                price_seen=decimal_string(seen),
                name=sku.product_name,
                image=cart_line.image_url,
                product_id=str(sku.product_id),
                added_at=line.added_at,
            )
        )
    return _view(out_lines, settings=s, messages=messages), survivors


#: Seconds a process answers a guest's add from the SKU's price and stock as it last read them.
#: A guest cart holds nothing back (stock is taken at checkout, which reads it live under a
#: lock, as a user's add does), and a sell-out, a restock, an adjustment or a catalog change
#: bumps the products generation, which drops these copies at once: what a few seconds can
#: miss is a stock count that fell without reaching zero.
GUEST_SKU_SECONDS = 5.0


def _guest_sku(session: Session, sku: str) -> _Sku | None:
    """The SKU's columns for a guest's op: from this process's memory for a few seconds
    (``GUEST_SKU_SECONDS``), else one query (a shopper adds the same SKU 1-3 times in a row)."""
    sku_id = uuid.UUID(sku)
    return local_fetch(
        "guest_sku", {"sku": sku}, lambda: _variants(session, [sku_id]).get(sku_id), ttl=GUEST_SKU_SECONDS
    )


def check_guest_op(
    *, session: Session, lines: Sequence[GuestLine], op: CartOp, settings: Settings | None = None
) -> tuple[OpResult, CartLine | None]:
    """The guest path's server check of one op: the engine's answer with the stock.

    ``lines`` are the guest's lines before the op; the op's SKU is read from the database (or
    this process's copy of a few seconds, :data:`GUEST_SKU_SECONDS`) and
    :func:`marque_app.domain.cart.apply_op` applies the op with its sellable quantity, exactly
    as :func:`add_item` and :func:`set_quantity` do for a user.

    Returns:
        ``(result, priced)``: the engine's result, and the op's SKU priced for the page (with the
        quantity of its line after the op, or before it when refused), None when the SKU is
        unknown or not active.
    """
    sku = _sku_key(op.sku_id)
    clean = [GuestLine(**{**line.__dict__, "sku_id": _sku_key(line.sku_id) or line.sku_id}) for line in lines]
    info = _guest_sku(session, sku) if sku else None
    result = apply_op(clean, replace(op, sku_id=sku or op.sku_id), sellable=_sellable_map([info] if info else []))
    if info is None or not info.is_active:
        return result, None
    line = next((line for line in result.lines if line.sku_id == sku), None)
    # The variant's picture only changes with a catalog write (which bumps the products
    # generation), so this process keeps it.
    image = local_fetch(
        "cart_variant_image",
        {"product": str(info.product_id), "sku": sku},
        lambda: _picture(_pictures(session, [info.product_id]), info),
    )
    priced = _line(
        line_id=sku,
        sku=info,
        image=image,
        quantity=line.quantity if line else 0,
        seen=parse_price(line.price_seen) if line else None,
    )
    return result, priced


# --------------------------------------------------------------------------------------------
# Writing


def _begin(session: Session, uid: uuid.UUID, op_id: str | None, kind: str, request_hash: str) -> bool:
    """Claim the op id (when given) and lock the user; False when the op was applied before."""
    op_id = check_op_id(op_id)
    if op_id is not None and not claim_operation(
        session, user_id=uid, op_id=op_id, kind=kind, request_hash=request_hash
    ):
        session.rollback()
        return False
    lock_user(session, uid)
    return True


def _sku_key(sku_id) -> str:
    """The canonical SKU id, or "" when it is not one (the engine then answers not_found)."""
    return str(sku_id) if isinstance(sku_id, uuid.UUID) else normalize_uuid(sku_id)


def add_line(session: Session, uid: uuid.UUID, sku_id, quantity) -> None:
    """Add ``quantity`` of a SKU to the user's (locked) cart: the engine (:func:`apply_op`) decides.

    Raises:
        CartError: the engine's refusal (``bad_quantity``, ``not_found``, ``line_limit``,
            ``insufficient_stock``).
    """
    sku = _sku_key(sku_id)
    info = _variants(session, [uuid.UUID(sku)]).get(uuid.UUID(sku)) if sku else None
    item = None
    if info is not None:
        item = session.exec(
            select(CartItem).where(CartItem.user_id == uid, CartItem.product_variant_id == info.id)
        ).first()
    lines = [GuestLine(sku_id=sku, quantity=item.quantity)] if item is not None else []
    new = apply_op(lines, CartOp(ADD, sku, quantity), sellable=_sellable_map([info] if info else [])).checked()
    if item is None:
        assert info is not None  # the engine refuses a SKU it was not told is sellable
        session.add(
            CartItem(
                user_id=uid,
                product_id=info.product_id,
                product_variant_id=info.id,
                quantity=new[0].quantity,
                unit_price=_unit_price(info),
            )
        )
    else:
        item.quantity = new[0].quantity
        session.add(item)


def _apply(session: Session, fn) -> None:
    try:
        fn()
        session.commit()
    except BaseException:
        session.rollback()
        raise


def add_item(
    *,
    session: Session,
    user_id,
    sku_id: str,
    quantity: int,
    op_id: str | None = None,
    request_hash: str = "",
    settings: Settings | None = None,
) -> CartView:
    """Add ``quantity`` of a SKU (to its line when there is one).

    Raises:
        CartError: ``invalid`` (quantity not 1-99, or the line would pass 99), ``not_found``
            ("Product not found"), ``insufficient_stock`` ("Only 2 left in stock", ``available``):
            the refusals of :func:`marque_app.domain.cart.apply_op`, with its ``code``.
    """
    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")
    if _begin(session, uid, op_id, "add", request_hash):
        _apply(session, lambda: add_line(session, uid, sku_id, quantity))
    return get_cart(session=session, user_id=uid, settings=settings)


def _find_item(session: Session, uid: uuid.UUID, item_id) -> CartItem | None:
    """The user's line ``item_id``; None for a missing one, another user's or a malformed id."""
    try:
        iid = as_uuid(item_id, message=ITEM_NOT_FOUND, field="item_id")
    except CartError:
        return None
    return session.exec(select(CartItem).where(CartItem.id == iid, CartItem.user_id == uid)).first()


def _item(session: Session, uid: uuid.UUID, item_id) -> CartItem:
    item = _find_item(session, uid, item_id)
    if item is None:  # another user's line answers the same as a missing one
        raise CartError("not_found", ITEM_NOT_FOUND, field="item_id")
    return item


def set_quantity(
    *,
    session: Session,
    user_id,
    item_id: str,
    quantity: int,
    op_id: str | None = None,
    request_hash: str = "",
    settings: Settings | None = None,
) -> CartView:
    """Set a line's quantity (0 removes it; at most 99 and the stock, though a line may always
    be lowered): :func:`marque_app.domain.cart.apply_op` decides.

    Raises:
        CartError: ``invalid``, ``not_found`` (not this user's line, or its product is gone),
            ``insufficient_stock``.
    """
    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")

    def run() -> None:
        item = _find_item(session, uid, item_id)
        info = _variants(session, [item.product_variant_id]).get(item.product_variant_id) if item else None
        sku = str(item.product_variant_id) if item is not None else ""
        lines = [GuestLine(sku_id=sku, quantity=item.quantity)] if item is not None else []
        new = apply_op(lines, CartOp(SET, sku, quantity), sellable=_sellable_map([info] if info else [])).checked()
        assert item is not None  # the engine refuses a set of a line that is not in the cart
        if new:
            item.quantity = new[0].quantity
            session.add(item)
        else:
            session.delete(item)

    if _begin(session, uid, op_id, "set", request_hash):
        _apply(session, run)
    return get_cart(session=session, user_id=uid, settings=settings)


def remove_item(
    *,
    session: Session,
    user_id,
    item_id: str,
    op_id: str | None = None,
    request_hash: str = "",
    settings: Settings | None = None,
) -> CartView:
    """Remove a line. Raises ``CartError("not_found")`` when it is not this user's."""
    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")

    def run() -> None:
        session.delete(_item(session, uid, item_id))

    if _begin(session, uid, op_id, "remove", request_hash):
        _apply(session, run)
    return get_cart(session=session, user_id=uid, settings=settings)


def clear_cart(
    *,
    session: Session,
    user_id,
    op_id: str | None = None,
    request_hash: str = "",
    settings: Settings | None = None,
) -> CartView:
    """Remove every line of the user's cart."""
    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")

    def run() -> None:
        session.execute(sa.delete(CartItem).where(CartItem.user_id == uid))

    if _begin(session, uid, op_id, "clear", request_hash):
        _apply(session, run)
    return get_cart(session=session, user_id=uid, settings=settings)


def _result(session: Session, uid, outcome: MergeOutcome, *, already: bool, settings) -> MergeResult:
    return MergeResult(
        cart=get_cart(session=session, user_id=uid, settings=settings),
        wishlist=get_wishlist(session=session, user_id=uid),
        outcome=outcome,
        message=merge_message(outcome),
        already_applied=already,
    )


def merge_guest(
    *,
    session: Session,
    user_id,
    merge_id: str,
    lines: Sequence[GuestLine],
    wishlist: Sequence[str],
    settings: Settings | None = None,
) -> MergeResult:
    """Merge a guest cart and wishlist into the user's, in one transaction, once per merge id.

    Rules (:func:`marque_app.domain.cart.plan_merge`): the same SKU adds quantities, capped at
    the stock and at 99; unknown or inactive SKUs are dropped; the wishlist is a union. A fixed
    number of statements whatever the number of lines: claim the merge id, lock the user, load
    the variants, load the existing lines, one upsert, the wishlist's products, one insert, the
    stored outcome. A repeated merge id (a retry, a second tab) changes nothing and returns the
    first merge's outcome with ``already_applied=True``.

    Raises:
        CartError: ``invalid`` for a missing merge id or more than 500 lines.
    """
    uid = as_uuid(user_id, kind="unauthorized", message="Session expired, please login")
    if not isinstance(merge_id, str) or not merge_id.strip() or len(merge_id) > 100:
        raise CartError("invalid", "A merge id of 1 to 100 characters is needed", field="merge_id")
    if len(lines) > MAX_MERGE_LINES or len(wishlist) > MAX_MERGE_LINES:
        raise CartError("invalid", f"At most {MAX_MERGE_LINES} lines can be merged at once", field="lines")
    op_id = f"merge:{merge_id.strip()}"
    if not claim_operation(session, user_id=uid, op_id=op_id, kind="merge"):
        stored = find_operation(session, user_id=uid, op_id=op_id)
        session.rollback()
        outcome = outcome_from_dict((stored.response or {}) if stored else {})
        return _result(session, uid, outcome, already=True, settings=settings)
    try:
        lock_user(session, uid)
        guest: list[GuestLine] = []
        bad: list[str] = []
        for line in lines:
            sku = normalize_uuid(line.sku_id)
            if sku:
                guest.append(GuestLine(**{**line.__dict__, "sku_id": sku}))
            else:
                bad.append(line.name or str(line.sku_id)[:40])
        guest = combine_lines(guest)
        found = _variants(session, (uuid.UUID(line.sku_id) for line in guest))
        sellable = _sellable_map(found.values())
        names = {str(sku_id): sku.product_name for sku_id, sku in found.items()}
        # All the user's lines, read under the user's lock: the merged cart is computed from
        # them and the upsert, not read again (every cart writer takes the same lock first).
        held = _user_rows(session, uid)
        existing = {str(sku.id): quantity for _, quantity, _, sku in held if str(sku.id) in sellable}
        quantities, outcome = plan_merge(guest, existing=existing, sellable=sellable, names=names)
        added: list[_Row] = []
        if quantities:
            now = utcnow()
            rows = []
            for sku, quantity in quantities.items():
                info = found[uuid.UUID(sku)]
                row_id = uuid.uuid4()
                if sku not in existing:
                    added.append((row_id, quantity, _unit_price(info), info))
                rows.append(
                    {
                        "id": row_id,
                        "user_id": uid,
                        "session_id": None,
                        "product_id": info.product_id,
                        "product_variant_id": info.id,
                        "quantity": quantity,
                        "unit_price": _unit_price(info),
                        "added_at": now,
                        "updated_at": now,
                    }
                )
            _upsert_lines(session, CartItem.__table__, rows)
        wishlist_added = _union_wishlist(session, uid, wishlist)
        outcome = replace(outcome, dropped=[*bad, *outcome.dropped], wishlist_added=wishlist_added)
        store_response(session, user_id=uid, op_id=op_id, response=outcome_to_dict(outcome))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    # The cart as a read would give it: the stored lines (merged quantities) in their order,
    # then the new ones, which share one added_at and so go by id.
    merged = [(item_id, quantities.get(str(sku.id), quantity), seen, sku) for item_id, quantity, seen, sku in held]
    merged += sorted(added, key=lambda row: row[0])
    cart_lines = [line for line, _ in _lines_from_rows(session, merged)]
    return MergeResult(
        cart=_view(cart_lines, settings=settings),
        wishlist=get_wishlist(session=session, user_id=uid),
        outcome=outcome,
        message=merge_message(outcome),
        already_applied=False,
    )


_UPSERT_UNNEST = sa.text(
    "INSERT INTO cart_items (id, user_id, session_id, product_id, product_variant_id, quantity,"
    " unit_price, added_at, updated_at)"
    " SELECT r.id, :user_id, NULL, r.product_id, r.variant_id, r.quantity, r.unit_price, :now, :now"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:product_ids AS uuid[]), CAST(:variant_ids AS uuid[]),"
    " CAST(:quantities AS integer[]), CAST(:prices AS numeric[]))"
    " AS r(id, product_id, variant_id, quantity, unit_price)"
    " ON CONFLICT (user_id, product_variant_id)"
    " DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = EXCLUDED.updated_at"
)


def _upsert_lines(session: Session, table: sa.Table, rows: list[dict]) -> None:
    """Insert or update the merged lines in one statement whose SQL does not depend on their
    number: on PostgreSQL the rows go as arrays through ``unnest`` (one round trip, one plan);
    elsewhere as an executemany of one cached statement."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            _UPSERT_UNNEST,
            {
                "user_id": rows[0]["user_id"],
                "now": rows[0]["added_at"],
                "ids": [r["id"] for r in rows],
                "product_ids": [r["product_id"] for r in rows],
                "variant_ids": [r["product_variant_id"] for r in rows],
                "quantities": [r["quantity"] for r in rows],
                "prices": [r["unit_price"] for r in rows],
            },
        )
        return
    stmt = dialect_insert(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "product_variant_id"],
        set_={"quantity": stmt.excluded.quantity, "updated_at": stmt.excluded.updated_at},
    )
    session.execute(stmt, rows)


def _union_wishlist(session: Session, uid: uuid.UUID, product_ids: Sequence[str]) -> int:
    """Add the active products among ``product_ids`` to the wishlist (two statements); how many were new."""
    ids = list({normalize_uuid(p) for p in product_ids} - {""})
    if not ids:
        return 0
    active = session.exec(
        select(Product.id).where(Product.id.in_([uuid.UUID(i) for i in ids]), Product.status == ProductStatus.active)
    ).all()
    if not active:
        return 0
    table = Wishlist.__table__
    now = utcnow()
    stmt = (
        dialect_insert(session, table)
        .values([{"id": uuid.uuid4(), "user_id": uid, "product_id": pid, "added_at": now} for pid in active])
        .on_conflict_do_nothing(index_elements=["user_id", "product_id"])
        .returning(table.c.id)
    )
    return len(session.execute(stmt).all())
