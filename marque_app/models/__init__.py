"""Every persisted table. Importing this module registers them all on ``SQLModel.metadata``."""

from sqlmodel import SQLModel

from .admin import AdminActivity, CustomerNote
from .analytics import AnalyticsEvent
from .auth import PhoneVerification, RevokedToken
from .cart import CartItem, CartOperation, Wishlist
from .catalog import Brand, Category, Product, ProductImage, ProductReview, ProductVariant
from .enums import OrderStatus, PaymentStatus, ProductStatus, UserRole
from .inventory import InventoryMovement
from .order import Coupon, CouponUsage, Order, OrderItem, OrderStatusHistory, Payment, Return, ReturnItem
from .stock_alert import StockAlert
from .types import utcnow
from .user import Address, User

metadata = SQLModel.metadata

__all__ = [
    "Address",
    "AdminActivity",
    "AnalyticsEvent",
    "Brand",
    "CartItem",
    "CartOperation",
    "Category",
    "Coupon",
    "CouponUsage",
    "CustomerNote",
    "InventoryMovement",
    "Order",
    "OrderItem",
    "OrderStatus",
    "OrderStatusHistory",
    "Payment",
    "PaymentStatus",
    "PhoneVerification",
    "Product",
    "ProductImage",
    "ProductReview",
    "ProductStatus",
    "ProductVariant",
    "Return",
    "ReturnItem",
    "RevokedToken",
    "StockAlert",
    "User",
    "UserRole",
    "Wishlist",
    "metadata",
    "utcnow",
]
