"""Page classification: real section fronts and home pages are listings, real articles stay articles.

Real pages from tests/fixtures/generic/ (Naver and Yonhap lists, WCXB, SBS, MBC); small
pages for the kinds the corpus has no example of (soft-404, live blog, video, gallery).
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from parsers import extract

FIXTURES = Path(__file__).parent / "fixtures" / "generic"

REAL_PAGES = [
    ("news.naver.com.politics-section.html.gz", "https://news.naver.com/main/main.naver?mode=LSD&mid=shm&sid1=100",
     "listing"),
    ("news.naver.com.home-2020-euckr.html.gz", "http://news.naver.com/main/home.nhn", "listing"),
    ("www.yna.co.kr.asia-australia.html.gz", "https://www.yna.co.kr/international/asia-australia", "listing"),
    ("markdenneyphotography.com.blog.html.gz", "https://markdenneyphotography.com/blog", "listing"),
    ("news.sbs.co.kr.N1007161674.html.gz", "https://news.sbs.co.kr/news/endPage.do?news_id=N1007161674", "article"),
    ("imnews.imbc.com.6470709.html.gz", "https://imnews.imbc.com/news/2023/econo/article/6470709_36140.html",
     "article"),
    ("www.charlestoncoffeeroasters.com.brief-history-of-coffee.html.gz",
     "https://www.charlestoncoffeeroasters.com/brief-history-of-coffee/", "article"),
    ("www.microsoft.com.helping-developers-stay-productive.html.gz",
     "https://www.microsoft.com/en-us/microsoft-365/blog/2020/03/20/helping-developers-stay-productive-working-remotely/",
     "article"),
]


@pytest.mark.parametrize(("name", "url", "kind"), REAL_PAGES, ids=[p[0].split(".html")[0] for p in REAL_PAGES])
def test_real_page_kind(name: str, url: str, kind: str) -> None:
    page = gzip.decompress((FIXTURES / name).read_bytes())
    assert extract(page, url, site_parsers=False).page_type == kind


# --- small pages -------------------------------------------------------------------------------

SENTENCES = "".join(
    f"<p>오늘 열린 회의에서 {i}번째 안건이 논의됐고 참석자들은 결론을 다음 주로 미뤘다.</p>" for i in range(6)
)
LINKS = "".join(f'<li><a href="/news/{i}">다른 기사의 제목이 이렇게 길게 이어집니다 {i}</a></li>' for i in range(30))


def kind(head: str, body: str) -> str:
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    return extract(html.encode(), "https://news.example.kr/a/1", site_parsers=False).page_type


def ld(payload: str) -> str:
    return f'<script type="application/ld+json">{payload}</script>'


def test_short_declared_article_stays_an_article() -> None:
    body = "<article><p>속보입니다. 서울 지하철 2호선 운행이 중단됐다.</p></article>" + f"<ul>{LINKS}</ul>"
    assert kind('<meta property="og:type" content="article">', body) == "article"


@pytest.mark.parametrize("title", ["404 Not Found", "페이지를 찾을 수 없습니다 : 예시일보", "삭제된 기사입니다"])
def test_soft_404(title: str) -> None:
    assert kind(f"<title>{title}</title>", f"<h1>{title}</h1><p>주소를 확인해 주세요.</p><ul>{LINKS}</ul>") == "error"


@pytest.mark.parametrize("title", ["Missing hiker not found after a three-day search in the Rockies",
                                   "Route 404 reopens after storm damage"])
def test_news_headline_with_error_words_is_no_error(title: str) -> None:
    head = f'<title>{title}</title><meta property="og:type" content="article">'
    assert kind(head, f"<h1>{title}</h1><p>Rescuers will resume the search on Monday.</p>") == "article"


def test_live_blog() -> None:
    assert kind(ld('{"@type": "LiveBlogPosting", "headline": "실시간 개표 상황"}'), SENTENCES) == "live"


def test_video_page_without_text() -> None:
    head = '<meta property="og:type" content="video.other">' + ld('{"@type": "VideoObject", "name": "영상"}')
    assert kind(head, '<div class="player"></div><p>영상으로 보는 오늘의 날씨입니다.</p>') == "video"


def test_gallery_of_captioned_pictures() -> None:
    figures = "".join(
        f'<figure><img src="/p/{i}.jpg"><figcaption>행사장 모습 {i}</figcaption></figure>' for i in range(5))
    assert kind("", f"<article><p>사진으로 본 행사.</p>{figures}</article>") == "gallery"


def test_collection_page_of_links_is_a_listing() -> None:
    assert kind(ld('{"@type": "CollectionPage", "name": "정치"}'), f"<ul>{LINKS}</ul>") == "listing"


def test_page_without_text_or_links_is_not_an_article() -> None:
    assert kind("<title>로그인</title>", '<form><input name="id"><button>로그인</button></form>') == "not_article"


def test_undeclared_page_of_running_text_is_an_article() -> None:
    assert kind("<title>회의 결과</title>", f"<nav><ul>{LINKS}</ul></nav><div>{SENTENCES}</div>") == "article"


# --- corpus-wide: every gold article stays an article, every misc list page is a listing -------

def corpus_dir() -> Path:
    repo = Path(__file__).resolve().parents[1]
    return Path(os.environ.get("NEWSFLOW_CORPUS") or repo.parent / "shared" / "corpus")


@pytest.mark.corpus
def test_corpus_list_pages_are_listings_and_articles_stay_articles() -> None:
    corpus = corpus_dir()
    index = corpus / "extra" / "misc-kr-pages" / "index.json"
    if not index.is_file():
        pytest.skip(f"corpus not found at {corpus} (set NEWSFLOW_CORPUS)")
    wrong = []
    for entry in json.loads(index.read_text(encoding="utf-8")):
        page = (corpus / "extra" / "misc-kr-pages" / entry["file"]).read_bytes()
        expected = "article" if entry["kind"] == "naver_article" else "listing"
        got = extract(page, entry["og_url"] or "https://search.naver.com/search.naver", site_parsers=False).page_type
        if got != expected:
            wrong.append((entry["file"], got))
    for line in (corpus / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        if gold["body"] and gold.get("page_type", "article") == "article":
            page = gzip.decompress((corpus / gold["file"]).read_bytes())
            got = extract(page, gold["url"], site_parsers=False).page_type
            if got != "article":
                wrong.append((gold["id"], got))
    assert wrong == []
