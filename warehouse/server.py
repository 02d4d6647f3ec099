"""A PostgreSQL server for development and tests: find or start one, and make throwaway databases on it."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from warehouse.db import connect, redact

ADMIN_URL_ENV = "NEWSFLOW_PG_ADMIN_URL"
LOCAL_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_SYSTEM_DATABASES = {"postgres", "template0", "template1"}

log = logging.getLogger(__name__)


def find_postgres(data_dir: Path, *, local_url: str = LOCAL_ADMIN_URL) -> str:
    """An admin URL (database ``postgres``) of a running server.

    In order: ``$NEWSFLOW_PG_ADMIN_URL``; a server answering at ``local_url`` within 2 s;
    else an embedded PostgreSQL 16 (``pgserver``) whose files live in ``data_dir``. The
    embedded server listens on a unix socket only and is left running for the next caller.
    """
    explicit = os.environ.get(ADMIN_URL_ENV, "").strip()
    if explicit:
        return explicit
    try:
        with connect(local_url, connect_timeout=2):
            return local_url
    except psycopg.OperationalError as exc:
        log.info("no server at %s (%s); starting an embedded one in %s", redact(local_url), exc, data_dir)
    # Imported here: pgserver is only needed when no server runs, and importing it has side effects.
    import pgserver

    data_dir = Path(data_dir)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    return server.get_uri(database="postgres")


def database_url_for(admin_url: str, name: str) -> str:
    """``admin_url`` pointing at database ``name`` instead (URL or key=value form kept)."""
    _check_name(name)
    if "://" in admin_url:
        parts = urlsplit(admin_url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    return make_conninfo(admin_url, dbname=name)


def create_database(admin_url: str, name: str) -> str:
    """Create an empty database ``name`` and return its URL."""
    _check_name(name)
    with connect(admin_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url_for(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, disconnecting its sessions first."""
    _check_name(name)
    if name in _SYSTEM_DATABASES:
        raise ValueError(f"refusing to drop the system database {name!r}")
    with connect(admin_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _check_name(name: str) -> None:
    # Quoting alone would accept any name; these are names we make, so refuse surprises early.
    if not _DATABASE_NAME.match(name):
        raise ValueError(f"database name {name!r} must be lower-case letters, digits and '_' (at most 63)")
