"""The admin product form's schema is one family (``views.admin_products``): the REST API's
bodies, the form's state, the service's answer and the domain's checked input use its names."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

from marque_app.api.admin_bodies import ImageIn, NewVariantIn, ProductIn, VariantRowIn
from marque_app.domain.admin import ImageInput, ProductInput, VariantInput
from marque_app.state.admin.products import AdminProductFormState, ImageRow, VariantRow
from marque_app.views.admin_products import (
    ImageFields,
    ImageView,
    ProductFields,
    ProductForm,
    VariantFields,
    VariantView,
    field_names,
)


def test_the_api_bodies_are_the_form_fields():
    assert list(ProductIn.model_fields) == [*field_names(ProductFields), "variants", "images"]
    assert set(NewVariantIn.model_fields) == {*field_names(VariantFields), "stock", "inventory_quantity"}
    assert set(VariantRowIn.model_fields) == {*NewVariantIn.model_fields, "id"}
    assert set(ImageIn.model_fields) == {*field_names(ImageFields), "id"}
    # every field documented in the OpenAPI document
    schema = ProductIn.model_json_schema()
    assert all(schema["properties"][name].get("description") for name in field_names(ProductFields))


def test_the_domain_checks_exactly_the_form_fields():
    assert field_names(ProductInput) == field_names(ProductFields)
    assert set(field_names(VariantInput)) == {*field_names(VariantFields), "id", "stock"}
    assert set(field_names(ImageInput)) == {*field_names(ImageFields), "id"}


def test_the_state_holds_every_form_field():
    state_vars = set(AdminProductFormState.base_vars)
    assert set(field_names(ProductFields)) <= state_vars
    assert set(field_names(VariantFields)) | {"id", "stock"} <= set(field_names(VariantRow))
    assert set(field_names(ImageFields)) | {"id"} <= set(field_names(ImageRow))


def test_the_answer_extends_the_fields():
    assert issubclass(ProductForm, ProductFields) and issubclass(VariantView, VariantFields)
    assert issubclass(ImageView, ImageFields)
    extra = set(field_names(ProductForm)) - set(field_names(ProductFields))
    assert extra == {"id", "variants", "images", "has_orders"}


def test_the_state_reads_the_product_fields_from_a_submitted_form():
    form = {f.name: "x" for f in dataclasses.fields(ProductFields)} | {
        "featured": "on",
        "variants.0.sku": "S",
        "stray": "dropped",
    }
    data = AdminProductFormState._product(form)
    assert set(data) == set(field_names(ProductFields)) and data["featured"] is True
    assert AdminProductFormState._product({"name": "N"}) == {"name": "N", "featured": False}


def test_a_kept_variant_row_carries_no_stock():
    row = VariantView(id="v1", sku="S-1", name="M", attributes="size=M", price="", stock=4).as_row()
    assert row == {"id": "v1", "sku": "S-1", "name": "M", "attributes": "size=M", "price": ""}
    assert ImageView(id="i1", url="/_upload/products/a.png", alt_text="front").as_row() == {
        "id": "i1",
        "url": "/_upload/products/a.png",
        "alt_text": "front",
    }


def test_the_views_module_loads_no_sqlmodel():
    code = (
        "import sys, marque_app.views.admin_products; "
        "assert 'sqlmodel' not in sys.modules and 'reflex' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
