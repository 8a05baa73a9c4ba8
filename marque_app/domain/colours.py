"""Named colours of the catalog and their swatch values (pictures, colour pickers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

NEUTRAL = "#8a8f98"

#: Hex values for the catalog's colour names; any other name shows ``NEUTRAL``.
SWATCHES: dict[str, str] = {
    "Black": "#23232a",
    "White": "#f4f2ee",
    "Navy": "#1f3a5f",
    "Olive": "#6b7043",
    "Sand": "#d8c3a0",
    "Rust": "#b5542c",
    "Forest": "#2f5d46",
    "Sky": "#7fb2d9",
    "Charcoal": "#4a4d55",
    "Cream": "#efe6d2",
    "Burgundy": "#7a2537",
    "Mustard": "#d3a32c",
    "Clay": "#c07a5a",
    "Sage": "#9cae8f",
    "Blush": "#e6b3b0",
    "Slate": "#5b6b7c",
    "Natural": "#e2d6bf",
    "Amber": "#c98a2b",
    "Tortoise": "#6e4a2b",
    "Stone": "#a9a195",
    "Grey": "#8a8f98",
    "Gray": "#8a8f98",
    "Red": "#c0392b",
    "Blue": "#2e5fa8",
    "Green": "#3f7d4e",
    "Brown": "#6e4a2b",
    "Beige": "#d8c8ad",
    "Pink": "#e6a3b5",
    "Yellow": "#e5c33b",
}


def colour_hex(name: str) -> str:
    """The hex value of a named colour (a neutral grey for names not in ``SWATCHES``)."""
    return SWATCHES.get(name, NEUTRAL)


def variant_colour(attributes: Mapping[str, object] | None) -> str:
    """The colour a variant's attributes name (``color`` or ``colour``), "" when none."""
    attributes = attributes or {}
    for key in ("color", "colour"):
        value = attributes.get(key)
        if value not in (None, ""):
            return str(value)
    return ""


def picture_index_for_colour(alts: Sequence[str], colour: str) -> int | None:
    """The position of the first picture that shows ``colour``, judged by its alt text.

    Pictures carry no colour column; their alt text names it ("Trail Runner in Navy"), which is
    what a screen reader says too. The product page's gallery and every cart line (cart, drawer,
    checkout) choose a variant's picture with this one rule. None when no picture names it.
    """
    if not colour:
        return None
    needle = colour.lower()
    for index, alt in enumerate(alts):
        text = alt.lower()
        if needle in text.replace(",", " ").split() or text.endswith(f" {needle}"):
            return index
    return None


def picture_for_colour(pictures: Sequence[tuple[str, str]], colour: str) -> str:
    """The URL of the picture of ``pictures`` (``(url, alt)``, in gallery order) that shows
    ``colour``; the first picture when none does; "" without pictures."""
    if not pictures:
        return ""
    index = picture_index_for_colour([alt for _, alt in pictures], colour)
    return pictures[index or 0][0]
