"""The Reflex app: ``rx.App(...)`` and ``add_page`` calls only."""

import reflex as rx

from marque_app import routes
from marque_app.api import create_api
from marque_app.api.headers import SecurityHeaders
from marque_app.api.instance import InstanceHeader
from marque_app.components.cart_ops import cart_ops_script
from marque_app.components.theme import STYLE, toaster
from marque_app.pages.account import account_page
from marque_app.pages.admin import add_admin_pages
from marque_app.pages.auth import forgot_password_page, login_page, register_page, reset_password_page
from marque_app.pages.brands import brand_page, brands_page
from marque_app.pages.cart import cart_page
from marque_app.pages.category import category_page
from marque_app.pages.checkout import checkout_page, confirmation_page
from marque_app.pages.home import home
from marque_app.pages.listing import shop_page
from marque_app.pages.not_found import not_found_page
from marque_app.pages.orders import order_page, orders_page
from marque_app.pages.product import product_page
from marque_app.pages.search import search_page
from marque_app.pages.wishlist import wishlist_page
from marque_app.services.housekeeping import housekeeping
from marque_app.state.account import AccountState
from marque_app.state.auth import AuthState, LoginState
from marque_app.state.cart import CartState
from marque_app.state.checkout import CheckoutState
from marque_app.state.frame import FrameState
from marque_app.state.header import HeaderState
from marque_app.state.home import HomeState
from marque_app.state.listing import BrandsState, ListingState
from marque_app.state.orders import OrdersState
from marque_app.state.outage import OutageState, backend_exception_handler
from marque_app.state.product import ProductState
from marque_app.state.reviews import ReviewsState
from marque_app.state.search import SearchState

app = rx.App(
    style=STYLE,
    toaster=toaster(),  # toast text at 4.5:1
    html_lang="en",
    head_components=[
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        rx.el.link(rel="apple-touch-icon", href="/apple-touch-icon.png"),
        rx.el.meta(name="theme-color", content="#ffffff"),
        cart_ops_script(),  # window.marqueCart: cart ops with client-made ids
    ],
    # The REST API (/api/v1, /_health) shares this process, port and services; SecurityHeaders
    # wraps it and the Reflex backend and pages mounted beneath it (CSP, nosniff, ...);
    # InstanceHeader names the instance that answered (MARQUE_INSTANCE_ID, for a fleet).
    api_transformer=[create_api(), SecurityHeaders, InstanceHeader],
    # A database outage in any page event: a "try again" banner, not an error (state/outage.py).
    backend_exception_handler=backend_exception_handler,
)

app.register_lifespan_task(housekeeping)  # prunes old cart op ids every few hours

DESCRIPTION = "Marque: clothing, shoes and everyday goods from independent brands."

# What every storefront page loads first: the header, who is logged in, the cart and wishlist.
PAGE_FRAME = [FrameState.load_frame]

# Dynamic routes first (Reflex matches them in the order they were added).
app.add_page(
    product_page,
    route=routes.PRODUCT,
    title=ProductState.page_title,
    description=ProductState.page_description,
    on_load=[*PAGE_FRAME, ProductState.load_product, ReviewsState.load_reviews],
)
app.add_page(
    category_page,
    route=routes.CATEGORY,
    title=ListingState.page_title,
    description=DESCRIPTION,
    on_load=[*PAGE_FRAME, ListingState.load_category],
)
app.add_page(
    brand_page,
    route=routes.BRAND,
    title=ListingState.page_title,
    description=DESCRIPTION,
    on_load=[*PAGE_FRAME, ListingState.load_brand],
)
app.add_page(
    order_page,
    route=routes.ACCOUNT_ORDER,
    title="Your order | Marque",
    on_load=[
        OutageState.clear_outage,
        HeaderState.load_header,
        AuthState.guard_page,
        CartState.load_cart,
        OrdersState.load_order,
    ],
)
app.add_page(
    confirmation_page,
    route=routes.ORDER_CONFIRMATION,
    title="Order placed | Marque",
    on_load=[*PAGE_FRAME, CheckoutState.load_confirmation],
)
app.add_page(
    shop_page,
    route=routes.SHOP,
    title=ListingState.page_title,
    description=DESCRIPTION,
    on_load=[*PAGE_FRAME, ListingState.load_shop],
)
app.add_page(
    brands_page,
    route=routes.BRANDS,
    title="Brands | Marque",
    description=DESCRIPTION,
    on_load=[*PAGE_FRAME, BrandsState.load_brands],
)
app.add_page(
    home,
    route=routes.HOME,
    title="Marque | Clothing and everyday goods from independent brands",
    description=DESCRIPTION,
    on_load=[*PAGE_FRAME, HomeState.load_home],
)
app.add_page(
    search_page,
    route=routes.SEARCH,
    title="Search | Marque",
    description=DESCRIPTION,
    on_load=[*PAGE_FRAME, SearchState.load_search],
)
app.add_page(
    login_page,
    route=routes.LOGIN,
    title="Log in | Marque",
    on_load=[*PAGE_FRAME, LoginState.load_login],
)
app.add_page(
    register_page,
    route=routes.REGISTER,
    title="Create an account | Marque",
    on_load=[*PAGE_FRAME, LoginState.load_login],
)
app.add_page(
    forgot_password_page,
    route=routes.FORGOT_PASSWORD,
    title="Forgot password | Marque",
    on_load=[*PAGE_FRAME, LoginState.load_password_form],
)
app.add_page(
    reset_password_page,
    route=routes.RESET_PASSWORD,
    title="Choose a new password | Marque",
    on_load=[*PAGE_FRAME, LoginState.load_password_form],
)
app.add_page(
    account_page,
    route=routes.ACCOUNT,
    title="Your account | Marque",
    on_load=[
        OutageState.clear_outage,
        HeaderState.load_header,
        AuthState.guard_page,
        CartState.load_cart,
        AccountState.load_account,
    ],
)
app.add_page(
    cart_page,
    route=routes.CART,
    title="Cart | Marque",
    on_load=PAGE_FRAME,
)
app.add_page(
    wishlist_page,
    route=routes.WISHLIST,
    title="Wishlist | Marque",
    on_load=[*PAGE_FRAME, CartState.load_wishlist],
)
app.add_page(
    checkout_page,
    route=routes.CHECKOUT,
    title="Checkout | Marque",
    on_load=[*PAGE_FRAME, CheckoutState.load_checkout],
)
app.add_page(
    orders_page,
    route=routes.ACCOUNT_ORDERS,
    title="Your orders | Marque",
    on_load=[
        OutageState.clear_outage,
        HeaderState.load_header,
        AuthState.guard_page,
        CartState.load_cart,
        OrdersState.load_orders,
    ],
)
app.add_page(
    not_found_page,
    route=routes.NOT_FOUND,
    title="Page not found | Marque",
    on_load=PAGE_FRAME,
)

# /admin/...: the admin role only (checked on the server in every load and handler).
add_admin_pages(app)
