"""Real crawls: ``scrapy crawl news`` in its own process against replayed real pages on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.runoutput import RunOutput
from newsflow.tasks import CrawlFailed, run_crawl
from parsers import extract
from pipelines.clean import clean_article
from tests.replay_site import MK_PAGE, copy_demo_site, page_bytes, serving, write_source


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_demo_site(tmp_path / "site")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    sources = tmp_path / "sources"
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(sources))
    monkeypatch.setenv("NEWSFLOW_RUN_STORE", str(tmp_path / "runs"))
    return sources


def crawl(source_id: str, log: list[str] | None = None, **kwargs: object) -> tuple[dict, dict, list[dict]]:
    lines: list[str] = [] if log is None else log
    manifest = run_crawl(source_id, f"{source_id}-test", log=lines.append, **kwargs)
    output = RunOutput.open(manifest["output_uri"])
    return manifest, output.stats(), list(output.articles())


def test_feed_sitemap_and_listing_discovery_with_in_run_dedup(site: Path, env: Path) -> None:
    with serving(site) as server:
        write_source(env, "t", server.base_url, feeds=["feed.xml"], sitemaps=["sitemap.xml"],
                     listings=["board/list.html"], patterns=["/news/", "/article/", "/board/view/"])
        manifest, stats, articles = crawl("t")
    assert manifest["verdict"]["ok"]
    assert stats["newsflow/discovered/via_feed"] == 4
    assert stats["newsflow/discovered/via_sitemap"] >= 7
    assert stats["newsflow/discovered/via_listing"] >= 1
    assert manifest["drops"]["duplicate_in_run"] == 1
    by_url = {a["url"].split("/", 3)[3]: a for a in articles}
    kept = by_url[MK_PAGE]
    assert kept["other_urls"] == [f"{server.base_url}/{MK_PAGE}?utm_source=board"]
    assert kept["content_hash"].startswith("v1:") and kept["source"] == "t" and kept["http_status"] == 200
    assert kept["discovery"]["via"] == "feed" and kept["fetched_at"]
    assert len({a["content_hash"] for a in articles}) == len(articles)
    assert not [k for k in stats if k.startswith("spider_exceptions")]


def test_given_urls_skip_discovery_and_max_articles_caps(site: Path, env: Path) -> None:
    with serving(site) as server:
        write_source(env, "t", server.base_url, feeds=["feed.xml"])
        _, stats, articles = crawl("t", urls=[f"{server.base_url}/{MK_PAGE}"])
        assert [a["url"] for a in articles] == [f"{server.base_url}/{MK_PAGE}"]
        assert server.hits.get("/feed.xml") is None
        _, stats, articles = crawl("t", max_articles=2)
    assert len(articles) == 2 and stats["newsflow/discovered/over_limit"] == 2


def test_bad_input_is_dropped_or_counted_never_a_crash(site: Path, env: Path) -> None:
    original = page_bytes(site, MK_PAGE)
    text = original.decode("utf-8")
    (site / "bad").mkdir()
    # The same article in EUC-KR (CP949) bytes, declared as such (characters outside it as
    # &#...; references, as real EUC-KR pages write them): extracted like the original.
    euc = text.replace('charset="utf-8"', 'charset="euc-kr"').replace("charset=utf-8", "charset=euc-kr")
    (site / "bad" / "news").mkdir()
    (site / "bad" / "news" / "euckr.html").write_bytes(euc.encode("cp949", errors="xmlcharrefreplace"))
    (site / "bad" / "news" / "truncated.html").write_bytes(original[: len(original) // 3])
    (site / "bad" / "news" / "noarticle.html").write_text(
        "<html><head><title>회사 소개</title></head><body><p>회사 소개 페이지</p></body></html>", encoding="utf-8")
    (site / "bad" / "news" / "binary.html").write_bytes(bytes(range(256)) * 64)
    (site / "bad" / "notxml.xml").write_text("<html><body>503</body></html>", encoding="utf-8")
    (site / "bad" / "empty.xml").write_text('<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>')
    links = "".join(f"<item><link>{{BASE}}/bad/news/{name}</link></item>"
                    for name in ("euckr", "truncated", "noarticle", "binary", "missing"))
    (site / "bad" / "feed.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel>{links}</channel></rss>')
    with serving(site) as server:
        write_source(env, "t", server.base_url, feeds=["bad/feed.xml", "bad/notxml.xml", "bad/empty.xml"])
        manifest, stats, articles = crawl("t")
    assert stats["newsflow/discovery/failed/feed_not_xml"] == 1
    assert stats["newsflow/discovery/empty/feed"] == 1
    assert stats["newsflow/fetch_failed/http_404"] == 1
    dropped = manifest["drops"]
    assert sum(dropped.values()) >= 2, dropped  # the about page and the binary page at least
    assert not [k for k in stats if k.startswith("spider_exceptions")]
    euc_article = next(a for a in articles if a["url"].endswith("/euckr"))
    expected = clean_article(extract(original, "https://www.mk.co.kr/news/politics/11333783"))
    assert euc_article["title"] == expected.title and euc_article["body"] == expected.body
    assert "\ufffd" not in "".join(a["body"] for a in articles)


def test_a_crawl_that_finds_nothing_fails(site: Path, env: Path) -> None:
    (site / "empty.xml").write_text('<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>')
    with serving(site) as server:
        write_source(env, "t", server.base_url, feeds=["empty.xml"])
        with pytest.raises(CrawlFailed, match="discovery found no article URLs"):
            crawl("t")


def test_a_crawl_whose_pages_all_drop_fails(site: Path, env: Path) -> None:
    (site / "news").mkdir()
    (site / "news" / "about.html").write_text("<html><body><nav>메뉴</nav></body></html>", encoding="utf-8")
    (site / "f.xml").write_text('<?xml version="1.0"?><rss version="2.0"><channel>'
                                "<item><link>{BASE}/news/about</link></item></channel></rss>")
    with serving(site) as server:
        write_source(env, "t", server.base_url, feeds=["f.xml"])
        with pytest.raises(CrawlFailed, match="0 articles from 1 article URLs"):
            crawl("t")


def test_a_banned_crawl_fails(site: Path, env: Path) -> None:
    with serving(site) as server:
        server.on_request = lambda path: 403 if "/news/" in path else None
        write_source(env, "t", server.base_url, feeds=["feed.xml"])
        with pytest.raises(CrawlFailed, match="looks banned"):
            crawl("t")


def test_offsite_and_private_addresses_are_refused_before_download(site: Path, env: Path) -> None:
    (site / "f.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel>'
        "<item><link>http://169.254.169.254/latest/meta-data/news/1</link></item>"
        "<item><link>https://elsewhere.example/news/2</link></item>"
        f"<item><link>{{BASE}}/{MK_PAGE}</link></item></channel></rss>")
    with serving(site) as server:
        write_source(env, "t", server.base_url, feeds=["f.xml"])
        _, stats, articles = crawl("t")
    assert stats["newsflow/refused/offsite"] == 2  # 169.254.169.254 is not an allowed domain either
    assert len(articles) == 1


def test_robots_txt_is_obeyed_and_politeness_applied(site: Path, env: Path) -> None:
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /www.mk.co.kr/news/politics/\n")
    log: list[str] = []
    with serving(site) as server:
        write_source(env, "t", server.base_url, feeds=["feed.xml"],
                     politeness='concurrency = 3\ndownload_delay = 0.05\nautothrottle_target = 2.5\n'
                                'user_agent = "newsflow-test/1.0"\n')
        _, stats, articles = crawl("t", log=log)
        forbidden = {path for path in server.hits if "/politics/" in path}
    assert stats["robotstxt/forbidden"] == 1 and not forbidden
    assert len(articles) == 3
    start = log.index(next(line for line in log if "Overridden settings" in line))
    overridden = "\n".join(log[start:start + 40])
    for setting in ("'CONCURRENT_REQUESTS_PER_DOMAIN': 3", "'DOWNLOAD_DELAY': 0.05",
                    "'AUTOTHROTTLE_TARGET_CONCURRENCY': 2.5", "'USER_AGENT': 'newsflow-test/1.0'",
                    "'CLOSESPIDER_ITEMCOUNT': 200"):
        assert setting in overridden
