"""The page renders the server's state as a React transition (``TransitionStatePlugin``).

Reflex 0.10's page keeps each Python substate in one store, and every component reads its
substate with ``useSyncExternalStore`` (``utils/context-registry.js``, ``useStateContext``).
React renders a store change synchronously, in one task it cannot interrupt. The first delta
of a page (the hydrate: the product, the listing's tiles, the home sections) re-renders most of
the page: a 450-650 ms task under Lighthouse's 4x CPU slow-down, the bulk of the total blocking
time. Here each component holds its substate in ``useState`` and takes the store's changes inside
``startTransition``: the same render runs in slices that yield to the browser every few
milliseconds (a click or a key press is handled between two), and every component of one delta
still commits together, in one render. A component reads the store when it mounts and again
once subscribed, so a change in between is not missed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from reflex_base.plugins.base import Plugin

CONTEXT_JS = "utils/context-registry.js"
MARKER = "/* marque: state renders as a transition */"

_IMPORTS = """import {
  createContext,
  useContext,
  useMemo,
  useSyncExternalStore,
} from "react";
"""
_NEW_IMPORTS = """import {
  createContext,
  startTransition,
  useContext,
  useEffect,
  useMemo,
  useState,
} from "react";
"""
_HOOK_START = "export function useStateContext(name) {\n"
_HOOK_END = "  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);\n}\n"
_NEW_HOOK = f"""export function useStateContext(name) {{
  {MARKER}
  const store = useContext(StateStoreContext);
  const read = useMemo(
    () => () => store.getSnapshot(name) ?? app.initialState?.[name],
    [store, name],
  );
  const [value, setValue] = useState(read);
  useEffect(() => {{
    const update = () => {{
      const next = read();
      startTransition(() => setValue(() => next));
    }};
    const unsubscribe = store.subscribe(name, update);
    update(); // a change between this render and the subscription
    return unsubscribe;
  }}, [store, name, read]);
  return value;
}}
"""


def render_state_as_transitions(source: str) -> str:
    """``utils/context-registry.js`` with ``useStateContext`` taking changes in a transition.

    Idempotent (a patched file is returned unchanged). Raises RuntimeError when Reflex's file no
    longer has the code it rewrites, so an upgrade fails the build instead of dropping this.
    """
    if MARKER in source:
        return source
    start, end = source.find(_HOOK_START), source.find(_HOOK_END)
    found = {
        "imports": source.count(_IMPORTS) == 1,
        "useStateContext": source.count(_HOOK_START) == 1 and source.count(_HOOK_END) == 1 and start < end,
    }
    missing = [name for name, ok in found.items() if not ok]
    if missing:
        raise RuntimeError(
            f"{CONTEXT_JS}: the {' and '.join(missing)} this build rewrites are not there as expected "
            "(a Reflex upgrade?): update marque_app/components/deltas.py"
        )
    patched = source[:start] + _NEW_HOOK + source[end + len(_HOOK_END) :]
    return patched.replace(_IMPORTS, _NEW_IMPORTS)


@dataclasses.dataclass
class TransitionStatePlugin(Plugin):
    """Rewrites the compiled ``utils/context-registry.js`` (:func:`render_state_as_transitions`)."""

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"](CONTEXT_JS, render_state_as_transitions)
