"""Apply the numbered SQL files of ``warehouse/migrations`` in order, once each, under a lock.

A file ``NNNN_name.sql`` runs in its own transaction and is recorded in ``schema_migrations``
with its sha256. Applied files are never edited: a changed or missing applied file stops
everything with ``MigrationError`` before anything runs. Files therefore cannot use
statements that refuse a transaction block (``CREATE INDEX CONCURRENTLY``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg.pq import TransactionStatus

from warehouse.db import connect

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# A fixed advisory-lock key: every process applying newsflow migrations takes the same one.
_LOCK_KEY = 0x4E46_0000_0001
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(RuntimeError):
    """The migrations cannot be applied; the message names the file and what to do."""


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    """The file name without ``.sql`` (``0001_init``)."""
    path: Path
    checksum: str
    """sha256 of the file's bytes."""


@dataclass(frozen=True)
class MigrationStatus:
    """Where one migration stands in a database."""

    version: int
    name: str
    state: str
    """``applied``, ``pending``, ``changed`` (file edited after it was applied) or ``missing`` (file gone)."""
    applied_at: datetime | None


def discover(directory: Path | None = None) -> list[Migration]:
    """The migration files of ``directory`` (the package's own by default), in version order."""
    directory = Path(directory or MIGRATIONS_DIR)
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_lower_case_name.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path}: version {version} is also {found[version].path.name}")
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
        found[version] = Migration(version, path.stem, path, checksum)
    return [found[v] for v in sorted(found)]


def apply_migrations(conn_or_url: psycopg.Connection | str, directory: Path | None = None) -> list[str]:
    """Apply the pending migrations; return their names (empty when the database is up to date)."""
    migrations = discover(directory)
    if isinstance(conn_or_url, str):
        with connect(conn_or_url) as conn:
            return _apply(conn, migrations)
    return _apply(conn_or_url, migrations)


def migration_status(conn: psycopg.Connection, directory: Path | None = None) -> list[MigrationStatus]:
    """Every migration known to the files or the database, with its state, in version order."""
    files = {m.version: m for m in discover(directory)}
    applied = _applied(conn) if _has_table(conn) else {}
    statuses = []
    for version in sorted(files.keys() | applied.keys()):
        file, record = files.get(version), applied.get(version)
        if record is None:
            statuses.append(MigrationStatus(version, file.name, "pending", None))
            continue
        name, checksum, applied_at = record
        if file is None:
            state = "missing"
        elif (file.name, file.checksum) != (name, checksum):
            state = "changed"
        else:
            state = "applied"
        statuses.append(MigrationStatus(version, name, state, applied_at))
    return statuses


def _apply(conn: psycopg.Connection, migrations: list[Migration]) -> list[str]:
    done: list[str] = []
    with _autocommit(conn), _session_lock(conn):
        conn.execute(_CREATE_TABLE)
        applied = _applied(conn)
        _refuse_drift(migrations, applied)
        for migration in migrations:
            if migration.version in applied:
                continue
            try:
                with conn.transaction():
                    conn.execute(migration.path.read_text(encoding="utf-8"))
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
            except psycopg.Error as exc:
                raise MigrationError(f"{migration.path.name} failed and was rolled back: {exc}") from exc
            done.append(migration.name)
    return done


def _refuse_drift(migrations: list[Migration], applied: dict[int, tuple[str, str, datetime]]) -> None:
    files = {m.version: m for m in migrations}
    for version, (name, checksum, _) in sorted(applied.items()):
        file = files.get(version)
        if file is None:
            raise MigrationError(
                f"migration {name}.sql is recorded as applied but its file is missing; restore it"
            )
        if (file.name, file.checksum) != (name, checksum):
            raise MigrationError(
                f"migration {file.path.name} changed after it was applied as {name}.sql "
                f"(sha256 {checksum[:12]}... then, {file.checksum[:12]}... now): restore the applied "
                "file and put the change in a new numbered migration"
            )


def _applied(conn: psycopg.Connection) -> dict[int, tuple[str, str, datetime]]:
    rows = conn.execute("SELECT version, name, checksum, applied_at FROM schema_migrations").fetchall()
    return {version: (name, checksum, applied_at) for version, name, checksum, applied_at in rows}


def _has_table(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]


@contextmanager
def _autocommit(conn: psycopg.Connection) -> Iterator[None]:
    # Each file must commit on its own, and the session lock must not sit in an open transaction.
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise MigrationError("the connection has an open transaction: commit or roll it back first")
    previous = conn.autocommit
    conn.autocommit = True
    try:
        yield
    finally:
        if not conn.closed:
            conn.autocommit = previous


@contextmanager
def _session_lock(conn: psycopg.Connection) -> Iterator[None]:
    # A session lock (not per transaction) so that the check of what is applied and the files
    # applied after it are one critical section across workers.
    conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
    try:
        yield
    finally:
        if not conn.closed:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
