"""For the db tests that call Reflex state handlers directly (no page, no websocket): a database
of the test module's own, the app's settings and engine pointed at it, and a fresh state tree."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

import marque_app.services.db as db_module
from marque_app.services import migrations
from marque_app.services.auth.tokens import issue_token
from marque_app.services.db import make_engine
from marque_app.settings import get_settings
from tests.dbutil import scratch_database


@contextmanager
def module_database(tmp_path_factory, name: str) -> Iterator[tuple[str, sa.Engine]]:
    """A migrated database of one test module alone (its tests commit; other modules expect
    theirs empty): its URL and an engine."""
    with scratch_database(tmp_path_factory.mktemp(name)) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        try:
            yield url, engine
        finally:
            engine.dispose()


def bind_app(monkeypatch, db_url: str, engine: sa.Engine) -> None:
    """Point the app's settings and engine at this database (no Redis); undo with
    ``get_settings.cache_clear()`` after monkeypatch has restored the environment."""
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    get_settings.cache_clear()
    import marque_app.marque_app  # noqa: F401  (registers every state)


def state_tree() -> tuple[object, Callable]:
    """A fresh root state and ``sub(cls)``, the substate of ``cls`` in it."""
    from reflex.state import State

    root = State(_reflex_internal_init=True)
    return root, lambda cls: root.get_substate(cls.get_full_name().split("."))


def token_for(user) -> str:
    return issue_token(user_id=user.id, role=user.role, email=user.email).access_token
