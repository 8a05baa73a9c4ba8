"""The product listing pages (/shop, /categories/[slug], /brands/[slug]) and the brands index.

Every filter, the sort and the page live in the URL's query string: a change navigates to the
new URL (a history entry, so the back button restores the previous listing) and the page's
``on_load`` reads the URL again. Bad values in the URL are dropped with a notice, never an error.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field

import reflex as rx

from marque_app import routes
from marque_app.domain import listing_text as words
from marque_app.domain.listing import ListingQuery, ListingQueryError, parse_listing_query
from marque_app.domain.seo import NOT_FOUND_TITLES, SITE_NAME, describe, listing_title
from marque_app.services.catalog import (
    CategoryLink,
    NavCategory,
    ProductCard,
    cached_category_tree,
)
from marque_app.services.listing import (
    BrandLink,
    ListingPage,
    UnknownBrand,
    UnknownCategory,
    cached_brands,
    cached_listing,
)
from marque_app.state.frame import frame_events

LOADING, FOUND, MISSING = "loading", "found", "missing"
SHOP, CATEGORY, BRAND = "shop", "category", "brand"

#: Which filters a page owns in its path: clearing the filters keeps them.
_OWN = {SHOP: (), CATEGORY: ("category",), BRAND: ("brand",)}
_FILTER_KEYS = ("category", "brand", "min_price", "max_price", "rating", "in_stock")
_LABELS = {
    "category": "category",
    "brand": "brand",
    "min_price": "minimum price",
    "max_price": "maximum price",
    "rating": "rating",
    "in_stock": "in-stock",
    "sort": "sort",
    "order": "sort order",
    "page": "page",
    "per_page": "page size",
}


@dataclass(frozen=True)
class Choice:
    """One option of a select control."""

    value: str = ""
    label: str = ""


@dataclass(frozen=True)
class TreeLeaf:
    name: str = ""
    href: str = ""
    is_current: bool = False


@dataclass(frozen=True)
class TreeNode:
    """A top-level category in the sidebar; its children show when it is on the current branch."""

    name: str = ""
    href: str = ""
    is_current: bool = False
    is_open: bool = False
    children: list[TreeLeaf] = field(default_factory=list)


@dataclass(frozen=True)
class PageLink:
    number: int = 0  # 0: a gap ("...")
    href: str = ""
    is_current: bool = False


def _notice(error: ListingQueryError) -> str:
    label = _LABELS.get(error.field, error.field)
    return f"The {label} in the link was left out: {error.message}."


def _category_choices(nav: list[NavCategory]) -> list[Choice]:
    choices = [Choice("", "All categories")]
    for top in nav:
        choices.append(Choice(top.slug, top.name))
        choices.extend(Choice(c.slug, f"\u2014 {c.name}") for c in top.children)
    return choices


class ListingState(rx.State):
    kind: str = SHOP
    status: str = LOADING
    params: dict[str, str] = {}  # the current query's to_params(), category and brand included
    products: list[ProductCard] = []
    total: int = 0
    page: int = 1
    pages: int = 0
    category: CategoryLink = CategoryLink()
    brand: BrandLink = BrandLink()
    breadcrumb: list[CategoryLink] = []
    subcategories: list[CategoryLink] = []
    tree: list[TreeNode] = []
    all_products_href: str = routes.SHOP
    category_choices: list[Choice] = []
    brand_choices: list[Choice] = []
    notices: list[str] = []
    empty_text: str = ""
    page_links: list[PageLink] = []
    prev_href: str = ""
    next_href: str = ""
    last_page_href: str = ""
    # The filter controls, as the URL has them.
    category_value: str = ""
    brand_value: str = ""
    min_price_value: str = ""
    max_price_value: str = ""
    rating_value: str = ""
    in_stock_value: bool = False
    sort_value: str = "newest-desc"
    price_error: str = ""
    filters_open: bool = False

    # --- loading ------------------------------------------------------------------------------

    @rx.event
    async def load_shop(self):
        async for update in self._load(SHOP, ""):
            yield update

    @rx.event
    async def load_category(self):
        async for update in self._load(CATEGORY, self.slug):  # /categories/[slug]'s argument
            yield update

    @rx.event
    async def load_brand(self):
        async for update in self._load(BRAND, self.slug):  # /brands/[slug]'s argument
            yield update

    # One event per navigation (frame + listing, one delta): see ``state/frame.py``.

    @rx.event
    async def load_shop_page(self):
        return await self._load_page(SHOP, "")

    @rx.event
    async def load_category_page(self):
        return await self._load_page(CATEGORY, self.slug)

    @rx.event
    async def load_brand_page(self):
        return await self._load_page(BRAND, self.slug)

    async def _load_page(self, kind: str, slug: str) -> list | None:
        events = await frame_events(self)
        async for _ in self._load(kind, slug, show_loading=False):
            pass
        return events or None

    async def _load(self, kind: str, slug: str, *, show_loading: bool = True):
        if show_loading and (
            kind != self.kind
            or (kind == CATEGORY and self.category.slug != slug)
            or (kind == BRAND and self.brand.slug != slug)
        ):
            self.status = LOADING
            yield
        params = dict(self.router.url.query_parameters)
        query, errors = parse_listing_query(params, strict=False)
        notices = [_notice(e) for e in errors]
        own = (slug or "").strip().lower()
        if kind == CATEGORY:
            query = dataclasses.replace(query, category=own)
        elif kind == BRAND:
            query = dataclasses.replace(query, brand=own)

        # Off the event loop; usually from the process's catalog cache (no statement at all).
        listing, nav, brands, missing = await asyncio.to_thread(_read_listing, kind, query, notices)

        self.kind = kind
        if missing or listing is None:
            self._reset(kind, own)
            self.status = MISSING
            return
        self._show(kind, listing, nav, brands, notices)
        self.status = FOUND

    def _reset(self, kind: str, slug: str):
        self.products, self.total, self.pages, self.page = [], 0, 0, 1
        self.category = CategoryLink(slug=slug) if kind == CATEGORY else CategoryLink()
        self.brand = BrandLink(slug=slug) if kind == BRAND else BrandLink()
        self.breadcrumb, self.subcategories, self.notices = [], [], []

    def _put(self, name: str, value) -> None:
        """Set a var only when its value changed: a delta carries every var that was set,
        changed or not, and a listing's filters, tree and choices mostly stay the same."""
        if getattr(self, name) != value:
            setattr(self, name, value)

    def _show(
        self,
        kind: str,
        listing: ListingPage,
        nav: list[NavCategory],
        brands: list[BrandLink],
        notices: list[str],
    ):
        query = listing.query
        self._put("params", query.to_params())
        self._put("products", listing.products)
        self._put("total", listing.total)
        self._put("page", listing.page)
        self._put("pages", listing.pages)
        self._put("category", listing.category or CategoryLink())
        self._put("brand", listing.brand or BrandLink())
        self._put("breadcrumb", listing.breadcrumb if kind == CATEGORY else [])
        self._put("subcategories", listing.subcategories if kind == CATEGORY else [])

        self._put("category_value", query.category)
        self._put("brand_value", query.brand)
        self._put("min_price_value", self.params.get("min_price", ""))
        self._put("max_price_value", self.params.get("max_price", ""))
        self._put("rating_value", self.params.get("rating", ""))
        self._put("in_stock_value", query.in_stock)
        self._put("sort_value", words.sort_choice(query.sort, query.order))
        self._put("price_error", "")
        self._put("filters_open", False)

        views = _views(kind, listing, nav, brands)
        for name in _VIEW_VARS:  # each _Views field is the var of its name
            self._put(name, getattr(views, name))
        if views.last_page_href:  # past the end
            notices.append(
                f"Page {listing.page:,} is past the end: this listing has "
                f"{listing.pages:,} page{'s' if listing.pages != 1 else ''}."
            )
        self._put("notices", notices)
        self._put(
            "empty_text",
            words.empty_message(
                query,
                category_name=self.category.name,
                brand_name=self.brand.name,
            ),
        )

    def _url(self, query: ListingQuery) -> str:
        return _browse_url(self.kind, query)

    # --- changing the listing (each one navigates to the new URL) -----------------------------

    def _query(self) -> ListingQuery:
        return parse_listing_query(self.params, strict=False)[0]

    def _go(self, query: ListingQuery):
        return rx.redirect(self._url(query))

    @rx.event
    def choose_category(self, slug: str):
        return self._go(self._query().with_changes(category=slug))

    @rx.event
    def choose_brand(self, slug: str):
        return self._go(self._query().with_changes(brand=slug))

    @rx.event
    def choose_rating(self, value: str):
        rating = parse_listing_query({"rating": str(value or "")}, strict=False)[0].min_rating
        return self._go(self._query().with_changes(min_rating=rating))

    @rx.event
    def toggle_in_stock(self, checked: bool):
        return self._go(self._query().with_changes(in_stock=bool(checked)))

    @rx.event
    def choose_sort(self, value: str):
        sort, order = words.parse_sort_choice(value)
        return self._go(self._query().with_changes(sort=sort, order=order))

    @rx.event
    def set_min_price_value(self, value: str):
        self.min_price_value = value

    @rx.event
    def set_max_price_value(self, value: str):
        self.max_price_value = value

    @rx.event
    def apply_price(self, form_data: dict):
        low = str(form_data.get("min_price", self.min_price_value) or "").strip()
        high = str(form_data.get("max_price", self.max_price_value) or "").strip()
        checked, errors = parse_listing_query({"min_price": low, "max_price": high}, strict=False)
        if errors:
            self.price_error = (
                errors[0].message.replace("min_price", "The minimum").replace("max_price", "the maximum").capitalize()
            )
            return None
        self.price_error = ""
        return self._go(self._query().with_changes(min_price=checked.min_price, max_price=checked.max_price))

    @rx.event
    def clear_filters(self):
        keep = _OWN.get(self.kind, ())
        cleared = {k: None for k in ("min_price", "max_price", "min_rating")}
        cleared.update({k: "" for k in ("category", "brand") if k not in keep})
        return self._go(self._query().with_changes(in_stock=False, **cleared))

    @rx.event
    def toggle_filters(self):
        self.filters_open = not self.filters_open

    # --- derived ------------------------------------------------------------------------------

    @rx.var
    def total_label(self) -> str:
        return words.count_label(self.total)

    @rx.var
    def page_label(self) -> str:
        return words.page_label(self.page, self.pages)

    @rx.var
    def has_filters(self) -> bool:
        """Any filter set beyond the page's own category or brand (so there is something to clear)."""
        own = _OWN.get(self.kind, ())
        return any(k in self.params for k in _FILTER_KEYS if k not in own)

    @rx.var
    def filter_count(self) -> int:
        own = _OWN.get(self.kind, ())
        return sum(1 for k in _FILTER_KEYS if k in self.params and k not in own)

    @rx.var
    def heading(self) -> str:
        if self.kind == CATEGORY:
            return self.category.name
        if self.kind == BRAND:
            return self.brand.name
        return "All products"

    @rx.var
    def description(self) -> str:
        if self.kind == CATEGORY:
            return self.category.description
        if self.kind == BRAND:
            return self.brand.description
        return ""

    @rx.var
    def page_description(self) -> str:
        return describe(self.description) if self.status == FOUND else ""

    @rx.var
    def page_title(self) -> str:
        if self.status == MISSING:
            return NOT_FOUND_TITLES["brand" if self.kind == BRAND else "category"]
        if self.status != FOUND:
            return SITE_NAME
        return listing_title(self.heading, self.page)


def _browse_url(kind: str, query: ListingQuery) -> str:
    return routes.browse_url(query.to_params(), prefer=kind)


@dataclass(frozen=True)
class _Views:
    """What a listing page shows besides its products, built from the listing (its query),
    the category navigation and the brands."""

    tree: list[TreeNode]
    all_products_href: str
    category_choices: list[Choice]
    brand_choices: list[Choice]
    page_links: list[PageLink]
    prev_href: str
    next_href: str
    last_page_href: str


def _build_views(kind: str, listing: ListingPage, nav: list[NavCategory], brands: list[BrandLink]) -> _Views:
    query = listing.query
    current = listing.category.slug if listing.category else ""
    trail = {c.slug for c in listing.breadcrumb}
    tree = [
        TreeNode(
            name=top.name,
            href=_browse_url(kind, query.with_changes(category=top.slug)),
            is_current=top.slug == current,
            is_open=top.slug in trail,
            children=[
                TreeLeaf(
                    name=c.name,
                    href=_browse_url(kind, query.with_changes(category=c.slug)),
                    is_current=c.slug == current,
                )
                for c in top.children
            ],
        )
        for top in nav
    ]
    has_prev = 1 < listing.page <= max(listing.pages, 1)
    has_next = listing.page < listing.pages
    past_end = listing.total > 0 and listing.page > listing.pages
    return _Views(
        tree=tree,
        all_products_href=_browse_url(kind, query.with_changes(category="")),
        category_choices=_category_choices(nav),
        brand_choices=[Choice("", "All brands")] + [Choice(b.slug, f"{b.name} ({b.product_count:,})") for b in brands],
        page_links=[
            PageLink(n, _browse_url(kind, query.with_changes(page=n)) if n else "", n == listing.page)
            for n in words.page_window(listing.page, listing.pages)
        ],
        prev_href=_browse_url(kind, query.with_changes(page=listing.page - 1)) if has_prev else "",
        next_href=_browse_url(kind, query.with_changes(page=listing.page + 1)) if has_next else "",
        last_page_href=_browse_url(kind, query.with_changes(page=listing.pages)) if past_end else "",
    )


_VIEW_VARS = tuple(f.name for f in dataclasses.fields(_Views))

#: The views of the listings shown lately, shared by every tab that shows the same one: the
#: listing, navigation and brands come from the process's catalog cache (the same objects until
#: the catalog changes), so their identity is the key. Built once instead of per navigation,
#: and one copy kept instead of one per tab (the tree and choices are a few hundred objects:
#: per tab, they were most of what the garbage collector walked).
_VIEWS: dict[tuple[str, int, int, int], tuple[ListingPage, list, list, _Views]] = {}
_VIEWS_MAX = 512


def _views(kind: str, listing: ListingPage, nav: list[NavCategory], brands: list[BrandLink]) -> _Views:
    key = (kind, id(listing), id(nav), id(brands))
    hit = _VIEWS.get(key)
    if hit is not None and hit[0] is listing and hit[1] is nav and hit[2] is brands:
        return hit[3]
    views = _build_views(kind, listing, nav, brands)
    if len(_VIEWS) >= _VIEWS_MAX:
        _VIEWS.clear()
    _VIEWS[key] = (listing, nav, brands, views)
    return views


def _read_listing(
    kind: str, query: ListingQuery, notices: list[str]
) -> tuple[ListingPage | None, list[NavCategory], list[BrandLink], bool]:
    """The listing, the navigation and the brands (a worker thread's work). An unknown
    category or brand in the query string is dropped with a notice (added to ``notices``);
    the page's own unknown category or brand makes it missing."""
    listing = None
    for _ in range(3):  # an unknown category and brand in the query string: drop both
        try:
            listing = cached_listing(query)
            break
        except UnknownCategory:
            if kind == CATEGORY:
                return None, [], [], True
            notices.append("The category in the link does not exist, so it was left out.")
            query = query.with_changes(category="", page=query.page)
        except UnknownBrand:
            if kind == BRAND:
                return None, [], [], True
            notices.append("The brand in the link does not exist, so it was left out.")
            query = query.with_changes(brand="", page=query.page)
    if listing is None:
        return None, [], [], False
    # the brand filter counts each brand within the listing's category
    brands = cached_brands(listing.query.category)
    if listing.brand is not None and all(b.slug != listing.brand.slug for b in brands):
        brands = sorted([*brands, listing.brand], key=lambda b: b.name)  # chosen, none here: (0)
    return listing, cached_category_tree(), brands, False


class BrandsState(rx.State):
    """The brands index (/brands)."""

    brands: list[BrandLink] = []
    is_loaded: bool = False

    @rx.event
    async def load_brands(self):
        self.brands = await asyncio.to_thread(cached_brands)
        self.is_loaded = True
