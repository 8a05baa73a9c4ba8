"""Cart and wishlist rules: the guest copy in local storage, the merge on log-in, totals.

Pure Python (stdlib only), so the rules that matter most are tested without a database:

- the guest cart and wishlist are versioned JSON in the browser's local storage; anything read
  back from there is untrusted and repaired or dropped line by line (:func:`parse_guest_cart`);
- every change to a cart is an op applied by one engine (:func:`apply_op`): the same SKU sums,
  a line holds at most :data:`MAX_LINE_QUANTITY` and at most the sellable stock, else the op is
  refused with a stable code and its message; the guest path, the services and the API call it;
- a merge adds quantities of the same SKU, capped at the stock available and at
  :data:`MAX_LINE_QUANTITY` per line; unknown or inactive SKUs are dropped (:func:`plan_merge`);
- totals are ``Decimal``: subtotal, tax, shipping (free at or above a threshold), total.

Prices never come from the browser: ``price_seen`` is only what the shopper saw, used to tell
them that a price went up or down since.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

MAX_LINE_QUANTITY = 99
MAX_GUEST_LINES = 100  # a guest payload beyond this is cut, with a message
MAX_GUEST_WISHLIST = 200
MAX_MERGE_LINES = 500  # what one merge request may carry (the API refuses more)
GUEST_STORAGE_VERSION = 1
MAX_MESSAGES = 10  # line-by-line messages shown; the rest are summed up in one

_CENTS = Decimal("0.01")
_TEXT_LIMITS = {"name": 255, "image": 500, "added_at": 40}

# The seed's words where it has them.
PRODUCT_NOT_FOUND = "Product not found"
ITEM_NOT_FOUND = "Cart item not found"
SOLD_OUT_MESSAGE = "This item is sold out"
QUANTITY_MESSAGE = f"Quantity must be a whole number from 1 to {MAX_LINE_QUANTITY}"


class CartError(Exception):
    """A refused cart or wishlist operation.

    Attributes:
        kind: ``invalid`` (422), ``not_found`` (404), ``insufficient_stock`` (409, with
            ``available``), ``conflict`` (409) or ``unauthorized`` (401).
        code: finer than ``kind`` for a refusal of the cart-operation engine
            (:class:`Refusal`): ``bad_quantity``, ``line_limit``, ``not_found``,
            ``insufficient_stock``, ``unknown_op``.
        message: words for the shopper ("Only 2 left in stock").
        available: for ``insufficient_stock``, how many can still be put in the line.
        field: the request field at fault, when there is one.
    """

    STATUS = {"invalid": 422, "not_found": 404, "insufficient_stock": 409, "conflict": 409, "unauthorized": 401}

    def __init__(
        self, kind: str, message: str, *, available: int | None = None, field: str = "", code: str = ""
    ) -> None:
        if kind not in self.STATUS:
            raise ValueError(f"unknown cart error kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.available = available
        self.field = field
        self.code = code or kind  # the engine's refusal code (``bad_quantity``, ``line_limit``, ...)

    @property
    def status(self) -> int:
        return self.STATUS[self.kind]


def is_line_quantity(quantity: object, *, zero: bool = False) -> bool:
    """Whether ``quantity`` is a whole number (an int, not a bool) from 1 (0 with ``zero``) to 99."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        return False
    return (0 if zero else 1) <= quantity <= MAX_LINE_QUANTITY


def check_quantity(quantity: object) -> int:
    """``quantity`` as an int from 1 to 99.

    Raises:
        CartError: ``invalid`` for zero, negative, over 99, a float, a string or a bool.
    """
    if not is_line_quantity(quantity):
        raise CartError("invalid", QUANTITY_MESSAGE, field="quantity", code="bad_quantity")
    return quantity  # type: ignore[return-value]


def line_cap(sellable: int | None) -> int:
    """How many one cart line may hold: the sellable quantity (None: unlimited), at most 99."""
    return MAX_LINE_QUANTITY if sellable is None else max(min(sellable, MAX_LINE_QUANTITY), 0)


def variant_label(attributes: Mapping[str, object] | None, name: str = "") -> str:
    """ "M / Navy" from a variant's size and colour attributes, else the variant's name."""
    attributes = attributes or {}
    parts = [str(attributes[k]) for k in ("size", "color", "colour") if attributes.get(k) not in (None, "")]
    return " / ".join(parts) if parts else name


def move_needs_choice(variant_count: int, sku_id: str = "") -> bool:
    """Whether "Move to cart" must ask which variant: the product has more than one and the
    wishlist line names none (the wishlist keeps products, not SKUs). Never picks one silently."""
    return variant_count > 1 and not sku_id


CHOOSE_VARIANT_MESSAGE = "Choose a size and colour"
NOT_A_VARIANT_MESSAGE = "That size and colour is not one of this product's"


def move_sku(variant_ids: Sequence[str], sku_id: str = "") -> str:
    """The SKU a wishlist's "Move to cart" adds: the one chosen, or a one-variant product's
    only one. The page's variant chooser and the API hold to this one rule
    (:func:`move_needs_choice`): a product of several variants is never moved without a choice.

    Args:
        variant_ids: The product's variants' SKU ids (canonical UUID text), in any order.
        sku_id: The SKU chosen ("" when none was named).

    Returns:
        The SKU id to add.

    Raises:
        CartError: ``invalid`` with ``field="sku_id"`` when none was chosen for a product of
            several variants (code ``choose_variant``) or the SKU is not one of the product's
            (code ``not_a_variant``); ``not_found`` when the product has no variant.
    """
    ids = list(variant_ids)
    if sku_id:
        if sku_id not in ids:
            raise CartError("invalid", NOT_A_VARIANT_MESSAGE, field="sku_id", code="not_a_variant")
        return sku_id
    if not ids:
        raise CartError("not_found", PRODUCT_NOT_FOUND, field="sku_id")
    if move_needs_choice(len(ids)):
        raise CartError("invalid", CHOOSE_VARIANT_MESSAGE, field="sku_id", code="choose_variant")
    return ids[0]


def chosen_quantity(typed: object, *, cap: int, current: int = 1) -> int:
    """The quantity a product page's selector holds after the shopper typed or stepped to ``typed``.

    The same bounds as a cart line (:func:`line_cap`): a whole number from 1 to ``cap``, the
    line cap of the chosen SKU (its sellable quantity, at most 99).

    Args:
        typed: What the shopper chose: an int, or the field's text ("3", " 12 ").
        cap: ``line_cap(sellable)`` of the chosen SKU (0 when sold out).
        current: What the selector held before; kept when ``typed`` is not a whole number.

    Returns:
        ``typed`` bounded to 1..cap (1 when the SKU is sold out).
    """
    if isinstance(typed, str):
        text = typed.strip()
        typed = int(text) if text.isdigit() and text.isascii() else None
    if isinstance(typed, bool) or not isinstance(typed, int):
        typed = current
    return max(1, min(typed, max(cap, 1), MAX_LINE_QUANTITY))


def capped_sum(*quantities: int) -> int:
    """Quantities of the same SKU added up, at most 99: how a repair or a merge sums lines."""
    return min(sum(quantities), MAX_LINE_QUANTITY)


def stock_message(available: int) -> str:
    """ "Only 2 left in stock", or the sold-out words for 0."""
    if available <= 0:
        return SOLD_OUT_MESSAGE
    return f"Only {available} left in stock"


#: A UUID already in its canonical form (``str(uuid.UUID(x))``), and an amount already as
#: :func:`parse_price` gives it back ("24.00"): a stored guest cart holds only these, and
#: parsing them through ``uuid.UUID`` and ``Decimal`` was most of the time a cart's parse took.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CANONICAL_PRICE = re.compile(r"(?:0|[1-9][0-9]{0,7})\.[0-9]{2}")


def normalize_uuid(value: object) -> str:
    """The canonical lower-case form of a UUID string, or "" when it is not one."""
    if not isinstance(value, str) or len(value) > 64:
        return ""
    if _CANONICAL_UUID.fullmatch(value):
        return value
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return ""


def parse_price(value: object) -> Decimal | None:
    """A non-negative decimal amount from a string ("24.00"), else None."""
    if not isinstance(value, str) or not value or len(value) > 20:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("100000000"):
        return None
    return amount.quantize(_CENTS, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# The guest copy in local storage


@dataclass(frozen=True)
class GuestLine:
    """One line of the guest cart in local storage."""

    sku_id: str  # ProductVariant.id (uuid string)
    quantity: int
    price_seen: str = ""  # decimal string, what the shopper saw when adding ("24.00")
    name: str = ""
    image: str = ""
    product_id: str = ""
    added_at: str = ""  # ISO time


class _Messages:
    """Line-by-line messages, at most :data:`MAX_MESSAGES`, the rest counted."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.more = 0

    def add(self, text: str) -> None:
        if len(self.items) < MAX_MESSAGES:
            self.items.append(text)
        else:
            self.more += 1

    def done(self) -> list[str]:
        if self.more:
            return [*self.items, f"{self.more} more line{'s' if self.more != 1 else ''} repaired or removed"]
        return list(self.items)


def _text(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _label(line: Mapping, index: int) -> str:
    name = line.get("name") if isinstance(line, Mapping) else None
    if isinstance(name, str) and name.strip():
        return f'"{name.strip()[:40]}"'
    return f"Line {index + 1}"


def _load(raw: str | None, key: str, what: str) -> tuple[list | None, list[str]]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return [], []
    if not isinstance(raw, str):
        return None, [f"Your saved {what} could not be read and was emptied"]
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None, [f"Your saved {what} could not be read and was emptied"]
    if not isinstance(data, dict):
        return None, [f"Your saved {what} could not be read and was emptied"]
    if data.get("v") != GUEST_STORAGE_VERSION:
        return None, [f"Your saved {what} is from another version of the shop and was emptied"]
    items = data.get(key, [])
    if not isinstance(items, list):
        return None, [f"Your saved {what} could not be read and was emptied"]
    return items, []


def parse_guest_cart(raw: str | None) -> tuple[list[GuestLine], list[str]]:
    """The guest cart stored as ``raw`` (see :func:`_parse_guest_cart`); the same text is parsed
    once per process (the last few are kept: every delta of the cart reads it)."""
    lines, messages = _parse_guest_cart_cached(raw or "")
    return list(lines), list(messages)


@lru_cache(maxsize=512)
def _parse_guest_cart_cached(raw: str) -> tuple[tuple[GuestLine, ...], tuple[str, ...]]:
    lines, messages = _parse_guest_cart(raw)
    return tuple(lines), tuple(messages)


def _parse_guest_cart(raw: str | None) -> tuple[list[GuestLine], list[str]]:
    """The guest cart read back from local storage, repaired line by line.

    ``raw`` is ``{"v": 1, "lines": [{"sku_id": ..., "quantity": ..., ...}]}``. Broken JSON or
    another version empties the cart (with a message). A line without a valid SKU id or with a
    quantity that is not a whole number of at least 1 is dropped; a quantity over 99 is capped;
    duplicate SKUs are summed; unknown fields are ignored; over-long text is cut; a malformed
    ``price_seen`` is cleared (prices come from the server anyway); beyond
    :data:`MAX_GUEST_LINES` lines the rest are dropped. Each repair says so in a message.

    Returns:
        ``(lines, messages)``: the lines that survived, in their order, and what was done.
    """
    items, messages = _load(raw, "lines", "cart")
    if items is None:
        return [], messages
    out: dict[str, GuestLine] = {}
    notes = _Messages()
    cut = 0
    for index, line in enumerate(items):
        if not isinstance(line, dict):
            notes.add(f"Line {index + 1} could not be read and was removed")
            continue
        sku_id = normalize_uuid(line.get("sku_id"))
        if not sku_id:
            notes.add(f"{_label(line, index)} has no valid product reference and was removed")
            continue
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            notes.add(f"{_label(line, index)} had an invalid quantity and was removed")
            continue
        if sku_id not in out and len(out) >= MAX_GUEST_LINES:
            cut += 1
            continue
        if quantity > MAX_LINE_QUANTITY:
            notes.add(f"{_label(line, index)} was reduced to {MAX_LINE_QUANTITY}, the most per item")
            quantity = capped_sum(quantity)
        price = line.get("price_seen", "")
        if isinstance(price, str) and _CANONICAL_PRICE.fullmatch(price):
            price_text = price  # what parse_price would give back
        else:
            price_seen = parse_price(price)
            price_text = str(price_seen) if price_seen is not None else ""
            if price not in ("", None) and price_seen is None:
                notes.add(f"{_label(line, index)} had an invalid price, which was cleared")
        previous = out.get(sku_id)
        if previous is not None:
            total = capped_sum(previous.quantity, quantity)
            if total < previous.quantity + quantity:
                notes.add(f"{_label(line, index)} appeared twice; reduced to {MAX_LINE_QUANTITY}, the most per item")
            else:
                notes.add(f"{_label(line, index)} appeared twice; the quantities were added up")
            out[sku_id] = GuestLine(**{**asdict(previous), "quantity": total})
            continue
        out[sku_id] = GuestLine(
            sku_id=sku_id,
            quantity=quantity,
            price_seen=price_text,
            name=_text(line.get("name"), _TEXT_LIMITS["name"]),
            image=_text(line.get("image"), _TEXT_LIMITS["image"]),
            product_id=normalize_uuid(line.get("product_id")),
            added_at=_text(line.get("added_at"), _TEXT_LIMITS["added_at"]),
        )
    result = notes.done()
    if cut:
        result.append(
            f"Your cart holds at most {MAX_GUEST_LINES} different items; {cut} more line"
            f"{'s were' if cut != 1 else ' was'} removed"
        )
    return list(out.values()), messages + result


def dump_guest_cart(lines: Sequence[GuestLine]) -> str:
    """The canonical, versioned JSON string of the guest cart for local storage: the string the
    page's ``JSON.stringify`` writes when it patches its copy (``assets/cart_ops.js``), compact
    with sorted keys and characters as they are (not ``\\u`` escapes), so the copy the page
    sends back on each navigation equals this one and nothing is rewritten."""
    return json.dumps(
        {"v": GUEST_STORAGE_VERSION, "lines": [asdict(line) for line in lines]},
        separators=(",", ":"),
        sort_keys=True,
        ensure_ascii=False,
    )


def guest_cart_patch(before: Sequence[GuestLine], after: Sequence[GuestLine]) -> dict | None:
    """The change from ``before`` to ``after`` as a patch the page applies to its stored copy
    (``assets/cart_ops.js`` ``patchStorage``, :func:`apply_guest_patch` here), so an add sends
    the line it changed instead of the whole cart.

    ``{"set": [line, ...], "del": [sku_id, ...]}``: a set line replaces the stored line of its
    SKU in place, or is appended (in the patch's order) when the SKU is new; a deleted SKU is
    removed. ``None`` when no such patch gives ``after`` (the kept lines changed order, or the
    cart is empty afterwards: then the whole value is written).
    """
    if not after:
        return None
    old = {line.sku_id: line for line in before}
    new_skus = {line.sku_id for line in after}
    patch = {
        "set": [asdict(line) for line in after if old.get(line.sku_id) != line],
        "del": [line.sku_id for line in before if line.sku_id not in new_skus],
    }
    if apply_guest_patch(before, patch) != list(after):
        return None
    return patch


def apply_guest_patch(lines: Sequence[GuestLine], patch: Mapping) -> list[GuestLine]:
    """``lines`` with a :func:`guest_cart_patch` applied (what the page does to its copy)."""
    gone = set(patch.get("del") or ())
    out = [line for line in lines if line.sku_id not in gone]
    at = {line.sku_id: i for i, line in enumerate(out)}
    for raw in patch.get("set") or ():
        line = GuestLine(**raw)
        if line.sku_id in at:
            out[at[line.sku_id]] = line
        else:
            at[line.sku_id] = len(out)
            out.append(line)
    return out


def parse_guest_wishlist(raw: str | None) -> tuple[list[str], list[str]]:
    """The guest wishlist (``{"v": 1, "product_ids": [...]}``): product ids, deduplicated.

    Returns:
        ``(product_ids, messages)``.
    """
    items, messages = _load(raw, "product_ids", "wishlist")
    if items is None:
        return [], messages
    out: dict[str, None] = {}
    bad = cut = 0
    for item in items:
        product_id = normalize_uuid(item)
        if not product_id:
            bad += 1
        elif product_id not in out:
            if len(out) >= MAX_GUEST_WISHLIST:
                cut += 1
            else:
                out[product_id] = None
    if bad:
        messages.append(
            f"{bad} wishlist entr{'ies' if bad != 1 else 'y'} could not be read and {'were' if bad != 1 else 'was'} removed"
        )
    if cut:
        messages.append(f"Your wishlist holds at most {MAX_GUEST_WISHLIST} products; {cut} more removed")
    return list(out), messages


def dump_guest_wishlist(product_ids: Sequence[str]) -> str:
    """The canonical, versioned JSON string of the guest wishlist for local storage."""
    return json.dumps(
        {"v": GUEST_STORAGE_VERSION, "product_ids": list(dict.fromkeys(product_ids))},
        separators=(",", ":"),
    )


def combine_lines(lines: Iterable[GuestLine]) -> list[GuestLine]:
    """Lines with the same SKU summed (capped at 99), in first-seen order; bad quantities dropped."""
    out: dict[str, GuestLine] = {}
    for line in lines:
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity < 1:
            continue
        previous = out.get(line.sku_id)
        quantity = capped_sum(line.quantity, previous.quantity if previous else 0)
        out[line.sku_id] = replace(previous or line, quantity=quantity)
    return list(out.values())


# --------------------------------------------------------------------------------------------
# The cart-operation engine: one home for "the same SKU sums, at most 99, at most the stock"
#
# Every change to a cart (a guest's in local storage, a user's in the database, a wishlist's
# move to cart) is an op applied to the cart's lines by :func:`apply_op`: the new lines, or a
# refusal with a stable code and the words the shopper reads. The guest path in state, the cart
# and wishlist services (and through them the API) all call it, so guests and users are held to
# the same rules (tests/unit/test_cart_engine.py holds one table of cases for both).

ADD, SET, REMOVE, CLEAR = "add", "set", "remove", "clear"
OP_TYPES = (ADD, SET, REMOVE, CLEAR)
UNKNOWN_OP_MESSAGE = "Unknown change"

#: Refusal code -> CartError kind (the API maps kinds to HTTP statuses).
REFUSAL_KINDS = {
    "bad_quantity": "invalid",
    "line_limit": "invalid",
    "unknown_op": "invalid",
    "not_found": "not_found",
    "insufficient_stock": "insufficient_stock",
}


@dataclass(frozen=True)
class Refusal:
    """Why an op was refused.

    Attributes:
        code: ``bad_quantity`` (not a whole number 1-99, or 0-99 for a set), ``not_found``
            (unknown or inactive SKU, or no such line), ``line_limit`` (the line would pass 99),
            ``insufficient_stock`` (more than the stock) or ``unknown_op``.
        message: the words for the shopper ("Only 2 left in stock").
        available: for ``insufficient_stock`` the most the line may hold; for ``line_limit``
            how many more fit in the line.
        field: the request field at fault.
    """

    code: str
    message: str
    available: int | None = None
    field: str = ""

    @classmethod
    def bad_quantity(cls) -> Refusal:
        return cls("bad_quantity", QUANTITY_MESSAGE, field="quantity")

    @classmethod
    def insufficient_stock(cls, available: int) -> Refusal:
        return cls("insufficient_stock", stock_message(available), available=max(available, 0), field="quantity")

    @classmethod
    def line_limit(cls, current: int) -> Refusal:
        return cls(
            "line_limit",
            f"At most {MAX_LINE_QUANTITY} of one item per cart (you have {current})",
            available=max(MAX_LINE_QUANTITY - current, 0),
            field="quantity",
        )

    def error(self) -> CartError:
        """The refusal as the :class:`CartError` the services raise."""
        return CartError(
            REFUSAL_KINDS[self.code], self.message, available=self.available, field=self.field, code=self.code
        )


@dataclass(frozen=True)
class CartOp:
    """One change to a cart.

    Attributes:
        type: ``add`` (``quantity`` more of ``sku_id``), ``set`` (the line of ``sku_id`` to
            ``quantity``; 0 removes it), ``remove`` (the line of ``sku_id``) or ``clear``.
        sku_id: the SKU the op names (a line is named by its SKU).
        quantity: as received; the engine checks it (an int, not a bool, 1-99; 0-99 for set).
        line: what a new line from an ``add`` carries besides SKU and quantity (the price the
            shopper saw, name, image, product, when); its own sku_id and quantity are ignored.
    """

    type: str
    sku_id: str = ""
    quantity: object = 1
    line: GuestLine | None = None

    @classmethod
    def from_browser(cls, op: Mapping, *, now: str = "") -> CartOp:
        """The op the browser sent (``components/cart_ops.op_arg``: ``{"type", "sku_id" or
        "item_id", "quantity", ...}``). A quantity typed into the page arrives as text ("3")
        or a whole float (3.0): that becomes the int; anything else is passed on for the engine
        to refuse. ``move_to_cart`` is an ``add`` of one."""
        kind = op.get("type")
        quantity = op.get("quantity", 1 if kind in (ADD, "move_to_cart") else None)
        if kind == "move_to_cart":
            kind, quantity = ADD, 1
        if isinstance(quantity, float) and quantity.is_integer():
            quantity = int(quantity)
        elif isinstance(quantity, str) and quantity.strip().lstrip("-").isdigit():
            quantity = int(quantity.strip())
        sku = op.get("sku_id") if kind == ADD else (op.get("item_id") or op.get("sku_id"))
        line = GuestLine(
            sku_id="",
            quantity=0,
            price_seen=str(op.get("price_seen") or ""),
            name=str(op.get("name") or ""),
            image=str(op.get("image") or ""),
            product_id=str(op.get("product_id") or ""),
            added_at=now,
        )
        return cls(type=str(kind or ""), sku_id=str(sku or ""), quantity=quantity, line=line)


@dataclass(frozen=True)
class OpResult:
    """The lines after an op, or why it was refused (then ``lines`` are the lines before)."""

    lines: tuple[GuestLine, ...]
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    def checked(self) -> tuple[GuestLine, ...]:
        """The new lines; raises the refusal as a :class:`CartError`."""
        if self.refusal is not None:
            raise self.refusal.error()
        return self.lines


def _refuse(lines: tuple[GuestLine, ...], refusal: Refusal) -> OpResult:
    return OpResult(lines=lines, refusal=refusal)


def apply_op(lines: Iterable[GuestLine], op: CartOp, *, sellable: Mapping[str, int | None] | None) -> OpResult:
    """Apply one op to a cart's lines: the new lines, or a refusal with its code and message.

    Rules: a quantity is a whole number from 1 to 99 (0 to 99 for ``set``, where 0 removes
    the line); an ``add`` of a SKU already in the cart adds to its line, a new SKU goes last;
    a line holds at most 99 (``line_limit``, checked first: it needs no stock) and at most the
    SKU's sellable quantity (:func:`marque_app.domain.stock.sellable_quantity`;
    ``insufficient_stock``); a ``set`` may always lower a line, even one above the stock;
    ``set`` and ``remove`` name a line that must be in the cart. Checked in this order: the
    quantity, the line, the line limit, the SKU, the stock.

    Args:
        lines: the cart's lines (one per SKU; ``sku_id`` and ``quantity`` are what count, the
            rest is carried along).
        op: the change.
        sellable: the sellable quantity of each SKU that can be sold (known and active; None
            for unlimited); a SKU missing here is ``not_found`` for an ``add`` or a raising
            ``set``. ``None`` when the stock is not known here (the page's optimistic
            check before the server's): every SKU then counts as sellable without limit.

    Returns:
        :class:`OpResult`.
    """
    before = tuple(lines)
    index = {line.sku_id: i for i, line in enumerate(before)}
    sku = op.sku_id
    if op.type == CLEAR:
        return OpResult(lines=())
    if op.type not in OP_TYPES:
        return _refuse(before, Refusal("unknown_op", UNKNOWN_OP_MESSAGE))
    if op.type == REMOVE:
        if sku not in index:
            return _refuse(before, Refusal("not_found", ITEM_NOT_FOUND, field="item_id"))
        return OpResult(lines=tuple(line for line in before if line.sku_id != sku))
    if not is_line_quantity(op.quantity, zero=op.type == SET):
        return _refuse(before, Refusal.bad_quantity())
    quantity: int = op.quantity  # type: ignore[assignment]
    if op.type == SET and sku not in index:
        return _refuse(before, Refusal("not_found", ITEM_NOT_FOUND, field="item_id"))
    if op.type == ADD and not sku:
        return _refuse(before, Refusal("not_found", PRODUCT_NOT_FOUND, field="sku_id"))
    have = before[index[sku]].quantity if sku in index else 0
    if op.type == SET and quantity == 0:
        return OpResult(lines=tuple(line for line in before if line.sku_id != sku))
    wanted = have + quantity if op.type == ADD else quantity
    # The line limit first: it needs no stock, so the page's check (sellable=None) and the
    # server's never disagree about an op the page refuses.
    if wanted > MAX_LINE_QUANTITY:
        return _refuse(before, Refusal.line_limit(have))
    if sellable is not None and wanted > have:
        if sku not in sellable:
            return _refuse(before, Refusal("not_found", PRODUCT_NOT_FOUND, field="sku_id"))
        stock = sellable[sku]
        if stock is not None and wanted > stock:
            return _refuse(before, Refusal.insufficient_stock(stock))
    if sku in index:
        out = list(before)
        out[index[sku]] = GuestLine(**{**asdict(before[index[sku]]), "quantity": wanted})
        return OpResult(lines=tuple(out))
    extra = asdict(op.line) if op.line is not None else {}
    return OpResult(lines=(*before, GuestLine(**{**extra, "sku_id": sku, "quantity": wanted})))


# --------------------------------------------------------------------------------------------
# The merge on log-in


@dataclass(frozen=True)
class MergeOutcome:
    """What a merge did, for the message the shopper reads."""

    added: int = 0  # guest lines that became new cart lines
    increased: int = 0  # guest lines added to a line the account already had
    reduced: list[tuple[str, int]] = field(default_factory=list)  # (name, quantity kept)
    dropped: list[str] = field(default_factory=list)  # names (or SKU ids) no longer available
    wishlist_added: int = 0


def _items(n: int) -> str:
    return f"{n} item{'s' if n != 1 else ''}"


def merge_message(outcome: MergeOutcome) -> str:
    """One sentence for the shopper: "3 items added to your cart; 1 reduced to the 2 in stock".

    Returns "" when the merge changed nothing.
    """
    parts = []
    moved = outcome.added + outcome.increased
    if moved:
        parts.append(f"{_items(moved)} added to your cart")
    if len(outcome.reduced) == 1:
        quantity = outcome.reduced[0][1]
        if quantity >= MAX_LINE_QUANTITY:
            parts.append(f"1 reduced to {MAX_LINE_QUANTITY}, the most per item")
        else:
            parts.append(f"1 reduced to the {quantity} in stock")
    elif outcome.reduced:
        parts.append(f"{len(outcome.reduced)} reduced to the stock available")
    if outcome.dropped:
        parts.append(f"{len(outcome.dropped)} no longer available")
    if outcome.wishlist_added:
        parts.append(f"{outcome.wishlist_added} added to your wishlist")
    return "; ".join(parts)


def plan_merge(
    guest: Sequence[GuestLine],
    *,
    existing: Mapping[str, int],
    sellable: Mapping[str, int | None],
    names: Mapping[str, str] | None = None,
) -> tuple[dict[str, int], MergeOutcome]:
    """The new quantity of every cart line the merge touches, and what it did.

    Args:
        guest: the guest lines (duplicates are summed first).
        existing: the account's current quantity per SKU id.
        sellable: the sellable quantity of each known, active SKU
            (:func:`marque_app.domain.stock.sellable_quantity`, None for unlimited), as for
            :func:`apply_op`; a line holds at most that and 99 (:func:`line_cap`). A SKU
            missing here is dropped.
        names: product names for the messages (default: the SKU id).

    Returns:
        ``(quantities, outcome)``: ``quantities`` maps each SKU whose line must be written to its
        new quantity (an existing line is never lowered by a merge).
    """
    names = names or {}
    quantities: dict[str, int] = {}
    added = increased = 0
    reduced: list[tuple[str, int]] = []
    dropped: list[str] = []
    for line in combine_lines(guest):
        name = names.get(line.sku_id) or line.name or line.sku_id
        if line.sku_id not in sellable:
            dropped.append(name)
            continue
        have = existing.get(line.sku_id, 0)
        cap = line_cap(sellable[line.sku_id])
        wanted = have + line.quantity
        new = min(wanted, cap)
        if new <= have:
            if have == 0:
                dropped.append(name)  # sold out
            else:
                reduced.append((name, have))
            continue
        quantities[line.sku_id] = new
        if have:
            increased += 1
        else:
            added += 1
        if new < wanted:
            reduced.append((name, new))
    return quantities, MergeOutcome(added=added, increased=increased, reduced=reduced, dropped=dropped)


def outcome_to_dict(outcome: MergeOutcome) -> dict:
    """JSON-ready form (stored with a merge id so a repeat returns the same outcome)."""
    data = asdict(outcome)
    data["reduced"] = [list(pair) for pair in outcome.reduced]
    return data


def outcome_from_dict(data: Mapping) -> MergeOutcome:
    return MergeOutcome(
        added=int(data.get("added", 0)),
        increased=int(data.get("increased", 0)),
        reduced=[(str(name), int(q)) for name, q in data.get("reduced", [])],
        dropped=[str(name) for name in data.get("dropped", [])],
        wishlist_added=int(data.get("wishlist_added", 0)),
    )


# --------------------------------------------------------------------------------------------
# Totals and findings


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    shipping: Decimal
    total: Decimal


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(_CENTS, rounding=ROUND_HALF_UP)


def cart_totals(
    lines: Iterable[tuple[Decimal, int]],
    *,
    tax_rate: Decimal,
    shipping_flat: Decimal,
    free_shipping_over: Decimal,
) -> Totals:
    """Subtotal, tax, shipping and total of ``(unit_price, quantity)`` lines, in cents.

    Tax is the subtotal times ``tax_rate``, rounded half-up to the cent. Shipping is
    ``shipping_flat``, free for an empty cart and for a subtotal at or above
    ``free_shipping_over``.
    """
    subtotal = _cents(sum((Decimal(price) * quantity for price, quantity in lines), Decimal("0")))
    tax = _cents(subtotal * Decimal(tax_rate))
    if subtotal <= 0 or subtotal >= Decimal(free_shipping_over):
        shipping = Decimal("0.00")
    else:
        shipping = _cents(Decimal(shipping_flat))
    return Totals(subtotal=subtotal, tax=tax, shipping=shipping, total=subtotal + tax + shipping)


def price_change(seen: Decimal | None, now: Decimal) -> str:
    """``"up"`` or ``"down"`` when the price moved since the shopper saw it, else ``""``."""
    if seen is None:
        return ""
    if now > seen:
        return "up"
    if now < seen:
        return "down"
    return ""
