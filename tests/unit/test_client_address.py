"""The client's address behind trusted proxies (domain/network.py, MARQUE_TRUSTED_PROXY_HOPS).

One table of cases holds the rule, the API's ASGI reading of it, the Reflex state's reading (the
websocket handshake's headers) and Reflex's own ``router.session.client_ip`` to one answer.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from marque_app.api.deps import scope_client_address
from marque_app.domain.network import client_address, forwarded_chain
from marque_app.settings import Settings, get_settings

NGINX = "127.0.0.1"

# peer, X-Forwarded-For values (one per header line), trusted hops, the client's address
CASES = [
    # no proxy trusted: the header is ignored, whatever it says (a client can send one)
    (NGINX, ["198.51.100.7"], 0, NGINX),
    ("203.0.113.9", ["10.0.0.1, 198.51.100.7"], 0, "203.0.113.9"),
    ("203.0.113.9", [], 0, "203.0.113.9"),
    # nginx in front: the entry nginx appended ($remote_addr) is the client
    (NGINX, ["203.0.113.5"], 1, "203.0.113.5"),
    # a forged entry sent by the client comes first; nginx's own is last
    (NGINX, ["6.6.6.6, 203.0.113.5"], 1, "203.0.113.5"),
    (NGINX, ["6.6.6.6", "203.0.113.5"], 1, "203.0.113.5"),  # repeated header lines, in order
    # a load balancer in front of nginx: two trusted hops
    (NGINX, ["6.6.6.6, 203.0.113.5, 10.0.0.2"], 2, "203.0.113.5"),
    (NGINX, ["2001:db8::5, 10.0.0.2"], 2, "2001:db8::5"),
    # fewer entries than hops: the request did not come through the chain, its peer counts
    (NGINX, ["203.0.113.5"], 2, NGINX),
    (NGINX, [], 1, NGINX),
    (NGINX, [" , "], 1, NGINX),
]


@pytest.mark.parametrize(("peer", "forwarded", "hops", "expected"), CASES)
def test_the_rule(peer, forwarded, hops, expected) -> None:
    assert client_address(peer, forwarded, hops) == expected
    if len(forwarded) == 1:
        assert client_address(peer, forwarded[0], hops) == expected


def test_no_peer_is_unknown_and_hops_are_not_negative() -> None:
    assert client_address(None, None, 0) == "unknown"
    assert client_address(None, "203.0.113.5", 1) == "203.0.113.5"
    assert forwarded_chain(["a, b", " c "]) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="negative"):
        client_address(NGINX, None, -1)


def _scope(peer: str, forwarded: list[str]) -> dict:
    headers = [(b"host", b"shop.test")] + [(b"x-forwarded-for", v.encode()) for v in forwarded]
    return {"type": "http", "client": (peer, 51234), "headers": headers}


@pytest.mark.parametrize(("peer", "forwarded", "hops", "expected"), CASES)
def test_the_api_reads_the_same_address(peer, forwarded, hops, expected) -> None:
    assert scope_client_address(_scope(peer, forwarded), hops) == expected


@pytest.mark.parametrize(("peer", "forwarded", "hops", "expected"), CASES)
def test_reflex_and_the_state_read_the_same_address(monkeypatch, peer, forwarded, hops, expected) -> None:
    """Reflex's websocket router data (``Config.trusted_proxy_hops``, which rxconfig sets from
    MARQUE_TRUSTED_PROXY_HOPS) and ``state.auth.client_address`` agree with the rule."""
    import reflex.app as reflex_app
    from reflex.istate.data import RouterData

    from marque_app.state.auth import client_address as state_client_address

    monkeypatch.setattr(reflex_app, "get_config", lambda: SimpleNamespace(trusted_proxy_hops=hops))
    environ = {"asgi.scope": _scope(peer, forwarded)}
    router_data = reflex_app.EventNamespace._build_static_router_data(None, "sid-1", environ)  # type: ignore[arg-type]
    router = RouterData.from_router_data(router_data)
    assert router.session.client_ip == expected

    monkeypatch.setenv("MARQUE_TRUSTED_PROXY_HOPS", str(hops))
    get_settings.cache_clear()
    try:
        assert state_client_address(router) == expected
    finally:
        get_settings.cache_clear()


def test_the_setting() -> None:
    assert Settings(env="test").trusted_proxy_hops == 0
    assert Settings(env="test", trusted_proxy_hops=1).trusted_proxy_hops == 1
    with pytest.raises(ValidationError, match="trusted_proxy_hops"):
        Settings(env="test", trusted_proxy_hops=-1)


def test_rxconfig_gives_reflex_the_setting() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "rxconfig.py").read_text()
    assert "trusted_proxy_hops=get_settings().trusted_proxy_hops" in text
