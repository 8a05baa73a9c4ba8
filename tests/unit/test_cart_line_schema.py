"""The cart line is one family (``views.cart``): the services' line, the REST API's answer and
the page's line share their fields, and components read the view types without SQLModel."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict, fields
from pathlib import Path

import pytest

from marque_app.api.cart import CartLineOut
from marque_app.api.schemas import model_of
from marque_app.services import cart as cart_service
from marque_app.views.cart import CartLine, CartLineBase, CartView, LineView


def names(cls) -> list[str]:
    return [f.name for f in fields(cls)]


def test_the_api_answer_is_the_service_line():
    assert list(CartLineOut.model_fields) == names(CartLine)
    assert len(CartLineOut.model_fields) == 14
    assert all(f.is_required() for f in CartLineOut.model_fields.values())
    line = CartLine(id="1", sku_id="s", product_id="p", name="Shirt", quantity=2, available=5, line_total="48.00")
    assert CartLineOut.model_validate(asdict(line)).model_dump() == asdict(line)


def test_the_page_line_and_the_service_line_share_a_base():
    assert issubclass(CartLine, CartLineBase) and issubclass(LineView, CartLineBase)
    base = set(names(CartLineBase))
    assert base <= set(names(CartLine)) and base <= set(names(LineView))
    assert cart_service.CartLine is CartLine and cart_service.CartView.__module__ == "marque_app.views.cart"


def test_a_misspelt_doc_field_fails_at_import():
    with pytest.raises(TypeError, match="availble"):
        model_of(CartLine, "Broken", {"availble": {"description": "typo"}})


def test_components_load_the_cart_views_without_sqlmodel():
    code = (
        "import sys, marque_app.views.cart; "
        "assert 'sqlmodel' not in sys.modules and 'sqlalchemy' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    source = (Path(__file__).resolve().parents[2] / "marque_app/components/cart.py").read_text(encoding="utf-8")
    assert "from marque_app.views.cart import LineView" in source


def test_the_cart_answer_is_asdict_without_the_deep_copy():
    lines = [
        CartLine(
            id=str(i), sku_id=f"s{i}", name="Shirt", quantity=i, available=5, line_total="1.00", is_sold_out=i == 2
        )
        for i in range(1, 4)
    ]
    view = CartView(items=lines, total_items=6, subtotal="3.00", messages=["Price went up"])
    body = view.as_dict()
    assert body == asdict(view) and list(body) == list(asdict(view))
    assert list(body["items"][0]) == names(CartLine)
    body["items"][0]["quantity"] = 50
    body["messages"].append("x")
    assert view.items[0].quantity == 1 and view.messages == ["Price went up"]  # a copy, not the view's own
