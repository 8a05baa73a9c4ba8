"""Categories and brands for the admin: list, create, edit, hide (``is_active``).

Slugs are unique; a category's parent must exist and may not be the category itself or one of
its descendants (no loops in the tree). Nothing is deleted: a category or brand that is no
longer wanted is hidden, so products and links that point at it keep working.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.domain.admin import AdminError, check_brand, check_category, invalid
from marque_app.models import Brand, Category, Product, utcnow
from marque_app.services import cache

from .activity import Actor, record
from .products import as_uuid, commit_or_conflict


@dataclass(frozen=True)
class CategoryView:
    id: str = ""
    name: str = ""
    slug: str = ""
    description: str = ""
    parent_id: str = ""
    parent: str = ""
    sort_order: int = 0
    is_active: bool = True
    product_count: int = 0


@dataclass(frozen=True)
class BrandView:
    id: str = ""
    name: str = ""
    slug: str = ""
    description: str = ""
    website: str = ""
    is_active: bool = True
    product_count: int = 0


def _counts(session: Session, column) -> dict:
    return dict(session.exec(select(column, sa.func.count()).where(column.is_not(None)).group_by(column)).all())


def list_categories(*, session: Session, q: str = "") -> list[CategoryView]:
    rows = session.exec(select(Category).order_by(Category.sort_order, Category.name)).all()
    names = {c.id: c.name for c in rows}
    counts = _counts(session, Product.category_id)
    needle = q.strip().lower()
    return [
        CategoryView(
            id=str(c.id),
            name=c.name,
            slug=c.slug,
            description=c.description or "",
            parent_id=str(c.parent_id or ""),
            parent=names.get(c.parent_id, ""),
            sort_order=c.sort_order,
            is_active=c.is_active,
            product_count=counts.get(c.id, 0),
        )
        for c in rows
        if not needle or needle in c.name.lower() or needle in c.slug
    ]


def list_brands(*, session: Session, q: str = "") -> list[BrandView]:
    counts = _counts(session, Product.brand_id)
    needle = q.strip().lower()
    return [
        BrandView(
            id=str(b.id),
            name=b.name,
            slug=b.slug,
            description=b.description or "",
            website=b.website or "",
            is_active=b.is_active,
            product_count=counts.get(b.id, 0),
        )
        for b in session.exec(select(Brand).order_by(Brand.name)).all()
        if not needle or needle in b.name.lower() or needle in b.slug
    ]


def _taken(session: Session, model, column, value: str, own: uuid.UUID | None) -> bool:
    stmt = select(model.id).where(sa.func.lower(column) == value.lower())
    if own is not None:
        stmt = stmt.where(model.id != own)
    return session.exec(stmt.limit(1)).first() is not None


def save_category(
    *,
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    category_id: object = None,
    now: datetime | None = None,
) -> CategoryView:
    """Create or edit a category.

    Raises:
        AdminError: invalid field (422), slug taken (409), unknown category (404).
    """
    now = now or utcnow()
    fields = check_category(data)
    category = None
    if category_id:
        category = session.get(Category, as_uuid(category_id, what="Category"))
        if category is None:
            raise AdminError("not_found", "Category not found")
    own = category.id if category else None
    parent_id = None
    if fields.parent_id:
        try:
            parent_id = uuid.UUID(fields.parent_id)
        except ValueError:
            raise invalid("Unknown parent category", "parent_id") from None
        # Walk up from the parent: meeting this category would make a loop.
        seen, node = set(), session.get(Category, parent_id)
        if node is None:
            raise invalid("Unknown parent category", "parent_id")
        while node is not None and node.id not in seen:
            if node.id == own:
                raise invalid("A category cannot sit under itself or one of its subcategories", "parent_id")
            seen.add(node.id)
            node = session.get(Category, node.parent_id) if node.parent_id else None
    if _taken(session, Category, Category.slug, fields.slug, own):
        raise AdminError("conflict", f"Another category already has the slug {fields.slug}", field="slug")
    created = category is None
    category = category or Category(name=fields.name, slug=fields.slug, created_at=now)
    category.name, category.slug, category.parent_id = fields.name, fields.slug, parent_id
    category.description = fields.description or None
    category.sort_order, category.is_active = fields.sort_order, fields.is_active
    session.add(category)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="category.create" if created else "category.update",
        entity_type="category",
        entity_id=category.id,
        summary=f"{'Created' if created else 'Updated'} category {fields.name}"
        + ("" if fields.is_active else " (hidden)"),
        now=now,
    )
    commit_or_conflict(session)
    cache.invalidate_categories()
    cache.invalidate_products()
    return next(c for c in list_categories(session=session) if c.id == str(category.id))


def save_brand(
    *,
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    brand_id: object = None,
    now: datetime | None = None,
) -> BrandView:
    """Create or edit a brand (name and slug unique)."""
    now = now or utcnow()
    fields = check_brand(data)
    brand = None
    if brand_id:
        brand = session.get(Brand, as_uuid(brand_id, what="Brand"))
        if brand is None:
            raise AdminError("not_found", "Brand not found")
    own = brand.id if brand else None
    if _taken(session, Brand, Brand.name, fields.name, own):
        raise AdminError("conflict", f"Another brand is already called {fields.name}", field="name")
    if _taken(session, Brand, Brand.slug, fields.slug, own):
        raise AdminError("conflict", f"Another brand already has the slug {fields.slug}", field="slug")
    created = brand is None
    brand = brand or Brand(name=fields.name, slug=fields.slug, created_at=now)
    brand.name, brand.slug = fields.name, fields.slug
    brand.description, brand.website = fields.description or None, fields.website or None
    brand.is_active = fields.is_active
    session.add(brand)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="brand.create" if created else "brand.update",
        entity_type="brand",
        entity_id=brand.id,
        summary=f"{'Created' if created else 'Updated'} brand {fields.name}"
        + ("" if fields.is_active else " (hidden)"),
        now=now,
    )
    commit_or_conflict(session)
    cache.invalidate_categories()
    cache.invalidate_products()
    return next(b for b in list_brands(session=session) if b.id == str(brand.id))
