"""What a searched word also means: the synonyms the product search adds to a query.

A shopper types "sweater" where the catalog says "sweatshirt" or "jumper"; stemming (porter on
SQLite, the english dictionary on PostgreSQL) joins "sweatshirts" and "sweatshirt", but not
words that are only alike in meaning. Each group below is a set of words a shopper uses for the
same kind of thing; a query is searched as typed OR with one of its words swapped for another
of its group (:func:`query_variants`), on both databases.
"""

from __future__ import annotations

#: Words for the same kind of product (lower case, singular).
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("sweater", "sweatshirt", "jumper", "pullover", "hoodie"),
    ("sneaker", "trainer", "runner"),
    ("trouser", "pant", "chino"),
    ("tshirt", "tee"),
    ("sunglass", "sunglasses", "shades", "aviators"),
    ("coat", "jacket", "parka"),
    ("hat", "cap", "beanie"),
    ("bag", "tote", "backpack", "duffel"),
    ("cup", "mug"),
)

#: The most queries one search runs as (the query itself included).
MAX_VARIANTS = 8

_GROUP_OF: dict[str, tuple[str, ...]] = {word: group for group in SYNONYM_GROUPS for word in group}


def _base(word: str) -> str:
    """The singular a group lists: "sweaters" -> "sweater" (only for words a group knows)."""
    if word in _GROUP_OF:
        return word
    for cut in ("es", "s"):
        if word.endswith(cut) and word[: -len(cut)] in _GROUP_OF:
            return word[: -len(cut)]
    return word


def synonyms(word: str) -> tuple[str, ...]:
    """The other words of ``word``'s group (lower case), none when it has no group."""
    base = _base(word.lower())
    return tuple(w for w in _GROUP_OF.get(base, ()) if w != base)


def query_variants(words: list[str]) -> list[list[str]]:
    """The query's words, then the same words with one of them swapped for a synonym, in
    order, at most ``MAX_VARIANTS`` in all. A product matches the search when it has every word
    of one variant."""
    variants = [list(words)]
    for index, word in enumerate(words):
        for other in synonyms(word):
            if len(variants) >= MAX_VARIANTS:
                return variants
            variants.append([*words[:index], other, *words[index + 1 :]])
    return variants
