"""The admin services against a real database (SQLite, or PostgreSQL with MARQUE_TEST_DATABASE_URL)."""

from __future__ import annotations

import random
import string
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app.api.errors import http_status
from marque_app.domain.admin import AdminError, Paging
from marque_app.models import (
    AdminActivity,
    Brand,
    CartItem,
    Category,
    Coupon,
    CustomerNote,
    InventoryMovement,
    Order,
    OrderItem,
    Product,
    ProductImage,
    ProductVariant,
    User,
    UserRole,
    Wishlist,
)
from marque_app.services import migrations
from marque_app.services.admin import (
    Actor,
    activity,
    coupons,
    customers,
    inventory,
    products,
    taxonomy,
)
from marque_app.services.db import make_engine
from tests.cartutil import make_product, make_user
from tests.dbutil import scratch_database
from tests.phones import fresh_phone


@pytest.fixture(scope="module")
def own_db(tmp_path_factory) -> Iterator[tuple[str, sa.Engine]]:
    """A database of this module alone: these tests commit, and other modules expect theirs empty."""
    with scratch_database(tmp_path_factory.mktemp("admin-db")) as url:
        migrations.upgrade(url)
        eng = make_engine(url)
        yield url, eng
        eng.dispose()


def tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


@pytest.fixture
def admin(session) -> Actor:
    user = make_user(session, role=UserRole.admin)
    return Actor(id=user.id, email=user.email)


def product_data(t: str, **over) -> dict:
    return {"name": f"Linen Shirt {t}", "price": "49.00", "status": "active", **over}


def variant_rows(t: str) -> list[dict]:
    return [
        {"sku": f"LS-{t}-M", "name": "M / Navy", "attributes": "size=M, color=Navy", "stock": "4"},
        {
            "sku": f"LS-{t}-L",
            "name": "L / Navy",
            "attributes": {"size": "L", "color": "Navy"},
            "price": "52.00",
            "stock": 0,
        },
    ]


def log_rows(session, entity_id) -> list[AdminActivity]:
    return session.exec(select(AdminActivity).where(AdminActivity.entity_id == str(entity_id))).all()


# --- products -----------------------------------------------------------------------------------


def test_create_product_with_variants_and_images_in_one_save(session, admin):
    t = tag()
    form = products.save_product(
        session=session,
        actor=admin,
        data=product_data(t, meta_title="SEO"),
        variants=variant_rows(t),
        images=[{"url": "/_upload/products/a.png", "alt_text": "front"}, {"url": "/_upload/products/b.png"}],
    )
    assert form.slug == f"linen-shirt-{t}" and form.status == "active" and form.meta_title == "SEO"
    assert [v.sku for v in form.variants] == [f"LS-{t}-M", f"LS-{t}-L"]
    assert form.variants[0].attributes == "size=M, color=Navy" and form.variants[1].price == "52.00"
    assert [i.url for i in form.images] == ["/_upload/products/a.png", "/_upload/products/b.png"]
    product = session.get(Product, uuid.UUID(form.id))
    assert product.inventory_quantity == 4 and product.published_at is not None
    moves = session.exec(select(InventoryMovement).where(InventoryMovement.product_id == product.id)).all()
    assert [(m.movement_type, m.quantity_change, m.created_by) for m in moves] == [("restock", 4, admin.id)]
    (log,) = log_rows(session, product.id)
    assert log.action == "product.create" and log.actor_id == admin.id and log.actor_email == admin.email


def test_edit_reorders_images_and_removes_a_fresh_variant(session, admin):
    t = tag()
    form = products.save_product(
        session=session,
        actor=admin,
        data=product_data(t),
        variants=variant_rows(t),
        images=[{"url": "/_upload/products/a.png"}, {"url": "/_upload/products/b.png"}],
    )
    first, second = form.images
    keep = form.variants[0]
    edited = products.save_product(
        session=session,
        actor=admin,
        product_id=form.id,
        data=product_data(t, price="45.00"),
        variants=[{"id": keep.id, "sku": keep.sku, "name": "Medium"}],
        images=[{"id": second.id, "url": second.url, "alt_text": "back"}, {"id": first.id, "url": first.url}],
    )
    assert [i.id for i in edited.images] == [second.id, first.id] and edited.images[0].alt_text == "back"
    # the removed L variant had no stock history; the kept M one did and stays
    assert [v.name for v in edited.variants] == ["Medium"] and edited.price == "45.00"
    assert len(log_rows(session, form.id)) == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "10", "compare_price": "5"}, "compare_price"),
        ({"name": ""}, "name"),
        ({"slug": "Not A Slug!"}, "slug"),
        ({"status": "sold"}, "status"),
    ],
)
def test_bad_product_fields_are_refused_and_nothing_is_saved(session, admin, data, field):
    t = tag()
    with pytest.raises(AdminError) as err:
        products.save_product(session=session, actor=admin, data=product_data(t, **data), variants=variant_rows(t))
    assert http_status(err.value) == 422 and err.value.field == field
    assert session.exec(select(ProductVariant).where(ProductVariant.sku == f"LS-{t}-M")).first() is None
    assert session.exec(select(AdminActivity).where(AdminActivity.actor_id == admin.id)).first() is None


def test_negative_stock_and_duplicate_skus_are_refused(session, admin):
    t = tag()
    rows = variant_rows(t)
    rows[1]["stock"] = "-3"
    with pytest.raises(AdminError) as err:
        products.save_product(session=session, actor=admin, data=product_data(t), variants=rows)
    assert err.value.field == "variants.1.stock" and "negative" in err.value.message
    rows = variant_rows(t)
    rows[1]["sku"] = rows[0]["sku"].lower()
    with pytest.raises(AdminError) as err:
        products.save_product(session=session, actor=admin, data=product_data(t), variants=rows)
    assert http_status(err.value) == 409 and err.value.field == "variants.1.sku"
    assert session.exec(select(Product).where(Product.slug == f"linen-shirt-{t}")).first() is None


def test_slug_and_sku_taken_by_another_product(session, admin):
    t = tag()
    products.save_product(session=session, actor=admin, data=product_data(t), variants=variant_rows(t))
    with pytest.raises(AdminError) as err:
        products.save_product(session=session, actor=admin, data=product_data(t, status="draft"), variants=[])
    assert http_status(err.value) == 409 and err.value.field == "slug"
    with pytest.raises(AdminError) as err:
        products.save_product(
            session=session,
            actor=admin,
            data=product_data(f"{t}x", status="draft"),
            variants=[{"sku": f"LS-{t}-M", "name": "Again", "stock": 1}],
        )
    assert http_status(err.value) == 409 and err.value.field == "variants.0.sku"
    assert session.exec(select(Product).where(Product.slug == f"linen-shirt-{t}x")).first() is None


def test_status_machine(session, admin):
    t = tag()
    form = products.save_product(session=session, actor=admin, data=product_data(t), variants=variant_rows(t))
    assert products.set_status(session=session, actor=admin, product_id=form.id, status="archived").status == "archived"
    with pytest.raises(AdminError) as err:
        products.set_status(session=session, actor=admin, product_id=form.id, status="active")
    assert http_status(err.value) == 409 and err.value.field == "status"
    assert products.set_status(session=session, actor=admin, product_id=form.id, status="draft").status == "draft"
    with pytest.raises(AdminError) as err:  # an active product needs a variant
        products.save_product(session=session, actor=admin, data=product_data(f"{t}y"), variants=[])
    assert err.value.field == "status"


def _refused(session, admin, **kwargs) -> AdminError:
    """``save_product`` refused: the error, after checking that nothing was written."""
    before = session.exec(select(sa.func.count()).select_from(AdminActivity)).one()
    with pytest.raises(AdminError) as err:
        products.save_product(session=session, actor=admin, **kwargs)
    session.rollback()
    assert session.exec(select(sa.func.count()).select_from(AdminActivity)).one() == before
    return err.value


def test_save_refuses_an_unknown_product_category_or_brand(session, admin):
    t = tag()
    err = _refused(session, admin, product_id=uuid.uuid4(), data=product_data(t), variants=variant_rows(t))
    assert http_status(err) == 404
    err = _refused(session, admin, product_id="not-a-uuid", data=product_data(t), variants=variant_rows(t))
    assert http_status(err) == 404
    for name in ("category_id", "brand_id"):
        for value in (str(uuid.uuid4()), "nope"):
            err = _refused(session, admin, data=product_data(t, **{name: value}), variants=variant_rows(t))
            assert http_status(err) == 422 and err.field == name
    assert session.exec(select(Product).where(Product.slug == f"linen-shirt-{t}")).first() is None


def test_save_refuses_rows_of_another_product_and_a_changed_stock(session, admin):
    t, u = tag(), tag()
    mine = products.save_product(session=session, actor=admin, data=product_data(t), variants=variant_rows(t))
    other = products.save_product(
        session=session,
        actor=admin,
        data=product_data(u),
        variants=variant_rows(u),
        images=[{"url": "/_upload/products/o.png"}],
    )
    kept = [v.as_row() for v in mine.variants]
    stolen = {**other.variants[0].as_row(), "sku": f"LS-{t}-X", "attributes": {"size": "XL", "color": "Navy"}}
    err = _refused(session, admin, product_id=mine.id, data=product_data(t), variants=[*kept, stolen])
    assert http_status(err) == 422 and err.field == "variants.2.id"
    changed = [{**kept[0], "stock": 9}, kept[1]]  # was 4
    err = _refused(session, admin, product_id=mine.id, data=product_data(t), variants=changed)
    assert http_status(err) == 422 and err.field == "variants.0.stock" and "adjustment" in err.message
    same = [{**kept[0], "stock": 4}, kept[1]]  # the stock it has is not a change
    products.save_product(session=session, actor=admin, product_id=mine.id, data=product_data(t), variants=same)
    err = _refused(
        session, admin, product_id=mine.id, data=product_data(t), variants=kept, images=[other.images[0].as_row()]
    )
    assert http_status(err) == 422 and err.field == "images.0.id"
    assert [i.id for i in products.get_product(session=session, product_id=other.id).images] == [other.images[0].id]


def test_save_refuses_removing_a_variant_with_stock_history(session, admin):
    t = tag()
    form = products.save_product(session=session, actor=admin, data=product_data(t), variants=variant_rows(t))
    with_stock, without = form.variants  # M came with 4 in stock (a restock row), L with none
    err = _refused(session, admin, product_id=form.id, data=product_data(t), variants=[without.as_row()])
    assert http_status(err) == 409 and err.field == "variants" and with_stock.sku in err.message
    assert [v.sku for v in products.get_product(session=session, product_id=form.id).variants] == [
        with_stock.sku,
        without.sku,
    ]
    edited = products.save_product(
        session=session, actor=admin, product_id=form.id, data=product_data(t), variants=[with_stock.as_row()]
    )
    assert [v.sku for v in edited.variants] == [with_stock.sku]
    assert session.get(Product, uuid.UUID(form.id)).inventory_quantity == 4


def test_delete_archives_an_ordered_product_and_deletes_an_unused_one(session, admin):
    ordered, variants = make_product(session)
    buyer = make_user(session)
    order = Order(
        order_number=f"T-{tag()}",
        user_id=buyer.id,
        subtotal=Decimal("20"),
        total_amount=Decimal("20"),
        shipping_address={},
        billing_address={},
    )
    session.add(order)
    session.flush()
    session.add(
        OrderItem(
            order_id=order.id,
            product_id=ordered.id,
            product_variant_id=variants[0].id,
            product_name=ordered.name,
            product_sku=variants[0].sku,
            product_snapshot={},
            quantity=1,
            unit_price=Decimal("20"),
            total_price=Decimal("20"),
        )
    )
    session.commit()
    assert products.delete_product(session=session, actor=admin, product_id=ordered.id) == "archived"
    session.refresh(ordered)
    assert ordered.status.value == "archived"

    unused, unused_variants = make_product(session)
    shopper = make_user(session)
    session.add(
        CartItem(user_id=shopper.id, product_id=unused.id, product_variant_id=unused_variants[0].id, quantity=1)
    )
    session.add(Wishlist(user_id=shopper.id, product_id=unused.id))
    session.commit()
    assert products.delete_product(session=session, actor=admin, product_id=unused.id) == "deleted"
    session.expire_all()
    assert session.get(Product, unused.id) is None
    assert session.exec(select(ProductVariant).where(ProductVariant.product_id == unused.id)).all() == []
    assert session.exec(select(ProductImage).where(ProductImage.product_id == unused.id)).all() == []


def test_add_variant_and_list_search(session, admin):
    t = tag()
    form = products.save_product(session=session, actor=admin, data=product_data(t, status="draft"), variants=[])
    view = products.add_variant(
        session=session, actor=admin, product_id=form.id, data={"sku": f"AV-{t}", "name": "One size", "stock": 3}
    )
    assert view.stock == 3
    with pytest.raises(AdminError) as err:
        products.add_variant(session=session, actor=admin, product_id=form.id, data={"sku": f"av-{t}", "name": "x"})
    assert http_status(err.value) == 409 and err.value.field == "sku"
    page = products.list_products(session=session, q=f"AV-{t}")  # a variant's SKU finds its product
    assert [r.id for r in page.items] == [form.id] and page.items[0].stock == 3
    assert products.list_products(session=session, q=t, status="active").total == 0


def test_store_upload_sniffs_the_content(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    url = products.store_upload(upload_dir=tmp_path, filename="x.png", data=png)
    assert url.startswith("/_upload/products/") and url.endswith(".png")
    assert (tmp_path / "products" / url.rsplit("/", 1)[1]).read_bytes() == png
    with pytest.raises(AdminError, match="not a PNG"):
        products.store_upload(upload_dir=tmp_path, filename="evil.png", data=b"<svg onload=alert(1)>")
    with pytest.raises(AdminError, match="over 5 MB"):
        products.store_upload(upload_dir=tmp_path, filename="big.jpg", data=b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024))
    assert len(list((tmp_path / "products").iterdir())) == 1


# --- categories and brands ------------------------------------------------------------------------


def test_categories_and_brands(session, admin):
    t = tag()
    parent = taxonomy.save_category(session=session, actor=admin, data={"name": f"Outer {t}"})
    child = taxonomy.save_category(session=session, actor=admin, data={"name": f"Coats {t}", "parent_id": parent.id})
    assert child.parent == f"Outer {t}" and child.slug == f"coats-{t}"
    with pytest.raises(AdminError) as err:  # no loops
        taxonomy.save_category(
            session=session, actor=admin, category_id=parent.id, data={"name": f"Outer {t}", "parent_id": child.id}
        )
    assert err.value.field == "parent_id"
    with pytest.raises(AdminError) as err:
        taxonomy.save_category(session=session, actor=admin, data={"name": "x", "slug": f"coats-{t}"})
    assert http_status(err.value) == 409
    brand = taxonomy.save_brand(
        session=session, actor=admin, data={"name": f"Acme {t}", "website": "https://a.example"}
    )
    hidden = taxonomy.save_brand(
        session=session, actor=admin, brand_id=brand.id, data={"name": f"Acme {t}", "is_active": False}
    )
    assert hidden.is_active is False and session.get(Brand, uuid.UUID(brand.id)).is_active is False
    with pytest.raises(AdminError) as err:
        taxonomy.save_brand(session=session, actor=admin, data={"name": f"acme {t}"})
    assert err.value.field == "name"
    assert session.get(Category, uuid.UUID(child.id)).parent_id == uuid.UUID(parent.id)
    assert len(log_rows(session, brand.id)) == 2


# --- inventory ----------------------------------------------------------------------------------


def test_adjust_writes_a_movement_and_never_goes_below_zero(session, admin):
    product, (variant,) = make_product(session, stock=(3,))
    result = inventory.adjust_stock(
        session=session, actor=admin, variant_id=variant.id, data={"quantity_change": "-2", "reason": "Damaged"}
    )
    assert result.stock == 1 and result.movement.movement_type == "adjustment"
    with pytest.raises(AdminError) as err:
        inventory.adjust_stock(
            session=session, actor=admin, variant_id=variant.id, data={"quantity_change": -2, "reason": "Lost"}
        )
    assert http_status(err.value) == 409 and "Only 1 in stock" in err.value.message
    with pytest.raises(AdminError) as err:
        inventory.adjust_stock(session=session, actor=admin, variant_id=variant.id, data={"quantity_change": 5})
    assert err.value.field == "reason"
    inventory.adjust_stock(
        session=session,
        actor=admin,
        variant_id=variant.id,
        data={"quantity_change": 10, "reason": "Delivery", "movement_type": "restock"},
    )
    session.expire_all()
    assert session.get(ProductVariant, variant.id).inventory_quantity == 11
    assert session.get(Product, product.id).inventory_quantity == 11
    history = inventory.movements(session=session, variant_id=variant.id)
    assert [(m.quantity_change, m.quantity_after, m.reason, m.by) for m in history.items] == [
        (10, 11, "Delivery", admin.email),
        (-2, 1, "Damaged", admin.email),
    ]
    assert inventory.movements(session=session, product_id=product.id, paging=Paging(2, 1)).items[0].reason == "Damaged"


def test_low_stock_report(session, admin):
    product, variants = make_product(session, stock=(0, 5, 9))
    rows = [r for r in inventory.low_stock(session=session, q=product.name, paging=Paging(1, 100)).items]
    assert [(r.sku, r.stock) for r in rows] == [(variants[0].sku, 0), (variants[1].sku, 5)]


def test_concurrent_removals_cannot_oversell(own_db):
    """Two admins remove 3 of a stock of 4 at once: one wins, the other is refused."""
    engine = own_db[1]
    with Session(engine, expire_on_commit=False) as s:
        user = make_user(s, role=UserRole.admin)
        product, (variant,) = make_product(s, stock=(4,))
    actor = Actor(id=user.id, email=user.email)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def remove() -> None:
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            try:
                inventory.adjust_stock(
                    session=s, actor=actor, variant_id=variant.id, data={"quantity_change": -3, "reason": "Race"}
                )
                outcomes.append("ok")
            except AdminError as err:
                outcomes.append(err.kind)
            except Exception as err:  # noqa: BLE001 - SQLite: "database is locked" is also a refusal
                outcomes.append(type(err).__name__)

    threads = [threading.Thread(target=remove) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    with Session(engine) as s:
        stock = s.get(ProductVariant, variant.id).inventory_quantity
        moves = s.exec(select(InventoryMovement).where(InventoryMovement.product_variant_id == variant.id)).all()
    assert outcomes.count("ok") == 1 and stock == 1 and len(moves) == 1
    assert len(outcomes) == 2 and outcomes.count("conflict") + outcomes.count("OperationalError") == 1, outcomes


# --- customers ----------------------------------------------------------------------------------


def test_customer_search_detail_and_notes(session, admin):
    t = tag()
    shopper = make_user(session, first_name="Rita", last_name=f"Q{t}", phone=fresh_phone())
    product, (variant,) = make_product(session)
    session.add(CartItem(user_id=shopper.id, product_id=product.id, product_variant_id=variant.id, quantity=2))
    session.add(Wishlist(user_id=shopper.id, product_id=product.id))
    session.add(
        Order(
            order_number=f"MQ-{t}",
            user_id=shopper.id,
            subtotal=Decimal("40"),
            total_amount=Decimal("45.99"),
            shipping_address={},
            billing_address={},
        )
    )
    session.commit()
    assert [r.id for r in customers.search_customers(session=session, q=f"rita q{t}").items] == [str(shopper.id)]
    assert str(shopper.id) in [r.id for r in customers.search_customers(session=session, q=shopper.email).items]
    assert str(shopper.id) in [r.id for r in customers.search_customers(session=session, q=shopper.phone[-7:]).items]
    detail = customers.add_note(session=session, actor=admin, user_id=shopper.id, data={"note": "Prefers e-mail"})
    assert detail.orders[0].number == f"MQ-{t}" and detail.orders[0].total == "$45.99"
    assert detail.cart[0].quantity == 2 and detail.wishlist == [product.name]
    assert detail.notes[0].body == "Prefers e-mail" and detail.notes[0].author == admin.email
    with pytest.raises(AdminError) as err:
        customers.add_note(session=session, actor=admin, user_id=shopper.id, data={"note": "  "})
    assert err.value.field == "note"
    assert len(session.exec(select(CustomerNote).where(CustomerNote.user_id == shopper.id)).all()) == 1
    with pytest.raises(AdminError) as err:
        customers.get_customer(session=session, user_id=uuid.uuid4())
    assert http_status(err.value) == 404


# --- coupons ------------------------------------------------------------------------------------


def test_coupon_create_edit_deactivate(session, admin):
    t = tag().upper()
    view = coupons.save_coupon(
        session=session,
        actor=admin,
        data={
            "code": f"sale{t}",
            "name": "Sale",
            "type": "percentage",
            "value": "15",
            "starts_at": "2026-12-01T00:00",
            "expires_at": "2026-12-31T23:59",
            "usage_limit": "100",
        },
    )
    assert view.code == f"SALE{t}" and view.value == "15.00" and view.usage_limit == "100"
    for bad, field in [
        ({"value": "101"}, "value"),
        ({"value": "-1", "type": "fixed_amount"}, "value"),
        ({"expires_at": "2026-11-01T00:00"}, "expires_at"),
        ({"usage_limit": "0"}, "usage_limit"),
        ({"type": "bogo"}, "type"),
    ]:
        with pytest.raises(AdminError) as err:
            coupons.save_coupon(
                session=session,
                actor=admin,
                coupon_id=view.id,
                data={
                    "code": f"SALE{t}",
                    "name": "Sale",
                    "type": "percentage",
                    "value": "15",
                    "starts_at": "2026-12-01T00:00",
                    **bad,
                },
            )
        assert err.value.field == field
    with pytest.raises(AdminError) as err:
        coupons.save_coupon(
            session=session, actor=admin, data={"code": f"Sale{t}", "name": "x", "type": "free_shipping"}
        )
    assert http_status(err.value) == 409 and err.value.field == "code"
    assert coupons.deactivate_coupon(session=session, actor=admin, coupon_id=view.id).is_active is False
    assert session.get(Coupon, uuid.UUID(view.id)).value == Decimal("15.00")
    assert [r.action for r in log_rows(session, view.id)] == ["coupon.create", "coupon.deactivate"]
    page = activity.list_activity(session=session, entity_type="coupon", entity_id=view.id)
    assert [r.action for r in page.items] == ["coupon.deactivate", "coupon.create"]


def test_a_user_is_not_touched_by_reads(session):
    # search by role "" lists staff too; the admin's own role is unchanged by anything here
    staff = make_user(session, role=UserRole.admin)
    found = customers.search_customers(session=session, q=staff.email, role="")
    assert [r.role for r in found.items] == ["admin"]
    assert customers.search_customers(session=session, q=staff.email).total == 0
    assert session.get(User, staff.id).role == UserRole.admin
