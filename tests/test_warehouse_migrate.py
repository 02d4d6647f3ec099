"""Migrations: applied in order once, recorded with checksums, refused when an applied file changed."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import psycopg
import pytest

from warehouse.db import connect
from warehouse.migrate import MIGRATIONS_DIR, MigrationError, apply_migrations, discover, migration_status

TABLES = {"sources", "crawl_runs", "articles", "article_urls", "run_articles", "schema_migrations"}
VIEWS = {"latest_articles", "articles_per_source_day", "article_locations", "recent_runs"}


def _relations(url: str, kind: str) -> set[str]:
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = %s",
            (kind,),
        ).fetchall()
    return {name for (name,) in rows}


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    """A copy of the package's migrations that a test may edit."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    return folder


def test_applies_every_file_from_empty(database_url: str) -> None:
    applied = apply_migrations(database_url)
    assert applied == [m.name for m in discover()]
    assert applied[0] == "0001_init"
    assert _relations(database_url, "r") >= TABLES
    assert _relations(database_url, "v") >= VIEWS
    with connect(database_url) as conn:
        recorded = conn.execute(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
        ).fetchall()
    assert recorded == [(m.version, m.name, m.checksum) for m in discover()]


def test_reapplying_is_a_no_op(database_url: str) -> None:
    apply_migrations(database_url)
    with connect(database_url) as conn:
        before = conn.execute("SELECT * FROM schema_migrations ORDER BY version").fetchall()
        assert apply_migrations(conn) == []
        assert conn.execute("SELECT * FROM schema_migrations ORDER BY version").fetchall() == before


def test_new_file_is_applied_alone(database_url: str, migrations: Path) -> None:
    apply_migrations(database_url, migrations)
    (migrations / "0099_extra.sql").write_text("CREATE TABLE extra (id int);\n")
    assert apply_migrations(database_url, migrations) == ["0099_extra"]
    assert "extra" in _relations(database_url, "r")


def test_edited_applied_file_is_refused(database_url: str, migrations: Path) -> None:
    apply_migrations(database_url, migrations)
    (migrations / "0099_extra.sql").write_text("CREATE TABLE extra (id int);\n")
    init = migrations / "0001_init.sql"
    init.write_text(init.read_text() + "\nCREATE TABLE sneaked_in (id int);\n")
    with pytest.raises(MigrationError, match=r"0001_init\.sql changed after it was applied"):
        apply_migrations(database_url, migrations)
    # Refused before anything ran: neither the edit nor the new file was applied.
    assert not {"sneaked_in", "extra"} & _relations(database_url, "r")
    with connect(database_url) as conn:
        states = {s.name: s.state for s in migration_status(conn, migrations)}
    expected = {m.name: "applied" for m in discover()} | {"0001_init": "changed", "0099_extra": "pending"}
    assert states == expected


def test_missing_applied_file_is_refused(database_url: str, migrations: Path) -> None:
    apply_migrations(database_url, migrations)
    (migrations / "0002_views.sql").unlink()
    with pytest.raises(MigrationError, match=r"0002_views\.sql is recorded as applied but .* missing"):
        apply_migrations(database_url, migrations)
    with connect(database_url) as conn:
        states = {s.name: s.state for s in migration_status(conn, migrations)}
    assert states == {m.name: "applied" for m in discover()} | {"0002_views": "missing"}


def test_failing_file_is_rolled_back_and_not_recorded(database_url: str, migrations: Path) -> None:
    (migrations / "0099_broken.sql").write_text("CREATE TABLE half_done (id int);\nSELECT no_such_column;\n")
    with pytest.raises(MigrationError, match=r"0099_broken\.sql failed"):
        apply_migrations(database_url, migrations)
    assert "half_done" not in _relations(database_url, "r")
    with connect(database_url) as conn:
        states = [s.state for s in migration_status(conn, migrations)]
    assert states == ["applied"] * len(discover()) + ["pending"]


def test_badly_named_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "1_init.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"NNNN_lower_case_name\.sql"):
        discover(tmp_path)


def test_status_of_an_empty_database_is_all_pending(database_url: str) -> None:
    with connect(database_url) as conn:
        assert {s.state for s in migration_status(conn)} == {"pending"}


def test_refuses_a_connection_inside_a_transaction(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("SELECT 1")
        with pytest.raises(MigrationError, match="open transaction"):
            apply_migrations(conn)


def test_concurrent_workers_apply_each_file_once(database_url: str) -> None:
    barrier = threading.Barrier(4)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with connect(database_url) as conn:
                barrier.wait()
                results.append(apply_migrations(conn))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results, key=len) == [[], [], [], [m.name for m in discover()]]


def test_body_uses_lz4_where_the_server_has_it(migrated_url: str) -> None:
    with connect(migrated_url) as conn:
        (options,) = conn.execute(
            "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
        ).fetchone()
        (method,) = conn.execute(
            "SELECT attcompression FROM pg_attribute"
            " WHERE attrelid = 'articles'::regclass AND attname = 'body'"
        ).fetchone()
    assert method == ("l" if "lz4" in options else "")
