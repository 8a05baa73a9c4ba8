"""Services behind the shopper defects of issue 15, item 5: the wishlist's variants for its
"Move to cart" chooser, the confirmation's "what was sent", the tracking number's carrier page,
and the address book's country and region lists."""

from __future__ import annotations

import pytest

from marque_app.domain.auth import InvalidInput
from marque_app.domain.cart import GuestLine, move_needs_choice
from marque_app.services import addresses, checkout, orders, wishlist
from marque_app.services.auth import CapturingEmailSender, CapturingSmsSender
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart
from tests.phones import fresh_phone


def test_the_wishlist_lists_every_variant_with_its_stock(session):
    user = make_user(session)
    product, (gone, few, many) = make_product(session, stock=(0, 2, 40))
    single, (only,) = make_product(session, stock=(5,))
    wishlist.add_to_wishlist(session=session, user_id=user.id, product_id=str(product.id))
    view = wishlist.add_to_wishlist(session=session, user_id=user.id, product_id=str(single.id))
    by_id = {item.product_id: item for item in view.items}
    several = by_id[str(product.id)]
    assert [(v.sku_id, v.label, v.is_sold_out) for v in several.variants] == [
        (str(gone.id), "S / Navy", True),
        (str(few.id), "M / Navy", False),
        (str(many.id), "L / Navy", False),
    ]
    assert several.variants[0].stock_label == "Sold out" and several.variants[2].stock_label == "In stock"
    assert several.default_sku_id == str(few.id)  # the API's default stays the first in stock
    assert move_needs_choice(len(several.variants)) and not move_needs_choice(len(by_id[str(single.id)].variants))
    assert not move_needs_choice(len(several.variants), sku_id=str(many.id))

    # the variant chosen is the one moved, not the default
    cart, wished = wishlist.move_to_cart(
        session=session, user_id=user.id, product_id=str(product.id), sku_id=str(many.id)
    )
    assert [line.sku_id for line in cart.items] == [str(many.id)]
    assert [item.product_id for item in wished.items] == [str(single.id)]


def test_the_confirmation_knows_what_was_sent(session):
    _, (sku,) = make_product(session, stock=(9,))
    lines = [GuestLine(sku_id=str(sku.id), quantity=1)]
    mailer, sms = CapturingEmailSender(), CapturingSmsSender()

    guest = checkout.place_order(
        session=session,
        guest_email="ann@example.com",
        guest_lines=lines,
        shipping_address=address(),
        sms=sms,
        mailer=mailer,
    )
    assert (guest.sent_channel, guest.sent_to) == ("email", "ann@example.com")
    assert mailer.sent and mailer.sent[-1][0] == "ann@example.com" and not sms.sent

    phone = fresh_phone()
    user = make_user(session, phone=phone)
    fill_cart(session, user, [sku])
    texted = checkout.place_order(session=session, user_id=user.id, shipping_address=address(), sms=sms, mailer=mailer)
    assert (texted.sent_channel, texted.sent_to) == ("sms", phone) and sms.sent[-1][0] == phone

    nobody = checkout.place_order(
        session=session, guest_email="bo@example.com", guest_lines=lines, shipping_address=address()
    )
    assert (nobody.sent_channel, nobody.sent_to) == ("none", "")
    # the checkout page's and the API's way in (place, then pay) keeps what the placement sent
    fill_cart(session, user, [sku])
    paid = checkout.place_and_pay(session=session, user_id=user.id, shipping_address=address(), sms=sms, mailer=mailer)
    assert (paid.order.sent_channel, paid.order.sent_to) == ("sms", phone)
    # the order keeps it: a later read (a reload of the confirmation, the order page) knows
    again = orders.get_order(session=session, user_id=user.id, order_ref=texted.order_number)
    assert (again.sent_channel, again.sent_to) == ("sms", phone)
    later = orders.get_order(session=session, user_id=user.id, order_ref=paid.order.order_number)
    assert (later.sent_channel, later.sent_to) == ("sms", phone)
    by_guest = orders.get_guest_order(session=session, order_ref=guest.order_number, email="ann@example.com")
    assert (by_guest.sent_channel, by_guest.sent_to) == ("email", "ann@example.com")
    assert by_guest.timeline[0].note == "Order placed. Confirmation e-mailed to ann@example.com"
    # placed without senders (a script, the demo history): nothing was tried, nothing is claimed
    unknown = orders.get_guest_order(session=session, order_ref=nobody.order_number, email="bo@example.com")
    assert (unknown.sent_channel, unknown.sent_to) == ("", "") and unknown.timeline[0].note == "Order placed"


class _DownSms(CapturingSmsSender):
    def send(self, to: str, text: str) -> None:
        raise ConnectionError("the SMS provider is down")


def test_what_was_sent_survives_a_retry_and_a_failed_send_is_kept_as_nothing_sent(session):
    _, (sku,) = make_product(session, stock=(9,))
    phone = fresh_phone()
    user = make_user(session, phone=phone)
    fill_cart(session, user, [sku])
    kwargs = {"user_id": user.id, "shipping_address": address(), "idempotency_key": "sent-once"}
    failed = checkout.place_order(session=session, sms=_DownSms(), mailer=None, **kwargs)
    assert (failed.sent_channel, failed.sent_to) == ("none", "")
    retried = checkout.place_order(session=session, sms=CapturingSmsSender(), mailer=None, **kwargs)
    assert retried.id == failed.id and (retried.sent_channel, retried.sent_to) == ("none", "")
    read = orders.get_order(session=session, user_id=user.id, order_ref=failed.order_number)
    assert (read.sent_channel, read.sent_to) == ("none", "")
    assert read.timeline[0].note == "Order placed. No confirmation message was sent"


def test_an_order_links_its_tracking_number_to_the_carrier(session):
    user = make_user(session)
    _, (sku,) = make_product(session, stock=(9,))
    fill_cart(session, user, [sku])
    placed = checkout.place_order(session=session, user_id=user.id, shipping_address=address())
    assert placed.tracking_url == ""
    for status in ("processing", "shipped"):
        orders.change_status(
            session=session,
            order_id=placed.id,
            to_status=status,
            tracking_number="1ZA81B620312345678" if status == "shipped" else None,
        )
    shipped = orders.get_order(session=session, user_id=user.id, order_ref=placed.order_number)
    assert shipped.tracking_carrier == "UPS"
    assert shipped.tracking_url == "https://www.ups.com/track?tracknum=1ZA81B620312345678"
    track = orders.tracking(session=session, user_id=user.id, order_ref=placed.order_number)
    assert track.tracking_url == shipped.tracking_url


@pytest.mark.parametrize(
    ("country", "state", "kept"),
    [("US", "IL", "IL"), ("US", "illinois", "IL"), ("CA", "Ontario", "ON"), ("FR", "Île-de-France", "Île-de-France")],
)
def test_an_address_names_a_region_of_its_countrys_list(country, state, kept):
    data = {**address(), "country": country, "state": state}
    assert addresses.address_problems(data) == {}
    assert addresses.clean_address(data)["state"] == kept


def test_an_unknown_country_or_region_is_refused():
    assert addresses.address_problems({**address(), "country": "ZZ"}) == {"country": "Choose a country from the list"}
    assert addresses.address_problems({**address(), "state": "Narnia"}) == {
        "state": "Choose a state or region from the list"
    }
    with pytest.raises(InvalidInput) as err:
        addresses.clean_address({**address(), "country": "CA", "state": "IL"})
    assert err.value.field == "state"
    assert ("US", "United States") in addresses.COUNTRIES and len(addresses.COUNTRIES) > 200
    assert ("IL", "Illinois") in addresses.REGIONS["US"] and ("ON", "Ontario") in addresses.REGIONS["CA"]
