"""Cart operations as event arguments: ``CartState.apply(op_arg(type="add", sku_id=...))``.

``op_arg`` compiles to ``window.marqueCart.prepare({...})`` (``assets/cart_ops.js``), which gives
each operation a client-made id when it is clicked, so the backend applies it exactly once.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars.function import FunctionStringVar

CART_OPS_SCRIPT = "/cart_ops.js"
OP_TYPES = (
    "add",
    "set",
    "remove",
    "clear",
    "wish_add",
    "wish_remove",
    "wish_clear",
    "move_to_cart",
)


def cart_ops_script() -> rx.Component:
    """The ``<script>`` that defines ``window.marqueCart`` (for the app's head components)."""
    return rx.script(src=CART_OPS_SCRIPT)


def op_arg(**fields: Any) -> rx.Var:
    """The JS expression that builds an op with a fresh id when the event fires.

    ``fields`` are Python values or Vars (``sku_id=ProductState.selected_variant.id``);
    ``type`` must be one of :data:`OP_TYPES` (or a Var that gives one).
    """
    op_type = fields.get("type")
    if not isinstance(op_type, rx.Var) and op_type not in OP_TYPES:
        raise ValueError(f"unknown cart op type {op_type!r}")
    prepare = FunctionStringVar.create("window.marqueCart.prepare")
    return prepare.call(rx.Var.create(fields)).to(dict)
