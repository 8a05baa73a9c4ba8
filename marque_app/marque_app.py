"""The Reflex app: ``rx.App(...)`` and its pages (``pages/registry.py``: route, title, on_load)."""

import reflex as rx

from marque_app import routes
from marque_app.api import create_api
from marque_app.api.headers import SecurityHeaders
from marque_app.api.instance import InstanceHeader
from marque_app.api.seo import PageMetadata
from marque_app.api.shutdown import DrainGate, graceful_shutdown
from marque_app.components.cart_ops import cart_ops_script
from marque_app.components.privacy import privacy_signals_script
from marque_app.components.theme import STYLE, toaster
from marque_app.domain.seo import HOME_TITLE, SITE_DESCRIPTION
from marque_app.pages.account import account_page
from marque_app.pages.admin import add_admin_pages
from marque_app.pages.auth import forgot_password_page, login_page, register_page, reset_password_page
from marque_app.pages.brands import brand_page, brands_page
from marque_app.pages.cart import cart_page
from marque_app.pages.category import category_page
from marque_app.pages.checkout import checkout_page, confirmation_page, paypal_return_page
from marque_app.pages.home import home
from marque_app.pages.listing import shop_page
from marque_app.pages.not_found import not_found_page
from marque_app.pages.orders import order_page, orders_page
from marque_app.pages.product import product_page
from marque_app.pages.registry import account, add_pages, self_framed, storefront
from marque_app.pages.search import search_page
from marque_app.pages.stock_alerts import unsubscribe_page
from marque_app.pages.verify_email import verify_email_page
from marque_app.pages.wishlist import wishlist_page
from marque_app.services.analytics import flush_forever
from marque_app.services.collector import tune_collector
from marque_app.services.housekeeping import housekeeping
from marque_app.services.stock_alerts import flush_forever as flush_stock_alerts
from marque_app.state.account import AccountState
from marque_app.state.auth import LoginState, on_login
from marque_app.state.cart import CartState
from marque_app.state.checkout import CheckoutState
from marque_app.state.home import HomeState
from marque_app.state.listing import BrandsState, ListingState
from marque_app.state.orders import OrdersState
from marque_app.state.outage import backend_exception_handler
from marque_app.state.product import ProductState
from marque_app.state.search import SearchState
from marque_app.state.stock_alerts import StockAlertState, UnsubscribeState
from marque_app.state.verify_email import VerifyEmailState

app = rx.App(
    style=STYLE,
    toaster=toaster(),  # toast text at 4.5:1
    html_lang="en",
    head_components=[
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        rx.el.link(rel="apple-touch-icon", href="/apple-touch-icon.png"),
        rx.el.meta(name="theme-color", content="#ffffff"),
        cart_ops_script(),  # window.marqueCart: cart ops with client-made ids
        privacy_signals_script(),  # the browser's DNT / GPC as a cookie the websocket carries
        rx.script(src="/page_head.js"),  # one <title>: the server's head tags give way to the app's
    ],
    # The REST API (/api/v1, /_health) shares this process, port and services; SecurityHeaders
    # wraps it and the Reflex backend and pages mounted beneath it (CSP, nosniff, ...);
    # InstanceHeader names the instance that answered (MARQUE_INSTANCE_ID, for a fleet);
    # DrainGate refuses new websockets while a SIGTERM drains the worker (api/shutdown.py).
    # PageMetadata puts each page's title, description, canonical URL, Open Graph tags and
    # JSON-LD into the served HTML (no JavaScript needed), answers 404 for an unknown product,
    # category or brand, and serves /sitemap.xml and /robots.txt (api/seo.py).
    api_transformer=[create_api(), PageMetadata, SecurityHeaders, InstanceHeader, DrainGate],
    # A database outage in any page event: a "try again" banner, not an error (state/outage.py).
    backend_exception_handler=backend_exception_handler,
)

app.register_lifespan_task(tune_collector)  # start-up objects frozen: short GC pauses (services/collector.py)
app.register_lifespan_task(housekeeping)  # prunes old cart op ids every few hours
app.register_lifespan_task(graceful_shutdown)  # SIGTERM: drain events and websockets, then stop
app.register_lifespan_task(flush_forever)  # writes the analytics events' buffer every few seconds
app.register_lifespan_task(flush_stock_alerts)  # sends the due back-in-stock alerts (a worker thread)
# After every log-in: merge the guest cart and wishlist (registered here, not on import).
on_login(CartState.merge_guest_cart)

DESCRIPTION = SITE_DESCRIPTION

# Each page: route, title, its own loads (after its frame: pages/registry.py). Dynamic routes
# first (Reflex matches them in the order they were added).
PAGES = (
    self_framed(
        routes.PRODUCT,
        product_page,
        ProductState.page_title,
        ProductState.load_page,  # frame, product and reviews in one event
        description=ProductState.page_description,
    ),
    self_framed(
        routes.CATEGORY,
        category_page,
        ListingState.page_title,
        ListingState.load_category_page,
        description=ListingState.page_description,
    ),
    self_framed(
        routes.BRAND,
        brand_page,
        ListingState.page_title,
        ListingState.load_brand_page,
        description=ListingState.page_description,
    ),
    account(routes.ACCOUNT_ORDER, order_page, "Your order | Marque", OrdersState.load_order),
    storefront(routes.ORDER_CONFIRMATION, confirmation_page, "Order placed | Marque", CheckoutState.load_confirmation),
    self_framed(routes.SHOP, shop_page, ListingState.page_title, ListingState.load_shop_page, description=DESCRIPTION),
    storefront(routes.BRANDS, brands_page, "Brands | Marque", BrandsState.load_brands, description=DESCRIPTION),
    self_framed(
        routes.HOME,
        home,
        HOME_TITLE,
        HomeState.load_page,
        description=DESCRIPTION,
    ),
    self_framed(routes.SEARCH, search_page, SearchState.page_title, SearchState.load_page, description=DESCRIPTION),
    storefront(routes.LOGIN, login_page, "Log in | Marque", LoginState.load_login),
    storefront(routes.REGISTER, register_page, "Create an account | Marque", LoginState.load_login),
    storefront(routes.FORGOT_PASSWORD, forgot_password_page, "Forgot password | Marque", LoginState.load_password_form),
    storefront(
        routes.RESET_PASSWORD, reset_password_page, "Choose a new password | Marque", LoginState.load_password_form
    ),
    storefront(
        routes.VERIFY_EMAIL, verify_email_page, "Verify your e-mail | Marque", VerifyEmailState.load_verify_email
    ),
    storefront(
        routes.STOCK_ALERT_UNSUBSCRIBE,
        unsubscribe_page,
        "Back-in-stock alert | Marque",
        UnsubscribeState.load_unsubscribe,
    ),
    account(
        routes.ACCOUNT, account_page, "Your account | Marque", AccountState.load_account, StockAlertState.load_alerts
    ),
    storefront(routes.CART, cart_page, "Cart | Marque"),
    storefront(routes.WISHLIST, wishlist_page, "Wishlist | Marque", CartState.load_wishlist),
    storefront(routes.CHECKOUT, checkout_page, "Checkout | Marque", CheckoutState.load_checkout),
    storefront(
        routes.CHECKOUT_PAYPAL_RETURN,
        paypal_return_page,
        "Completing payment | Marque",
        CheckoutState.load_paypal_return,
    ),
    account(routes.ACCOUNT_ORDERS, orders_page, "Your orders | Marque", OrdersState.load_orders),
    storefront(routes.NOT_FOUND, not_found_page, "Page not found | Marque"),
)
add_pages(app, PAGES)

# /admin/...: the admin role only (checked on the server in every load and handler).
add_admin_pages(app)
