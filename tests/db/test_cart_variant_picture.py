"""A cart line shows the picture of its variant's colour (issue 15: Sage chosen, Sky shown).

The user's cart, the priced guest cart and the guest op's server check all choose it with the
one rule of :mod:`marque_app.domain.colours` (the product page's gallery uses it too).
"""

from __future__ import annotations

from marque_app.domain.cart import CartOp, GuestLine
from marque_app.models import ProductImage
from marque_app.services import cart
from tests.cartutil import make_product, make_user


def _two_colour_product(session):
    """A product pictured in Sky (first), Sage and Sand, sold in Sage and Sky, and a third SKU
    in a colour that has no picture (Rust)."""
    product, variants = make_product(session, stock=(5, 5, 5), image=False)
    for variant, colour in zip(variants, ("Sage", "Sky", "Rust"), strict=True):
        variant.attributes = {"size": "M", "color": colour}
        session.add(variant)
    for order, colour in enumerate(("Sky", "Sage", "Sand")):
        session.add(
            ProductImage(
                product_id=product.id,
                url=f"/img/{product.slug}-{colour.lower()}.svg",
                alt_text=f"{product.name} in {colour}",
                sort_order=order,
            )
        )
    session.commit()
    return product, variants


def _picture(product, colour: str) -> str:
    return f"/img/{product.slug}-{colour.lower()}.svg"


def test_a_users_cart_line_shows_its_colours_picture(session):
    user = make_user(session)
    product, (sage, sky, rust) = _two_colour_product(session)
    cart.add_item(session=session, user_id=user.id, sku_id=str(sage.id), quantity=1)
    cart.add_item(session=session, user_id=user.id, sku_id=str(sky.id), quantity=1)
    view = cart.add_item(session=session, user_id=user.id, sku_id=str(rust.id), quantity=1)
    pictures = {line.variant_label: line.image_url for line in view.items}
    assert pictures == {
        "M / Sage": _picture(product, "Sage"),
        "M / Sky": _picture(product, "Sky"),
        "M / Rust": _picture(product, "Sky"),  # no Rust picture: the product's first
    }
    assert [line.image_url for line in cart.get_cart(session=session, user_id=user.id).items] == [
        _picture(product, "Sage"),
        _picture(product, "Sky"),
        _picture(product, "Sky"),
    ]


def test_a_guest_cart_is_priced_with_each_colours_picture(session):
    product, (sage, sky, _) = _two_colour_product(session)
    # the browser kept another picture for the Sage line (the one it showed): the catalog decides
    lines = [
        GuestLine(sku_id=str(sage.id), quantity=1, image=_picture(product, "Sky")),
        GuestLine(sku_id=str(sky.id), quantity=2),
    ]
    view, kept = cart.price_guest_cart(session=session, lines=lines)
    assert [line.image_url for line in view.items] == [_picture(product, "Sage"), _picture(product, "Sky")]
    assert [line.image for line in kept] == [_picture(product, "Sage"), _picture(product, "Sky")]


def test_the_guest_ops_server_check_answers_with_the_colours_picture(session):
    product, (sage, sky, _) = _two_colour_product(session)
    _, priced = cart.check_guest_op(session=session, lines=[], op=CartOp(type="add", sku_id=str(sage.id), quantity=1))
    assert priced is not None and priced.image_url == _picture(product, "Sage")
    _, priced = cart.check_guest_op(session=session, lines=[], op=CartOp(type="add", sku_id=str(sky.id), quantity=1))
    assert priced is not None and priced.image_url == _picture(product, "Sky")


def test_a_variant_without_a_colour_shows_the_first_picture(session):
    user = make_user(session)
    product, (variant,) = make_product(session, stock=(5,))
    variant.attributes = {"size": "One size"}
    session.add(variant)
    session.commit()
    view = cart.add_item(session=session, user_id=user.id, sku_id=str(variant.id), quantity=1)
    assert view.items[0].image_url.startswith("/img/")
