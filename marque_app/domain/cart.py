"""Cart and wishlist rules: the guest copy in local storage, the merge on log-in, totals.

Pure Python (stdlib only), so the rules that matter most are tested without a database:

- the guest cart and wishlist are versioned JSON in the browser's local storage; anything read
  back from there is untrusted and repaired or dropped line by line (:func:`parse_guest_cart`);
- a merge adds quantities of the same SKU, capped at the stock available and at
  :data:`MAX_LINE_QUANTITY` per line; unknown or inactive SKUs are dropped (:func:`plan_merge`);
- totals are ``Decimal``: subtotal, tax, shipping (free at or above a threshold), total.

Prices never come from the browser: ``price_seen`` is only what the shopper saw, used to tell
them that a price went up or down since.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
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
        message: words for the shopper ("Only 2 left in stock").
        available: for ``insufficient_stock``, how many can still be put in the line.
        field: the request field at fault, when there is one.
    """

    STATUS = {"invalid": 422, "not_found": 404, "insufficient_stock": 409, "conflict": 409, "unauthorized": 401}

    def __init__(self, kind: str, message: str, *, available: int | None = None, field: str = "") -> None:
        if kind not in self.STATUS:
            raise ValueError(f"unknown cart error kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.available = available
        self.field = field

    @property
    def status(self) -> int:
        return self.STATUS[self.kind]


def check_quantity(quantity: object) -> int:
    """``quantity`` as an int from 1 to 99.

    Raises:
        CartError: ``invalid`` for zero, negative, over 99, a float, a string or a bool.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise CartError("invalid", QUANTITY_MESSAGE, field="quantity")
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise CartError("invalid", QUANTITY_MESSAGE, field="quantity")
    return quantity


def stock_message(available: int) -> str:
    """"Only 2 left in stock", or the sold-out words for 0."""
    if available <= 0:
        return SOLD_OUT_MESSAGE
    return f"Only {available} left in stock"


def insufficient_stock(available: int) -> CartError:
    return CartError("insufficient_stock", stock_message(available), available=max(available, 0), field="quantity")


def line_limit_error(current: int) -> CartError:
    return CartError(
        "invalid",
        f"At most {MAX_LINE_QUANTITY} of one item per cart (you have {current})",
        available=max(MAX_LINE_QUANTITY - current, 0),
        field="quantity",
    )


def normalize_uuid(value: object) -> str:
    """The canonical lower-case form of a UUID string, or "" when it is not one."""
    if not isinstance(value, str) or len(value) > 64:
        return ""
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
        label = _label(line, index)
        sku_id = normalize_uuid(line.get("sku_id"))
        if not sku_id:
            notes.add(f"{label} has no valid product reference and was removed")
            continue
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            notes.add(f"{label} had an invalid quantity and was removed")
            continue
        if sku_id not in out and len(out) >= MAX_GUEST_LINES:
            cut += 1
            continue
        if quantity > MAX_LINE_QUANTITY:
            notes.add(f"{label} was reduced to {MAX_LINE_QUANTITY}, the most per item")
            quantity = MAX_LINE_QUANTITY
        price = line.get("price_seen", "")
        price_seen = parse_price(price)
        if price not in ("", None) and price_seen is None:
            notes.add(f"{label} had an invalid price, which was cleared")
        previous = out.get(sku_id)
        if previous is not None:
            total = previous.quantity + quantity
            if total > MAX_LINE_QUANTITY:
                notes.add(f"{label} appeared twice; reduced to {MAX_LINE_QUANTITY}, the most per item")
                total = MAX_LINE_QUANTITY
            else:
                notes.add(f"{label} appeared twice; the quantities were added up")
            out[sku_id] = GuestLine(**{**asdict(previous), "quantity": total})
            continue
        out[sku_id] = GuestLine(
            sku_id=sku_id,
            quantity=quantity,
            price_seen=str(price_seen) if price_seen is not None else "",
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
    """The canonical, versioned JSON string of the guest cart for local storage."""
    return json.dumps(
        {"v": GUEST_STORAGE_VERSION, "lines": [asdict(line) for line in lines]},
        separators=(",", ":"),
        sort_keys=True,
    )


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
        messages.append(f"{bad} wishlist entr{'ies' if bad != 1 else 'y'} could not be read and {'were' if bad != 1 else 'was'} removed")
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
        quantity = min(line.quantity + (previous.quantity if previous else 0), MAX_LINE_QUANTITY)
        out[line.sku_id] = GuestLine(**{**asdict(previous or line), "quantity": quantity})
    return list(out.values())


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
    available: Mapping[str, int],
    names: Mapping[str, str] | None = None,
) -> tuple[dict[str, int], MergeOutcome]:
    """The new quantity of every cart line the merge touches, and what it did.

    Args:
        guest: the guest lines (duplicates are summed first).
        existing: the account's current quantity per SKU id.
        available: how many of each known, active SKU one line may hold (stock, at most 99;
            99 for products sold without counting stock). A SKU missing here is dropped.
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
        if line.sku_id not in available:
            dropped.append(name)
            continue
        have = existing.get(line.sku_id, 0)
        cap = min(max(available[line.sku_id], 0), MAX_LINE_QUANTITY)
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
