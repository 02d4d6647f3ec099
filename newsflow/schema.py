"""Bring the warehouse schema up to date before a crawl or load, without needing DDL rights when it already is.

``apply_migrations`` starts with ``CREATE TABLE IF NOT EXISTS schema_migrations``, which
PostgreSQL refuses to a role without CREATE on the schema even when the table exists. A
least-privilege loader role (docs/security.md) must still be able to load, so migrations are
applied only when some are pending. ``NEWSFLOW_APPLY_MIGRATIONS=false`` never applies them:
pending migrations then fail the task with a message saying to run ``newsflow migrate`` as
the owner role.
"""

from __future__ import annotations

import os

import psycopg

from warehouse.migrate import MigrationError, apply_migrations, migration_status

APPLY_ENV = "NEWSFLOW_APPLY_MIGRATIONS"


def applying_enabled() -> bool:
    return os.environ.get(APPLY_ENV, "true").strip().lower() not in {"0", "false", "no", "off"}


def ensure_schema(conn: psycopg.Connection) -> list[str]:
    """Apply pending migrations (names returned); nothing, and no DDL, when none is pending."""
    behind = [s for s in migration_status(conn) if s.state != "applied"]
    if not behind:
        return []
    names = ", ".join(f"{s.name} ({s.state})" for s in behind)
    if not applying_enabled():
        raise MigrationError(f"the warehouse schema is behind: {names}; {APPLY_ENV} is false, so apply them with"
                             " `newsflow migrate` as the owner role")
    try:
        return apply_migrations(conn)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise MigrationError(f"the warehouse schema is behind ({names}) and this role may not change it ({exc});"
                             " apply them with `newsflow migrate` as the owner role") from exc
