"""Behind nginx (MARQUE_TRUSTED_PROXY_HOPS=1) the limits key on the shopper's address from
X-Forwarded-For; without a trusted proxy (the default) a forged header changes nothing."""

from __future__ import annotations

import uuid

from tests.api.test_auth_api import make_client  # noqa: F401 - the fixture

API = "/api/v1/auth"


def _email() -> str:
    return f"proxy-{uuid.uuid4().hex[:10]}@example.com"


def _fail_login(client, xff: str | None) -> int:
    headers = {"X-Forwarded-For": xff} if xff else {}
    body = {"email": _email(), "password": "Wrong#000"}
    return client.post(f"{API}/login", json=body, headers=headers).status_code


def test_behind_nginx_each_shopper_has_its_own_login_budget(make_client):
    client = make_client(MARQUE_TRUSTED_PROXY_HOPS="1")
    # one shopper (203.0.113.5) uses up the per-address budget of log-in tries ...
    assert [_fail_login(client, "203.0.113.5") for _ in range(5)] == [401] * 5
    assert _fail_login(client, "203.0.113.5") == 429
    # ... which does not lock out the other shoppers, who all reach the app from nginx's address
    assert _fail_login(client, "203.0.113.6") == 401
    # a shopper who forges an entry before the one nginx appends is still itself
    assert _fail_login(client, "6.6.6.6, 203.0.113.5") == 429


def test_without_a_trusted_proxy_a_forged_header_is_ignored(make_client):
    client = make_client()  # MARQUE_TRUSTED_PROXY_HOPS unset: 0
    assert [_fail_login(client, f"198.51.100.{i}") for i in range(5)] == [401] * 5
    # a new made-up address per try does not buy new tries: the peer address counts
    assert _fail_login(client, "198.51.100.99") == 429
    assert _fail_login(client, None) == 429


def test_the_general_api_limit_keys_on_the_forwarded_address(make_client):
    client = make_client(MARQUE_TRUSTED_PROXY_HOPS="1", MARQUE_RATE_LIMIT_API="2/15minutes")

    def me(xff: str) -> int:
        return client.get(f"{API}/me", headers={"X-Forwarded-For": xff}).status_code

    assert [me("203.0.113.7") for _ in range(3)] == [401, 401, 429]
    assert me("203.0.113.8") == 401  # another shopper behind the same proxy
    assert me("1.2.3.4, 203.0.113.7") == 429  # forged first entry: still 203.0.113.7

    spoofable = make_client(MARQUE_TRUSTED_PROXY_HOPS="0", MARQUE_RATE_LIMIT_API="2/15minutes")
    statuses = [spoofable.get(f"{API}/me", headers={"X-Forwarded-For": f"10.9.0.{i}"}).status_code for i in range(3)]
    assert statuses == [401, 401, 429]
