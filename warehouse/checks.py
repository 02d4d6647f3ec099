"""Post-load checks: is a run in the warehouse, complete, and not empty (unless nothing was new)."""

from __future__ import annotations

import psycopg


def check_loaded_run(conn: psycopg.Connection, run_id: str, expected_articles: int,
                     allow_empty: bool = False) -> list[str]:
    """Problems with run ``run_id`` after its load; an empty list means it passed.

    ``allow_empty`` accepts a run with no article: a crawl whose verdict says nothing was new
    (``Verdict.idle``), which is recorded like any other run.

    A run's articles are the rows of ``run_articles``, which the loader writes for every
    article in the output whether it was new or already known; unlike ``article_urls``'s
    first/last run columns, later loads of other runs never move them.
    """
    row = conn.execute("SELECT status, error FROM crawl_runs WHERE run_id = %s", (run_id,)).fetchone()
    if row is None:
        return [f"run {run_id!r} is not in crawl_runs: it was never loaded"]
    problems = []
    status, error = row
    if status != "loaded":
        reason = f": {error}" if error else ""
        problems.append(f"run {run_id!r} has status {status!r}, not 'loaded'{reason}")
    linked = conn.execute("SELECT count(*) FROM run_articles WHERE run_id = %s", (run_id,)).fetchone()[0]
    if allow_empty and expected_articles == 0:
        return problems if linked == 0 else [*problems, f"run {run_id!r} carried no article but links {linked}"]
    if expected_articles <= 0:
        problems.append(
            f"run {run_id!r} was expected to carry {expected_articles} articles; a run must load some"
        )
    if linked == 0:
        problems.append(f"run {run_id!r} loaded no articles")
    elif linked != expected_articles:
        problems.append(
            f"run {run_id!r} links {linked} distinct articles, expected {expected_articles} "
            "(an output with two records of one article counts it once)"
        )
    return problems
