"""``assets/cart_ops.js`` reaches Reflex's client internals through one adapter,
``window.marqueReflex``; this checks that the names it relies on are where the installed Reflex
puts them (its JS templates, its compiler, the sonner toast), and a compiled frontend too when
one is there. A Reflex upgrade that moves one fails here, by name, instead of silently breaking
the offline queue, the in-flight resend and the other-tab log-in in the browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import reflex_base
import reflex_components_sonner
from reflex_base.registry import _default_bundled_libraries

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "assets" / "cart_ops.js"
TEMPLATES = Path(reflex_base.__file__).parent / ".templates" / "web"
ADAPTER_START = "// --- window.marqueReflex"
ADAPTER_END = "  window.marqueReflex = reflex;\n})();"


def internals() -> dict[str, str]:
    """The INTERNALS table of the adapter, as written in the script."""
    block = re.search(r"var INTERNALS = \{(.*?)\};", SCRIPT.read_text(encoding="utf-8"), re.S)
    assert block, "cart_ops.js has no INTERNALS table"
    return dict(re.findall(r'(\w+): "([^"]+)"', block.group(1)))


def _read(path: Path) -> str:
    assert path.is_file(), f"Reflex moved {path.name}: {path} is gone (the adapter in cart_ops.js reads it)"
    return path.read_text(encoding="utf-8")


def _where(names: dict[str, str]) -> list[tuple[str, str, str]]:
    """(what, file text, the string that must be in it) for every internal the adapter uses."""
    state_js = _read(TEMPLATES / "utils" / "state.js")
    registry_js = _read(TEMPLATES / "utils" / "context-registry.js")
    compiler = _read(Path(reflex_base.__file__).parent / "compiler" / "templates.py")
    sonner = _read(Path(reflex_components_sonner.__file__).parent / "toast.py")
    return [
        ("window.__reflex, filled by the compiled root", compiler, f"window.{names['modules']} = {{"),
        ("the state module exports refs", state_js, "export const refs = {}"),
        ("the state module exports ReflexEvent", state_js, "export const ReflexEvent = ("),
        ("the state module imports app and eventLoop from the registry", state_js, 'from "$/utils/context-registry"'),
        ("the registry's app holds the compiled clientStorage", state_js, "app.clientStorage.local_storage"),
        ("the registry exports the app", registry_js, "export function registerApp"),
        ("the registry exports the event loop", registry_js, "export const eventLoop = {"),
        ("eventLoop.addEvents", registry_js, "addEvents: (events, args, event_actions)"),
        ("eventLoop.connectErrors", registry_js, "connectErrors: []"),
        ("rx.toast's toaster ref", sonner, f"refs['{names['toastRef']}']"),
        ("the socket-connect hook", state_js, f"window.{names['otel']}?.onSocketConnect?.()"),
        ("the socket-disconnect hook", state_js, f"window.{names['otel']}?.onSocketDisconnect?.("),
    ]


def test_the_adapter_names_every_internal_it_uses():
    assert internals() == {
        "modules": "__reflex",
        "stateModule": "$/utils/state",
        "registryModule": "$/utils/context-registry",
        "toastRef": "__toast",
        "otel": "__reflex_otel",
    }


def test_the_installed_reflex_still_has_them():
    names = internals()
    bundled = _default_bundled_libraries()
    assert names["stateModule"] in bundled and names["registryModule"] in bundled, (
        f"Reflex no longer puts {names['stateModule']} / {names['registryModule']} on window.__reflex: {bundled}"
    )
    missing = [what for what, text, needle in _where(names) if needle not in text]
    assert not missing, f"Reflex moved what assets/cart_ops.js's adapter (window.marqueReflex) uses: {missing}"
    # a frontend compiled here (make run, the e2e build) was made from these templates: the same names
    for web in (ROOT / ".web", ROOT / ".tools" / "e2e-web"):
        if (web / "utils" / "state.js").is_file():
            compiled = (web / "utils" / "state.js").read_text(encoding="utf-8")
            assert "export const ReflexEvent" in compiled and f"{names['otel']}?.onSocketConnect" in compiled, web


def test_nothing_outside_the_adapter_touches_the_internals():
    text = SCRIPT.read_text(encoding="utf-8")
    start, end = text.index(ADAPTER_START), text.index(ADAPTER_END) + len(ADAPTER_END)
    rest = text[:start] + text[end:]
    code = "\n".join(line.split("//", 1)[0] for line in rest.splitlines())  # comments may name them
    for name in ("__reflex", "clientStorage", "eventLoop", "ReflexEvent", "refs", "__toast"):
        assert name not in code, f"cart_ops.js uses {name} outside window.marqueReflex"


_HARNESS = r"""
const fs = require("fs");
const calls = [];
const modules = {
  "$/utils/state": {
    refs: { __toast: { warning: (m) => calls.push(["warning", m]), dismiss: () => {} } },
    ReflexEvent: (name, payload) => ({ name, payload }),
  },
  "$/utils/context-registry": {
    app: { clientStorage: { local_storage: { "reflex___state.cart_state.queue": { name: "marque_cart_queue" } } } },
    eventLoop: { addEvents: (events) => calls.push(["addEvents", events]), connectErrors: [] },
  },
};
globalThis.window = {
  localStorage: { getItem: () => null, setItem: () => {}, removeItem: () => {} },
  sessionStorage: { getItem: () => null, setItem: () => {} },
  addEventListener: () => {}, dispatchEvent: () => {}, setTimeout: (f) => f(),
  crypto: require("crypto").webcrypto, location: { href: "http://localhost/" },
  __reflex_otel: { onSocketConnect: () => calls.push(["earlier hook"]) },
};
globalThis.document = { body: null, getElementById: () => null };
const source = fs.readFileSync(process.argv[2], "utf8");
const r = { before: null };
eval(source.slice(0, source.indexOf("// --- offline queue")));
r.before = window.marqueReflex.missing();  // window.__reflex not there yet
window.__reflex = modules;
eval(source.slice(source.indexOf("// --- offline queue")));
const reflex = window.marqueReflex;
r.after = reflex.missing();
r.table = Object.keys(reflex.localStorageTable());
r.sent = reflex.addEvents([["a.b.replay_queue", { x: 1 }]]);
r.toaster = reflex.toaster() !== null;
window.__reflex_otel.onSocketConnect();  // the queue's hook first, then the one installed before
r.offline = window.marqueCart.isOffline();
r.calls = calls;
delete modules["$/utils/state"].ReflexEvent;
r.moved = reflex.missing();
r.refused = reflex.addEvents([["x", {}]]);
process.stdout.write(JSON.stringify(r));
"""


def test_the_adapter_works_on_the_client_shape_and_says_what_is_missing(tmp_path):
    node = shutil.which("node")
    assert node, "Node.js is needed (the README's set-up installs it): the page's script runs in it"
    harness = tmp_path / "harness.js"
    harness.write_text(_HARNESS)
    run = subprocess.run([node, str(harness), str(SCRIPT)], capture_output=True, text=True, timeout=60, check=True)
    r = json.loads(run.stdout)
    assert r["before"] == ["window.__reflex", "$/utils/state", "$/utils/context-registry"]
    assert r["after"] == [] and r["table"] == ["reflex___state.cart_state.queue"] and r["toaster"] is True
    assert r["sent"] is True and r["offline"] is False
    assert ["addEvents", [{"name": "a.b.replay_queue", "payload": {"x": 1}}]] in r["calls"]
    assert r["calls"][-1] == ["earlier hook"]
    assert r["moved"] == ["$/utils/state.ReflexEvent"] and r["refused"] is False
