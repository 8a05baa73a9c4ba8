"""A link that looks like a button: one ``<a>`` element, so one tab stop and a link's role.

``rx.link(rx.button(...))`` put a ``<button>`` inside an ``<a>``: two tab stops for one control
and an interactive element nested in another (axe's ``nested-interactive``). Here the Radix
button's look is given to the router link itself (``asChild``).
"""

from __future__ import annotations

import reflex as rx
from reflex.components.react_router.dom import ReactRouterLink

# These belong on the link element; every other keyword is the button's (variant, size, width...).
_LINK_PROPS = {"data_testid", "on_click", "rel", "aria_label", "aria_current", "target", "id", "custom_attrs"}


def button_link(*children: rx.Component | rx.Var | str, href: rx.Var | str, **props) -> rx.Component:
    """``children`` as a link to ``href`` drawn as ``rx.button(**props)``."""
    link_props = {key: props.pop(key) for key in list(props) if key in _LINK_PROPS}
    return rx.button(ReactRouterLink.create(*children, to=href, **link_props), as_child=True, **props)
