"""The admin products list and form states, with the event handlers called directly: archiving
asks first (a dialog naming the product) and is undone from its toast back to the status it had;
an archived product can be unarchived (a draft). Every change is in the activity log."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from reflex.istate.data import ReflexURL, RouterData
from sqlmodel import Session, select

from marque_app.models import AdminActivity, Product, ProductStatus, UserRole
from marque_app.settings import get_settings
from tests.cartutil import make_product, make_user
from tests.statetest import bind_app, module_database, state_tree, token_for


@pytest.fixture(scope="module")
def own_db(tmp_path_factory) -> Iterator[tuple[str, sa.Engine]]:
    with module_database(tmp_path_factory, "admin-products-db") as db:
        yield db


@pytest.fixture
def states(own_db, monkeypatch) -> Iterator[dict]:
    bind_app(monkeypatch, *own_db)
    _, sub = state_tree()

    from marque_app.state.admin.products import AdminProductFormState, AdminProductsState
    from marque_app.state.auth import AuthState

    yield {
        "auth": sub(AuthState),
        "list": sub(AdminProductsState),
        "form": sub(AdminProductFormState),
        "List": AdminProductsState,
        "Form": AdminProductFormState,
    }
    get_settings.cache_clear()


@pytest.fixture
def db(own_db) -> Iterator[Session]:
    with Session(own_db[1], expire_on_commit=False) as session:
        yield session


def _call(handler, state, *args):
    return asyncio.run(handler.fn(state, *args))


def _at(state, url: str, **params) -> None:
    state.router = RouterData(url=ReflexURL(f"http://localhost{url}"))
    if params:
        state.router.page.params.update(params)  # type: ignore[attr-defined]


def _fresh(db) -> None:
    db.rollback()
    db.expire_all()


def _status(db, product) -> str:
    _fresh(db)
    return db.get(Product, product.id).status.value


def _log(db, entity_id) -> list[str]:
    _fresh(db)
    rows = db.exec(
        select(AdminActivity).where(AdminActivity.entity_id == str(entity_id)).order_by(AdminActivity.at)
    ).all()
    return [a.action for a in rows]


def _listed(states, product) -> None:
    _at(states["list"], f"/admin/products?q={product.slug}")
    _call(states["List"].load_products, states["list"])
    assert [p.id for p in states["list"].items] == [str(product.id)]


def test_archive_asks_first_naming_the_product_and_cancel_changes_nothing(states, db):
    cls, page = states["List"], states["list"]
    product, _ = make_product(db, "Navy Coat")
    db.commit()
    states["auth"].token = token_for(make_user(db, role=UserRole.admin))
    _listed(states, product)
    (row,) = page.items
    assert (row.status_label, row.price_text) == ("Active", "$20.00")

    _call(cls.ask_archive, page, str(product.id))
    assert (page.confirm_id, page.confirm_name) == (str(product.id), product.name)
    assert _status(db, product) == "active"  # asking changes nothing
    _call(cls.set_archive_open, page, False)  # Cancel / Escape
    assert page.confirm_id == "" and _status(db, product) == "active" and _log(db, product.id) == []


def test_archive_then_undo_restores_the_previous_status(states, db):
    cls, page = states["List"], states["list"]
    product, _ = make_product(db, "Navy Coat")
    db.commit()
    states["auth"].token = token_for(make_user(db, role=UserRole.admin))
    _listed(states, product)

    _call(cls.ask_archive, page, str(product.id))
    out = str(_call(cls.archive, page, str(product.id)))
    assert f"{product.name} archived" in out and "Undo" in out and "undo_archive" in out
    assert page.confirm_id == "" and _status(db, product) == "archived"
    _call(cls.load_products, page)
    assert page.items[0].status == "archived"

    out = str(_call(cls.undo_archive, page, str(product.id)))
    assert "active again" in out and _status(db, product) == "active"  # back on sale, not a draft
    assert "Nothing to undo" in str(_call(cls.undo_archive, page, str(product.id)))
    assert _log(db, product.id) == ["product.archived", "product.active"]


def test_a_draft_archived_by_mistake_is_undone_to_a_draft_and_unarchive_makes_a_draft(states, db):
    cls, page = states["List"], states["list"]
    draft, _ = make_product(db, "Linen Shirt", status=ProductStatus.draft)
    old, _ = make_product(db, "Old Scarf", status=ProductStatus.archived)
    db.commit()
    states["auth"].token = token_for(make_user(db, role=UserRole.admin))
    _listed(states, draft)
    _call(cls.archive, page, str(draft.id))
    _call(cls.undo_archive, page, str(draft.id))
    assert _status(db, draft) == "draft"

    _listed(states, old)
    _call(cls.ask_archive, page, str(old.id))
    assert page.confirm_id == ""  # already archived: no dialog
    assert "is a draft again" in str(_call(cls.unarchive, page, str(old.id)))
    assert _status(db, old) == "draft"
    # no undo was recorded for it in this tab: nothing is forced back to active
    assert "Nothing to undo" in str(_call(cls.undo_archive, page, str(old.id)))


@pytest.mark.parametrize("who", ["guest", "customer"])
def test_non_admins_cannot_archive_or_undo(states, db, who):
    cls, page = states["List"], states["list"]
    product, _ = make_product(db, "Navy Coat")
    db.commit()
    states["auth"].token = "" if who == "guest" else token_for(make_user(db, role=UserRole.customer))
    for handler in (cls.ask_archive, cls.archive, cls.undo_archive, cls.unarchive):
        _call(handler, page, str(product.id))
    assert _status(db, product) == "active" and _log(db, product.id) == []


def _product_form(**over) -> dict:
    form = {"name": "", "slug": "", "sku": "", "price": "45.00", "status": "draft", "low_stock_threshold": "5"}
    form.update(over)
    return form


def test_a_form_error_goes_as_the_field_is_corrected(states, db):
    """ "Name is required" stays no longer than the name is missing: the field in error rechecks
    its own rule on change; a change to another field leaves the error alone."""
    cls, form = states["Form"], states["form"]
    states["auth"].token = token_for(make_user(db, role=UserRole.admin))
    _at(form, "/admin/products/new")
    _call(cls.load_form, form)
    out = _call(cls.save, form, _product_form(**{"variants.0.sku": "NEW-1", "variants.0.name": "One"}))
    assert "Name is required" in str(out)
    assert (form.error, form.error_field) == ("Name is required", "name")

    _call(cls.recheck, form, "price", "oops")  # not the field in error: nothing moves
    assert (form.error, form.error_field) == ("Name is required", "name")
    _call(cls.recheck, form, "name", "   ")  # still empty
    assert form.error == "Name is required"
    _call(cls.recheck, form, "name", "Navy Coat")
    assert (form.error, form.error_field) == ("", "")

    # a variant row's field the same way, and the words follow what is typed
    _call(cls.save, form, _product_form(name="Navy Coat", **{"variants.0.sku": "bad sku", "variants.0.name": "One"}))
    assert form.error_field == "variants.0.sku" and "SKU may hold" in form.error
    _call(cls.recheck, form, "variants.0.sku", "")
    assert form.error == "SKU is required"
    _call(cls.recheck, form, "variants.0.sku", "COAT-1")
    assert (form.error, form.error_field) == ("", "")


def test_the_coupon_form_clears_its_error_the_same_way(states, db):
    from marque_app.state.admin.others import AdminCouponsState
    from marque_app.state.auth import AuthState

    _, sub = state_tree()
    coupons = sub(AdminCouponsState)
    auth = sub(AuthState)
    auth.token = token_for(make_user(db, role=UserRole.admin))
    _at(coupons, "/admin/coupons")
    _call(AdminCouponsState.save, coupons, {"code": "bad code!", "name": "Ten", "type": "percentage", "value": "10"})
    assert coupons.error_field == "code"
    _call(AdminCouponsState.recheck, coupons, "code", "TEN")
    assert (coupons.error, coupons.error_field) == ("", "")


def test_the_variant_editor_has_one_input_per_option_and_the_domain_checks_them(states, db):
    """Options are fields, not "size=M, color=Navy" text: the form shows the options the product
    uses, adds one (Colour -> Fit), refuses one it has, and a row missing a value is refused with
    the field marked until it is filled."""
    from marque_app.models import ProductVariant

    cls, form = states["Form"], states["form"]
    product, variants = make_product(db, "Chino", stock=(2, 3))
    db.commit()
    states["auth"].token = token_for(make_user(db, role=UserRole.admin))
    _at(form, f"/admin/products/{product.id}", admin_product=str(product.id))
    _call(cls.load_form, form)
    assert form.option_names == ["size", "color"]
    assert [r.options for r in form.variants] == [{"size": "S", "color": "Navy"}, {"size": "M", "color": "Navy"}]

    _call(cls.add_option, form, {"option": " SIZE "})
    assert form.option_error == "The variants already have SIZE" and form.option_names == ["size", "color"]
    _call(cls.add_option, form, {"option": "Fit"})
    assert form.option_names == ["size", "color", "Fit"] and form.option_error == ""

    base = {
        "name": product.name,
        "slug": product.slug,
        "sku": product.sku,
        "price": "20.00",
        "status": "active",
        "low_stock_threshold": "5",
    }
    rows = {}
    for i, v in enumerate(variants):
        rows |= {f"variants.{i}.sku": v.sku, f"variants.{i}.name": v.name, f"variants.{i}.price": ""}
        rows |= {f"variants.{i}.attributes.size": v.attributes["size"], f"variants.{i}.attributes.color": "Navy"}
    rows["variants.0.attributes.Fit"] = "Slim"
    _call(cls.save, form, {**base, **rows})  # row 1 has no Fit
    assert (form.error_field, form.error) == ("variants.1.attributes.Fit", "Give this variant's Fit")
    _call(cls.recheck, form, "variants.1.attributes.Fit", "Regular")
    assert form.error_field == ""

    rows["variants.1.attributes.Fit"] = "Slim"
    rows["variants.1.attributes.size"] = "S"  # now the same as row 0
    _call(cls.save, form, {**base, **rows})
    assert form.error == "Two variants are both size S, color Navy, Fit Slim"

    rows["variants.1.attributes.size"] = "M"
    assert "Product saved" in str(_call(cls.save, form, {**base, **rows}))
    _fresh(db)
    saved = [db.get(ProductVariant, v.id).attributes for v in variants]
    assert saved == [{"size": "S", "color": "Navy", "Fit": "Slim"}, {"size": "M", "color": "Navy", "Fit": "Slim"}]
    assert form.option_names == ["size", "color", "Fit"]

    _call(cls.remove_option, form, "Fit")
    for i in range(2):
        rows.pop(f"variants.{i}.attributes.Fit")  # the inputs are gone with the column
    _call(cls.save, form, {**base, **rows})
    _fresh(db)
    assert [db.get(ProductVariant, v.id).attributes for v in variants] == [
        {"size": "S", "color": "Navy"},
        {"size": "M", "color": "Navy"},
    ]
