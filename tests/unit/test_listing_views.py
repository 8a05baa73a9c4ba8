"""A listing page's tree, choices and page links (``state/listing._views``): built once per
listing and shared by every tab that shows it, rebuilt when the catalog cache hands out a new
listing (the catalog changed) or another query."""

from __future__ import annotations

from marque_app.domain.listing import parse_listing_query
from marque_app.services.listing import ListingPage
from marque_app.state import listing as state
from marque_app.views.catalog import BrandLink, CategoryLink, NavCategory

NAV = [
    NavCategory(id="1", slug="tops", name="Tops", children=[CategoryLink(slug="t-shirts", name="T-shirts")]),
    NavCategory(id="2", slug="bags", name="Bags", children=[]),
]
BRANDS = [BrandLink(slug="copperline", name="Copperline", product_count=7)]


def _listing(params: dict[str, str], *, page: int = 1, pages: int = 3) -> ListingPage:
    query = parse_listing_query({**params, "page": str(page)}, strict=False)[0]
    return ListingPage(
        products=[],
        total=60,
        page=page,
        pages=pages,
        query=query,
        category=CategoryLink(slug="t-shirts", name="T-shirts"),
        breadcrumb=[CategoryLink(slug="tops", name="Tops"), CategoryLink(slug="t-shirts", name="T-shirts")],
    )


def test_the_same_listing_gives_every_tab_the_same_views():
    listing = _listing({"category": "t-shirts", "sort": "price"})
    first = state._views(state.CATEGORY, listing, NAV, BRANDS)
    assert state._views(state.CATEGORY, listing, NAV, BRANDS) is first
    assert first == state._build_views(state.CATEGORY, listing, NAV, BRANDS)
    tops = first.tree[0]
    assert tops.is_open and not tops.is_current and tops.children[0].is_current
    assert "sort=price" in tops.href  # the tree keeps the listing's query
    assert [c.label for c in first.brand_choices] == ["All brands", "Copperline (7)"]
    assert first.prev_href == "" and "page=2" in first.next_href


def test_a_new_listing_or_query_is_built_again():
    listing = _listing({"category": "t-shirts", "sort": "price"})
    first = state._views(state.CATEGORY, listing, NAV, BRANDS)
    changed = _listing({"category": "t-shirts", "sort": "price"})  # the catalog cache's new copy
    assert state._views(state.CATEGORY, changed, NAV, BRANDS) is not first
    later = state._views(state.CATEGORY, _listing({"category": "t-shirts"}, page=4, pages=3), NAV, BRANDS)
    assert later.last_page_href and "page=3" in later.last_page_href
    assert "sort=price" not in later.tree[0].href
