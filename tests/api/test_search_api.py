"""GET /api/v1/products/search and /api/v1/search/suggestions through HTTP."""

from __future__ import annotations

import random
import string
from decimal import Decimal

import pytest
from sqlmodel import Session, delete

from marque_app.models import Brand, Product, ProductStatus
from marque_app.services.search import MAX_QUERY_LENGTH


@pytest.fixture
def goods(engine):
    """Committed rows (the API has its own connections), removed afterwards."""
    # letters only: a hex tag such as "13e1b2" would give the text parser a stray "b" token
    tag = "".join(random.choices(string.ascii_lowercase, k=8))
    brand = Brand(name=f"Quillon {tag}", slug=f"quillon-{tag}")
    with Session(engine, expire_on_commit=False) as session:
        session.add(brand)
        session.flush()
        rows = [
            Product(
                name=f"Xylograph Lamp {n}",
                slug=f"xylograph-lamp-{tag}-{n}",
                sku=f"XY-{tag}-{n}",
                price=Decimal("19.90") + n,
                compare_price=Decimal("99.00") if n == 0 else None,
                brand_id=brand.id,
                description="A reading lamp.",
                status=ProductStatus.active if n < 5 else ProductStatus.draft,
                featured=n == 0,
            )
            for n in range(6)
        ]
        session.add_all(rows)
        session.commit()
    yield {"brand": brand, "products": rows}
    with Session(engine) as session:
        session.exec(delete(Product).where(Product.sku.like(f"XY-{tag}-%")))
        session.exec(delete(Brand).where(Brand.id == brand.id))
        session.commit()


def test_search_returns_a_ranked_page_with_prices_as_strings(client, goods):
    resp = client.get("/api/v1/products/search", params={"q": "xylograph", "per_page": 2})
    assert resp.status_code == 200
    body = resp.json()
    assert (body["total"], body["pages"], body["page"], body["per_page"]) == (5, 3, 1, 2)
    assert body["query"] == "xylograph" and body["did_you_mean"] == ""
    first = body["items"][0]
    assert first["name"] == "Xylograph Lamp 0"  # featured first among equals
    assert (first["price"], first["compare_price"], first["currency"]) == ("19.90", "99.00", "USD")
    assert first["url"] == f"/products/{goods['products'][0].slug}"
    last = client.get("/api/v1/products/search", params={"q": "xylograph", "page": 3, "per_page": 2})
    assert [i["name"] for i in last.json()["items"]] == ["Xylograph Lamp 4"]
    past = client.get("/api/v1/products/search", params={"q": "xylograph", "page": 50}).json()
    assert (past["items"], past["total"]) == ([], 5)


def test_search_by_brand_and_did_you_mean(client, goods):
    body = client.get("/api/v1/products/search", params={"q": goods["brand"].name}).json()
    assert body["total"] == 5
    typo = client.get("/api/v1/products/search", params={"q": "xylogarph"}).json()
    assert typo["total"] == 0
    assert typo["did_you_mean"] == "xylograph"


@pytest.mark.parametrize(
    "q",
    ["<script>alert(1)</script>", "'; DROP TABLE products; --", "😀", "!!!", "a AND NOT b*", ""],
)
def test_special_input_is_text_not_syntax(client, goods, q):
    resp = client.get("/api/v1/products/search", params={"q": q})
    assert resp.status_code == 200
    # Other tests' rows share this database, so the check is on our own rows: no operator in
    # the text took effect ("NOT b*" would have matched every lamp).
    ours = {str(p.id) for p in goods["products"]}
    assert not ours & {item["id"] for item in resp.json()["items"]}
    assert "<script>" not in resp.text.replace("\\u003c", "<") or q.startswith("<")
    assert client.get("/api/v1/search/suggestions", params={"q": q}).status_code == 200


def test_bad_parameters_are_a_422_that_does_not_echo_them(client):
    long = "<b>" + "x" * 10_000
    resp = client.get("/api/v1/products/search", params={"q": long})
    assert resp.status_code == 422
    assert resp.json()["field"] == "q" and str(MAX_QUERY_LENGTH) in resp.json()["detail"]
    assert "xxxxxxxx" not in resp.text and "<b>" not in resp.text
    for params in ({"page": "0"}, {"page": "abc<i>"}, {"per_page": "1000"}, {"page": "-1"}):
        resp = client.get("/api/v1/products/search", params={"q": "lamp", **params})
        assert resp.status_code == 422, params
        assert resp.json()["field"] in ("page", "per_page") and "<i>" not in resp.text
    assert client.get("/api/v1/search/suggestions", params={"q": long}).status_code == 422


def test_suggestions(client, goods):
    resp = client.get("/api/v1/search/suggestions", params={"q": "xylo"})
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert items and all(i["kind"] == "product" for i in items)
    assert {i["label"] for i in items} == {f"Xylograph Lamp {n}" for n in range(5)}
    assert all(i["url"].startswith("/products/") for i in items)
    brand = client.get("/api/v1/search/suggestions", params={"q": "quillon"}).json()["items"]
    assert brand[0]["kind"] == "brand" and brand[0]["url"] == f"/brands/{goods['brand'].slug}"


def test_search_is_documented_and_wins_over_the_product_route(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/products/search" in schema["paths"]
    assert "/api/v1/search/suggestions" in schema["paths"]
    assert "q" in str(schema["paths"]["/api/v1/products/search"]["get"]["parameters"])
    resp = client.get("/api/v1/products/search")
    assert resp.status_code == 200 and "items" in resp.json()
