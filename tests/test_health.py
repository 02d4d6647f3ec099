"""Source health: the views over crawl_runs and run_checks, and ``newsflow health`` answering "is every source
healthy?" with each source's last run, its age, its counts and what failed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from newsflow.cli import main
from newsflow.registry import Quality
from newsflow.tasks import CheckFailed, check_output, load_output, record_failure
from tests.replay_site import write_source
from tests.test_quality import LONG_BODY, write_run


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sources"
    write_source(folder, "mk", "https://www.mk.co.kr", feeds=["rss"], extra='schedule = "@hourly"')
    write_source(folder, "quiet", "https://quiet.example", feeds=["rss"], extra='schedule = "@daily"')
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(folder))
    return folder


def recent(hours_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).replace(microsecond=0).isoformat()


def test_health_reports_each_source_and_exits_non_zero_when_one_is_not_healthy(
    tmp_path: Path, migrated_url: str, registry: Path, make_article: Callable[..., dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    records = [make_article(n, body=f"{n}. {LONG_BODY}") for n in range(10)]
    good = write_run(tmp_path, "mk-1", records, started_at=recent(1))
    load_output(good, migrated_url)
    check_output(good, migrated_url, Quality())
    assert main(["health", "--database-url", migrated_url, "--source", "mk"]) == 0
    out = capsys.readouterr().out
    assert "ok   mk" in out and "10 articles (10 new)" in out and "1 of 1 sources healthy" in out

    # The next run loads but fails a quality gate; "quiet" never ran.
    undated = [make_article(n, body=f"{n}. {LONG_BODY}", published_at=None) for n in range(20, 30)]
    bad = write_run(tmp_path, "mk-2", undated, started_at=recent(0.5))
    load_output(bad, migrated_url)
    with pytest.raises(CheckFailed):
        check_output(bad, migrated_url, Quality())
    assert main(["health", "--database-url", migrated_url]) == 1
    out = capsys.readouterr().out
    assert "FAIL mk" in out and "date_share: 0 of 10 articles (0%) have a publication date" in out
    assert "FAIL quiet" in out and "never ran" in out and "0 of 2 sources healthy" in out

    with psycopg.connect(migrated_url) as conn:
        row = conn.execute("SELECT last_run_id, healthy, runs_24h, articles_new_24h, last_failed_checks"
                           " FROM source_health WHERE source_id = 'mk'").fetchone()
        daily = conn.execute("SELECT runs, failed_checks, articles_new FROM source_health_daily").fetchall()
    assert row[0] == "mk-2" and row[1] is False and row[2] == 2 and row[3] == 20 and len(row[4]) == 1
    assert sum(r[0] for r in daily) == 2 and sum(r[1] for r in daily) == 1 and sum(r[2] for r in daily) == 20


def test_a_failed_crawl_and_a_stale_source_are_unhealthy(
    tmp_path: Path, migrated_url: str, registry: Path, make_article: Callable[..., dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = write_run(tmp_path, "mk-old", [make_article(n, body=f"{n}. {LONG_BODY}") for n in range(10)],
                    started_at=recent(10))
    load_output(old, migrated_url)
    check_output(old, migrated_url, Quality())
    assert main(["health", "--database-url", migrated_url, "--source", "mk"]) == 1
    assert "no good run for 10.0 h (limit 3 h)" in capsys.readouterr().out
    record_failure({"id": "mk", "name": "매일경제"}, "mk-failed", str(tmp_path / "none"), migrated_url,
                   "crawl of mk failed: looks banned: 9 of 10 responses were 403/429/503")
    assert main(["health", "--database-url", migrated_url, "--source", "mk", "--json"]) == 1
    out = capsys.readouterr().out
    assert '"healthy": false' in out and "looks banned" in out


def test_a_day_of_runs_with_nothing_new_is_flagged() -> None:
    from newsflow.health import judge
    from newsflow.registry import parse_source

    now = datetime.now(UTC)
    row = {"source_id": "mk", "last_run_id": "mk-9", "last_status": "loaded", "last_error": None,
           "last_failed_checks": [], "last_success_at": now - timedelta(minutes=20),
           "last_run_age": timedelta(minutes=20), "last_articles_in_output": 0, "last_articles_new": 0,
           "runs_24h": 24, "failed_runs_24h": 0, "articles_new_24h": 0, "max_age_hours": 3.0}
    source = parse_source({"id": "mk", "name": "MK", "publisher": "MK", "feeds": ["https://mk.example/rss"]})
    health = judge(row, source, now)
    assert not health.healthy and health.problems == ["no new article in 24 h over 24 runs"]
    assert judge({**row, "articles_new_24h": 3}, source, now).healthy
