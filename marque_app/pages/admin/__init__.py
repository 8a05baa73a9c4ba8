"""The admin pages (/admin/...): the admin role only, checked on the server on every load."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.state.admin.analytics import AdminAnalyticsState
from marque_app.state.admin.moderation import AdminReturnsState, AdminReviewsState
from marque_app.state.admin.orders import AdminOrdersState, AdminOrderState
from marque_app.state.admin.others import (
    AdminActivityState,
    AdminBrandsState,
    AdminCategoriesState,
    AdminCouponsState,
    AdminCustomersState,
    AdminCustomerState,
    AdminInventoryState,
)
from marque_app.state.admin.products import AdminProductFormState, AdminProductsState
from marque_app.state.admin.reports import AdminDashboardState, AdminReportsState
from marque_app.state.auth import AuthState

from .analytics import analytics_page
from .moderation import returns_page, reviews_page
from .orders import order_page, orders_list
from .others import (
    activity_page,
    brands_page,
    categories_page,
    coupons_page,
    customer_page,
    customers_page,
    inventory_page,
)
from .products import product_form, products_list
from .reports import dashboard, reports_page

# (route, page, title, the page's own load after the role check); dynamic routes first.
PAGES = (
    (routes.ADMIN_PRODUCT, product_form, "Product | Marque admin", AdminProductFormState.load_form),
    (routes.ADMIN_ORDER, order_page, "Order | Marque admin", AdminOrderState.load_order),
    (routes.ADMIN_CUSTOMER, customer_page, "Customer | Marque admin", AdminCustomerState.load_customer),
    (routes.ADMIN_PRODUCTS, products_list, "Products | Marque admin", AdminProductsState.load_products),
    (routes.ADMIN_ORDERS, orders_list, "Orders | Marque admin", AdminOrdersState.load_orders),
    (routes.ADMIN_CATEGORIES, categories_page, "Categories | Marque admin", AdminCategoriesState.load_categories),
    (routes.ADMIN_BRANDS, brands_page, "Brands | Marque admin", AdminBrandsState.load_brands),
    (routes.ADMIN_INVENTORY, inventory_page, "Inventory | Marque admin", AdminInventoryState.load_inventory),
    (routes.ADMIN_CUSTOMERS, customers_page, "Customers | Marque admin", AdminCustomersState.load_customers),
    (routes.ADMIN_COUPONS, coupons_page, "Coupons | Marque admin", AdminCouponsState.load_coupons),
    (routes.ADMIN_ACTIVITY, activity_page, "Activity | Marque admin", AdminActivityState.load_activity),
    (routes.ADMIN_RETURNS, returns_page, "Returns | Marque admin", AdminReturnsState.load_returns),
    (routes.ADMIN_REVIEWS, reviews_page, "Reviews | Marque admin", AdminReviewsState.load_reviews),
    (routes.ADMIN_REPORTS, reports_page, "Reports | Marque admin", AdminReportsState.load_report),
    (routes.ADMIN_ANALYTICS, analytics_page, "Analytics | Marque admin", AdminAnalyticsState.load_analytics),
    (routes.ADMIN, dashboard, "Marque admin", AdminDashboardState.load_dashboard),
)


def add_admin_pages(app: rx.App) -> None:
    """Every admin page; each load checks the admin role on the server first (guard_page), and
    the page's own load checks it again before reading anything."""
    for route, component, title, load in PAGES:
        on_load = [AuthState.guard_page("admin")] + ([load] if load is not None else [])
        app.add_page(component, route=route, title=title, on_load=on_load)
