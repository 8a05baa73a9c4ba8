"""The Reflex app: ``rx.App(...)`` and ``add_page`` calls only."""

import reflex as rx

from marque_app import routes
from marque_app.api import create_api
from marque_app.components.theme import STYLE
from marque_app.pages.category import category_page
from marque_app.pages.home import home
from marque_app.pages.not_found import not_found_page
from marque_app.pages.placeholders import cart_page, login_page, wishlist_page
from marque_app.pages.product import product_page
from marque_app.pages.search import search_page
from marque_app.state.category import CategoryState
from marque_app.state.header import HeaderState
from marque_app.state.home import HomeState
from marque_app.state.product import ProductState
from marque_app.state.search import SearchState

app = rx.App(
    style=STYLE,
    html_lang="en",
    head_components=[
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        rx.el.link(rel="apple-touch-icon", href="/apple-touch-icon.png"),
        rx.el.meta(name="theme-color", content="#ffffff"),
    ],
    # The REST API (/api/v1, /_health) shares this process, port and services.
    api_transformer=create_api(),
)

DESCRIPTION = "Marque: clothing, shoes and everyday goods from independent brands."

# Dynamic routes first (Reflex matches them in the order they were added).
app.add_page(
    product_page,
    route=routes.PRODUCT,
    title=ProductState.page_title,
    description=ProductState.page_description,
    on_load=[HeaderState.load_header, ProductState.load_product],
)
app.add_page(
    category_page,
    route=routes.CATEGORY,
    title=CategoryState.page_title,
    description=DESCRIPTION,
    on_load=[HeaderState.load_header, CategoryState.load_category],
)
app.add_page(
    home,
    route=routes.HOME,
    title="Marque | Clothing and everyday goods from independent brands",
    description=DESCRIPTION,
    on_load=[HeaderState.load_header, HomeState.load_home],
)
app.add_page(
    search_page,
    route=routes.SEARCH,
    title="Search | Marque",
    description=DESCRIPTION,
    on_load=[HeaderState.load_header, SearchState.load_search],
)
app.add_page(
    login_page, route=routes.LOGIN, title="Log in | Marque", on_load=HeaderState.load_header
)
app.add_page(cart_page, route=routes.CART, title="Cart | Marque", on_load=HeaderState.load_header)
app.add_page(
    wishlist_page, route=routes.WISHLIST, title="Wishlist | Marque", on_load=HeaderState.load_header
)
app.add_page(
    not_found_page,
    route=routes.NOT_FOUND,
    title="Page not found | Marque",
    on_load=HeaderState.load_header,
)
