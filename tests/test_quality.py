"""Data-quality gates after a load: each check with its numbers, stored beside the run, failing the run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from newsflow.registry import Quality
from newsflow.runoutput import RunOutputWriter
from newsflow.tasks import CheckFailed, check_output, load_output

GOOD_STATS = {"finish_reason": "finished", "newsflow/http/responses": 12, "newsflow/http/errors": 0,
              "newsflow/pages/fetched": 10}
LONG_BODY = "반도체 수출이 늘었다. " * 30


def write_run(tmp_path: Path, run_id: str, records: list[dict[str, Any]], stats: dict[str, Any] | None = None,
              started_at: str = "2026-11-27T00:59:00+00:00", **manifest: Any) -> str:
    stats = {**GOOD_STATS, "newsflow/articles": len(records), **(stats or {})}
    writer = RunOutputWriter(str(tmp_path / "runs" / "mk" / run_id))
    for record in records:
        writer.write(record)
    written = writer.finish({
        "run_id": run_id, "source": {"id": "mk", "name": "매일경제", "publisher": "매일경제", "max_age_hours": 3.0},
        "started_at": started_at, "finished_at": started_at.replace(":59:00", ":59:30"),
        "finish_reason": "finished", "dry_run": False, "params": {"mode": "scheduled"},
        "drops": {k.removeprefix("newsflow/dropped/"): v for k, v in stats.items()
                  if k.startswith("newsflow/dropped/")},
        "verdict": {"ok": True, "problems": [], "warnings": [], "idle": None}, **manifest,
    }, stats, {"pages": [], "documents": []})
    return str(written["output_uri"])


@pytest.fixture
def articles(make_article: Callable[..., dict[str, Any]]) -> Callable[..., list[dict[str, Any]]]:
    def build(first: int, count: int, **fields: Any) -> list[dict[str, Any]]:
        return [make_article(n, body=f"{n}번 기사. {LONG_BODY}", **fields) for n in range(first, first + count)]
    return build


def test_a_good_run_passes_every_check_and_they_are_stored(tmp_path: Path, migrated_url: str, articles: Any) -> None:
    uri = write_run(tmp_path, "r1", articles(1, 10))
    load_output(uri, migrated_url)
    passed = check_output(uri, migrated_url, Quality())
    assert len(passed) == 8
    with psycopg.connect(migrated_url) as conn:
        rows = conn.execute("SELECT check_name, ok, value FROM run_checks WHERE run_id = 'r1' ORDER BY 1").fetchall()
    assert [r[0] for r in rows] == ["article_count", "author_share", "body_share", "date_share", "decode_errors",
                                    "drop_share", "duplicate_share", "http_error_share"]
    assert all(r[1] for r in rows) and dict((r[0], r[2]) for r in rows)["date_share"] == 1.0


def test_missing_dates_and_authors_fail_naming_the_check_and_the_numbers(
    tmp_path: Path, migrated_url: str, articles: Any
) -> None:
    uri = write_run(tmp_path, "r1", articles(1, 4) + articles(5, 6, published_at=None, authors=[]))
    load_output(uri, migrated_url)
    with pytest.raises(CheckFailed) as failed:
        check_output(uri, migrated_url, Quality())
    assert str(failed.value) == ("run r1 failed 1 quality check(s): date_share: 4 of 10 articles (40%) have a"
                                 " publication date; at least 70% required")  # 40% with an author passes 30%
    with pytest.raises(CheckFailed, match=r"author_share: 4 of 10 articles \(40%\) name an author; at least 50%"):
        check_output(uri, migrated_url, Quality(min_author_share=0.5))
    with psycopg.connect(migrated_url) as conn:
        failed_rows = conn.execute("SELECT check_name FROM run_checks WHERE NOT ok ORDER BY 1").fetchall()
    assert failed_rows == [("author_share",), ("date_share",)]  # the last check of the run replaced the first


def test_a_collapse_in_count_against_recent_runs_fails(tmp_path: Path, migrated_url: str, articles: Any) -> None:
    for i in range(4):
        uri = write_run(tmp_path, f"r{i}", articles(100 * i, 20), started_at=f"2026-11-2{i}T00:59:00+00:00")
        load_output(uri, migrated_url)
        check_output(uri, migrated_url, Quality())
    small = write_run(tmp_path, "r9", articles(900, 3), started_at="2026-11-27T00:59:00+00:00")
    load_output(small, migrated_url)
    with pytest.raises(CheckFailed, match=r"article_count: 3 articles against a median of 20 over the last 4 runs;"
                                          r" at least 0.2 x median = 4 required"):
        check_output(small, migrated_url, Quality())
    lenient = Quality(min_count_ratio=0.1)
    assert check_output(small, migrated_url, lenient)


def test_drops_duplicates_decode_and_http_errors_are_gated(tmp_path: Path, migrated_url: str, articles: Any) -> None:
    stats = {"newsflow/dropped/duplicate_in_run": 9, "newsflow/dropped/undecodable": 2,
             "newsflow/dropped/short_body": 6, "newsflow/pages/fetched": 25,
             "newsflow/http/responses": 30, "newsflow/http/errors": 12}
    uri = write_run(tmp_path, "r1", articles(1, 8), stats)
    load_output(uri, migrated_url)
    with pytest.raises(CheckFailed) as failed:
        check_output(uri, migrated_url, Quality(max_duplicate_share=0.5, max_drop_share=0.25))
    message = str(failed.value)
    assert "drop_share: 8 of 25 fetched pages were dropped (by reason: short_body 6, undecodable 2) (32%)" in message
    assert "decode_errors: 2 of 25 fetched pages could not be decoded (8%); at most 5% allowed" in message
    assert "http_error_share: 12 of 30 responses were HTTP errors (400+) (40%); at most 30% allowed" in message
    assert "duplicate_share: 9 of 17" in message


def test_small_runs_are_not_judged_on_shares(tmp_path: Path, migrated_url: str, articles: Any) -> None:
    uri = write_run(tmp_path, "r1", articles(1, 2, published_at=None, authors=[]),
                    {"newsflow/http/responses": 3, "newsflow/http/errors": 2})
    load_output(uri, migrated_url)
    assert any("fewer than 5, not judged" in line for line in check_output(uri, migrated_url, Quality()))


def test_idle_and_hand_picked_runs_are_not_held_to_the_usual_count(
    tmp_path: Path, migrated_url: str, articles: Any
) -> None:
    for i in range(4):
        uri = write_run(tmp_path, f"r{i}", articles(100 * i, 20), started_at=f"2026-11-2{i}T00:59:00+00:00")
        load_output(uri, migrated_url)
    idle = write_run(tmp_path, "r-idle", [], {"newsflow/incremental/skipped_seen": 20},
                     started_at="2026-11-27T00:59:00+00:00",
                     verdict={"ok": True, "problems": [], "warnings": [], "idle": "nothing_new"})
    load_output(idle, migrated_url)
    assert any("an idle run (nothing_new) is not compared" in line for line in check_output(idle, migrated_url))
    given = write_run(tmp_path, "r-given", articles(900, 1), started_at="2026-11-27T01:59:00+00:00",
                      params={"mode": "given"})
    load_output(given, migrated_url)
    assert any("a given run is not compared" in line for line in check_output(given, migrated_url))
