"""What the CLI reads: recent runs and one run's landed summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from warehouse.db import connect
from warehouse.load import load_run, record_failed_run
from warehouse.queries import landed_summary, recent_runs


@pytest.fixture
def loaded_url(
    migrated_url: str,
    make_article: Callable[..., dict[str, Any]],
    make_manifest: Callable[..., dict[str, Any]],
) -> str:
    with connect(migrated_url) as conn:
        first = [make_article(n, published_at=f"2026-11-27T0{n}:00:00+09:00") for n in range(1, 8)]
        load_run(conn, make_manifest("mk-1", first), {}, first)
        second = [make_article(n) for n in range(6, 10)]
        manifest = make_manifest(
            "mk-2", second, started_at="2026-11-27T02:00:00+00:00", finished_at="2026-11-27T02:03:30+00:00"
        )
        load_run(conn, manifest, {}, second)
        failed = {"run_id": "kbs-1", "source": "kbs", "started_at": "2026-11-27T03:00:00+00:00"}
        record_failed_run(conn, failed, {}, "banned")
    return migrated_url


def test_recent_runs_newest_first(loaded_url: str) -> None:
    with connect(loaded_url) as conn:
        runs = recent_runs(conn)
        assert [r["run_id"] for r in runs] == ["kbs-1", "mk-2", "mk-1"]
        assert [r["run_id"] for r in recent_runs(conn, source_id="mk", limit=1)] == ["mk-2"]
    mk2 = runs[1]
    counts = (mk2["status"], mk2["articles_in_output"], mk2["articles_new"], mk2["dropped"])
    assert counts == ("loaded", 4, 2, 3)
    assert mk2["duration"] == timedelta(minutes=3, seconds=30)
    assert (runs[0]["status"], runs[0]["error"]) == ("failed", "banned")


def test_landed_summary_counts_and_latest_titles(loaded_url: str) -> None:
    with connect(loaded_url) as conn:
        summary = landed_summary(conn, "mk-1", latest=3)
    assert (summary["articles_in_output"], summary["articles_new"], summary["articles_linked"]) == (7, 7, 7)
    assert [a["title"] for a in summary["latest"]] == ["기사 제목 7", "기사 제목 6", "기사 제목 5"]
    assert summary["latest"][0]["url"] == "https://www.mk.co.kr/news/economy/11200007"
    assert all(a["new"] for a in summary["latest"])


def test_landed_summary_marks_articles_already_known(loaded_url: str) -> None:
    with connect(loaded_url) as conn:
        summary = landed_summary(conn, "mk-2", latest=10)
    assert {a["title"]: a["new"] for a in summary["latest"]} == {
        "기사 제목 6": False, "기사 제목 7": False, "기사 제목 8": True, "기사 제목 9": True,
    }


def test_landed_summary_of_an_unknown_run(loaded_url: str) -> None:
    with connect(loaded_url) as conn, pytest.raises(KeyError, match="no run 'nope'"):
        landed_summary(conn, "nope")
