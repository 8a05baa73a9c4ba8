"""X-Marque-Instance: which instance of a fleet answered (marque_app/api/instance.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from marque_app.api.instance import InstanceHeader
from marque_app.settings import Settings


async def _ping(request):
    return PlainTextResponse("pong")


async def _echo(websocket: WebSocket) -> None:
    await websocket.accept(headers=[(b"x-other", b"kept")])
    await websocket.send_text("hello")
    await websocket.close()


def _client(instance_id: str) -> TestClient:
    app = Starlette(routes=[Route("/ping", _ping), WebSocketRoute("/_event", _echo)])
    return TestClient(InstanceHeader(app, settings=Settings(env="test", instance_id=instance_id)))


def test_http_answers_name_the_instance() -> None:
    response = _client("app-2").get("/ping")
    assert response.text == "pong"
    assert response.headers["x-marque-instance"] == "app-2"


def test_websocket_handshake_names_the_instance_and_keeps_its_headers() -> None:
    with _client("app-1").websocket_connect("/_event") as ws:
        assert ws.receive_text() == "hello"
        # starlette's test client exposes the accept message's headers
        headers = dict(ws.extra_headers)
    assert headers[b"x-marque-instance"] == b"app-1"
    assert headers[b"x-other"] == b"kept"


def test_no_header_without_an_instance_id() -> None:
    client = _client("")
    assert "x-marque-instance" not in client.get("/ping").headers
    with client.websocket_connect("/_event") as ws:
        ws.receive_text()
        assert b"x-marque-instance" not in dict(ws.extra_headers)


def test_an_instance_id_that_is_no_header_value_is_refused() -> None:
    with pytest.raises(ValidationError, match="instance_id"):
        Settings(env="test", instance_id="app 1\r\nX-Evil: 1")
