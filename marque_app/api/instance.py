"""``X-Marque-Instance: <id>`` on every answer of this process, when MARQUE_INSTANCE_ID is set.

Behind a load balancer several instances serve one store; the header says which one answered a
page, an API call or the websocket's upgrade (``/_event``: the header rides on the handshake's
``101 Switching Protocols``). Operators read it to see the round-robin at work and the fleet
tests use it to find, and stop, the instance a browser tab's websocket is on. Unset (the
default) the header is not sent: a single instance has nothing to tell apart.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marque_app.settings import Settings, get_settings

HEADER = "x-marque-instance"


class InstanceHeader:
    """ASGI middleware: ``X-Marque-Instance`` on HTTP answers and websocket handshakes."""

    def __init__(self, app: ASGIApp, *, settings: Settings | None = None) -> None:
        self.app = app
        self.instance_id = (settings or get_settings()).instance_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.instance_id or scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        value = self.instance_id.encode("latin-1")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = self.instance_id
            elif message["type"] == "websocket.accept":
                headers = [(k, v) for k, v in message.get("headers") or [] if k.lower() != HEADER.encode()]
                message = {**message, "headers": [*headers, (HEADER.encode(), value)]}
            await send(message)

        await self.app(scope, receive, send_with_id)
