"""Search in a real browser: the header's search-as-you-type and the search page."""

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


def active_names(engine, word: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT name, slug FROM products WHERE status = 'active' AND lower(name) LIKE :w ORDER BY name"
                ),
                {"w": f"%{word}%"},
            )
        ]


def a_name_word(engine) -> str:
    """A word of at least 5 letters that starts a word in several active product names."""
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name FROM products WHERE status = 'active'")).scalars()
        words = [w.lower() for n in names for w in n.split() if w.isalpha() and len(w) >= 5]
    return max(set(words), key=words.count)


def test_typing_shows_suggestions_and_the_keyboard_opens_one(goto, app_db):
    word = a_name_word(app_db)
    page = goto("/")
    box = page.get_by_test_id("search-input")
    box.press_sequentially(word[:4], delay=40)

    listbox = page.get_by_test_id("search-suggestions")
    expect(listbox).to_be_visible()
    expect(listbox).to_have_attribute("role", "listbox")
    options = listbox.get_by_role("option")
    expect(options.first).to_be_visible()
    assert options.count() >= 2

    box.press("ArrowDown")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")

    box.press("Escape")
    expect(listbox).to_be_hidden()
    box.press("ArrowDown")  # opens it again on the first option
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    label = options.nth(0).inner_text().split("\n")[0].strip()
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/(products|brands|categories)/"))
    wait_for_hydration(page)
    expect(page.locator("h1").first).to_contain_text(label)


def test_clicking_a_suggestion_opens_the_product(goto, app_db):
    word = a_name_word(app_db)
    page = goto("/")
    page.get_by_test_id("search-input").press_sequentially(word, delay=30)
    product = page.get_by_test_id("search-suggestion").filter(has_text=re.compile(word, re.I))
    expect(product.first).to_be_visible()
    product.first.click()
    expect(page).to_have_url(re.compile(r"/products/"))


def test_search_page_results_count_and_enter_without_a_choice(goto, app_db):
    word = a_name_word(app_db)
    expected = active_names(app_db, word)
    page = goto("/")
    box = page.get_by_test_id("search-input")
    box.fill(word)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=" + word, re.I))
    wait_for_hydration(page)
    count = page.get_by_test_id("search-results-count")
    expect(count).to_be_visible()
    total = int(re.sub(r"\D", "", count.inner_text()))
    assert total >= len(expected) > 0
    cards = page.get_by_test_id("search-results").get_by_test_id("product-card")
    expect(cards.first).to_be_visible()
    assert cards.first.inner_text().count(word.capitalize()) >= 1  # a name hit ranks first


def test_misspelling_shows_the_corrections_results_or_offers_it(goto, app_db):
    word = a_name_word(app_db)
    typo = word[0] + word[2] + word[1] + word[3:]  # two letters swapped
    page = goto(f"/search?q={typo}")
    # nothing matches the typo and one spelling clearly does: its results, said so
    corrected = page.get_by_test_id("search-corrected")
    expect(corrected).to_contain_text(f"Nothing matches \u201c{typo}\u201d. Showing results for \u201c{word}\u201d.")
    expect(page.get_by_test_id("search-results-count")).to_be_visible()
    expect(page.get_by_test_id("search-results").get_by_test_id("product-card").first).to_be_visible()
    # the way back to the query as typed: nothing found, the correction offered
    page.get_by_test_id("search-instead").click()
    expect(page).to_have_url(re.compile(r"exact=1"))
    wait_for_hydration(page)
    expect(page.get_by_test_id("search-empty")).to_be_visible()
    link = page.get_by_test_id("did-you-mean")
    expect(link).to_have_text(word)
    link.click()
    expect(page.get_by_test_id("search-results-count")).to_be_visible()


def test_nothing_found_says_why_and_shows_the_query_escaped(goto):
    page = goto("/search?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%20zzqx")
    empty = page.get_by_test_id("search-empty")
    expect(empty).to_contain_text("We found nothing for")
    expect(empty).to_contain_text("<img src=x onerror=alert(1)> zzqx")
    assert page.locator("img[src='x']").count() == 0
    long = goto("/search?q=" + "a" * 1_000)
    expect(long.get_by_test_id("search-empty")).to_contain_text("too long")
