"""Page metadata (JSON-LD, OpenGraph, meta tags): real pages field by field, then JSON-LD edge cases.

Expected values of the real pages are read from their source (and match the corpus gold
where it has them); the fixtures and their origins are in tests/fixtures/generic/.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from newsflow.items import Article
from parsers import extract
from parsers.base import Page
from parsers.decode import decode_html
from parsers.metadata import flatten_jsonld, page_type_hints, parse_jsonld, read_metadata
from pipelines.clean import clean_article

FIXTURES = Path(__file__).parent / "fixtures" / "generic"

# name -> (fixture, URL the page was fetched at, expected raw fields)
CASES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "sbs": ("news.sbs.co.kr.N1007161674.html.gz", "https://news.sbs.co.kr/news/endPage.do?news_id=N1007161674", {
        "title": "서울시의회 국힘, '성비위 의혹' 정진술 시의원 조사 신청",
        "canonical_url": "https://news.sbs.co.kr/news/endPage.do?news_id=N1007161674",
        "publisher": "SBS 뉴스",
        "published_at_raw": "2023-04-20T13:17:00+09:00",
        "modified_at_raw": "2023-04-20T13:17:00+09:00",
        "authors_raw": ["유덕기 기자"],  # JSON-LD author.name, not article:author "SBS 뉴스"
        "section": "사회",
        "language": "ko",
    }),
    "mbc": ("imnews.imbc.com.6470709.html.gz", "https://imnews.imbc.com/news/2023/econo/article/6470709_36140.html", {
        "title": '노동계, 최저임금 1만2천원 요구…"물가 폭등해 실질임금 저하"',
        "canonical_url": "https://imnews.imbc.com/news/2023/econo/article/6470709_36140.html",
        "publisher": "MBC NEWS",
        "published_at_raw": "2023-04-04T16:31:53+09:00",
        "authors_raw": ["신지영"],  # meta name=author: MBC's JSON-LD is only a breadcrumb list
        "section": "경제",
        "tags": ["민주노총", "양대노총", "최저임금"],
        "language": "ko",
    }),
    "coffee": (
        "www.charlestoncoffeeroasters.com.brief-history-of-coffee.html.gz",
        "https://www.charlestoncoffeeroasters.com/brief-history-of-coffee/?srsltid=AfmBOopF3oGqvNbKG9KDw1o2zDRDW1jSLz1cvh",
        {
            "title": "Brief History of Coffee - Charleston Coffee Roasters",  # raw: the clean step cuts the suffix
            "canonical_url": "https://www.charlestoncoffeeroasters.com/brief-history-of-coffee/",
            "publisher": "Charleston Coffee Roasters",
            "published_at_raw": "2017-01-11T16:45:41+00:00",
            "modified_at_raw": "2017-06-02T16:29:07+00:00",
            "authors_raw": ["Danielle Wecksler"],
            "language": "en",
        },
    ),
    "microsoft": (
        "www.microsoft.com.helping-developers-stay-productive.html.gz",
        "https://www.microsoft.com/en-us/microsoft-365/blog/2020/03/20/helping-developers-stay-productive-working-remotely/",
        {
            "title": "Helping our developers stay productive while working remotely",
            "publisher": "Microsoft 365 Blog",
            "published_at_raw": "2020-03-20T15:00:52+00:00",
            "modified_at_raw": "2022-07-26T12:09:19+00:00",
            "authors_raw": ["Jared Spataro"],
            "language": "en",
        },
    ),
    "naver-home-euckr": ("news.naver.com.home-2020-euckr.html.gz", "http://news.naver.com/main/home.nhn", {
        "title": "네이버 뉴스",  # decoded from EUC-KR bytes
        "canonical_url": "http://news.naver.com/main/home.nhn",
        "authors_raw": [],
        "language": "ko",
    }),
}
FIELDS = sorted({(case, field) for case, (_, _, fields) in CASES.items() for field in fields})


@cache
def metadata_of(case: str) -> Article:
    name, url, _ = CASES[case]
    text, _encoding = decode_html(gzip.decompress((FIXTURES / name).read_bytes()))
    article = Article(url=url, source="")
    read_metadata(Page(url=url, text=text), article)
    return article


@pytest.mark.parametrize(("case", "field"), FIELDS)
def test_real_page_field(case: str, field: str) -> None:
    assert getattr(metadata_of(case), field) == CASES[case][2][field]


def test_sbs_tags_come_from_jsonld_keywords() -> None:
    assert "국민의힘" in metadata_of("sbs").tags


def test_clean_step_gets_a_parsable_date_and_a_bare_title() -> None:
    name, url, _ = CASES["coffee"]
    article = clean_article(extract(gzip.decompress((FIXTURES / name).read_bytes()), url, site_parsers=False))
    assert article.title == "Brief History of Coffee"
    assert article.published_at == "2017-01-11T16:45:41+00:00"
    assert article.authors == ["Danielle Wecksler"]


# --- JSON-LD and head edge cases on small pages -------------------------------------------------

def read(head: str, url: str = "https://news.example.kr/article/1") -> Article:
    article = Article(url=url, source="")
    read_metadata(Page(url=url, text=f"<html><head>{head}</head><body><p>본문</p></body></html>"), article)
    return article


def ld(payload: str) -> str:
    return f'<script type="application/ld+json">{payload}</script>'


def test_top_level_list_picks_the_article_node() -> None:
    article = read(ld('[{"@type": "WebPage", "name": "페이지", "datePublished": "2020-01-01"},'
                      ' {"@type": "NewsArticle", "headline": "기사 제목", "datePublished": "2025-05-01T09:00:00+09:00",'
                      ' "author": [{"@type": "Person", "name": "홍길동 기자"},'
                      ' {"@type": "Person", "name": "김철수 기자"}]}]'))
    assert (article.title, article.published_at_raw) == ("기사 제목", "2025-05-01T09:00:00+09:00")
    assert article.authors_raw == ["홍길동 기자", "김철수 기자"]


def test_graph_with_id_references_resolves_author_and_publisher() -> None:
    article = read(ld('''{"@context": "https://schema.org", "@graph": [
        {"@type": "Organization", "@id": "https://x.kr/#org", "name": "예시일보"},
        {"@type": "Person", "@id": "https://x.kr/#p1", "name": "이영희"},
        {"@type": ["Article", "NewsArticle"], "headline": "그래프 속 기사", "author": {"@id": "https://x.kr/#p1"},
         "publisher": {"@id": "https://x.kr/#org"}, "articleSection": ["경제", "산업"],
         "keywords": ["반도체", "수출"], "dateModified": "2025-05-02"}]}'''))
    assert (article.title, article.authors_raw, article.publisher) == ("그래프 속 기사", ["이영희"], "예시일보")
    assert (article.section, article.tags, article.modified_at_raw) == ("경제", ["반도체", "수출"], "2025-05-02")


def test_broken_jsonld_is_skipped_and_other_sources_fill_in() -> None:
    article = read(
        ld('{"@type": "NewsArticle", "headline": "깨진 "따옴표" 제목"')
        + ld('{"@type": "NewsArticle", "datePublished": "2025-05-03T10:00:00+09:00"}')
        + '<meta property="og:title" content="오픈그래프 제목"><meta name="author" content="박기자">'
    )
    assert (article.title, article.published_at_raw, article.authors_raw) == (
        "오픈그래프 제목", "2025-05-03T10:00:00+09:00", ["박기자"])


@pytest.mark.parametrize("payload", [
    '<!-- {"@type": "NewsArticle", "headline": "주석 속 제목"} -->',
    '{"@type": "NewsArticle", "headline": "쉼표 남은 제목",}',
    '{"@type": "WebPage"}\n{"@type": "NewsArticle", "headline": "이어 붙인 제목"};',
    '{"@type": "WebPage", "mainEntity": {"@type": "NewsArticle", "headline": "안에 든 제목"}}',
    '{"@type": "NewsArticle", "headline": "줄바꿈\n든 제목"}',
])
def test_common_jsonld_damage_is_repaired(payload: str) -> None:
    assert read(ld(payload)).title.replace("\n", "") in {
        "주석 속 제목", "쉼표 남은 제목", "이어 붙인 제목", "안에 든 제목", "줄바꿈든 제목"}


@pytest.mark.parametrize("payload", [
    "}{][", "", "null", "42", '"text"', '{"@type": 5, "headline": {"x": 1}, "author": 7, "publisher": [1]}',
    '{"@type": "NewsArticle", "author": {"name": ["", null]}, "keywords": {"a": 1}, "inLanguage": 3}',
    "[" * 5000,
])
def test_jsonld_garbage_never_raises(payload: str) -> None:
    article = read(ld(payload) + '<meta property="og:title" content="제목"><meta name="author">')
    assert article.title == "제목"


def test_canonical_is_absolute_and_entity_free() -> None:
    article = read('<link rel="canonical" href="/mnews/article/018/0005316196?sid&amp;#x3D;100">',
                   url="https://n.news.naver.com/article/018/0005316196")
    assert article.canonical_url == "https://n.news.naver.com/mnews/article/018/0005316196?sid=100"


def test_malformed_canonical_is_ignored() -> None:
    assert read('<link rel="canonical" href="http://[::1/broken">').canonical_url is None


def test_og_url_is_the_fallback_canonical() -> None:
    assert read('<meta property="og:url" content="https://x.kr/a/2">').canonical_url == "https://x.kr/a/2"


def test_publisher_names_and_urls_are_not_authors() -> None:
    article = read('<meta property="og:site_name" content="SBS NEWS">'
                   '<meta property="article:author" content="https://www.facebook.com/sbsnews">'
                   '<meta name="author" content="SBS 뉴스"><meta name="dable:author" content="조선일보">')
    assert article.authors_raw == []


def test_byline_naming_its_paper_is_still_an_author() -> None:
    article = read('<meta property="og:site_name" content="한국일보">'
                   '<meta name="author" content="한국일보 홍길동 기자">')
    assert article.authors_raw == ["한국일보 홍길동 기자"]


def test_meta_dates_and_tags_in_priority_order() -> None:
    article = read('<meta name="keywords" content="뉴스, 속보"><meta name="news_keywords" content="반도체, 수출">'
                   '<meta name="pubdate" content="2025-05-04 08:00"><meta property="article:published_time"'
                   ' content="2025-05-04T08:00:00+09:00"><meta property="article:tag" content="삼성전자">'
                   '<meta property="article:tag" content="SK하이닉스">')
    assert article.published_at_raw == "2025-05-04T08:00:00+09:00"
    assert article.tags == ["삼성전자", "SK하이닉스"]


@pytest.mark.parametrize(("head", "language"), [
    ('<meta property="og:locale" content="ko_KR">', "ko"),
    ('<meta http-equiv="Content-Language" content="en-US">', "en"),
    ("", None),
])
def test_language_from_locale_or_content_language(head: str, language: str | None) -> None:
    assert read(head).language == language


def test_html_lang_wins() -> None:
    article = Article(url="https://x.kr/", source="")
    read_metadata(Page(url=article.url, text='<html lang="ko-KR"><head></head><body></body></html>'), article)
    assert article.language == "ko"


def test_page_type_hints_collect_og_type_and_jsonld_types() -> None:
    page = Page(url="https://x.kr/", text="<html><head>" + '<meta property="og:type" content="video.other">'
                + ld('{"@graph": [{"@type": "VideoObject"}, {"@type": ["WebPage", "CollectionPage"]}]}')
                + "</head><body></body></html>")
    assert page_type_hints(page) == {"og:video.other", "VideoObject", "WebPage", "CollectionPage"}


def test_parse_and_flatten_helpers() -> None:
    values = parse_jsonld('{"@type": "A", "@graph": [{"@type": "B", "mainEntity": [{"@type": "C"}]}]}')
    assert [node["@type"] for node in flatten_jsonld(values)] == ["A", "B", "C"]
    assert parse_jsonld("not json at all") == []
