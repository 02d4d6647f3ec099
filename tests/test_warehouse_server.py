"""Connections, database URLs and the development server: redaction, config errors, throwaway databases."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from warehouse import server
from warehouse.db import DATABASE_URL_ENV, DatabaseConfigError, connect, database_url, redact
from warehouse.load import load_run
from warehouse.migrate import apply_migrations


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:s3cret@db:5432/newsflow", "postgresql://app:***@db:5432/newsflow"),
        ("postgresql://app@db/newsflow?password=s3cret&sslmode=require",
         "postgresql://app@db/newsflow?password=***&sslmode=require"),
        ("host=db user=app password='s3 cret' dbname=newsflow",
         "host=db user=app password=*** dbname=newsflow"),
        ("postgresql://postgres@127.0.0.1:5432/postgres", "postgresql://postgres@127.0.0.1:5432/postgres"),
    ],
)
def test_redact_hides_passwords(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_database_url_prefers_explicit_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    with pytest.raises(DatabaseConfigError, match=DATABASE_URL_ENV):
        database_url()
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://env/newsflow")
    assert database_url() == "postgresql://env/newsflow"
    assert database_url("postgresql://flag/newsflow") == "postgresql://flag/newsflow"


def test_connection_errors_do_not_show_the_password() -> None:
    with pytest.raises(psycopg.OperationalError) as raised:
        connect("postgresql://app:s3cret@127.0.0.1:1/newsflow", connect_timeout=2)
    assert "s3cret" not in str(raised.value)
    assert "postgresql://app:***@127.0.0.1:1/newsflow" in str(raised.value)


def test_admin_url_from_the_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(server.ADMIN_URL_ENV, "postgresql://admin@elsewhere/postgres")
    assert server.find_postgres(tmp_path) == "postgresql://admin@elsewhere/postgres"


def test_database_url_for_keeps_the_server_part() -> None:
    assert server.database_url_for("postgresql://postgres:@/postgres?host=/run/pg", "newsflow_x") == (
        "postgresql://postgres:@/newsflow_x?host=/run/pg"
    )
    conninfo = server.database_url_for("host=db user=postgres dbname=postgres", "newsflow_x")
    assert conninfo_to_dict(conninfo) == {"host": "db", "user": "postgres", "dbname": "newsflow_x"}


@pytest.mark.parametrize("name", ["Newsflow", "news-flow", "x; DROP DATABASE postgres", "", "a" * 64])
def test_database_names_are_validated(name: str) -> None:
    with pytest.raises(ValueError, match="database name"):
        server.create_database("postgresql://unused/postgres", name)


def test_system_databases_are_never_dropped() -> None:
    with pytest.raises(ValueError, match="refusing to drop"):
        server.drop_database("postgresql://unused/postgres", "postgres")


def test_create_and_drop_a_database(pg_admin_url: str) -> None:
    name = f"newsflow_test_{uuid.uuid4().hex[:8]}"
    url = server.create_database(pg_admin_url, name)
    try:
        with connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (name,)
            # Dropping works with a session still open (WITH (FORCE)).
            server.drop_database(pg_admin_url, name)
    finally:
        server.drop_database(pg_admin_url, name)
    with connect(pg_admin_url) as admin:
        left = admin.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,)).fetchone()
    assert left == (0,)


def test_embedded_server_when_none_answers(
    monkeypatch: pytest.MonkeyPatch,
    make_article: Callable[..., dict[str, Any]], make_manifest: Callable[..., dict[str, Any]],
) -> None:
    """No admin URL, nothing on the probed port: an embedded server (no lz4 in its build) is started."""
    pgserver = pytest.importorskip("pgserver")
    monkeypatch.delenv(server.ADMIN_URL_ENV, raising=False)
    # Not under tmp_path: every pytest session resets pytest-of-<user> to mode 0700, which locks
    # out the system user pgserver runs the server as when the tests run as root.
    data_dir = Path(tempfile.mkdtemp(prefix="newsflow-pg-")) / "pg"
    url = server.find_postgres(data_dir, local_url="postgresql://postgres@127.0.0.1:1/postgres")
    try:
        assert (data_dir / "PG_VERSION").exists()
        with connect(url) as conn:
            notices: list[str] = []
            conn.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
            apply_migrations(conn)
            (options,) = conn.execute(
                "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
            ).fetchone()
            body = " ".join(f"문단{n * 7919 % 10007}" for n in range(3000))
            records = [make_article(1, body=body)]
            load_run(conn, make_manifest("run-1", records), {}, records)
            (method,) = conn.execute("SELECT pg_column_compression(body) FROM articles").fetchone()
        if "lz4" in options:
            assert method == "lz4"
        else:
            assert any("lz4 is not available" in n for n in notices)
            assert method == "pglz"
    finally:
        # find_postgres leaves the server running for the next caller; a test must not.
        embedded = pgserver.get_server(data_dir)
        embedded.cleanup_mode = "delete"
        embedded.cleanup()
        shutil.rmtree(data_dir.parent, ignore_errors=True)
