"""Run Alembic from Python (no alembic.ini needed): upgrade, current revision, drift check."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from alembic import command
from marque_app.settings import PROJECT_ROOT

#: Search objects made by migration 0002 that are not models: the PostgreSQL did-you-mean
#: vocabulary and SQLite's FTS5 tables (with their shadow tables, products_fts_data, ...).
SEARCH_TABLES = ("search_terms", "products_fts")


def include_object(dialect_name: str):
    """Autogenerate's filter: PostgreSQL-only indexes (GIN, full text) exist only there."""

    def _include(obj, name, type_, reflected, compare_to) -> bool:
        if type_ == "table" and reflected and str(name).startswith(SEARCH_TABLES):
            return False
        if type_ == "index" and not reflected and obj.info.get("pg_only"):
            return dialect_name == "postgresql"
        return True

    return _include


def alembic_config(url: str | None = None, connection=None) -> Config:
    """An Alembic config pointing at ``alembic/``, optionally at a given URL or connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str | None = None, connection=None, revision: str = "head") -> None:
    """Bring the database up to ``revision``."""
    command.upgrade(alembic_config(url, connection), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
