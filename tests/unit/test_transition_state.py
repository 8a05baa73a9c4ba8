"""The build's rewrite of Reflex's ``useStateContext`` (marque_app/components/deltas.py).

It runs on the very file Reflex 0.10 copies into ``.web``, so a Reflex upgrade that changes the
hook fails here (and the build fails), not silently in the browser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import reflex_base

from marque_app.components.deltas import (
    CONTEXT_JS,
    MARKER,
    TransitionStatePlugin,
    render_state_as_transitions,
)

TEMPLATE = Path(reflex_base.__file__).parent / ".templates" / "web" / CONTEXT_JS


def _hook(source: str) -> str:
    start = source.index("export function useStateContext(name) {")
    return source[start : source.index("\n}\n", start)]


def _rest(source: str) -> str:
    """The module without its React import block and the hook."""
    imports = source[source.index("import {") : source.index('} from "react";\n')]
    return source.replace(imports, "").replace(_hook(source), "")


def test_the_hook_takes_store_changes_in_a_transition():
    source = TEMPLATE.read_text()
    assert "useSyncExternalStore(subscribe, getSnapshot, getSnapshot)" in _hook(source)

    patched = render_state_as_transitions(source)
    hook = _hook(patched)
    assert MARKER in hook
    assert "useSyncExternalStore" not in hook  # a store change no longer forces a blocking render
    assert "startTransition(() => setValue(() => next))" in hook
    # subscribed in an effect, and read once more after subscribing (no change is missed)
    assert hook.index("store.subscribe(name, update)") < hook.index("update(); //")
    assert "import {\n  createContext,\n  startTransition," in patched
    # the rest of the module is Reflex's, unchanged
    assert _rest(patched) == _rest(source)


def test_the_rewrite_is_idempotent():
    once = render_state_as_transitions(TEMPLATE.read_text())
    assert render_state_as_transitions(once) == once


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (
            lambda s: s.replace("useSyncExternalStore(subscribe, getSnapshot, getSnapshot)", "useStore(name)"),
            "useStateContext",
        ),
        (lambda s: s.replace("  useMemo,\n", ""), "imports"),
    ],
)
def test_a_changed_reflex_file_fails_the_build(edit, named):
    with pytest.raises(RuntimeError, match=named):
        render_state_as_transitions(edit(TEMPLATE.read_text()))


def test_the_plugin_registers_the_rewrite_before_compiling():
    tasks: list[tuple[str, object]] = []
    TransitionStatePlugin().pre_compile(add_modify_task=lambda path, fn: tasks.append((path, fn)))
    assert tasks == [(CONTEXT_JS, render_state_as_transitions)]
