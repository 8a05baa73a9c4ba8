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


def _raced_writer(engine, tries: list[int], races: int):
    """A unit that reads, lets another connection commit a write (the first ``races`` times),
    then writes: what two shoppers registering at once do."""

    def unit(*, session):
        tries.append(1)
        session.exec(sa.select(sa.func.count()).select_from(User)).one()  # the read snapshot
        if len(tries) <= races:
            other = threading.Thread(target=_commit_user, args=(engine,))
            other.start()
            other.join()
        user = User(email=f"busy-{uuid.uuid4().hex[:8]}@example.com")
        session.add(user)
        session.flush()
        return user.email

    return unit


def _commit_user(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(User.__table__).values(id=uuid.uuid4(), email=f"other-{uuid.uuid4().hex[:8]}@example.com")
        )


def test_a_unit_that_lost_the_race_runs_again_and_commits(sqlite_app):
    tries: list[int] = []
    email = run_unit(_raced_writer(sqlite_app, tries, races=1))
    assert len(tries) == 2
    with sqlite_app.connect() as conn:
        assert (
            conn.execute(
                sa.select(sa.func.count()).select_from(User.__table__).where(User.__table__.c.email == email)
            ).scalar()
            == 1
        )


def test_a_unit_that_keeps_losing_fails_after_a_few_tries(sqlite_app):
    tries: list[int] = []
    with pytest.raises(sa.exc.OperationalError, match="locked"):
        run_unit(_raced_writer(sqlite_app, tries, races=99))
    assert len(tries) == db_module.SQLITE_BUSY_TRIES


def test_other_errors_are_not_tried_again(sqlite_app):
    tries: list[int] = []

    def unit(*, session):
        tries.append(1)
        session.exec(sa.text("select * from no_such_table")).all()

    with pytest.raises(sa.exc.OperationalError, match="no such table"):
        run_unit(unit)
    assert tries == [1]
