"""The pure helpers of the checkout and orders pages (state/checkout.py, state/orders.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from marque_app.services.checkout import CouponInfo, Quote, QuoteLine, ShippingOption
from marque_app.services.orders import OrderDetail, OrderLineView, TimelineEntry
from marque_app.state.checkout import (
    NO_ERRORS,
    address_errors,
    address_from_form,
    address_lines,
    email_error,
    field_key,
    quote_view,
)
from marque_app.state.orders import OrderLineView as PageLine
from marque_app.state.orders import order_view, return_items, timeline_view

FULL = {
    "ship_first_name": " Ada ",
    "ship_last_name": "Lovelace",
    "ship_address_line_1": "12 Row",
    "ship_city": "Springfield",
    "ship_state": "IL",
    "ship_postal_code": "62701",
    "ship_country": "us",
}


def test_a_complete_address_is_trimmed_and_has_no_errors():
    data = address_from_form(FULL, "ship")
    assert data["first_name"] == "Ada" and data["country"] == "US" and data["address_line_2"] == ""
    assert address_errors(data, "ship") == {}


def test_every_missing_field_is_named_under_its_own_key():
    form = {**FULL, "ship_city": "  ", "ship_postal_code": ""}
    errors = address_errors(address_from_form(form, "ship"), "ship")
    assert errors == {"ship_city": "City is required", "ship_postal_code": "Postal code is required"}
    assert set(errors) <= set(NO_ERRORS)


def test_a_bad_country_and_a_too_long_field_are_refused():
    form = {**FULL, "ship_country": "USA", "ship_state": "x" * 101}
    errors = address_errors(address_from_form(form, "ship"), "ship")
    assert errors["ship_country"] == "Choose a country from the list"
    assert errors["ship_state"] == "State or region is at most 100 characters"


def test_missing_country_defaults_to_us():
    assert address_from_form({**FULL, "ship_country": ""}, "ship")["country"] == "US"


def test_email_errors():
    assert email_error("") and email_error("no-at-sign") and email_error("a@b")
    assert email_error("ada@example.com") == ""


def test_service_fields_map_to_the_page_keys():
    assert field_key("shipping_address.city") == "ship_city"
    assert field_key("billing_address.postal_code") == "bill_postal_code"
    assert field_key("shipping_address.unknown") == "ship_address"
    assert field_key("guest_email") == "email"
    assert field_key("lines") == "" and field_key("") == ""


def _line(**kw) -> QuoteLine:
    base = dict(
        sku_id="s1",
        product_id="p1",
        product_slug="tee",
        name="Tee",
        variant_label="M",
        sku="T-1",
        image_url="",
        quantity=2,
        unit_price=Decimal("20.00"),
        line_total=Decimal("40.00"),
        available=10,
    )
    return QuoteLine(**{**base, **kw})


def test_the_quote_is_shown_formatted_with_the_exact_total_kept():
    quote = Quote(
        lines=[_line()],
        subtotal=Decimal("40.00"),
        discount=Decimal("4.00"),
        shipping=Decimal("5.99"),
        tax=Decimal("2.88"),
        total=Decimal("44.87"),
        shipping_methods=[ShippingOption("standard", "Standard", "3-5 days", Decimal("5.99"), True)],
        coupon=CouponInfo("SAVE10", "percentage", "Ten", Decimal("4.00"), False, "SAVE10: -$4.00"),
        item_count=2,
        can_place=True,
    )
    view = quote_view(quote)
    assert (view.subtotal, view.discount, view.shipping, view.tax, view.total) == (
        "$40.00",
        "$4.00",
        "$5.99",
        "$2.88",
        "$44.87",
    )
    assert view.total_amount == "44.87" and view.has_discount
    assert view.lines[0].line_total == "$40.00" and not view.lines[0].is_sold_out
    free = quote_view(Quote(lines=[_line(is_short=True)], total=Decimal("1")))
    assert free.shipping == "Free" and free.lines[0].is_sold_out and not free.has_discount


def test_address_lines():
    assert address_lines(
        {
            "first_name": "Ada",
            "last_name": "L",
            "address_line_1": "12 Row",
            "city": "Springfield",
            "state": "IL",
            "postal_code": "62701",
            "country": "US",
        }
    ) == ["Ada L", "12 Row", "62701 Springfield, IL US"]


T0 = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def test_the_timeline_marks_done_current_and_coming_steps():
    steps = timeline_view(
        "processing", [TimelineEntry("pending", "Order placed", T0), TimelineEntry("processing", "Processing", T0)]
    )
    assert [(s.label, s.state) for s in steps] == [
        ("Order placed", "done"),
        ("Processing", "current"),
        ("Shipped", "todo"),
        ("Delivered", "todo"),
    ]
    assert steps[0].date == "Nov 21, 2026 09:30 UTC" and steps[2].date == ""


def test_a_cancelled_order_stops_where_it_was_cancelled():
    steps = timeline_view(
        "cancelled", [TimelineEntry("pending", "Order placed", T0), TimelineEntry("cancelled", "Cancelled", T0)]
    )
    assert [(s.label, s.state) for s in steps] == [("Order placed", "done"), ("Cancelled", "stopped")]


def _detail(**kw) -> OrderDetail:
    line = OrderLineView(
        "i1", "s1", "p1", "tee", "Tee", "M", "T-1", "", 3, Decimal("10.00"), Decimal("30.00"), returned_quantity=1
    )
    base = dict(
        id="o1",
        order_number="MQ-ABCDEF",
        created_at=T0,
        updated_at=T0,
        status="delivered",
        status_label="Delivered",
        payment_status="paid",
        payment_method="cod",
        lines=[line],
        subtotal=Decimal("30.00"),
        discount=Decimal("0.00"),
        shipping=Decimal("0.00"),
        tax=Decimal("2.40"),
        total=Decimal("32.40"),
        currency="USD",
        coupon_code="",
        shipping_address={"first_name": "Ada", "last_name": "L", "city": "X", "phone": None},
        billing_address={},
        shipping_method="standard",
        tracking_number="1Z999",
        shipped_at=T0,
        delivered_at=T0,
        cancelled_at=None,
        email="a@example.com",
        can_return=True,
    )
    return OrderDetail(**{**base, **kw})


def test_an_order_view_offers_only_what_is_left_to_return():
    view = order_view(_detail())
    assert view.lines[0].returnable == 2 and view.lines[0].return_options == ["0", "1", "2"]
    assert view.can_return and view.total == "$32.40" and view.tracking_number == "1Z999"
    assert view.shipping_address["phone"] == "" and view.shipping_address["city"] == "X"
    assert not order_view(_detail(can_return=False)).can_return


def test_return_items_reads_the_form_and_caps_quantities():
    lines = [PageLine(id="i1", returnable=2), PageLine(id="i2", returnable=1)]
    form = {"qty_i1": "5", "reason_i1": "damaged", "qty_i2": "0", "reason_i2": "other"}
    assert return_items(form, lines) == [("i1", 2, "damaged")]
    assert return_items({"qty_i1": "1", "reason_i1": "<script>"}, lines) == [("i1", 1, "other")]
    assert return_items({"qty_i1": "x"}, lines) == []
