"""Every bundled source file: loads, discovers from its own domains, and recognises its real article URLs.

The example URLs are real article URLs as public code and the shared corpus show them (each
source file cites where); the non-examples are the same sites' section fronts, feeds and
other content types, which must not be taken for articles.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsflow.registry import BUILTIN_SOURCES, Source, load_sources

# The outlets issue 3 names, each a bundled source.
OUTLETS = {
    "naver", "daum", "yna", "mk", "chosun", "joongang", "donga", "hani", "khan", "hankookilbo",
    "hankyung", "sbs", "mbc", "kbs", "mbn", "ytn", "newsis", "news1",
}

# source id -> article URLs the source's patterns must match
ARTICLES: dict[str, list[str]] = {
    "naver": ["https://n.news.naver.com/article/607/0000001728",
              "https://n.news.naver.com/mnews/article/018/0005316196?sid=100"],
    "daum": ["https://v.daum.net/v/20230807094500170", "https://news.v.daum.net/v/20220329102612815"],
    "yna": ["https://www.yna.co.kr/view/AKR20251128153400030",
            "https://www.yna.co.kr/view/AKR20230627031700530?input=1195m"],
    "mk": ["https://www.mk.co.kr/news/politics/11333783", "https://www.mk.co.kr/news/world/11331368"],
    "chosun": ["https://www.chosun.com/entertainments/enter_general/2023/04/07/C4TYKH2D5HO4L5KW7TNCOEGBFI/",
               "https://news.chosun.com/site/data/html_dir/2020/08/27/2020082704301.html"],
    "joongang": ["https://www.joongang.co.kr/article/25021311", "https://www.joongang.co.kr/article/25004739#home"],
    "donga": ["https://www.donga.com/news/Society/article/all/20260415/133748578/1",
              "https://www.donga.com/news/Inter/article/all/20210327/106107177/1"],
    "hani": ["https://www.hani.co.kr/arti/economy/economy_general/1274867.html",
             "http://www.hani.co.kr/arti/society/society_general/598823.html"],
    "khan": ["https://www.khan.co.kr/article/202504141136001", "https://www.khan.co.kr/article/202608111057001/"],
    "hankookilbo": ["https://www.hankookilbo.com/News/Read/A2025051516330004328",
                    "https://www.hankookilbo.com/news/article/A2026012914320005196"],
    "hankyung": ["https://www.hankyung.com/article/2025041493977", "https://www.hankyung.com/article/202402168434g"],
    "sbs": ["https://news.sbs.co.kr/news/endPage.do?news_id=N1007161674"],
    "mbc": ["https://imnews.imbc.com/news/2023/politics/article/6470713_36119.html",
            "https://imnews.imbc.com/replay/2023/nw1700/article/6468788_36184.html"],
    "kbs": ["https://news.kbs.co.kr/news/pc/view/view.do?ncd=8153501"],
    "mbn": ["http://www.mbn.co.kr/news/economy/4917667", "https://www.mbn.co.kr/news/entertain/4917683"],
    "ytn": ["https://www.ytn.co.kr/_ln/0103_202606282356047019", "http://www.ytn.co.kr/_ln/0103_201906241617041128_005"],
    "newsis": ["https://www.newsis.com/view/NISX20260610_0003662923",
               "http://www.newsis.com/view/?id=NISX20221020_0002055098&cID=10806&pID=10800"],
    "news1": ["https://www.news1.kr/society/incident-accident/5546773", "https://www.news1.kr/articles/5315281",
              "https://www.news1.kr/articles/?3585452"],
}

# source id -> pages of the same site that are not articles
NOT_ARTICLES: dict[str, list[str]] = {
    "daum": ["https://news.daum.net/breakingnews/politics", "https://v.daum.net/channel/551/home"],
    "yna": ["https://www.yna.co.kr/international/asia-australia", "https://www.yna.co.kr/view/PYH20251128153400030"],
    "joongang": ["https://www.joongang.co.kr/society", "https://www.joongang.co.kr/reporter/1234"],
    "donga": ["https://www.donga.com/news/Society", "https://www.donga.com/news/search?query=x"],
    "hani": ["https://www.hani.co.kr/arti/society", "https://www.hani.co.kr/arti/list.html"],
    "khan": ["https://www.khan.co.kr/economy", "https://www.khan.co.kr/article/2025"],
    "hankyung": ["https://www.hankyung.com/economy", "https://www.hankyung.com/article/1"],
    "kbs": ["https://news.kbs.co.kr/news/pc/category/category.do?ref=pSiteMap"],
    "mbc": ["https://imnews.imbc.com/pc_main.html", "https://imnews.imbc.com/news/2025/politics/"],
    "ytn": ["https://www.ytn.co.kr/news/list.php?mcd=0101", "https://www.ytn.co.kr/"],
    "newsis": ["https://www.newsis.com/pol/list/?cid=10300&scid=10301"],
    "news1": ["https://www.news1.kr/politics", "https://www.news1.kr/reporter/1234"],
}


@pytest.fixture(scope="module")
def sources() -> dict[str, Source]:
    return load_sources(str(BUILTIN_SOURCES))


def test_every_named_outlet_is_a_bundled_source(sources: dict[str, Source]) -> None:
    assert set(sources) >= OUTLETS
    assert {Path(source.path).stem for source in sources.values()} == set(sources)  # file named by id


@pytest.mark.parametrize("source_id", sorted(OUTLETS))
def test_discovery_urls_are_on_allowed_domains(sources: dict[str, Source], source_id: str) -> None:
    source = sources[source_id]
    assert source.start_urls
    assert [url for url in source.start_urls if not source.is_allowed(url)] == []


@pytest.mark.parametrize("source_id", sorted(OUTLETS))
def test_article_patterns_match_real_article_urls(sources: dict[str, Source], source_id: str) -> None:
    source = sources[source_id]
    assert source.article_url_patterns
    unmatched = [url for url in ARTICLES[source_id] if not _is_article(source, url)]
    assert unmatched == []
    assert all(source.is_allowed(url) for url in ARTICLES[source_id])


@pytest.mark.parametrize("source_id", sorted(OUTLETS))
def test_discovery_urls_and_section_pages_are_not_articles(sources: dict[str, Source], source_id: str) -> None:
    source = sources[source_id]
    pages = [*source.start_urls, *NOT_ARTICLES.get(source_id, [])]
    assert [url for url in pages if _is_article(source, url)] == []


@pytest.mark.parametrize("source_id", sorted(OUTLETS))
def test_politeness_is_conservative(sources: dict[str, Source], source_id: str) -> None:
    politeness = sources[source_id].politeness
    assert politeness.obey_robots
    assert politeness.concurrency <= 2 and politeness.download_delay >= 1.0
    assert sources[source_id].schedule  # every source runs on a schedule
    assert sources[source_id].allow_private_addresses is False


def test_schedules_are_spread_over_the_hour(sources: dict[str, Source]) -> None:
    """Sources with the same cron minute start their crawls (and Airflow workers) together."""
    minutes = [sources[source_id].schedule.split()[0] for source_id in sorted(OUTLETS)]
    assert len(set(minutes)) == len(minutes)


@pytest.mark.parametrize("source_id", sorted(OUTLETS - {"naver", "mk"}))
def test_each_discovery_url_cites_its_evidence(sources: dict[str, Source], source_id: str) -> None:
    """The file's comment names where each feed, sitemap and listing was found (a repository, the
    shared corpus or a code-search index id), and what was left out."""
    text = Path(sources[source_id].path).read_text(encoding="utf-8")
    comment = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "Evidence" in comment
    assert re.search(r"[\w.-]+/[\w.-]+ \S+|shared/corpus|index id \d+", comment)


def _is_article(source: Source, url: str) -> bool:
    return any(re.search(pattern, url) for pattern in source.article_url_patterns)
