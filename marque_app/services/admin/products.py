"""Products for the admin: list, load, save (product, variants, pictures in one transaction),
status moves, archive or delete, add a variant, store an uploaded picture.

A save checks everything first (the form rules of ``domain.admin``, then the unique slug and
SKUs against the database) and writes only then, in one transaction with its activity-log row:
a refused save leaves nothing behind. An existing variant's stock is not set here; it moves by
an inventory adjustment, which needs a reason (``services.admin.inventory``). After a change
the catalog cache is invalidated so the storefront shows it at once.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from marque_app.domain.admin import (
    PRODUCT_STATUSES,
    AdminError,
    ImageInput,
    Page,
    Paging,
    ProductInput,
    VariantInput,
    check_can_activate,
    check_image_upload,
    check_images,
    check_product,
    check_status_move,
    check_undo_archive,
    check_variant,
    check_variant_options,
    check_variants,
    format_attributes,
    invalid,
)
from marque_app.domain.labels import PRODUCT_STATUS
from marque_app.domain.labels import label as words
from marque_app.domain.money import format_money
from marque_app.models import (
    Brand,
    CartItem,
    Category,
    InventoryMovement,
    OrderItem,
    Product,
    ProductImage,
    ProductStatus,
    ProductVariant,
    utcnow,
)
from marque_app.services import cache, restocks
from marque_app.settings import get_settings
from marque_app.views.admin_products import Choice, ImageView, ProductForm, ProductRow, VariantView

from .activity import Actor, record

UPLOAD_URL_PREFIX = "/_upload"  # where Reflex serves rx.get_upload_dir()
UPLOAD_SUBDIR = "products"
UPLOAD_NAME = re.compile(r"[0-9a-f]{32}\.[a-z]{3,4}")  # what store_upload names a file
SORTS = {
    "name": Product.name,
    "price": Product.price,
    "stock": Product.inventory_quantity,
    "created": Product.created_at,
    "updated": Product.updated_at,
}


def not_found(what: str = "Product") -> AdminError:
    return AdminError("not_found", f"{what} not found")


def as_uuid(value: object, field_name: str = "id", what: str = "Product") -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise not_found(what) from None


def _money(value) -> str:
    return "" if value is None else f"{value:.2f}"


def variant_view(v: ProductVariant, threshold: int = 0) -> VariantView:
    return VariantView(
        id=str(v.id),
        sku=v.sku,
        name=v.name,
        attributes=format_attributes(v.attributes),
        options={str(k): str(val) for k, val in (v.attributes or {}).items()},
        price=_money(v.price),
        stock=v.inventory_quantity,
        low_stock_threshold=threshold,
    )


# --- read ----------------------------------------------------------------------------------------


def list_products(
    *,
    session: Session,
    paging: Paging = Paging(),
    q: str = "",
    status: str = "",
    category_id: str = "",
    brand_id: str = "",
    sort: str = "updated",
    order: str = "desc",
) -> Page:
    """Every product (any status), searched by name, slug or SKU (a variant's too)."""
    stmt = select(Product)
    if q:
        needle = q.strip().lower()
        variant_match = select(ProductVariant.product_id).where(
            sa.func.lower(ProductVariant.sku).contains(needle, autoescape=True)
        )
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Product.name).contains(needle, autoescape=True),
                sa.func.lower(Product.slug).contains(needle, autoescape=True),
                sa.func.lower(Product.sku).contains(needle, autoescape=True),
                Product.id.in_(variant_match),
            )
        )
    if status and status not in PRODUCT_STATUSES:  # not a value of the enum column (a 500 before)
        raise invalid("Status must be draft, active or archived", "status")
    if status:
        stmt = stmt.where(Product.status == status)
    for column, value in ((Product.category_id, category_id), (Product.brand_id, brand_id)):
        if value:
            try:
                stmt = stmt.where(column == uuid.UUID(value))
            except ValueError:
                stmt = stmt.where(sa.false())
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    column = SORTS.get(sort, Product.updated_at)  # type: ignore[assignment]  # a column, like the loop variable above
    ordered = column.asc() if order == "asc" else column.desc()
    products = session.exec(stmt.order_by(ordered, Product.id).offset(paging.offset).limit(paging.per_page)).all()
    ids = [p.id for p in products]
    names = {
        **{
            c.id: c.name
            for c in session.exec(
                select(Category).where(Category.id.in_({p.category_id for p in products if p.category_id}))
            ).all()
        },
        **{
            b.id: b.name
            for b in session.exec(select(Brand).where(Brand.id.in_({p.brand_id for p in products if p.brand_id}))).all()
        },
    }
    counts = (
        dict(
            session.exec(
                select(ProductVariant.product_id, sa.func.count())
                .where(ProductVariant.product_id.in_(ids))
                .group_by(ProductVariant.product_id)
            ).all()
        )
        if ids
        else {}
    )
    images: dict[uuid.UUID, str] = {}
    for image in (
        session.exec(
            select(ProductImage).where(ProductImage.product_id.in_(ids)).order_by(ProductImage.sort_order.desc())
        ).all()
        if ids
        else []
    ):
        images[image.product_id] = image.url  # the last written is the lowest sort_order
    rows = [
        ProductRow(
            id=str(p.id),
            name=p.name,
            slug=p.slug,
            sku=p.sku,
            status=p.status.value if isinstance(p.status, ProductStatus) else str(p.status),
            price=_money(p.price),
            category=names.get(p.category_id, ""),
            brand=names.get(p.brand_id, ""),
            stock=p.inventory_quantity,
            variant_count=counts.get(p.id, 0),
            image_url=images.get(p.id, ""),
            updated=p.updated_at.strftime("%Y-%m-%d %H:%M"),
            status_label=words(PRODUCT_STATUS, p.status),
            price_text=format_money(p.price, get_settings().currency) if p.price is not None else "",
        )
        for p in products
    ]
    return Page(rows, total, paging.page, paging.per_page)


def _has_orders(session: Session, product_id: uuid.UUID) -> bool:
    return session.exec(select(OrderItem.id).where(OrderItem.product_id == product_id).limit(1)).first() is not None


def get_product(*, session: Session, product_id: object) -> ProductForm:
    product = session.get(Product, as_uuid(product_id))
    if product is None:
        raise not_found()
    variants = session.exec(
        select(ProductVariant)
        .where(ProductVariant.product_id == product.id)
        .order_by(ProductVariant.sort_order, ProductVariant.created_at, ProductVariant.sku)
    ).all()
    images = session.exec(
        select(ProductImage)
        .where(ProductImage.product_id == product.id)
        .order_by(ProductImage.sort_order, ProductImage.created_at)
    ).all()
    return ProductForm(
        id=str(product.id),
        name=product.name,
        slug=product.slug,
        sku=product.sku,
        description=product.description or "",
        short_description=product.short_description or "",
        meta_title=product.meta_title or "",
        meta_description=product.meta_description or "",
        category_id=str(product.category_id or ""),
        brand_id=str(product.brand_id or ""),
        price=_money(product.price),
        compare_price=_money(product.compare_price),
        status=_status(product),
        featured=product.featured,
        low_stock_threshold=product.low_stock_threshold,
        variants=[variant_view(v, product.low_stock_threshold) for v in variants],
        images=[ImageView(id=str(i.id), url=i.url, alt_text=i.alt_text or "") for i in images],
        has_orders=_has_orders(session, product.id),
    )


def _status(product: Product) -> str:
    return product.status.value if isinstance(product.status, ProductStatus) else str(product.status)


# --- checks against the database ------------------------------------------------------------------


def _reference(session: Session, model, value: str, field_name: str, what: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        ref = uuid.UUID(value)
    except ValueError:
        raise invalid(f"Unknown {what}", field_name) from None
    if session.get(model, ref) is None:
        raise invalid(f"Unknown {what}", field_name)
    return ref


def _check_unique_product(session: Session, data: ProductInput, product_id: uuid.UUID | None) -> None:
    for column, value, name, label in (
        (Product.slug, data.slug, "slug", "slug"),
        (Product.sku, data.sku, "sku", "SKU"),
    ):
        stmt = select(Product.id).where(sa.func.lower(column) == value.lower())
        if product_id is not None:
            stmt = stmt.where(Product.id != product_id)
        if session.exec(stmt.limit(1)).first() is not None:
            raise AdminError("conflict", f"Another product already has the {label} {value}", field=name)


def _check_unique_skus(
    session: Session,
    variants: Sequence[VariantInput],
    product_id: uuid.UUID | None,
    offset: int = 0,
    name_prefix: str = "variants",
) -> None:
    if not variants:
        return
    wanted = {v.sku.lower(): i for i, v in enumerate(variants)}
    own = {v.id for v in variants if v.id}
    rows = session.exec(
        select(ProductVariant.id, ProductVariant.sku).where(sa.func.lower(ProductVariant.sku).in_(list(wanted)))
    ).all()
    for row_id, sku in rows:
        if str(row_id) in own:
            continue  # this very variant (or one of this form swapping SKUs)
        i = wanted[sku.lower()]
        field_name = f"{name_prefix}.{i + offset}.sku" if name_prefix == "variants" else "sku"
        raise AdminError("conflict", f"SKU {sku} is already used by another variant", field=field_name)


# --- write ---------------------------------------------------------------------------------------


def commit_or_conflict(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as err:
        session.rollback()
        text = str(err.orig).lower()
        if "slug" in text:
            raise AdminError("conflict", "Another product already has this slug", field="slug") from None
        if "sku" in text:
            raise AdminError("conflict", "This SKU is already used", field="sku") from None
        raise AdminError("conflict", "The change conflicts with another one; reload and try again") from None


def _move(
    session: Session, *, variant: ProductVariant, change: int, kind: str, reason: str, actor: Actor, now: datetime
) -> None:
    session.add(
        InventoryMovement(
            product_id=variant.product_id,
            product_variant_id=variant.id,
            movement_type=kind,
            quantity_change=change,
            quantity_after=variant.inventory_quantity,
            reference_type="manual",
            notes=reason,
            created_by=actor.id,
            created_at=now,
        )
    )


@dataclass
class _Save:
    """A save that passed every check: what ``_write_*`` put into the session."""

    product: Product | None  # None: a new product
    fields: ProductInput
    rows: list[VariantInput]
    pictures: list[ImageInput]
    category_id: uuid.UUID | None
    brand_id: uuid.UUID | None
    variants: dict[str, ProductVariant]  # the product's variants before the save, by id
    images: dict[str, ProductImage]
    removed: list[ProductVariant]


def _target(session: Session, product_id: object, status: str) -> Product | None:
    """The product being saved (None for a new one) and whether its status may move to ``status``."""
    if product_id is None:
        check_status_move("draft", status)
        return None
    product = session.get(Product, as_uuid(product_id))
    if product is None:
        raise not_found()
    check_status_move(_status(product), status)
    return product


def _children(session: Session, product: Product | None) -> tuple[dict[str, ProductVariant], dict[str, ProductImage]]:
    if product is None:
        return {}, {}
    variants = session.exec(select(ProductVariant).where(ProductVariant.product_id == product.id)).all()
    images = session.exec(select(ProductImage).where(ProductImage.product_id == product.id)).all()
    return {str(v.id): v for v in variants}, {str(i.id): i for i in images}


def _check_rows_are_own(
    rows: Sequence[VariantInput],
    pictures: Sequence[ImageInput],
    variants: Mapping[str, ProductVariant],
    images: Mapping[str, ProductImage],
) -> None:
    """Refuse a row naming another product's variant or picture, and a changed stock on a kept variant."""
    for i, row in enumerate(rows):
        if row.id and row.id not in variants:
            raise invalid("This variant is not one of this product's; reload the page", f"variants.{i}.id")
        if row.id and row.stock is not None and row.stock != variants[row.id].inventory_quantity:
            raise invalid(
                "Change an existing variant's stock with an inventory adjustment (it needs a reason)",
                f"variants.{i}.stock",
            )
    for i, picture in enumerate(pictures):
        if picture.id and picture.id not in images:
            raise invalid("This picture is not one of this product's; reload the page", f"images.{i}.id")


def _removable(
    session: Session, variants: Mapping[str, ProductVariant], rows: Sequence[VariantInput]
) -> list[ProductVariant]:
    """The variants the form left out; refused when one was ordered or has stock history."""
    kept = {r.id for r in rows if r.id}
    removed = [v for vid, v in variants.items() if vid not in kept]
    for variant in removed:
        used = session.exec(select(OrderItem.id).where(OrderItem.product_variant_id == variant.id).limit(1)).first()
        moved = session.exec(
            select(InventoryMovement.id).where(InventoryMovement.product_variant_id == variant.id).limit(1)
        ).first()
        if used is not None or moved is not None:
            raise AdminError(
                "conflict",
                f"Variant {variant.sku} has orders or stock history and cannot be removed; set its stock to 0",
                field="variants",
            )
    return removed


def _check_save(
    session: Session,
    data: Mapping[str, Any],
    variants: Sequence[Mapping[str, Any]],
    images: Sequence[Mapping[str, Any]],
    product_id: object,
) -> _Save:
    """Every check of a save, the form's rules first, then the database's; writes nothing."""
    fields = check_product(data)
    rows = check_variants(list(variants))
    pictures = check_images(list(images))
    product = _target(session, product_id, fields.status)
    check_can_activate(fields.status, len(rows))
    category_id = _reference(session, Category, fields.category_id, "category_id", "category")
    brand_id = _reference(session, Brand, fields.brand_id, "brand_id", "brand")
    own_id = product.id if product else None
    _check_unique_product(session, fields, own_id)
    existing, existing_images = _children(session, product)
    _check_rows_are_own(rows, pictures, existing, existing_images)
    _check_unique_skus(session, rows, own_id)
    removed = _removable(session, existing, rows)
    return _Save(product, fields, rows, pictures, category_id, brand_id, existing, existing_images, removed)


def _write_product(session: Session, save: _Save, now: datetime) -> Product:
    fields = save.fields
    product = save.product or Product(
        id=uuid.uuid4(), name=fields.name, slug=fields.slug, sku=fields.sku, price=fields.price, created_at=now
    )
    product.name, product.slug, product.sku = fields.name, fields.slug, fields.sku
    product.description = fields.description or None
    product.short_description = fields.short_description or None
    product.meta_title = fields.meta_title or None
    product.meta_description = fields.meta_description or None
    product.category_id, product.brand_id = save.category_id, save.brand_id
    product.price, product.compare_price = fields.price, fields.compare_price
    product.status = ProductStatus(fields.status)
    product.featured = fields.featured
    product.low_stock_threshold = fields.low_stock_threshold
    if fields.status == "active" and product.published_at is None:
        product.published_at = now
    product.updated_at = now
    session.add(product)
    session.flush()
    return product


def _write_variants(session: Session, product: Product, save: _Save, actor: Actor, now: datetime) -> None:
    """Remove the left-out variants, change the kept ones, add the new ones (their stock as a
    restock), in the form's order; the product's stock is their sum."""
    for variant in save.removed:
        session.exec(sa.delete(CartItem).where(CartItem.product_variant_id == variant.id))
        session.delete(variant)
    session.flush()
    total = 0
    for order, row in enumerate(save.rows):
        if row.id:
            variant = save.variants[row.id]
            variant.sku, variant.name, variant.attributes, variant.price = row.sku, row.name, row.attributes, row.price
            variant.sort_order = order
            session.add(variant)
        else:
            variant = ProductVariant(
                id=uuid.uuid4(),
                product_id=product.id,
                sku=row.sku,
                name=row.name,
                attributes=row.attributes,
                price=row.price,
                inventory_quantity=row.stock or 0,
                sort_order=order,
                created_at=now,
            )
            session.add(variant)
            session.flush()
            if variant.inventory_quantity:
                _move(
                    session,
                    variant=variant,
                    change=variant.inventory_quantity,
                    kind="restock",
                    reason="Initial stock",
                    actor=actor,
                    now=now,
                )
        total += variant.inventory_quantity
    product.inventory_quantity = total
    session.add(product)


def _write_images(session: Session, product: Product, save: _Save, now: datetime) -> None:
    kept = {p.id for p in save.pictures if p.id}
    for image_id, image in save.images.items():
        if image_id not in kept:
            session.delete(image)
    for order, picture in enumerate(save.pictures):
        if picture.id:
            image = save.images[picture.id]
            image.alt_text, image.sort_order = picture.alt_text or None, order
        else:
            image = ProductImage(
                product_id=product.id,
                url=picture.url,
                alt_text=picture.alt_text or None,
                sort_order=order,
                created_at=now,
            )
        session.add(image)


def _audited(product: Product | None) -> dict[str, str]:
    """The fields the activity log compares before and after a save."""
    if product is None:
        return {}
    return {"status": _status(product), "price": _money(product.price), "name": product.name}


def save_product(
    *,
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    variants: Sequence[Mapping[str, Any]] = (),
    images: Sequence[Mapping[str, Any]] = (),
    product_id: object = None,
    now: datetime | None = None,
    invalidate=cache.invalidate_products,
) -> ProductForm:
    """Create (``product_id`` None) or update a product with its variants and pictures.

    ``variants`` and ``images`` are the whole lists, in order: rows with an ``id`` are kept and
    changed, rows without are added, and existing rows left out are removed (a variant that was
    ordered or has stock history cannot be removed). Steps: :func:`_check_save` (every refusal,
    nothing written), then ``_write_product``, ``_write_variants``, ``_write_images`` and the
    activity-log row, committed together.

    Raises:
        AdminError: a field is invalid (422, ``field`` names it), the slug or a SKU is taken or
            the status move is forbidden (409), the product does not exist (404).
    """
    now = now or utcnow()
    save = _check_save(session, data, variants, images, product_id)
    created = save.product is None
    before = _audited(save.product)
    product = _write_product(session, save, now)
    _write_variants(session, product, save, actor, now)
    _write_images(session, product, save, now)
    if save.fields.status == "active":  # on sale (again): its SKUs in stock have their alerts due
        restocks.mark_product_due(session=session, product_id=product.id, now=now)
    fields = save.fields
    after = {"status": fields.status, "price": _money(fields.price), "name": fields.name}
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    record(
        session=session,
        actor=actor,
        action="product.create" if created else "product.update",
        entity_type="product",
        entity_id=product.id,
        summary=f"{'Created' if created else 'Updated'} product {fields.name} ({len(save.rows)} variants, "
        f"{len(save.pictures)} pictures)",
        details={"changes": changes, "variants_removed": [v.sku for v in save.removed]},
        now=now,
    )
    commit_or_conflict(session)
    invalidate()
    return get_product(session=session, product_id=product.id)


def set_status(
    *,
    session: Session,
    actor: Actor,
    product_id: object,
    status: str,
    undo: bool = False,
    now: datetime | None = None,
    invalidate=cache.invalidate_products,
) -> ProductForm:
    """Move a product to ``status`` if the status machine allows it (archive, restore, publish);
    ``undo``: back from archived to the status it had (``domain.admin.check_undo_archive``)."""
    now = now or utcnow()
    product = session.get(Product, as_uuid(product_id))
    if product is None:
        raise not_found()
    current = _status(product)
    if undo:
        check_undo_archive(current, status)
    else:
        check_status_move(current, status)
    count = session.exec(select(sa.func.count()).where(ProductVariant.product_id == product.id)).one()
    check_can_activate(status, count)
    product.status = ProductStatus(status)
    if status == "active" and product.published_at is None:
        product.published_at = now
    product.updated_at = now
    session.add(product)
    if status == "active":  # restored: its SKUs in stock have their alerts due (the flush sends them)
        restocks.mark_product_due(session=session, product_id=product.id, now=now)
    record(
        session=session,
        actor=actor,
        action=f"product.{status}",
        entity_type="product",
        entity_id=product.id,
        summary=f"Product {product.name}: {current} -> {status}" + (" (archive undone)" if undo else ""),
        details={"from": current, "to": status, **({"undo": True} if undo else {})},
        now=now,
    )
    commit_or_conflict(session)
    invalidate()
    return get_product(session=session, product_id=product.id)


def delete_product(
    *,
    session: Session,
    actor: Actor,
    product_id: object,
    now: datetime | None = None,
    invalidate=cache.invalidate_products,
) -> str:
    """Delete a product nobody ordered and with no stock history; otherwise archive it.

    Returns:
        "deleted" or "archived".
    """
    now = now or utcnow()
    product = session.get(Product, as_uuid(product_id))
    if product is None:
        raise not_found()
    referenced = (
        _has_orders(session, product.id)
        or session.exec(select(InventoryMovement.id).where(InventoryMovement.product_id == product.id).limit(1)).first()
        is not None
    )
    if referenced:
        if _status(product) != "archived":
            product.status = ProductStatus.archived
            product.updated_at = now
            session.add(product)
        outcome = "archived"
    else:
        session.exec(sa.delete(CartItem).where(CartItem.product_id == product.id))
        session.flush()
        session.delete(product)  # variants, pictures, wishlist rows and reviews cascade
        outcome = "deleted"
    record(
        session=session,
        actor=actor,
        action=f"product.{'delete' if outcome == 'deleted' else 'archive'}",
        entity_type="product",
        entity_id=product.id,
        summary=f"{outcome.capitalize()} product {product.name}",
        now=now,
    )
    commit_or_conflict(session)
    invalidate()
    return outcome


def add_variant(
    *,
    session: Session,
    actor: Actor,
    product_id: object,
    data: Mapping[str, Any],
    now: datetime | None = None,
    invalidate=cache.invalidate_products,
) -> VariantView:
    """Add one variant (its initial stock is recorded as a restock)."""
    now = now or utcnow()
    product = session.get(Product, as_uuid(product_id))
    if product is None:
        raise not_found()
    row = check_variant({k: v for k, v in data.items() if k != "id"})
    others = session.exec(select(ProductVariant.attributes).where(ProductVariant.product_id == product.id)).all()
    try:  # the product's options, the same for the new variant (domain.admin.check_variant_options)
        check_variant_options([*(dict(a or {}) for a in others), row.attributes])
    except AdminError as err:
        raise AdminError(err.kind, err.message, field=err.field.split(".", 2)[-1] if err.field else "") from None
    _check_unique_skus(session, [row], product.id, name_prefix="sku")
    last = session.exec(
        select(sa.func.max(ProductVariant.sort_order)).where(ProductVariant.product_id == product.id)
    ).one()
    variant = ProductVariant(
        id=uuid.uuid4(),
        product_id=product.id,
        sku=row.sku,
        name=row.name,
        attributes=row.attributes,
        price=row.price,
        inventory_quantity=row.stock or 0,
        sort_order=(last or 0) + 1 if last is not None else 0,
        created_at=now,
    )
    session.add(variant)
    session.flush()
    if variant.inventory_quantity:
        _move(
            session,
            variant=variant,
            change=variant.inventory_quantity,
            kind="restock",
            reason="Initial stock",
            actor=actor,
            now=now,
        )
    product.inventory_quantity = (product.inventory_quantity or 0) + variant.inventory_quantity
    product.updated_at = now
    session.add(product)
    record(
        session=session,
        actor=actor,
        action="variant.create",
        entity_type="variant",
        entity_id=variant.id,
        summary=f"Added variant {row.sku} to {product.name}",
        details={"product_id": str(product.id)},
        now=now,
    )
    commit_or_conflict(session)
    invalidate()
    return variant_view(variant, product.low_stock_threshold)


# --- uploads -------------------------------------------------------------------------------------


def store_upload(*, upload_dir: Path, filename: str, data: bytes) -> str:
    """Check an uploaded picture (type sniffed from its bytes, at most 5 MB) and store it under a
    new random name; returns its URL (``/_upload/products/<name>.<ext>``)."""
    ext = check_image_upload(filename, data)
    folder = Path(upload_dir) / UPLOAD_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{ext}"
    (folder / name).write_bytes(data)
    return f"{UPLOAD_URL_PREFIX}/{UPLOAD_SUBDIR}/{name}"


UPLOAD_GRACE = timedelta(hours=24)  # an open product form may still save a picture this old


def prune_uploads(
    *, session: Session, upload_dir: Path, now: datetime | None = None, grace: timedelta = UPLOAD_GRACE
) -> int:
    """Delete stored pictures no product, category or brand refers to: uploads from a form that was
    never saved, pictures removed from a product, products deleted. Files younger than ``grace``
    stay (their form may still be saved); other files in the folder are never touched. Returns
    how many were deleted."""
    folder = Path(upload_dir) / UPLOAD_SUBDIR
    if not folder.is_dir():
        return 0
    prefix = f"{UPLOAD_URL_PREFIX}/{UPLOAD_SUBDIR}/"
    used: set[str] = set()
    for column in (ProductImage.url, Category.image_url, Brand.logo_url):
        rows = session.execute(sa.select(column).where(column.startswith(prefix))).scalars()
        used.update(url.removeprefix(prefix) for url in rows)
    cutoff = ((now or utcnow()) - grace).timestamp()
    removed = 0
    for path in folder.iterdir():
        if (
            path.is_file()
            and UPLOAD_NAME.fullmatch(path.name)
            and path.name not in used
            and path.stat().st_mtime < cutoff
        ):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# --- choices for the forms -----------------------------------------------------------------------


def category_choices(*, session: Session) -> list[Choice]:
    rows = session.exec(select(Category).order_by(Category.sort_order, Category.name)).all()
    names = {c.id: c.name for c in rows}
    return [Choice(str(c.id), f"{names[c.parent_id]} / {c.name}" if c.parent_id in names else c.name) for c in rows]


def brand_choices(*, session: Session) -> list[Choice]:
    return [Choice(str(b.id), b.name) for b in session.exec(select(Brand).order_by(Brand.name)).all()]
