"""The one rule that picks a variant's picture by its colour (domain/colours.py)."""

from __future__ import annotations

import pytest

from marque_app.domain.colours import picture_for_colour, picture_index_for_colour, variant_colour

ALTS = ["Trail Runner in Sky", "Trail Runner in Sage", "Trail Runner in Sand, side"]


@pytest.mark.parametrize(
    ("colour", "index"),
    [("Sky", 0), ("Sage", 1), ("sage", 1), ("Sand", 2), ("Rust", None), ("", None), ("Sa", None)],
)
def test_the_picture_index_of_a_colour_is_read_from_the_alt_text(colour, index):
    assert picture_index_for_colour(ALTS, colour) == index


def test_the_picture_for_a_colour_falls_back_to_the_first_then_to_none():
    pictures = [(f"/p/{i}.svg", alt) for i, alt in enumerate(ALTS)]
    assert picture_for_colour(pictures, "Sage") == "/p/1.svg"
    assert picture_for_colour(pictures, "Rust") == "/p/0.svg"
    assert picture_for_colour(pictures, "") == "/p/0.svg"
    assert picture_for_colour([], "Sage") == ""


@pytest.mark.parametrize(
    ("attributes", "colour"),
    [
        ({"size": "M", "color": "Navy"}, "Navy"),
        ({"colour": "Sage"}, "Sage"),
        ({"size": "M"}, ""),
        (None, ""),
        ({"color": ""}, ""),
    ],
)
def test_a_variants_colour_comes_from_its_attributes(attributes, colour):
    assert variant_colour(attributes) == colour
