"""Only the handlers written as events can be called from the browser.

Reflex makes every public method of a state class an event handler that any page can send,
with arguments of the sender's choosing. A helper such as ``AuthState.require_user`` must not
be one of them, so each event handler of every state of the app must be a method that says it
is one with ``@rx.event`` (the decorator leaves no mark at run time, hence the source check).
"""

from __future__ import annotations

import ast
import inspect
import textwrap

import reflex as rx

import marque_app.marque_app  # noqa: F401  (imports every page, so every state class exists)


def _app_states() -> list[type[rx.State]]:
    found: list[type[rx.State]] = []
    todo: list[type] = [rx.State]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("marque_app."):
                found.append(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


def _is_rx_event(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (
        isinstance(target, ast.Attribute)
        and target.attr == "event"
        and isinstance(target.value, ast.Name)
        and target.value.id == "rx"
    )


def is_declared_event(fn: object) -> bool:
    """Whether the source of ``fn`` carries ``@rx.event`` (or ``fn = rx.event(fn)``)."""
    fn = inspect.unwrap(fn)  # type: ignore[arg-type]
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    if any(_is_rx_event(d) for d in node.decorator_list):
        return True
    module = ast.parse(inspect.getsource(inspect.getmodule(fn)))
    return any(  # `name = rx.event(name)` after the def
        isinstance(n, ast.Assign)
        and isinstance(n.value, ast.Call)
        and _is_rx_event(n.value)
        and any(isinstance(t, ast.Name) and t.id == node.name for t in n.targets)
        for n in module.body
    )


def undecorated_handlers(state_cls: type[rx.State]) -> list[str]:
    """The app's own event handlers of ``state_cls`` whose method has no ``@rx.event``."""
    out = []
    for name, handler in state_cls.event_handlers.items():
        fn = inspect.unwrap(handler.fn)
        if not getattr(fn, "__module__", "").startswith("marque_app."):
            continue  # Reflex's own (setvar, hydrate, ...)
        if not is_declared_event(fn):
            out.append(f"{state_cls.__module__}.{state_cls.__qualname__}.{name}")
    return out


def test_the_app_defines_its_states():
    names = {c.__name__ for c in _app_states()}
    assert {"AuthState", "CheckoutState", "OrdersState", "AccountState"} <= names


def test_every_event_handler_of_the_app_is_written_as_an_event():
    assert [h for cls in _app_states() for h in undecorated_handlers(cls)] == []


def test_the_auth_helpers_are_not_events():
    from marque_app.state.auth import AuthState

    for name in ("current_user", "require_user", "refusal"):
        assert name not in AuthState.event_handlers


def sample_event(self):  # how a handler is written
    pass


sample_event = rx.event(sample_event)


def sample_helper(self):  # a public method without the decorator
    pass


def test_the_check_tells_a_declared_event_from_a_plain_method():
    assert is_declared_event(sample_event)
    assert not is_declared_event(sample_helper)
