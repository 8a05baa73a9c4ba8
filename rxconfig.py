"""Reflex configuration. Secrets never live here: every field can be set from the environment
(REFLEX_DB_URL, REFLEX_REDIS_URL, REFLEX_FRONTEND_PORT, ...)."""

import os

import reflex as rx

from marque_app.settings import default_db_url

_port = int(os.environ.get("MARQUE_PORT", "3000"))

config = rx.Config(
    app_name="marque_app",
    db_url=default_db_url(),
    frontend_port=_port,
    backend_port=_port,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    state_auto_setters=False,
    frozen_lockfile=True,
    plugins=[rx.plugins.SitemapPlugin(), rx.plugins.TailwindV4Plugin()],
    disable_plugins=[],
)
