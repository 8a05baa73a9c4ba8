"""Builders for the cart and wishlist tests: users and products with SKUs, in a session."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal

from marque_app.models import Product, ProductImage, ProductStatus, ProductVariant, User

_serial = itertools.count(1)


def make_user(session, **values) -> User:
    user = User(**{"email": f"cart-{uuid.uuid4().hex[:10]}@example.com", **values})
    session.add(user)
    session.commit()  # a refused cart operation rolls back; the account stays
    return user


def make_product(
    session,
    name: str = "Tee",
    *,
    price: str = "20.00",
    stock=(10,),  # one SKU per entry: its inventory quantity
    variant_prices=None,  # per SKU: a price or None (the product's)
    status: ProductStatus = ProductStatus.active,
    track_inventory: bool = True,
    allow_backorder: bool = False,
    image: bool = True,
) -> tuple[Product, list[ProductVariant]]:
    n = f"{next(_serial)}-{uuid.uuid4().hex[:8]}"
    product = Product(
        name=f"{name} {n}",
        slug=f"cart-{n}",
        sku=f"CART-{n}",
        price=Decimal(price),
        status=status,
        track_inventory=track_inventory,
        allow_backorder=allow_backorder,
        inventory_quantity=sum(stock),
    )
    session.add(product)
    session.flush()
    variants = []
    sizes = ["S", "M", "L", "XL", "XXL"]
    for i, quantity in enumerate(stock):
        vp = (variant_prices or [None] * len(stock))[i]
        variant = ProductVariant(
            product_id=product.id,
            sku=f"CART-{n}-{i}",
            name=f"Size {sizes[i % 5]}",
            price=Decimal(vp) if vp is not None else None,
            inventory_quantity=quantity,
            attributes={"size": sizes[i % 5], "color": "Navy"},
            sort_order=i,
        )
        session.add(variant)
        variants.append(variant)
    if image:
        session.add(ProductImage(product_id=product.id, url=f"/img/{n}.jpg", sort_order=0))
    session.commit()
    return product, variants


def bearer(user: User) -> dict[str, str]:
    """The Authorization header of a fresh token for ``user``."""
    from marque_app.services.auth.tokens import issue_token

    token = issue_token(user_id=user.id, role=user.role, email=user.email).access_token
    return {"Authorization": f"Bearer {token}"}
