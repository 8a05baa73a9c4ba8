"""The admin's pure rules (marque_app.domain.admin): no database, no Reflex."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC
from decimal import Decimal

import pytest

from marque_app.api.errors import http_status
from marque_app.domain import admin as rules
from marque_app.domain.admin import AdminError


def test_the_domain_module_imports_no_framework():
    code = "import sys, marque_app.domain.admin; print(any(m in sys.modules for m in ('reflex', 'sqlmodel', 'sqlalchemy')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_slugify():
    assert rules.slugify("Linen Shirt (Navy)") == "linen-shirt-navy"
    assert rules.slugify("Crème brûlée  -- Tee") == "creme-brulee-tee"
    assert rules.slugify("!!!") == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [("24", Decimal("24.00")), ("9.99", Decimal("9.99")), (12, Decimal("12.00")), (" 0 ", Decimal("0.00"))],
)
def test_money_accepts(value, expected):
    assert rules.money(value, "price", "Price") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "cannot be negative"),
        ("1.234", "more than 2 decimals"),
        ("abc", "an amount"),
        ("NaN", "an amount"),
        (True, "an amount"),
        ("", "is required"),
        ("100000000", "too large"),
    ],
)
def test_money_refuses(value, message):
    with pytest.raises(AdminError, match=message) as err:
        rules.money(value, "price", "Price")
    assert err.value.field == "price" and http_status(err.value) == 422


def test_product_rules():
    data = rules.check_product({"name": " Linen Shirt ", "price": "49", "compare_price": "60"})
    assert (data.slug, data.sku, data.status, data.price) == ("linen-shirt", "LINEN-SHIRT", "draft", Decimal("49.00"))
    for raw, field in [
        ({"name": "x", "price": "5", "compare_price": "5"}, "compare_price"),
        ({"name": "x", "price": "5", "slug": "A B"}, "slug"),
        ({"name": "x", "price": "5", "status": "live"}, "status"),
        ({"name": "", "price": "5"}, "name"),
        ({"name": "x", "price": "5", "sku": "bad sku"}, "sku"),
    ]:
        with pytest.raises(AdminError) as err:
            rules.check_product(raw)
        assert err.value.field == field


def test_variant_rules():
    rows = rules.check_variants(
        [
            {"sku": "A-1", "name": "M", "attributes": "size=M, color=Navy", "stock": "3"},
            {"sku": "A-2", "name": "L", "attributes": {"size": "L", "color": "Navy"}, "price": ""},
        ]
    )
    assert rows[0].attributes == {"size": "M", "color": "Navy"} and rows[0].stock == 3
    assert rows[1].stock is None and rows[1].price is None
    with pytest.raises(AdminError) as err:
        rules.check_variants([{"sku": "A-1", "name": "M"}, {"sku": "a-1", "name": "L"}])
    assert http_status(err.value) == 409 and err.value.field == "variants.1.sku"
    for row, field in [
        ({"sku": "A", "name": "M", "stock": "-1"}, "variants.0.stock"),
        ({"sku": "A", "name": "M", "stock": "1.5"}, "variants.0.stock"),
        ({"sku": "A", "name": "M", "attributes": "size"}, "variants.0.attributes"),
        ({"sku": "", "name": "M"}, "variants.0.sku"),
    ]:
        with pytest.raises(AdminError) as err:
            rules.check_variants([row])
        assert err.value.field == field


def test_status_machine():
    rules.check_status_move("draft", "active")
    rules.check_status_move("active", "archived")
    rules.check_status_move("archived", "draft")
    with pytest.raises(AdminError) as err:
        rules.check_status_move("archived", "active")
    assert http_status(err.value) == 409
    with pytest.raises(AdminError):
        rules.check_can_activate("active", 0)


def test_image_sniffing():
    assert rules.sniff_image(b"\x89PNG\r\n\x1a\n....") == "png"
    assert rules.sniff_image(b"\xff\xd8\xff\xe0") == "jpg"
    assert rules.sniff_image(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert rules.sniff_image(b"GIF89a") == "gif"
    assert rules.sniff_image(b"<svg") is None
    with pytest.raises(AdminError, match="over 5 MB"):
        rules.check_image_upload("x.png", b"\x89PNG\r\n\x1a\n" + b"0" * rules.MAX_IMAGE_BYTES)
    with pytest.raises(AdminError, match="not a PNG"):
        rules.check_image_upload("x.png", b"GIF8")
    with pytest.raises(AdminError, match="picture"):
        rules.check_images([{"url": "//evil.example/x.png"}])


def test_coupon_rules():
    c = rules.check_coupon(
        {
            "code": "welcome-10",
            "name": "W",
            "type": "percentage",
            "value": "10",
            "starts_at": "2026-12-01T10:00",
            "expires_at": "2026-12-02T10:00+01:00",
        }
    )
    assert c.code == "WELCOME-10" and c.starts_at.tzinfo == UTC and c.expires_at.hour == 9
    free = rules.check_coupon({"code": "FREE", "name": "F", "type": "free_shipping"})
    assert free.value == Decimal("0.00") and free.usage_limit is None
    for raw, field in [
        ({"value": "100.01"}, "value"),
        ({"value": "-1"}, "value"),
        ({"code": "a b"}, "code"),
        ({"usage_limit": "0"}, "usage_limit"),
        ({"usage_limit_per_customer": "-1"}, "usage_limit_per_customer"),
        ({"starts_at": "2026-12-02T00:00", "expires_at": "2026-12-01T00:00"}, "expires_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
    ]:
        with pytest.raises(AdminError) as err:
            rules.check_coupon({"code": "X", "name": "X", "type": "percentage", "value": "10", **raw})
        assert err.value.field == field


def test_adjustment_rules():
    a = rules.check_adjustment({"quantity_change": "+5", "reason": " Delivery "})
    assert (a.quantity_change, a.reason, a.movement_type) == (5, "Delivery", "restock")
    assert rules.check_adjustment({"quantity": -2, "reason": "Lost"}).movement_type == "adjustment"
    for raw, field in [
        ({"quantity_change": 0, "reason": "x"}, "quantity_change"),
        ({"quantity_change": "1.5", "reason": "x"}, "quantity_change"),
        ({"quantity_change": 2}, "reason"),
        ({"quantity_change": -2, "reason": "x", "movement_type": "restock"}, "quantity_change"),
        ({"quantity_change": 2, "reason": "x", "movement_type": "sale"}, "movement_type"),
    ]:
        with pytest.raises(AdminError) as err:
            rules.check_adjustment(raw)
        assert err.value.field == field


def test_paging():
    assert rules.paging() == rules.Paging(1, 20)
    assert rules.paging("3", "50").offset == 100
    with pytest.raises(AdminError):
        rules.paging("0")
    assert rules.Page([], 41, 1, 20).pages == 3
