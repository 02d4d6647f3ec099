"""Read queries the CLI shows: recent runs, what one run landed, source health and quality checks."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row


def recent_runs(
    conn: psycopg.Connection, source_id: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """The latest runs (all sources, or one), newest first, as rows of the ``recent_runs`` view."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """
            SELECT * FROM recent_runs
            WHERE %(source_id)s::text IS NULL OR source_id = %(source_id)s
            ORDER BY started_at DESC NULLS LAST, run_id DESC
            LIMIT %(limit)s
            """,
            {"source_id": source_id, "limit": limit},
        ).fetchall()


def landed_summary(conn: psycopg.Connection, run_id: str, latest: int = 5) -> dict[str, Any]:
    """One run's counts and its ``latest`` newest articles (title, URL, time); ``KeyError`` if unknown."""
    with conn.cursor(row_factory=dict_row) as cur:
        run = cur.execute("SELECT * FROM recent_runs WHERE run_id = %s", (run_id,)).fetchone()
        if run is None:
            raise KeyError(f"no run {run_id!r} in the warehouse")
        run["articles_linked"] = cur.execute(
            "SELECT count(*) AS n FROM run_articles WHERE run_id = %s", (run_id,)
        ).fetchone()["n"]
        run["latest"] = cur.execute(
            """
            SELECT l.article_id, l.title, l.url, l.published_at, l.first_run_id = %(run_id)s AS new
            FROM run_articles r JOIN latest_articles l USING (article_id)
            WHERE r.run_id = %(run_id)s
            ORDER BY l.published_or_seen_at DESC, l.article_id DESC
            LIMIT %(latest)s
            """,
            {"run_id": run_id, "latest": latest},
        ).fetchall()
    return run


def source_health(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """One row per source of the ``source_health`` view (last run, its age and counts, failed checks)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("SELECT * FROM source_health ORDER BY source_id").fetchall()


def run_checks(conn: psycopg.Connection, run_id: str) -> list[dict[str, Any]]:
    """The stored data-quality checks of one run."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT check_name, ok, value, threshold, message FROM run_checks WHERE run_id = %s ORDER BY check_name",
            (run_id,)).fetchall()
