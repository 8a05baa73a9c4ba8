"""SQLite refuses a transaction that read and then writes after another connection committed
("database is locked", at once: WAL keeps its stale snapshot). Under many shoppers on ``make run``
that is a lost race, not an outage: ``services.db.run_unit`` (every state handler's service call)
runs such a unit again from the start; any other error goes up at once."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

import marque_app.services.db as db_module
from marque_app.models import User
from marque_app.services.db import make_engine, run_unit


@pytest.fixture
def sqlite_app(tmp_path, monkeypatch):
    # SQLite's own behaviour, on a file of its own also in the PostgreSQL run (PostgreSQL waits
    # for the row lock instead)
    from marque_app.services import migrations

    url = f"sqlite:///{tmp_path / 'busy.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    yield engine
    engine.dispose()


@pytest.fixture
def racer(sqlite_app):
    """Another connection to the same file that gives up after 0.2 s when it cannot write."""
    engine = sa.create_engine(sqlite_app.url, connect_args={"timeout": 0.2})
    yield engine
    engine.dispose()


def _raced_writer(racer, tries: list[int], races: int, outcomes: list[str]):
    """A unit that reads, lets another connection try to commit a write (the first ``races``
    times), then writes: what two shoppers registering at once do."""

    def unit(*, session):
        tries.append(1)
        session.exec(sa.select(sa.func.count()).select_from(User)).one()  # the read snapshot
        if len(tries) <= races:
            other = threading.Thread(target=_commit_user, args=(racer, outcomes))
            other.start()
            other.join()
        user = User(email=f"busy-{uuid.uuid4().hex[:8]}@example.com")
        session.add(user)
        session.flush()
        return user.email

    return unit


def _commit_user(racer, outcomes: list[str]) -> None:
    try:
        with racer.begin() as conn:
            conn.execute(
                sa.insert(User.__table__).values(id=uuid.uuid4(), email=f"other-{uuid.uuid4().hex[:8]}@example.com")
            )
        outcomes.append("committed")
    except sa.exc.OperationalError as err:
        assert "locked" in str(err)
        outcomes.append("waited")


def _saved(engine, email: str) -> int:
    users = User.__table__
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(users).where(users.c.email == email)).scalar()


def test_a_unit_that_lost_the_race_runs_again_and_commits(sqlite_app, racer):
    tries: list[int] = []
    outcomes: list[str] = []
    email = run_unit(_raced_writer(racer, tries, races=1, outcomes=outcomes))
    assert (len(tries), outcomes) == (2, ["committed"])
    assert _saved(sqlite_app, email) == 1


def test_the_next_try_holds_the_write_lock_so_it_cannot_lose_again(sqlite_app, racer):
    # Every try lets the other connection try to write between its read and its write: the
    # first loses to it; the second took the write lock as it began, so the other one waits
    # (and here gives up) and the unit commits.
    tries: list[int] = []
    outcomes: list[str] = []
    email = run_unit(_raced_writer(racer, tries, races=99, outcomes=outcomes))
    assert (len(tries), outcomes) == (2, ["committed", "waited"])
    assert _saved(sqlite_app, email) == 1


def test_a_unit_that_keeps_being_refused_fails_after_a_few_tries(sqlite_app):
    # Refused however it begins (the busy timeout ran out each time): a few tries, then the error.
    tries: list[int] = []

    def unit(*, session):
        tries.append(1)
        session.exec(sa.select(sa.func.count()).select_from(User)).one()
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    with pytest.raises(sa.exc.OperationalError, match="locked"):
        run_unit(unit)
    assert len(tries) == db_module.SQLITE_BUSY_TRIES


def test_other_errors_are_not_tried_again(sqlite_app):
    tries: list[int] = []

    def unit(*, session):
        tries.append(1)
        session.exec(sa.text("select * from no_such_table")).all()

    with pytest.raises(sa.exc.OperationalError, match="no such table"):
        run_unit(unit)
    assert tries == [1]
