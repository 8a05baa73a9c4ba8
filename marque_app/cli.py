"""Marque's command line: ``python -m marque_app.cli <command>``.

setup      check the settings, migrate the database, load the demo store into an empty one
migrate    apply the Alembic migrations
seed       load the demo store (only into an empty catalog)
generate   add a large synthetic catalog for benchmarks (``--products 100000``)
backup     write the database and the uploads into one archive (``--out DIR``, ``--keep N``)
restore    restore an archive into an empty database and upload folder (``--force`` to replace)
check      check the settings, the schema (at the migration head) and the port; change nothing
serve      serve a frontend built before (``reflex export --frontend-only --no-zip``, the image
           build) and the backend on MARQUE_PORT: no compile, no bun, never migrates (deploy/)
create-admin  create an admin account (``--email``; the password is asked for, or read from stdin)
set-role   change an account's role (``--email`` or ``--phone``, ``--role admin``); logged
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import time

from marque_app.settings import get_settings

log = logging.getLogger("marque")


def _setup(args) -> None:
    from marque_app.services import migrations, preflight, seed
    from marque_app.services.db import session_scope

    settings = get_settings()
    settings.check_production()
    settings.check_cors()
    preflight.check_database(settings.db_url)
    preflight.check_redis(settings.redis_url)
    started = time.perf_counter()
    migrations.upgrade(settings.db_url)
    with session_scope() as session:
        if settings.seed_demo and settings.env == "production":
            # The demo store comes with accounts whose passwords are published in the README.
            log.warning("MARQUE_ENV=production: the demo store and its demo accounts are not loaded")
        elif settings.seed_demo and seed.is_empty(session=session):
            counts = seed.load_demo(session=session, seed=settings.demo_seed)
            counts.update(_history(session, settings))
            log.info("demo store loaded: %s", ", ".join(f"{v} {k}" for k, v in counts.items()))
        else:
            log.info("catalog already loaded: nothing to seed")
    log.info("database ready in %.1f s (%s)", time.perf_counter() - started, preflight.redact(settings.db_url))


def _history(session, settings) -> dict[str, int]:
    """The demo store's ~90 days of orders and events, when ``MARQUE_DEMO_HISTORY`` wants them."""
    if not settings.wants_demo_history():
        return {}
    from marque_app.services import demo_history

    started = time.perf_counter()
    session.flush()
    counts = demo_history.load_history(session=session, seed=settings.demo_seed)
    log.info("demo history: %d days in %.1f s", demo_history.DAYS, time.perf_counter() - started)
    return counts


def _migrate(args) -> None:
    from marque_app.services import migrations, preflight

    settings = get_settings()
    preflight.check_database(settings.db_url)
    migrations.upgrade(settings.db_url)
    log.info("migrated to %s", migrations.head_revision())


def _prune(args) -> None:
    from marque_app.services import housekeeping

    removed = housekeeping.run_once()
    if removed is None:
        log.info("another instance holds the housekeeping lock: nothing done")
    else:
        log.info("removed %s", removed)


def _flush_alerts(args) -> None:
    from marque_app.services import stock_alerts

    result = stock_alerts.flush_once()
    log.info("stock alerts: %d sent, %d failed, %d sold out again", result.sent, result.failed, result.waiting)


def _upload_dir():
    from pathlib import Path

    from reflex.environment import environment

    return Path(environment.REFLEX_UPLOADED_FILES_DIR.get())


def _backup(args) -> None:
    from pathlib import Path

    from marque_app.services import backup, preflight

    settings = get_settings()
    preflight.check_database(settings.db_url)
    out = Path(args.out or settings.backup_dir)
    started = time.perf_counter()
    archive = backup.backup(db_url=settings.db_url, upload_dir=_upload_dir(), out_dir=out)
    log.info(
        "backup written: %s (%.1f MB in %.1f s)", archive, archive.stat().st_size / 1e6, time.perf_counter() - started
    )
    if args.keep:
        for old in backup.prune_backups(out, keep=args.keep):
            log.info("removed old backup %s", old.name)


def _restore(args) -> None:
    from pathlib import Path

    from marque_app.services import backup, cache, preflight

    settings = get_settings()
    preflight.check_database(settings.db_url)
    started = time.perf_counter()
    done = backup.restore(
        archive=Path(args.archive), db_url=settings.db_url, upload_dir=_upload_dir(), force=args.force
    )
    cache.invalidate_catalog()  # a running store must not keep serving the old catalog
    log.info(
        "restored %s into %s: %d rows in %d tables, %d uploads (%.1f s); checksums match",
        done.archive.name,
        preflight.redact(settings.db_url),
        sum(done.tables.values()),
        len(done.tables),
        done.uploads,
        time.perf_counter() - started,
    )


def _seed(args) -> None:
    from marque_app.services import cache, seed
    from marque_app.services.db import session_scope

    if get_settings().env == "production":
        raise SystemExit("error: the demo store (with published demo passwords) is not for production")
    with session_scope() as session:
        if not seed.is_empty(session=session):
            log.info("the catalog is not empty: the demo store is loaded only into an empty one")
            return
        counts = seed.load_demo(session=session, seed=get_settings().demo_seed)
        counts.update(_history(session, get_settings()))
    cache.invalidate_catalog()  # a running store must not keep serving the old catalog
    log.info("demo store loaded: %s", counts)


def _generate(args) -> None:
    from marque_app.services import generator
    from marque_app.services.db import session_scope

    with session_scope() as session:
        result = generator.generate(session=session, products=args.products, seed=args.seed)
    log.info("generated: %s", result)


def _check(args) -> None:
    from marque_app.services import preflight

    settings = get_settings()
    settings.check_production()
    settings.check_cors()
    preflight.check_database(settings.db_url)
    preflight.check_schema(settings.db_url)
    preflight.check_redis(settings.redis_url)
    if args.port:
        preflight.check_port(settings.port)
    log.info("settings ok")


def _read_password(prompt: str = "Password for the new admin: ") -> str:
    """The password from a prompt (asked twice) or, when stdin is not a terminal, its first line.

    Never from argv: the command line of a process is visible to every user of the machine and
    stays in shell history.
    """
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _operator() -> str:
    try:
        return f"(command line: {getpass.getuser()})"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "(command line)"


def _check_migrated(url: str) -> None:
    from marque_app.services import preflight

    preflight.check_schema(url)


def _create_admin(args) -> None:
    from marque_app.domain.auth import AuthError
    from marque_app.services import preflight
    from marque_app.services.auth import admins
    from marque_app.services.db import session_scope

    settings = get_settings()
    preflight.check_database(settings.db_url)
    _check_migrated(settings.db_url)
    password = _read_password()
    try:
        with session_scope() as session:
            user = admins.create_admin(
                session=session,
                email=args.email,
                password=password,
                phone=args.phone,
                first_name=args.first_name,
                last_name=args.last_name,
                actor_email=_operator(),
            )
    except AuthError as err:
        raise preflight.StartupError(err.message) from None
    log.info(
        "admin %s created (%s); log in at %s/login?next=/admin", user.email, user.id, settings.public_url.rstrip("/")
    )


def _set_role(args) -> None:
    from marque_app.domain.auth import AuthError
    from marque_app.services import preflight
    from marque_app.services.auth import admins
    from marque_app.services.db import session_scope

    settings = get_settings()
    preflight.check_database(settings.db_url)
    _check_migrated(settings.db_url)
    try:
        with session_scope() as session:
            user = admins.set_role(
                session=session, email=args.email or "", phone=args.phone or "", role=args.role, actor_email=_operator()
            )
    except AuthError as err:
        raise preflight.StartupError(err.message) from None
    log.info("%s is now %s", user.email or user.phone, user.role.value)


def _serve(args) -> None:
    """What ``reflex run --env prod`` serves (pages, websocket, API on MARQUE_PORT, granian), but
    from the frontend built at image build time: ``reflex run`` compiles and builds the frontend
    again at every start (bun and ~1 min of CPU), which a container or a VM unit must not."""
    from reflex.utils import exec as rx_exec
    from reflex.utils import prerequisites
    from reflex_base.config import get_config
    from reflex_base.constants import Dirs, Env
    from reflex_base.environment import environment

    from marque_app.services import preflight

    settings = get_settings()
    preflight.check_database(settings.db_url)
    preflight.check_schema(settings.db_url)  # instances never migrate: `cli migrate` is a deploy step
    preflight.check_redis(settings.redis_url)
    config = get_config()
    static = prerequisites.get_web_dir() / Dirs.STATIC / config.frontend_path.strip("/")
    if not (static / "index.html").is_file():
        raise preflight.StartupError(
            f"no frontend build in {static}; build it once per release with `reflex export "
            "--frontend-only --no-zip` (the image build does), with the same REFLEX_WEB_WORKDIR"
        )
    environment.REFLEX_ENV_MODE.set(Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)
    log.info("serving %s on port %d (instance %s)", static, settings.port, settings.instance_id or "-")
    rx_exec.run_backend_prod(
        config.backend_host, settings.port, config.loglevel.subprocess_level(), mount_frontend_compiled_app=True
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("marque").setLevel(logging.INFO)
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)
    parser = argparse.ArgumentParser(
        prog="python -m marque_app.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup").set_defaults(func=_setup)
    sub.add_parser("migrate").set_defaults(func=_migrate)
    sub.add_parser("seed").set_defaults(func=_seed)
    sub.add_parser(
        "prune", help="forget cart op ids older than 30 days; delete uploaded pictures nothing refers to"
    ).set_defaults(func=_prune)
    sub.add_parser(
        "flush-alerts", help="send the due back-in-stock alerts now (the app does it every 30 s)"
    ).set_defaults(func=_flush_alerts)
    bak = sub.add_parser(
        "backup",
        help="the database (pg_dump custom format, or SQLite's online "
        "backup) and the uploads in one .tar with a manifest of counts and checksums",
    )
    bak.add_argument("--out", default=None, help="folder for the archive (default MARQUE_BACKUP_DIR)")
    bak.add_argument("--keep", type=int, default=0, help="then delete all but the newest N archives there")
    bak.set_defaults(func=_backup)
    res = sub.add_parser("restore", help="restore an archive into an empty database and upload folder")
    res.add_argument("archive")
    res.add_argument("--force", action="store_true", help="replace a database or uploads that are not empty")
    res.set_defaults(func=_restore)
    gen = sub.add_parser("generate")
    gen.add_argument("--products", type=int, default=100_000)
    gen.add_argument("--seed", type=int, default=7)
    gen.set_defaults(func=_generate)
    admin = sub.add_parser(
        "create-admin",
        help="create an admin account; the password is asked for (or read from stdin), never given as an argument",
    )
    admin.add_argument("--email", required=True)
    admin.add_argument("--phone", default=None, help="also log in with a code texted to this number")
    admin.add_argument("--first-name", default="")
    admin.add_argument("--last-name", default="")
    admin.set_defaults(func=_create_admin)
    role = sub.add_parser("set-role", help="change an account's role (written to the activity log)")
    who = role.add_mutually_exclusive_group(required=True)
    who.add_argument("--email")
    who.add_argument("--phone")
    role.add_argument("--role", required=True, help="customer, admin, support or vendor")
    role.set_defaults(func=_set_role)
    check = sub.add_parser("check")
    check.add_argument("--port", action="store_true", help="also check that MARQUE_PORT is free")
    check.set_defaults(func=_check)
    sub.add_parser(
        "serve", help="serve the frontend built by `reflex export --frontend-only --no-zip` and the backend"
    ).set_defaults(func=_serve)
    args = parser.parse_args(argv)

    from marque_app.services.preflight import StartupError

    try:
        args.func(args)
    except StartupError as err:
        log.error("error: %s", err)
        return 2
    except ValueError as err:  # settings that fail validation: their last line says why
        log.error("error: %s", str(err).splitlines()[-1] if "validation" in str(err) else err)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
