"""Discovery parsers on real feeds (EUC-KR, CP949) and on broken or hostile documents."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from spiders.discovery import NotXML, parse_feed, parse_listing, parse_sitemap

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def test_euc_kr_feed_decodes_titles_and_dates() -> None:
    entries = parse_feed(gzip.decompress((FEEDS / "blog.rss.naver.com.euc-kr.xml.gz").read_bytes()),
                         "http://blog.rss.naver.com/alphathinker.xml")
    assert entries[0].url == "http://blog.naver.com/alphathinker/40002716789"
    assert entries[0].title == "2003년 업 그레이드된 기본강의시리즈 수강 안내"
    assert entries[0].published == "Sun, 23 May 2004 19:57:35 +0900"
    assert all(e.via == "feed" for e in entries)


def test_cp949_feed_labelled_euc_kr_decodes() -> None:
    entries = parse_feed(gzip.decompress((FEEDS / "ricanet.com.cp949.xml.gz").read_bytes()), "http://ricanet.com/")
    assert entries and entries[0].title == "구라치다 걸리면"


def test_atom_feed_takes_alternate_links() -> None:
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
      <entry><title>A</title><link rel="self" href="/self"/><link href="/news/1"/>
        <published>2025-12-15T16:45:00+09:00</published></entry>
    </feed>"""
    [entry] = parse_feed(atom, "https://example.kr/feed")
    assert (entry.url, entry.title, entry.published) == ("https://example.kr/news/1", "A", "2025-12-15T16:45:00+09:00")


def test_empty_feed_is_empty_not_an_error() -> None:
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    assert parse_feed(empty, "https://x.kr/") == []


@pytest.mark.parametrize("body", [b"<html><body>503 Service Unavailable</body></html>", b"", b"not xml at all",
                                  b'{"items": []}'])
def test_a_feed_that_is_not_xml_is_refused(body: bytes) -> None:
    with pytest.raises(NotXML):
        parse_feed(body, "https://x.kr/feed")


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = f"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>
    <rss version="2.0"><channel><item><title>&x;</title><link>https://x.kr/news/1</link></item></channel></rss>""".encode()
    entries = parse_feed(xxe, "https://x.kr/feed")
    assert all("TOP-SECRET" not in (e.title or "") for e in entries)


def test_billion_laughs_does_not_expand() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
    <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
    <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
    <rss version="2.0"><channel><item><title>&lol3;</title><link>https://x.kr/news/1</link></item></channel></rss>"""
    entries = parse_feed(bomb, "https://x.kr/feed")
    assert all(len(e.title or "") < 100 for e in entries)


def test_sitemap_index_lists_child_sitemaps() -> None:
    doc = parse_sitemap(b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://x.kr/sitemap-1.xml</loc></sitemap><sitemap><loc>https://x.kr/sitemap-2.xml.gz</loc></sitemap>
    </sitemapindex>""", "https://x.kr/sitemap.xml")
    assert doc.sitemaps == ["https://x.kr/sitemap-1.xml", "https://x.kr/sitemap-2.xml.gz"] and doc.entries == []


def test_google_news_sitemap_keeps_title_and_publication_date() -> None:
    doc = parse_sitemap("""<?xml version="1.0" encoding="UTF-8"?>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>https://x.kr/news/1</loc><lastmod>2025-12-16</lastmod><news:news>
        <news:publication><news:name>엑스</news:name><news:language>ko</news:language></news:publication>
        <news:publication_date>2025-12-15T16:45:00+09:00</news:publication_date><news:title>배경훈 부총리</news:title>
      </news:news></url>
      <url><loc>https://x.kr/news/2</loc><lastmod>2025-12-14</lastmod></url>
    </urlset>""".encode(), "https://x.kr/sitemap.xml")
    first, second = doc.entries
    assert (first.title, first.published) == ("배경훈 부총리", "2025-12-15T16:45:00+09:00")
    assert (second.title, second.published) == (None, "2025-12-14")


def test_listing_links_filtered_by_pattern_in_page_order() -> None:
    html = """<html><head><base href="https://x.kr/"></head><body>
      <a href="/news/2">둘</a><a href="section/">섹션</a><a href="/news/1#c">하나</a><a href="/news/2">again</a>
      <a href="javascript:void(0)">js</a></body></html>""".encode()
    entries = parse_listing(html, "https://x.kr/list", re.compile(r"/news/\d+"))
    assert [(e.url, e.title) for e in entries] == [("https://x.kr/news/2", "둘"), ("https://x.kr/news/1", "하나")]
