"""No database, Redis or disk I/O on Reflex's event loop (STYLE: "one blocked handler stalls every
shopper on that worker").

An ast walk over ``marque_app/state``: in every ``async def`` (handlers and their async helpers)
and every sync ``@rx.event``/``@rx.var`` (Reflex runs those on the loop too), a service is never
*called* directly: it is handed to an off-loop helper (``call_service``, ``run``, ``run_unit``,
``asyncio.to_thread``), which is an argument, not a call. No ``session_scope()``/``Session()`` and
no ``session.exec``/``redis.get``-style call either. The few service functions that do no I/O are
listed below with the reason; a new one joins the list only with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / "marque_app" / "state"

# Service callables that do no I/O, so calling them on the loop is fine.
NO_IO = {
    # factories: a client or sender object; Redis/SMTP/SMS connect on the first command, which
    # happens inside the service the object is handed to (in a worker thread)
    "get_redis": "builds a client, no round trip",
    "get_sms_sender": "builds a sender",
    "get_email_sender": "builds a sender",
    "get_rate_limiter": "the process's limiter object; counting is check_login (off the loop)",
    # pure functions over values already in memory
    "normalize_phone": "parses a phone number",
    "password_problems": "the password rules",
    "require_role": "compares a role",
    "address_problems": "the address rules",
    "default_variant": "picks from loaded variants",
    "image_index_for_color": "picks from loaded images",
    "choose_variant": "picks from loaded variants",
    "find_variant": "picks from loaded variants",
    "size_options": "derived from loaded variants",
    "color_options": "derived from loaded variants",
    "to_csv": "formats a loaded report",
    "csv_filename": "formats a name",
    "is_unavailable": "inspects an exception",
    "card_payments_enabled": "reads settings",
}
SESSION_NAMES = {"session", "db", "redis", "r", "client", "pipe"}
SESSION_METHODS = {"exec", "execute", "commit", "scalar", "scalars", "get", "set", "incr", "pipeline", "delete"}
SESSION_FACTORIES = {"session_scope", "read_session", "Session", "make_engine"}


def _service_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(local names of imported services modules, local names of callables imported from them)."""
    modules: set[str] = set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("marque_app.services"):
            for alias in node.names:
                target = ROOT / Path(*f"{node.module}.{alias.name}".split("."))
                is_module = target.with_suffix(".py").is_file() or (target / "__init__.py").is_file()
                (modules if is_module else names).add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("marque_app.services"):
                    modules.add(alias.asname or alias.name.rpartition(".")[2])
    return modules, names


def _on_the_loop(fn: ast.AST) -> bool:
    if isinstance(fn, ast.AsyncFunctionDef):
        return True
    if not isinstance(fn, ast.FunctionDef):
        return False
    for d in fn.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if (
            isinstance(target, ast.Attribute)
            and target.attr in ("event", "var")
            and getattr(target.value, "id", "") == "rx"
        ):
            return True
    return False


def blocking_calls(source: str, filename: str = "<source>") -> list[str]:
    """``file:line function: call`` for each call that would do I/O on the event loop."""
    tree = ast.parse(source, filename)
    modules, names = _service_names(tree)
    found = []
    for fn in ast.walk(tree):
        if not _on_the_loop(fn):
            continue
        for node in ast.walk(fn):
            if not isinstance(node, ast.Call):
                continue
            f, called = node.func, ""
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                if f.value.id in modules:
                    called = f"{f.value.id}.{f.attr}" if f.attr not in NO_IO and not f.attr[:1].isupper() else ""
                elif f.value.id in SESSION_NAMES and f.attr in SESSION_METHODS:
                    called = f"{f.value.id}.{f.attr}"
            elif isinstance(f, ast.Name) and (
                f.id in SESSION_FACTORIES or (f.id in names and f.id not in NO_IO and not f.id[:1].isupper())
            ):
                called = f.id
            if called:
                found.append(f"{filename}:{node.lineno} {fn.name}: {called}()")  # type: ignore[attr-defined]
    return found


def test_no_state_handler_calls_a_service_or_the_database_on_the_event_loop():
    found = []
    for path in sorted(STATE.rglob("*.py")):
        found += blocking_calls(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not found, "I/O on the event loop; hand it to call_service/run/asyncio.to_thread:\n" + "\n".join(found)


def test_the_check_finds_what_it_must():
    source = """
import asyncio
import reflex as rx
from marque_app.services import cart as cart_services
from marque_app.services.auth.ratelimit import check_login, get_rate_limiter
from marque_app.services.db import session_scope

class S(rx.State):
    @rx.event
    async def direct(self):
        return cart_services.get_cart(user_id=1)

    @rx.event
    async def limited(self):
        check_login(get_rate_limiter(), scope="login", identifier="", client="")

    @rx.event
    def sync_handler(self):
        with session_scope() as session:
            session.exec("select 1")

    @rx.event
    async def fine(self):
        await asyncio.to_thread(cart_services.get_cart, user_id=1)
        await asyncio.to_thread(check_login, get_rate_limiter(), scope="login")
        return cart_services.CartView()

def thread_target():
    with session_scope() as session:  # runs in a worker thread: not on the loop
        return session.exec("select 1")
"""
    found = [line.split(" ", 1)[1] for line in blocking_calls(source)]
    assert found == [
        "direct: cart_services.get_cart()",
        "limited: check_login()",
        "sync_handler: session_scope()",
        "sync_handler: session.exec()",
    ]
