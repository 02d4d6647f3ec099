"""Incremental crawling against a real warehouse: seen URLs skipped, conditional requests, changed entries
re-fetched, manual URLs and date-range backfills overriding the state without duplicating a row."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from newsflow.runoutput import RunOutput
from newsflow.tasks import check_output, load_output, run_crawl
from newsflow.verdict import judge_crawl
from tests.replay_site import MK_PAGE, copy_demo_site, serving, write_source

FEED_ARTICLES = ["www.mk.co.kr/news/politics/11333783", "www.mk.co.kr/news/stock/11330362",
                 "www.mk.co.kr/news/sports/11328187", "www.mk.co.kr/news/world/11331384"]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_demo_site(tmp_path / "site")


def crawl(run_id: str, database_url: str | None, log: list[str] | None = None, **kwargs: Any) -> RunOutput:
    manifest = run_crawl("t", run_id, database_url=database_url,
                         log=(log.append if log is not None else lambda line: None), **kwargs)
    return RunOutput.open(manifest["output_uri"])


def crawl_and_load(run_id: str, database_url: str, **kwargs: Any) -> tuple[RunOutput, dict[str, Any]]:
    output = crawl(run_id, database_url, **kwargs)
    result = load_output(output.uri, database_url)
    check_output(output.uri, database_url)
    return output, result


def count(url: str, sql: str, *args: Any) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute(sql, args).fetchone()[0])


def test_nothing_new_is_a_success_and_fetches_no_article_again(
    site: Path, sources_dir: Path, migrated_url: str
) -> None:
    with serving(site) as server:
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"], sitemaps=["sitemap.xml"],
                     listings=["board/list.html"], patterns=["/news/", "/article/", "/board/view/"])
        first, loaded = crawl_and_load("t-1", migrated_url)
        assert first.manifest["articles"]["count"] >= 10 and loaded["pages_recorded"] >= 12
        assert server.hits[f"/{MK_PAGE}"] == 2  # the feed's URL and the board's tracking-parameter copy
        second, loaded_again = crawl_and_load("t-2", migrated_url)
        stats = second.stats()
        assert server.hits[f"/{MK_PAGE}"] == 2  # not fetched again
        assert server.conditional_hits["/feed.xml"] == 1 and server.conditional_hits["/sitemap.xml"] == 1
    verdict = second.manifest["verdict"]
    assert verdict["ok"] and verdict["idle"] == "nothing_new"
    assert second.manifest["articles"]["count"] == 0
    assert stats["newsflow/discovery/not_modified/feed"] == 1 and stats["newsflow/discovery/not_modified/sitemap"] == 1
    assert stats["newsflow/incremental/skipped_seen"] >= 1  # the board listing is not conditional: its links were seen
    assert "newsflow/discovered/article_urls" not in stats
    assert loaded_again["articles_in_output"] == 0
    assert count(migrated_url, "SELECT count(*) FROM run_checks WHERE run_id = 't-2' AND ok") >= 8
    assert count(migrated_url, "SELECT count(*) FROM crawl_runs WHERE status = 'loaded'") == 2


def test_a_crawl_that_was_not_loaded_marks_nothing_seen(site: Path, sources_dir: Path, migrated_url: str) -> None:
    with serving(site) as server:
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"])
        crawl("t-1", migrated_url)
        again = crawl("t-2", migrated_url)
        assert server.hits[f"/{MK_PAGE}"] == 2 and "/feed.xml" not in server.conditional_hits
    assert again.manifest["articles"]["count"] == 4


def test_an_entry_listed_with_a_newer_date_is_fetched_again(site: Path, sources_dir: Path, migrated_url: str) -> None:
    with serving(site) as server:
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"])
        crawl_and_load("t-1", migrated_url)
        feed = site / "feed.xml"
        feed.write_text(feed.read_text().replace("Wed, 04 Jun 2025 02:37:08 +0900", "Thu, 05 Jun 2025 09:00:00 +0900"))
        second, _ = crawl_and_load("t-2", migrated_url)
        assert server.hits[f"/{MK_PAGE}"] == 2
    stats = second.stats()
    assert stats["newsflow/incremental/changed"] == 1 and stats["newsflow/incremental/skipped_seen"] == 3
    assert [a["url"].rsplit("/", 4)[-4:] for a in second.articles()] == [MK_PAGE.split("/")]
    assert count(migrated_url, "SELECT count(*) FROM articles") == 4  # same text: no new row
    lastmod = count(migrated_url, "SELECT extract(day FROM lastmod AT TIME ZONE 'Asia/Seoul') FROM seen_urls"
                                  " WHERE url LIKE '%%11333783'")
    assert lastmod == 5


def test_unchanged_child_sitemaps_of_an_index_are_skipped(site: Path, sources_dir: Path, migrated_url: str) -> None:
    (site / "more.xml").write_text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{{BASE}}/{MK_PAGE}</loc></url></urlset>")
    index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             "<sitemap><loc>{BASE}/sitemap-news.xml</loc><lastmod>2025-06-01T00:00:00+09:00</lastmod></sitemap>"
             "</sitemapindex>")
    (site / "sitemap.xml").write_text(index)
    with serving(site) as server:
        write_source(sources_dir, "t", server.base_url, sitemaps=["sitemap.xml"])
        crawl_and_load("t-1", migrated_url)
        # The index changes (a new child); the first child's lastmod does not.
        (site / "sitemap.xml").write_text(index.replace(
            "</sitemapindex>", "<sitemap><loc>{BASE}/more.xml</loc><lastmod>2025-06-05</lastmod></sitemap>"
                               "</sitemapindex>"))
        second, _ = crawl_and_load("t-2", migrated_url)
        assert server.hits["/sitemap-news.xml"] == 1 and server.hits["/more.xml"] == 1
    stats = second.stats()
    assert stats["newsflow/incremental/sitemaps_unchanged"] == 1
    assert [a["url"].split("/", 3)[3] for a in second.articles()] == [MK_PAGE]


def test_given_urls_ignore_the_seen_state(site: Path, sources_dir: Path, migrated_url: str) -> None:
    with serving(site) as server:
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"])
        crawl_and_load("t-1", migrated_url)
        again, result = crawl_and_load("t-2", migrated_url, urls=[f"{server.base_url}/{MK_PAGE}"])
        assert server.hits[f"/{MK_PAGE}"] == 2
    assert again.manifest["params"]["mode"] == "given" and again.manifest["articles"]["count"] == 1
    assert result["articles_new"] == 0


def test_a_backfill_takes_the_dated_range_seen_or_not_and_adds_no_row_twice(
    site: Path, sources_dir: Path, migrated_url: str
) -> None:
    with serving(site) as server:
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"], sitemaps=["sitemap.xml"])
        crawl_and_load("t-1", migrated_url)
        articles = count(migrated_url, "SELECT count(*) FROM articles")
        urls = count(migrated_url, "SELECT count(*) FROM article_urls")
        backfill, result = crawl_and_load("t-backfill", migrated_url, since="2025-05-30", until="2025-05-31")
    stats = backfill.stats()
    fetched = sorted(a["url"].split("/", 3)[3] for a in backfill.articles())
    # In range: the feed's 30 May items and the Google News sitemap's 30-31 May entries.
    assert fetched == ["www.mk.co.kr/news/stock/11330362", "www.mk.co.kr/news/world/11331368",
                       "www.mk.co.kr/news/world/11331384", "www.mk.co.kr/news/world/11331490"]
    assert stats["newsflow/backfill/outside_range"] == 5 and stats["newsflow/backfill/undated"] == 2
    assert backfill.manifest["params"]["mode"] == "backfill"
    assert result["articles_in_output"] == 4 and result["articles_new"] == 0 and result["urls_new"] == 0
    assert count(migrated_url, "SELECT count(*) FROM articles") == articles
    assert count(migrated_url, "SELECT count(*) FROM article_urls") == urls
    assert count(migrated_url, "SELECT count(*) FROM run_articles WHERE run_id = 't-backfill'") == 4


def test_a_backfill_range_with_nothing_in_it_is_idle_not_failed(site: Path, sources_dir: Path) -> None:
    with serving(site) as server:
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"])
        output = crawl("t-1", None, since="2020-01-01", until="2020-01-31")
    assert output.manifest["verdict"]["idle"] == "nothing_in_range"


def test_without_a_warehouse_the_crawl_is_not_incremental_and_says_so(site: Path, sources_dir: Path) -> None:
    log: list[str] = []
    with serving(site) as server:
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"])
        crawl("t-1", None, log=log)
        output = crawl("t-2", None)
    assert any("Incremental crawling is off: no warehouse configured" in line for line in log)
    assert any("[t-1]" in line and "Spider opened" in line for line in log), "crawl lines carry the run id"
    assert output.manifest["params"]["incremental"] is False and output.manifest["articles"]["count"] == 4


def test_an_incremental_crawl_needs_no_warehouse_migration_first(
    site: Path, sources_dir: Path, database_url: str
) -> None:
    # A first crawl may run before any load has created the tables: it applies the migrations itself.
    with serving(site) as server:
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"])
        output = crawl("t-1", database_url)
    assert output.manifest["params"]["incremental"] is True and output.manifest["articles"]["count"] == 4
    assert os.environ.get("NEWSFLOW_DATABASE_URL") is None


# -- the verdict: nothing new vs. nothing found ------------------------------------------------


def test_verdict_tells_nothing_new_from_empty_discovery() -> None:
    base = {"finish_reason": "finished", "downloader/response_count": 3}
    assert judge_crawl({**base, "newsflow/incremental/skipped_seen": 40}).idle == "nothing_new"
    assert judge_crawl({**base, "newsflow/discovery/not_modified/feed": 1}).ok
    empty = judge_crawl({**base, "newsflow/discovery/empty/feed": 1})
    assert not empty.ok and "discovery found no article URLs" in empty.problems[0]
    dropped = judge_crawl({**base, "newsflow/incremental/skipped_seen": 3, "newsflow/discovered/article_urls": 2,
                           "newsflow/dropped/no_body": 2})
    assert not dropped.ok and "0 articles from 2" in dropped.problems[0]
    banned = judge_crawl({**base, "downloader/response_status_count/403": 3, "newsflow/incremental/skipped_seen": 1})
    assert not banned.ok and banned.idle is None
    budget = judge_crawl({**base, "finish_reason": "request_budget", "newsflow/budget/exhausted": 1,
                          "newsflow/budget/refused": 4})
    assert budget.ok and budget.idle == "request_budget" and "budget" in budget.warnings[0]
    assert time.time() > 0
