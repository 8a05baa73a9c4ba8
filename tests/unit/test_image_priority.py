"""The pictures a shopper sees without scrolling load at once with a high fetch priority (the
product page's main picture, a grid's first tiles); every other picture loads lazily."""

from __future__ import annotations

import re

import reflex as rx

from marque_app.components.product_card import EAGER_TILES, product_grid, product_image
from marque_app.state.listing import ListingState


def _img(component: rx.Component) -> str:
    return str(component)


def test_a_priority_picture_loads_at_once_with_high_priority():
    html = _img(product_image(rx.Var.create("a.svg"), rx.Var.create("A"), rx.Var.create("A"), priority=True))
    assert 'loading:"eager"' in html and 'fetchPriority:"high"' in html
    assert '"lazy"' not in html


def test_other_pictures_load_lazily():
    html = _img(product_image(rx.Var.create("a.svg"), rx.Var.create("A"), rx.Var.create("A")))
    assert 'loading:"lazy"' in html and 'fetchPriority:"auto"' in html
    assert '"eager"' not in html


def test_a_grid_loads_only_its_first_tiles_at_once():
    html = _img(product_grid(ListingState.products))
    index = re.search(r"loading:\(\((\w+) < (\d+)\) \? \"eager\" : \"lazy\"\)", html)
    assert index is not None, "the tile's picture does not depend on its place in the grid"
    name, bound = index.groups()
    assert int(bound) == EAGER_TILES == 4
    assert f'fetchPriority:(({name} < {EAGER_TILES}) ? "high" : "auto")' in html
    assert re.search(rf"\(\(\w+,{name}\)=>", html), "the bound is not the foreach's index"
