"""The least-privilege roles of docs/security.md, for real: the page's own SQL, run in a new database.

Roles get unique names (``nf_<hex>_owner``...) and are dropped after, with the database, so
the shared server keeps nothing. The loader runs a real crawl, load, check and failure record.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import errors
from psycopg.conninfo import make_conninfo

from newsflow.replay import ReplayServer
from newsflow.schema import APPLY_ENV, ensure_schema
from newsflow.tasks import CrawlFailed, check_output, load_output, record_failure, run_crawl
from tests.synthetic_site import build_site, source_toml
from warehouse.db import connect
from warehouse.migrate import MigrationError, apply_migrations

DOC = Path(__file__).resolve().parents[1] / "docs" / "security.md"


def doc_sql_blocks() -> list[str]:
    """The ```sql blocks of docs/security.md's roles section, in order: create, set up, grant."""
    section = DOC.read_text(encoding="utf-8").split("## Least-privilege database roles", 1)[1]
    return re.findall(r"```sql\n(.*?)```", section, re.DOTALL)


def statements(block: str) -> list[str]:
    """Split a block at the semicolons that end a line outside ``$$`` bodies (CREATE DATABASE needs its own)."""
    found, current, quoted = [], [], False
    for line in block.splitlines():
        current.append(line)
        quoted ^= line.count("$$") % 2 == 1
        if not quoted and line.rstrip().endswith(";"):
            found.append("\n".join(current))
            current = []
    return found


@pytest.fixture
def roles(pg_admin_url: str) -> Iterator[dict[str, str]]:
    tag = uuid.uuid4().hex[:8]
    names = {"owner": f"nf_{tag}_owner", "loader": f"nf_{tag}_loader", "analyst": f"nf_{tag}_analyst",
             "database": f"newsflow_test_{tag}"}
    try:
        yield names
    finally:
        with connect(pg_admin_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{names["database"]}" WITH (FORCE)')
            for role in ("analyst", "loader", "owner"):
                admin.execute(f'DROP ROLE IF EXISTS "{names[role]}"')


def rename(sql: str, names: dict[str, str]) -> str:
    for role in ("owner", "loader", "analyst"):
        sql = sql.replace(f"newsflow_{role}", names[role])
    return re.sub(r"\bDATABASE newsflow\b", f'DATABASE {names["database"]}', sql)


def test_least_privilege_roles_as_documented(
    pg_admin_url: str, roles: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create, setup, grants = (rename(block, roles) for block in doc_sql_blocks())
    with connect(pg_admin_url) as admin:
        for statement in statements(create):
            admin.execute(statement)
    superuser = make_conninfo(pg_admin_url, dbname=roles["database"])
    with connect(superuser) as conn:
        for statement in statements(setup):
            conn.execute(statement)
    owner, loader, analyst = (make_conninfo(superuser, user=roles[r]) for r in ("owner", "loader", "analyst"))
    apply_migrations(owner)
    with connect(owner) as conn:
        conn.execute(grants)

    # The loader crawls (incremental state, request budget), loads, checks and records a failure: no DDL needed.
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(tmp_path / "sources"))
    monkeypatch.setenv("NEWSFLOW_RUN_STORE", str(tmp_path / "runs"))
    build_site(tmp_path / "site", 6)
    server = ReplayServer(tmp_path / "site").start()
    source_toml(tmp_path / "sources", "least", feeds=[f"{server.base_url}/feed.xml"])
    try:
        manifest = run_crawl("least", "least-1", database_url=loader, log=lambda line: None)
        assert load_output(manifest["output_uri"], loader)["articles_new"] == 6
        check_output(manifest["output_uri"], loader)
        with pytest.raises(CrawlFailed):
            run_crawl("least", "least-2", urls=[f"{server.base_url}/missing"], database_url=loader,
                      log=lambda line: None)
        record_failure({"id": "least"}, "least-2", str(tmp_path / "runs" / "least" / "least-2"), loader, "failed")
    finally:
        server.stop()
    with connect(loader) as conn:
        assert ensure_schema(conn) == []
        assert conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM seen_urls").fetchone()[0] == 6
        for ddl in ("CREATE TABLE sneaky (x int)", "ALTER TABLE articles ADD COLUMN sneaky int",
                    "DROP TABLE run_checks", "TRUNCATE articles", "CREATE VIEW sneaky AS SELECT 1",
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'x', 'x')"):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(ddl)

    # A pending migration: the loader's task fails and says who must apply it.
    with connect(owner) as conn:
        last = conn.execute("DELETE FROM schema_migrations WHERE version = (SELECT max(version)"
                            " FROM schema_migrations) RETURNING version, name, checksum").fetchone()
    try:
        with connect(loader) as conn:
            with pytest.raises(MigrationError, match="as the owner role"):
                ensure_schema(conn)
            monkeypatch.setenv(APPLY_ENV, "false")
            with pytest.raises(MigrationError, match=f"{APPLY_ENV} is false"):
                ensure_schema(conn)
            monkeypatch.delenv(APPLY_ENV)
    finally:
        with connect(owner) as conn:
            conn.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)", last)

    # The analyst reads every view, and nothing else.
    with connect(analyst) as conn:
        views = [r[0] for r in conn.execute("SELECT viewname FROM pg_views WHERE schemaname = 'public'")]
        assert len(views) >= 10
        for view in views:
            conn.execute(f'SELECT * FROM "{view}" LIMIT 1').fetchall()
        assert conn.execute("SELECT count(*) FROM latest_articles").fetchone()[0] == 6
        for forbidden in ("SELECT * FROM articles LIMIT 1", "SELECT * FROM crawl_runs LIMIT 1",
                          "INSERT INTO sources (source_id, name) VALUES ('x', 'x')",
                          "INSERT INTO latest_articles (article_id) VALUES (1)",
                          "UPDATE crawl_runs SET status = 'failed'", "DELETE FROM article_urls",
                          "CREATE TEMPORARY TABLE t (x int)"):
            with pytest.raises((errors.InsufficientPrivilege, errors.ObjectNotInPrerequisiteState,
                                errors.FeatureNotSupported)):
                conn.execute(forbidden)
