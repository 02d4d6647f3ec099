"""The check that stands in for the provenance foreign keys migration 0007 dropped (warehouse/integrity.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import psycopg

from warehouse.db import connect
from warehouse.integrity import PROVENANCE, dangling_references
from warehouse.load import load_run


def test_a_loaded_warehouse_is_whole_and_a_dangling_row_is_named(
    migrated_url: str, make_article: Callable[..., dict[str, Any]], make_manifest: Callable[..., dict[str, Any]]
) -> None:
    records = [make_article(n) for n in range(3)]
    with connect(migrated_url) as conn:
        load_run(conn, make_manifest("whole-1", records), {}, records)
        assert dangling_references(conn) == {}
        # What a foreign key used to refuse: a row naming a run that was never recorded.
        conn.execute("UPDATE article_urls SET last_run_id = 'never-run' WHERE url = %s", (records[0]["url"],))
        conn.execute("UPDATE articles SET source_id = 'no-such-source' WHERE content_hash = %s",
                     (records[1]["content_hash"],))
        assert dangling_references(conn) == {"articles.source_id": 1, "article_urls.last_run_id": 1}
        shown = subprocess.run([sys.executable, "-m", "newsflow", "integrity", "--database-url", migrated_url],
                               capture_output=True, text=True)
        assert shown.returncode == 1 and "FAIL article_urls.last_run_id: 1 rows" in shown.stdout
        conn.execute("UPDATE article_urls SET last_run_id = 'whole-1' WHERE url = %s", (records[0]["url"],))
        conn.execute("UPDATE articles SET source_id = 'mk' WHERE content_hash = %s", (records[1]["content_hash"],))
    assert subprocess.run([sys.executable, "-m", "newsflow", "integrity", "--database-url", migrated_url],
                          capture_output=True, text=True).returncode == 0


def test_the_provenance_columns_have_no_foreign_key_and_the_others_keep_theirs(migrated_url: str) -> None:
    with psycopg.connect(migrated_url) as conn:
        keyed = {
            (table, column)
            for table, column in conn.execute(
                "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c"
                " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) WHERE c.contype = 'f'"
            )
        }
    assert not keyed & {(table, column) for table, column, _, _ in PROVENANCE}
    assert {("article_urls", "article_id"), ("article_revisions", "article_id"), ("cluster_members", "cluster_id"),
            ("run_articles", "run_id"), ("article_minhash", "revision_id")} <= keyed
