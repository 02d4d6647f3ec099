"""Politeness and rights in real crawls: robots.txt Crawl-delay, Retry-After back-off, the daily request
budget kept in the warehouse, and robots-meta / X-Robots-Tag / TDMRep opt-outs recorded and honoured."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from newsflow.runoutput import RunOutput
from newsflow.tasks import CrawlFailed, load_output, run_crawl
from parsers.rights import page_rights, parse_tdmrep
from spiders.politeness import retry_after_seconds
from tests.replay_site import MK_PAGE, copy_demo_site, serving, write_source

FAST = "concurrency = 8\ndownload_delay = 0.0\nautothrottle_target = 8.0\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_demo_site(tmp_path / "site")


def crawl(run_id: str, database_url: str | None = None, **kwargs: Any) -> RunOutput:
    manifest = run_crawl("t", run_id, database_url=database_url, log=lambda line: None, **kwargs)
    return RunOutput.open(manifest["output_uri"])


def test_robots_crawl_delay_spaces_requests_even_under_autothrottle(site: Path, sources_dir: Path) -> None:
    (site / "robots.txt").write_text("User-agent: *\nCrawl-delay: 0.6\nDisallow: /board/write\n")
    times: list[float] = []
    with serving(site) as server:
        server.on_request = lambda path: times.append(time.monotonic()) if "/news/" in path else None
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"], politeness=FAST)
        output = crawl("t-1")
    assert output.stats()["newsflow/robots/crawl_delay"] == 0.6
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 4 and min(gaps) >= 0.5, gaps


def test_a_long_crawl_delay_is_capped_by_the_source(site: Path, sources_dir: Path) -> None:
    (site / "robots.txt").write_text("User-agent: *\nCrawl-delay: 86400\n")
    with serving(site) as server:
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"],
                     politeness=FAST + "max_crawl_delay = 0.2\n")
        output = crawl("t-1", max_articles=2)
    assert output.stats()["newsflow/robots/crawl_delay"] == 0.2 and output.manifest["articles"]["count"] == 2


def test_429_with_retry_after_pauses_the_host_then_the_retry_succeeds(site: Path, sources_dir: Path) -> None:
    answered: list[tuple[str, float]] = []

    def first_429(path: str) -> tuple[int, dict[str, str]] | None:
        if "/news/" not in path:
            return None
        answered.append((path, time.monotonic()))
        return (429, {"Retry-After": "2"}) if len(answered) == 1 else None

    with serving(site) as server:
        server.on_request = first_429
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"], politeness=FAST)
        output = crawl("t-1")
    stats = output.stats()
    assert stats["newsflow/backoff/http_429"] == 1 and stats["newsflow/backoff/retry_after_max"] == 2
    assert output.manifest["articles"]["count"] == 4  # the 429'd page was retried and kept
    assert any("backed off 1 time" in w for w in output.manifest["verdict"]["warnings"])
    # Nothing went to the host in the 2 s after the 429 (requests already in flight aside).
    after = [t - answered[0][1] for _, t in answered[1:]]
    assert max(after) >= 1.9 and sum(1 for gap in after if gap < 1.9) <= 3, after


def test_a_retry_after_beyond_the_limit_ends_the_crawl_as_failed(site: Path, sources_dir: Path) -> None:
    with serving(site) as server:
        server.on_request = lambda path: (503, {"Retry-After": "3600"}) if "/news/" in path else None
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"], politeness=FAST)
        with pytest.raises(CrawlFailed, match="finish_reason='retry_after'"):
            crawl("t-1")


def test_the_daily_request_budget_spans_runs_and_stops_the_crawl(
    site: Path, sources_dir: Path, migrated_url: str
) -> None:
    with serving(site) as server:
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"], sitemaps=["sitemap.xml"],
                     politeness=FAST + "daily_request_budget = 7\n", extra="[rights]\ntdmrep_file = false\n")
        first = crawl("t-1", migrated_url)
        pages_before = sum(hits for path, hits in server.hits.items() if "/news/" in path or "/article/" in path)
        second = crawl("t-2", migrated_url)
        pages_after = sum(hits for path, hits in server.hits.items() if "/news/" in path or "/article/" in path)
    stats = first.stats()
    assert first.manifest["finish_reason"] == "request_budget" and first.manifest["verdict"]["ok"]
    assert stats["newsflow/budget/requests"] == 7 and stats["newsflow/budget/refused"] >= 1
    assert sum(server.hits.values()) <= 7 + 0  # robots.txt, feed, sitemaps and articles: 7 requests in all
    assert second.manifest["verdict"]["idle"] == "request_budget" and pages_after == pages_before
    with psycopg.connect(migrated_url) as conn:
        assert conn.execute("SELECT requests, budget FROM request_budget").fetchall() == [(7, 7)]


def test_opt_outs_are_recorded_on_every_page_and_honoured_when_configured(
    site: Path, sources_dir: Path, migrated_url: str
) -> None:
    well_known = site / ".well-known"
    well_known.mkdir()
    (well_known / "tdmrep.json").write_text(json.dumps([
        {"location": "/www.mk.co.kr/news/sports/*", "tdm-reservation": 1, "tdm-policy": "https://example.org/tdm"},
        {"location": "/*", "tdm-reservation": 0}]))
    with serving(site) as server:
        server.headers[f"/{MK_PAGE}"] = {"X-Robots-Tag": "noai, noimageai"}
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"], politeness=FAST)
        recorded = crawl("t-1", migrated_url)
        write_source(sources_dir, "t", server.base_url, feeds=["feed.xml"], politeness=FAST,
                     extra='[rights]\nskip = ["noai", "tdm_reservation"]\n')
        honoured = crawl("t-2")
    by_path = {a["url"].split("/", 3)[3]: a for a in recorded.articles()}
    assert by_path[MK_PAGE]["robots_directives"] == ["max-image-preview:large", "noai", "noimageai"]
    assert by_path["www.mk.co.kr/news/sports/11328187"]["tdm_reservation"] is True
    assert by_path["www.mk.co.kr/news/sports/11328187"]["tdm_policy"] == "https://example.org/tdm"
    assert by_path["www.mk.co.kr/news/stock/11330362"]["tdm_reservation"] is False
    # MK pages carry "AI학습 이용 금지": recorded, not honoured unless ai_reservation is listed.
    assert all(a["rights_reserves_ai"] for a in by_path.values())
    assert recorded.stats()["newsflow/rights/pages/ai_reservation"] == 4
    load_output(recorded.uri, migrated_url)
    with psycopg.connect(migrated_url) as conn:
        rows = dict(conn.execute("SELECT url, tdm_reservation FROM article_rights"
                                 " WHERE 'noai' = ANY(robots_directives)").fetchall())
        reserved = conn.execute("SELECT count(*) FROM article_rights WHERE tdm_reservation").fetchone()[0]
    assert [url.split("/", 3)[3] for url in rows] == [MK_PAGE] and reserved == 1
    assert honoured.manifest["drops"] == {"rights/noai": 1, "rights/tdm_reservation": 1}
    assert honoured.manifest["articles"]["count"] == 2


def test_rights_signals_from_meta_tags_headers_and_tdmrep_rules() -> None:
    page = (b'<html><head><meta name="robots" content="index, NoAI"><meta name="tdm-reservation" content="1">'
            b'<meta name="tdm-policy" content="https://p.example/policy.json"></head><body></body></html>')
    meta = page_rights(page, {}, "https://a.example/news/1")
    assert meta.robots_directives == ["index", "noai"] and meta.tdm_reservation is True
    assert meta.tdm_policy == "https://p.example/policy.json"
    header = page_rights(b"<html></html>", {"tdm-reservation": ["0"], "x-robots-tag": ["googlebot: noimageai"]},
                         "https://a.example/")
    assert header.tdm_reservation is False and header.robots_directives == ["noimageai"]
    rules = parse_tdmrep(b'[{"location": "/news/*", "tdm-reservation": 1}]')
    assert page_rights(page.replace(b'content="1"', b'content="0"'), {}, "https://a.example/news/2", rules
                       ).tdm_reservation is True  # the well-known file comes first
    assert page_rights(b"", {}, "https://a.example/about", rules).tdm_reservation is None
    with pytest.raises(ValueError):
        parse_tdmrep(b'{"location": "/"}')


def test_retry_after_values() -> None:
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60.0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None
