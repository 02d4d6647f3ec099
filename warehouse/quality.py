"""Data-quality gates after each load: one run measured against the source's thresholds and recent runs.

Each check yields a ``CheckResult`` naming the check and its numbers; all of them are stored
in ``run_checks`` beside the run (``store_checks``), and the DAG's check task fails on any
that did not pass. Thresholds come from the source's ``[quality]`` table
(``newsflow.registry.Quality``). Share checks wait for ``min_sample`` articles (or responses),
and the count check for ``min_history`` earlier runs, so a small or new source is not judged
on noise.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from newsflow.registry import Quality


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    value: float | None
    threshold: float | None
    message: str


def _int(stats: Mapping[str, Any], key: str) -> int:
    return int(stats.get(key) or 0)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _at_least(name: str, part: int, whole: int, minimum: float, what: str, sample: int) -> CheckResult:
    share = _share(part, whole)
    if whole < sample:
        return CheckResult(name, True, share if whole else None, minimum,
                           f"{part} of {whole} articles {what}; fewer than {sample}, not judged")
    ok = share >= minimum
    return CheckResult(name, ok, share, minimum,
                       f"{part} of {whole} articles ({share:.0%}) {what}; at least {minimum:.0%} required")


def _at_most(name: str, part: int, whole: int, maximum: float, what: str, sample: int) -> CheckResult:
    share = _share(part, whole)
    if whole < sample:
        return CheckResult(name, True, share if whole else None, maximum,
                           f"{part} of {whole} {what}; fewer than {sample}, not judged")
    ok = share <= maximum
    return CheckResult(name, ok, share, maximum,
                       f"{part} of {whole} {what} ({share:.0%}); at most {maximum:.0%} allowed")


def quality_checks(conn: psycopg.Connection, run_id: str, stats: Mapping[str, Any],
                   quality: Quality) -> list[CheckResult]:
    """Measure run ``run_id`` (loaded) and its crawl ``stats`` against ``quality``."""
    run = conn.execute(
        "SELECT source_id, started_at, articles_in_output, params ->> 'shard', params ->> 'mode', verdict ->> 'idle'"
        " FROM crawl_runs WHERE run_id = %s", (run_id,)).fetchone()
    if run is None:
        raise KeyError(f"no run {run_id!r} in crawl_runs")
    source_id, started_at, in_output, shard, mode, idle = run
    articles, dated, authored, long_body = conn.execute(
        """
        SELECT count(*), count(a.published_at), count(*) FILTER (WHERE cardinality(a.authors) > 0),
               count(*) FILTER (WHERE length(a.body) >= %s)
        FROM run_articles r JOIN articles a USING (article_id)
        WHERE r.run_id = %s
        """, (quality.min_body_chars, run_id)).fetchone()
    if mode in ("given", "backfill") or idle:
        # Hand-picked URLs and date ranges are not the source's usual run, and "nothing new since the last
        # run" is judged by newsflow health over a day, not per run (an hour without news is no fault).
        why = f"a {mode} run" if mode in ("given", "backfill") else f"an idle run ({idle})"
        results = [CheckResult("article_count", True, in_output or 0, None,
                               f"{in_output or 0} articles; {why} is not compared with scheduled runs")]
    else:
        results = [_count_check(conn, source_id, run_id, started_at, shard, in_output or 0, quality)]
    sample = quality.min_sample
    results.append(_at_least("date_share", dated, articles, quality.min_date_share, "have a publication date", sample))
    results.append(_at_least("author_share", authored, articles, quality.min_author_share, "name an author", sample))
    results.append(_at_least("body_share", long_body, articles, quality.min_body_share,
                             f"have a body of {quality.min_body_chars}+ characters", sample))
    duplicates = _int(stats, "newsflow/dropped/duplicate_in_run")
    written = _int(stats, "newsflow/articles")
    results.append(_at_most("duplicate_share", duplicates, written + duplicates, quality.max_duplicate_share,
                            "kept-or-duplicate pages were in-run duplicates", sample))
    drops = {k.removeprefix("newsflow/dropped/"): int(v) for k, v in stats.items()
             if k.startswith("newsflow/dropped/")}
    other = sum(v for k, v in drops.items() if k != "duplicate_in_run" and not k.startswith("rights/"))
    pages = _int(stats, "newsflow/pages/fetched") or written + sum(drops.values())
    detail = ", ".join(f"{k} {v}" for k, v in sorted(drops.items()) if k != "duplicate_in_run") or "none"
    results.append(_at_most("drop_share", other, pages, quality.max_drop_share,
                            f"fetched pages were dropped (by reason: {detail})", sample))
    results.append(_at_most("decode_errors", drops.get("undecodable", 0), pages, quality.max_decode_error_share,
                            "fetched pages could not be decoded", sample))
    results.append(_at_most("http_error_share", _int(stats, "newsflow/http/errors"),
                            _int(stats, "newsflow/http/responses"), quality.max_http_error_share,
                            "responses were HTTP errors (400+)", sample))
    return results


def _count_check(conn: psycopg.Connection, source_id: str, run_id: str, started_at: Any, shard: str | None,
                 count: int, quality: Quality) -> CheckResult:
    rows = conn.execute(
        """
        SELECT coalesce(articles_in_output, 0) FROM crawl_runs
        WHERE source_id = %s AND run_id <> %s AND status = 'loaded' AND NOT dry_run
          AND (params ->> 'mode') IS DISTINCT FROM 'given' AND (params ->> 'mode') IS DISTINCT FROM 'backfill'
          AND (params ->> 'shard') IS NOT DISTINCT FROM %s
          AND (%s::timestamptz IS NULL OR started_at < %s)
        ORDER BY started_at DESC NULLS LAST LIMIT %s
        """, (source_id, run_id, shard, started_at, started_at, quality.history_runs)).fetchall()
    history = [r[0] for r in rows]
    if len(history) < quality.min_history:
        return CheckResult("article_count", True, count, None,
                           f"{count} articles; {len(history)} earlier runs,"
                           f" fewer than {quality.min_history}, not judged")
    median = statistics.median(history)
    floor = quality.min_count_ratio * median
    ok = count >= floor
    return CheckResult("article_count", ok, count, floor,
                       f"{count} articles against a median of {median:g} over the last {len(history)} runs;"
                       f" at least {quality.min_count_ratio:g} x median = {floor:g} required")


def store_checks(conn: psycopg.Connection, run_id: str, results: list[CheckResult]) -> None:
    """Replace the stored checks of ``run_id`` with ``results`` (one transaction)."""
    with conn.transaction():
        conn.execute("DELETE FROM run_checks WHERE run_id = %s", (run_id,))
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO run_checks (run_id, check_name, ok, value, threshold, message)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                [(run_id, r.name, r.ok, r.value, r.threshold, r.message) for r in results])
