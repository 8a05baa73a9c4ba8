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

from ..registry import add_pages, admin
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

# (route, page, title, the page's own load after the role check: registry.ADMIN); dynamic routes first.
PAGES = (
    admin(routes.ADMIN_PRODUCT, product_form, "Product | Marque admin", AdminProductFormState.load_form),
    admin(routes.ADMIN_ORDER, order_page, "Order | Marque admin", AdminOrderState.load_order),
    admin(routes.ADMIN_CUSTOMER, customer_page, "Customer | Marque admin", AdminCustomerState.load_customer),
    admin(routes.ADMIN_PRODUCTS, products_list, "Products | Marque admin", AdminProductsState.load_products),
    admin(routes.ADMIN_ORDERS, orders_list, "Orders | Marque admin", AdminOrdersState.load_orders),
    admin(routes.ADMIN_CATEGORIES, categories_page, "Categories | Marque admin", AdminCategoriesState.load_categories),
    admin(routes.ADMIN_BRANDS, brands_page, "Brands | Marque admin", AdminBrandsState.load_brands),
    admin(routes.ADMIN_INVENTORY, inventory_page, "Inventory | Marque admin", AdminInventoryState.load_inventory),
    admin(routes.ADMIN_CUSTOMERS, customers_page, "Customers | Marque admin", AdminCustomersState.load_customers),
    admin(routes.ADMIN_COUPONS, coupons_page, "Coupons | Marque admin", AdminCouponsState.load_coupons),
    admin(routes.ADMIN_ACTIVITY, activity_page, "Activity | Marque admin", AdminActivityState.load_activity),
    admin(routes.ADMIN_RETURNS, returns_page, "Returns | Marque admin", AdminReturnsState.load_returns),
    admin(routes.ADMIN_REVIEWS, reviews_page, "Reviews | Marque admin", AdminReviewsState.load_reviews),
    admin(routes.ADMIN_REPORTS, reports_page, "Reports | Marque admin", AdminReportsState.load_report),
    admin(routes.ADMIN_ANALYTICS, analytics_page, "Analytics | Marque admin", AdminAnalyticsState.load_analytics),
    admin(routes.ADMIN, dashboard, "Marque admin", AdminDashboardState.load_dashboard),
)


def add_admin_pages(app: rx.App) -> None:
    """Every admin page; each load checks the admin role on the server first (guard_page), and
    the page's own load checks it again before reading anything."""
    add_pages(app, PAGES)
