"""Pages with the database down: the page loads' own handlers, called directly against a database
server that refuses connections, end in the one "try again" banner (``state/outage.py``), never in
Reflex's error toast; other errors keep Reflex's default handling."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from marque_app.services import cache
from marque_app.services.db import is_unavailable, make_engine
from marque_app.settings import get_settings
from tests.procutil import free_port
from tests.statetest import bind_app, state_tree


@pytest.fixture
def down(monkeypatch) -> Iterator[dict]:
    """The app bound to a PostgreSQL address nothing listens on (a stopped server)."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/marque"
    engine = make_engine(url)
    bind_app(monkeypatch, url, engine)
    cache.clear_local()  # the pages' process-local tier: this test reads the database
    from marque_app.state.header import HeaderState
    from marque_app.state.home import HomeState
    from marque_app.state.listing import BrandsState
    from marque_app.state.outage import OutageState

    _, sub = state_tree()
    yield {
        "sub": sub,
        "loads": [
            (HomeState, HomeState.load_home),
            (HeaderState, HeaderState.load_header),
            (BrandsState, BrandsState.load_brands),
        ],
        "outage": OutageState,
    }
    engine.dispose()
    get_settings.cache_clear()


def run(handler, state):
    """Call an event handler as Reflex would: sync, async, or a (async) generator, to its end."""
    result = handler.fn(state)
    if inspect.iscoroutine(result):
        return asyncio.run(result)
    if inspect.isasyncgen(result):

        async def drain():
            return [item async for item in result]

        return asyncio.run(drain())
    if inspect.isgenerator(result):
        return list(result)
    return result


def test_a_page_load_with_the_database_down_shows_the_try_again_banner(down):
    from marque_app.marque_app import app
    from marque_app.state.outage import OUTAGE, backend_exception_handler

    assert app.backend_exception_handler is backend_exception_handler  # accepted by Reflex's checks
    sub, outage = down["sub"], down["sub"](down["outage"])
    for cls, load in down["loads"]:
        with pytest.raises(sa.exc.OperationalError) as raised:
            run(load, sub(cls))
        assert is_unavailable(raised.value)
        events = backend_exception_handler(raised.value)
        names = [getattr(e.handler, "fn", None) for e in events]
        assert down["outage"].show_outage.fn in names, f"{cls.__name__}: {events}"
        assert OUTAGE in str(events[-1])  # the toast, for pages without the banner (admin)
    run(down["outage"].show_outage, outage)
    assert outage.is_down is True
    again = run(down["outage"].try_again, outage)
    assert outage.is_down is False and "window.location.reload()" in str(again)
    run(down["outage"].show_outage, outage)
    run(down["outage"].clear_outage, outage)  # the next page load starts clean
    assert outage.is_down is False

    # the storefront's one frame event clears the banner before it loads anything
    from marque_app.state.frame import FrameState

    run(down["outage"].show_outage, outage)
    with pytest.raises(sa.exc.OperationalError) as raised:
        run(FrameState.load_frame, sub(FrameState))
    assert outage.is_down is False
    assert down["outage"].show_outage.fn in [
        getattr(e.handler, "fn", None) for e in backend_exception_handler(raised.value)
    ]


def test_other_errors_keep_reflexs_own_handling(down):
    from marque_app.state.outage import backend_exception_handler

    events = backend_exception_handler(ValueError("a bug"))
    assert len(events) == 1 and "An error occurred" in str(events[0])
    assert not is_unavailable(ValueError("a bug"))
    assert not is_unavailable(sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key")))


def test_the_banner_is_in_every_storefront_page_layout():
    from marque_app.components.layout import page_layout

    rendered = str(page_layout())
    assert "outage-banner" in rendered and "outage-retry" in rendered
