"""Reflex's websocket protocol as Chromium speaks it, for the shoppers benchmark.

Reflex 0.10.1 talks socket.io (Engine.IO 4) over ``/_event``. What the compiled page sends,
captured with Playwright (``tests/bench/reference_frames.json`` keeps one such session, and
``tests/e2e/test_protocol.py`` checks that a live session still matches it and these builders):

- ``GET /_event/?token=<tab uuid>&EIO=4&transport=websocket``; the server opens with ``0{...}``.
- The connect packet carries the page's first event: ``40/_event,{"event": {"name":
  "<root>.hydrate_and_load", "payload": {"vars": <client storage>, "hashes": [...]},
  "router_data": {...}}, "state_schema": "..."}`` (``hashes`` and ``state_schema`` belong to the
  compiled frontend: they are read from a live capture, see :func:`template_from_frames`).
- An event: ``42/_event,["event", {"name": ..., "payload": ..., "router_data": ...}]``.
- A client-side navigation: ``update_vars_internal`` with the non-empty client storage, then
  ``on_load_internal`` with the new route's ``router_data``.
- Answers: ``42/_event,["event", {"delta": {state: {var: value}}, "events": [...]}]``; the root
  state's ``is_hydrated_rx_state_: true`` ends a page load; Engine.IO pings (``2``) want ``3``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

NS = "/_event"
ROOT = "reflex___state____state"
HYDRATE = f"{ROOT}.hydrate_and_load"
UPDATE_VARS = f"{ROOT}.reflex___state____update_vars_internal_state.update_vars_internal"
ON_LOAD = f"{ROOT}.reflex___state____on_load_internal_state.on_load_internal"
CART_STATE = f"{ROOT}.marque_app___state___cart____cart_state"
LOGIN_STATE = f"{ROOT}.marque_app___state___auth____login_state"
APPLY = f"{CART_STATE}.apply"
REGISTER = f"{LOGIN_STATE}.register"
HYDRATED = '"is_hydrated_rx_state_":true'


def ws_url(base_url: str, token: str) -> str:
    """The websocket URL a tab with ``token`` opens on ``base_url`` (http -> ws)."""
    return base_url.replace("http", "ws", 1).rstrip("/") + f"{NS}/?token={token}&EIO=4&transport=websocket"


def router_data(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``router_data`` the page sends for ``path`` (and its dynamic route's ``query``)."""
    data: dict[str, Any] = {"pathname": path, "asPath": path}
    if query:
        data["query"] = dict(query)
    return data


@dataclass
class Template:
    """What a live capture tells about the compiled frontend: its hydrate hashes and schema."""

    hashes: list[str] = field(default_factory=list)
    state_schema: str = ""
    storage_keys: list[str] = field(default_factory=list)  # client storage vars, full names


def connect_frame(template: Template, path: str, query: dict[str, str] | None, storage: dict[str, str]) -> str:
    """The connect packet with the page's hydrate event (Chromium's first frame)."""
    payload: dict[str, Any] = {}
    vars_ = {k: v for k, v in storage.items() if v}
    if vars_:
        payload["vars"] = vars_
    if template.hashes:
        payload["hashes"] = template.hashes
    body = {"event": {"name": HYDRATE, "payload": payload, "router_data": router_data(path, query)}}
    if template.state_schema:
        body["state_schema"] = template.state_schema
    return f"40{NS}," + json.dumps(body, separators=(",", ":"))


def event_frame(name: str, payload: dict[str, Any] | None, path: str, query: dict[str, str] | None = None) -> str:
    """One event, as ``socket.emit("event", ...)`` frames it."""
    event: dict[str, Any] = {"name": name}
    if payload is not None:
        event["payload"] = payload
    event["router_data"] = router_data(path, query)
    return f"42{NS}," + json.dumps(["event", event], separators=(",", ":"))


def navigation_frames(path: str, query: dict[str, str] | None, storage: dict[str, str]) -> list[str]:
    """A client-side navigation: the client storage first, then the new page's on_load."""
    frames = []
    vars_ = {k: v for k, v in storage.items() if v}
    if vars_:
        frames.append(event_frame(UPDATE_VARS, {"vars": vars_}, path, query))
    on_load = {"name": ON_LOAD, "router_data": router_data(path, query)}
    frames.append(f"42{NS}," + json.dumps(["event", on_load], separators=(",", ":")))
    return frames


def add_frame(op: dict[str, Any], path: str, query: dict[str, str] | None) -> str:
    """``CartState.apply`` with an add op (``components/cart_ops``: the op id made in the page)."""
    return event_frame(APPLY, {"op": op}, path, query)


def register_frame(email: str, password: str, path: str = "/register") -> str:
    """The register form, sent as Reflex sends a form (``__reflex_form_data__``)."""
    form = {
        "__reflex_form_data__": [
            ["first_name", "Bench"],
            ["last_name", "Shopper"],
            ["email", email],
            ["password", password],
        ]
    }
    return event_frame(REGISTER, {"form": form}, path)


def parse(frame: str) -> tuple[str, Any]:
    """``(kind, body)``: "open", "ping", "connect", "event" (the update dict), "disconnect",
    "error" or "other"."""
    if frame.startswith("0"):
        return "open", json.loads(frame[1:])
    if frame == "2":
        return "ping", None
    if frame.startswith(f"40{NS}"):
        return "connect", frame
    if frame.startswith(f"41{NS}"):
        return "disconnect", frame
    if frame.startswith(f"44{NS}"):
        return "error", frame
    if frame.startswith(f"42{NS},"):
        name, body = json.loads(frame[len(NS) + 3 :])[:2]
        return ("event", body) if name == "event" else ("other", body)
    return "other", frame


def shape(frame: str) -> dict[str, Any]:
    """The structure of a frame without its values: packet type, event name, the keys of its
    payload and router data (sent), or the top-level keys of an update (received)."""
    if frame.startswith("0"):
        return {"packet": "open", "keys": sorted(json.loads(frame[1:]))}
    if frame.startswith(f"40{NS},"):
        body = json.loads(frame[len(NS) + 3 :])
        event = body.get("event", {})
        return {
            "packet": "connect",
            "keys": sorted(body),
            "event": event.get("name", ""),
            "payload": sorted(event.get("payload", {})),
            "router_data": sorted(event.get("router_data", {})),
        }
    if frame.startswith(f"42{NS},"):
        name, body = json.loads(frame[len(NS) + 3 :])[:2]
        if "name" in body:
            return {
                "packet": "event",
                "event": body["name"],
                "payload": sorted(body.get("payload") or {}),
                "router_data": sorted(body.get("router_data") or {}),
            }
        return {"packet": "update", "keys": sorted(body)}
    return {"packet": frame[:2]}


def template_from_frames(sent: list[str]) -> Template:
    """The hydrate hashes, the state schema and the client storage keys of a captured session."""
    template = Template()
    keys: list[str] = []
    for frame in sent:
        if frame.startswith(f"40{NS},"):
            body = json.loads(frame[len(NS) + 3 :])
            payload = body.get("event", {}).get("payload", {})
            template.hashes = template.hashes or list(payload.get("hashes") or [])
            template.state_schema = template.state_schema or body.get("state_schema", "")
            keys.extend(k for k in (payload.get("vars") or {}) if k not in keys)
        elif UPDATE_VARS in frame:
            body = json.loads(frame[len(NS) + 3 :])[1]
            keys.extend(k for k in body.get("payload", {}).get("vars", {}) if k not in keys)
    template.storage_keys = keys
    return template


#: The local-storage names of the guest cart and its op ids, and the vars they are kept in.
STORAGE_VARS = {
    "marque_cart": f"{CART_STATE}.guest_cart_rx_state_",
    "marque_cart_meta": f"{CART_STATE}.guest_meta_rx_state_",
}
_PATCH_CALL = "window.marqueCart.patchStorage("


def storage_patches(update: dict[str, Any]) -> list[dict[str, Any]]:
    """The storage patches an update asks the page to apply (``assets/cart_ops.js``
    ``patchStorage``, sent as a ``_call_script`` by ``state/cart.py`` ``storage_patch``)."""
    out = []
    for event in update.get("events") or []:
        code = (event.get("payload") or {}).get("javascript_code") or ""
        at = code.find(_PATCH_CALL)
        if at >= 0:
            out.append(json.loads(code[at + len(_PATCH_CALL) : code.rindex(")")]))
    return out


def _js_json(value: Any) -> str:
    """``JSON.stringify(value)``: compact, keys in their order, characters as they are."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _js_read(raw: str | None) -> dict:
    try:
        value = json.loads(raw or "null")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def apply_storage_patch(storage: dict[str, str], patch: dict[str, Any]) -> None:
    """What ``patchStorage`` (``assets/cart_ops.js``) does to local storage, done to the bench
    shopper's copy byte for byte: the page sends that string back on every navigation, and the
    server compares it with its own. The cart as the page writes it is the server's canonical
    string (``dump_guest_cart``: a unit test runs the page's script in Node and holds its output
    to it); the op ids as ``patchMeta`` writes them (``JSON.stringify``, keys in their order)."""
    from marque_app.domain.cart import GuestLine, apply_guest_patch, dump_guest_cart

    cart, meta = patch.get("cart"), patch.get("meta")
    if cart:
        var = STORAGE_VARS[cart["key"]]
        stored = _js_read(storage.get(var)).get("lines")
        lines = [GuestLine(**line) for line in stored] if isinstance(stored, list) else []
        storage[var] = dump_guest_cart(apply_guest_patch(lines, cart))
    if meta:
        var = STORAGE_VARS[meta["key"]]
        stored = _js_read(storage.get(var))
        if meta.get("merge_id") and not stored.get("merge_id"):
            stored["merge_id"] = meta["merge_id"]
        ops = [i for i in stored.get("ops", []) if isinstance(i, str) and i != meta["op"]]
        stored["ops"] = [*ops, meta["op"]][-meta["keep"] :]
        storage[var] = _js_json(stored)


def toasts(update: dict[str, Any]) -> list[str]:
    """The toast texts an update asks the page to show (``rx.toast`` is a ``_call_function``)."""
    out = []
    for event in update.get("events") or []:
        fn = (event.get("payload") or {}).get("function") or ""
        if "__toast" in fn:
            out.append(fn)
    return out
