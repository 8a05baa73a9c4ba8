"""Shopper defects found in a browser (issue 15, item 5), each held here by a real browser.

The header's search suggestions close on Back, a reload and a tap elsewhere (not only Esc), and
the box shows the query of the search page it is on.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import wait_for_hydration


@pytest.fixture(scope="module")
def app_db(app_db_url) -> sa.Engine:
    engine = sa.create_engine(app_db_url)
    yield engine
    engine.dispose()


def a_name_word(engine) -> str:
    """A word of at least 5 letters that starts a word in several active product names."""
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name FROM products WHERE status = 'active'")).scalars()
        words = [w.lower() for n in names for w in n.split() if w.isalpha() and len(w) >= 5]
    return max(sorted(set(words)), key=words.count)


def a_product_slug(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT slug FROM products WHERE status = 'active' ORDER BY slug LIMIT 1")
        ).scalar_one()


def _open_suggestions(page, word: str):
    box = page.get_by_test_id("search-input")
    box.click()
    box.press_sequentially(word[:4], delay=40)
    listbox = page.get_by_test_id("search-suggestions")
    expect(listbox).to_be_visible()
    return box, listbox


# --- 1. the header's search suggestions ------------------------------------------------------


def test_suggestions_close_on_a_tap_elsewhere_on_a_phone(browser, base_url, app_db):
    word = a_name_word(app_db)
    context = browser.new_context(
        base_url=base_url, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page._marque_frames = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: page._marque_frames.append(f)))
        page.goto("/")
        wait_for_hydration(page)
        box = page.get_by_test_id("search-input")
        box.tap()
        box.press_sequentially(word[:4], delay=40)
        listbox = page.get_by_test_id("search-suggestions")
        expect(listbox).to_be_visible()
        # a tap on the page below the list (not on it): the list goes away
        below = listbox.bounding_box()
        assert below is not None
        page.touchscreen.tap(20, min(below["y"] + below["height"] + 40, 730))
        expect(listbox).to_be_hidden()
        expect(box).to_have_attribute("aria-expanded", "false")
    finally:
        context.close()


def test_suggestions_close_on_a_click_elsewhere(goto, app_db):
    word = a_name_word(app_db)
    page = goto("/")
    _, listbox = _open_suggestions(page, word)
    page.mouse.click(5, 600)
    expect(listbox).to_be_hidden()


def test_suggestions_are_closed_after_a_reload(goto, page, app_db):
    word = a_name_word(app_db)
    goto("/")
    _, listbox = _open_suggestions(page, word)
    page._marque_frames.clear()
    page.reload()
    wait_for_hydration(page)
    page.wait_for_timeout(500)  # any late answer of the old page has arrived by now
    expect(page.get_by_test_id("search-suggestions")).to_be_hidden()
    expect(page.get_by_test_id("search-input")).to_have_attribute("aria-expanded", "false")
    assert listbox.count() == 0


def test_suggestions_are_closed_after_back(goto, page, app_db):
    word = a_name_word(app_db)
    goto("/")
    goto(f"/products/{a_product_slug(app_db)}")
    _open_suggestions(page, word)
    page._marque_frames.clear()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/$"))
    wait_for_hydration(page)
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("search-suggestions")).to_be_hidden()
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/products/"))
    wait_for_hydration(page)
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("search-suggestions")).to_be_hidden()


def test_the_box_shows_the_query_of_the_search_page(goto, page, app_db):
    word = a_name_word(app_db)
    goto("/")
    box = page.get_by_test_id("search-input")
    box.fill("something else entirely")
    goto(f"/search?q={word}")
    expect(page.get_by_test_id("search-input")).to_have_value(word)
    # a did-you-mean link, a page link or Back: the box follows the page's query
    typo = word[0] + word[2] + word[1] + word[3:]
    goto(f"/search?q={typo}")
    expect(page.get_by_test_id("search-input")).to_have_value(typo)
    page.get_by_test_id("did-you-mean").click()
    expect(page).to_have_url(re.compile(r"q=" + word))
    expect(page.get_by_test_id("search-input")).to_have_value(word)
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=" + typo))
    expect(page.get_by_test_id("search-input")).to_have_value(typo)
