"""Rows naming a run or source the warehouse does not hold: what the dropped provenance keys guarded.

Migration 0007 removed the foreign keys of the columns that say which run or source wrote a row
(a per-row check of a fact the load's own transaction has just written). This is the check in
their place: one query per column, each an anti-join, run by the tests after every kind of load
and by anyone who writes to the warehouse by hand (``newsflow integrity`` prints it).
"""

from __future__ import annotations

import psycopg

# (table, column, referenced table, referenced column): every provenance reference without a key.
PROVENANCE = (
    ("articles", "source_id", "sources", "source_id"),
    ("articles", "first_run_id", "crawl_runs", "run_id"),
    ("article_urls", "source_id", "sources", "source_id"),
    ("article_urls", "first_run_id", "crawl_runs", "run_id"),
    ("article_urls", "last_run_id", "crawl_runs", "run_id"),
    ("article_revisions", "first_run_id", "crawl_runs", "run_id"),
    ("story_clusters", "created_run_id", "crawl_runs", "run_id"),
    ("story_clusters", "updated_run_id", "crawl_runs", "run_id"),
    ("cluster_members", "joined_run_id", "crawl_runs", "run_id"),
    ("story_links", "run_id", "crawl_runs", "run_id"),
)


def dangling_references(conn: psycopg.Connection) -> dict[str, int]:
    """``{"table.column": rows}`` for every provenance column with rows naming a missing run or source.

    Empty when the warehouse is whole. Reads every row of the big tables: a maintenance query,
    not something a load runs.
    """
    found: dict[str, int] = {}
    for table, column, target, key in PROVENANCE:
        (count,) = conn.execute(
            f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL"
            f" AND NOT EXISTS (SELECT FROM {target} r WHERE r.{key} = t.{column})"
        ).fetchone()
        if count:
            found[f"{table}.{column}"] = count
    return found
