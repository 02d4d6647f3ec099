"""``newsflow health``: is every source healthy? Its last run, that run's age and counts, and what failed.

A source is healthy when its last run loaded and passed its quality checks, its last good
run is younger than its ``max_age_hours``, and (for a source run at least daily) its runs of
the last 24 hours brought some new article. ``max_age_hours`` is ``[quality] max_age_hours``,
else from the schedule: three intervals for hourly-or-faster schedules, 26 hours otherwise.
A registered source with no run yet is unhealthy ("never ran"); a source in the warehouse but
no longer registered is listed and judged the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from newsflow.registry import Source


@dataclass(frozen=True)
class SourceHealth:
    source_id: str
    healthy: bool
    summary: str
    """One line: last run, its age, its counts, the last good run."""
    problems: list[str]


def _age(delta: timedelta | None) -> str:
    if delta is None:
        return "?"
    seconds = int(delta.total_seconds())
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def judge(row: dict[str, Any] | None, source: Source | None, now: datetime) -> SourceHealth:
    """Health of one source from its ``source_health`` row (None: never ran) and its registry entry."""
    source_id = row["source_id"] if row else source.id if source else "?"
    if row is None or row["last_run_id"] is None:
        return SourceHealth(source_id, False, "never ran", ["no run in the warehouse yet"])
    problems = []
    if row["last_status"] != "loaded":
        problems.append(f"last run {row['last_status']}: {(row['last_error'] or '').splitlines()[0][:300]}")
    problems += list(row["last_failed_checks"] or [])
    max_age = source.max_age_hours if source is not None else row["max_age_hours"]
    success = row["last_success_at"]
    if max_age is not None and (success is None or now - success > timedelta(hours=max_age)):
        problems.append(f"no good run for {_age(now - success) if success else 'ever'} (limit {max_age:g} h)")
    if max_age is not None and max_age <= 26 and row["runs_24h"] >= 2 and not row["articles_new_24h"]:
        # Each run may rightly find nothing new; a day of such runs from a daily-or-faster source means the
        # site stopped listing new articles where newsflow looks (a frozen feed, a moved sitemap).
        problems.append(f"no new article in 24 h over {row['runs_24h']} runs")
    summary = (f"last run {row['last_status']} {_age(row['last_run_age'])} ago, "
               f"{row['last_articles_in_output'] or 0} articles ({row['last_articles_new'] or 0} new); "
               f"24 h: {row['runs_24h']} runs, {row['failed_runs_24h']} failed,"
               f" {row['articles_new_24h']} new articles; "
               f"last good run {_age(now - success) + ' ago' if success else 'never'}")
    return SourceHealth(source_id, not problems, summary, problems)


def health_report(rows: list[dict[str, Any]], sources: dict[str, Source], now: datetime) -> list[SourceHealth]:
    """Every registered source and every source with runs, judged."""
    by_id = {row["source_id"]: row for row in rows}
    return [judge(by_id.get(source_id), sources.get(source_id), now) for source_id in sorted(by_id | sources)]
