"""The search's synonyms (domain/search_words.py): one rule for SQLite and PostgreSQL."""

from __future__ import annotations

from marque_app.domain.search_words import MAX_VARIANTS, query_variants, synonyms


def test_a_word_and_its_plural_have_the_groups_other_words():
    assert "sweatshirt" in synonyms("sweater") and "jumper" in synonyms("sweater")
    assert synonyms("sweaters") == synonyms("sweater") and "sweater" not in synonyms("sweater")
    assert "sweater" in synonyms("sweatshirt")
    assert synonyms("boot") == () and synonyms("") == ()


def test_variants_swap_one_word_at_a_time_and_are_bounded():
    variants = query_variants(["navy", "sweater"])
    assert variants[0] == ["navy", "sweater"]
    assert ["navy", "sweatshirt"] in variants and ["navy", "jumper"] in variants
    assert all(v[0] == "navy" and len(v) == 2 for v in variants)
    assert query_variants(["trail", "boot"]) == [["trail", "boot"]]
    assert len(query_variants(["sweater", "sneaker", "coat", "hat"])) == MAX_VARIANTS
