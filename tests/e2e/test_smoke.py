"""Smoke test: the production build is served, hydrates over the websocket, shows the store."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_home_page_hydrates_and_shows_the_store(goto, base_url):
    page = goto("/")

    expect(page).to_have_title(re.compile(r"\S"))
    heading = page.get_by_role("heading").first
    expect(heading).to_be_visible()
    expect(page.locator("body")).to_contain_text("Marque")


def test_backend_is_served_on_the_same_port(page, base_url):
    response = page.request.get(f"{base_url}/ping")
    assert response.ok, response.status
    assert response.json() == "pong"


def test_health_reports_the_database_and_the_configured_redis(page, base_url):
    import os

    response = page.request.get(f"{base_url}/_health")
    assert response.ok, response.status
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True and body["database"]["revision"]
    if os.environ.get("REFLEX_REDIS_URL"):
        assert body["redis"]["ok"] is True
    else:
        assert body["redis"] == "not configured"


def test_rest_api_schema_is_served_by_the_same_process(page, base_url):
    response = page.request.get(f"{base_url}/api/v1/openapi.json")
    assert response.ok, response.status
    assert response.json()["info"]["title"] == "Marque API"
