"""Clean pipeline: an extracted article's raw fields become clean text and aware timestamps.

``clean_article`` is the pure function (used as-is by ``newsflow evaluate``);
``CleanPipeline`` is its Scrapy component, switched by ``NEWSFLOW_CLEAN_ENABLED``.
"""

from __future__ import annotations

import re

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsflow.items import Article
from pipelines.dates import KST, parse_date, to_iso
from pipelines.fragment import fragment_paragraphs, normalize_text
from pipelines.text import author_names, reserves_ai, split_tails

_TITLE_SUFFIX_SEPARATORS = (" - ", " | ", " : ", " :: ", " – ", " — ")
# Korean pages name the site (and often the section) around the headline in <title>/og:title:
# "... - 조선일보", "...-정치ㅣ한국일보" (the Hangul letter ㅣ as a bar), "... | 세계 | 연합뉴스",
# "... : 네이트 뉴스", "... - 조선닷컴 - 스포츠 > 스포츠 포토", "대전일보 모바일 :: ...".
_SITE = (
    r"(?:[가-힣A-Za-z0-9.]{1,12}(?:일보|신문|뉴스|방송|닷컴|미디어|타임스|헤럴드|저널|통신|투데이|경제|TV)"
    r"|[가-힣A-Za-z0-9.]{1,12} (?:뉴스|NEWS|News|모바일)"
    r"|(?:KBS|MBC|SBS|YTN|JTBC|MBN|TV조선|채널A|뉴시스|뉴스1|이데일리|머니투데이)(?: ?뉴스| NEWS)?)"
)
_SEP = r"(?:\s+(?:[-|:–—]|::)\s+|\s*[ㅣ｜]\s*)"
# A section name between headline and site: any short word after a spaced bar, and the common
# desks also after a bare hyphen ("-정치ㅣ"), which elsewhere joins words ("삼성-LG").
_SECTION = r"[^\s|ㅣ｜:]{1,10}"
_DESKS = (
    r"(?:정치|경제|사회|국제|세계|문화|연예|스포츠|오피니언|사설|칼럼|전국|지역|라이프|IT|과학|북한|산업|증권"
    r"|부동산|금융)"
)
_SECTION_PATH = r"[^|ㅣ｜:]{1,24}"
_KOREAN_SUFFIX = re.compile(
    rf"(?:{_SEP}{_SECTION}|-{_DESKS})*{_SEP}{_SITE}(?:{_SEP}{_SECTION_PATH})?$"
)
_AFFIX_WINDOW = 120
_KOREAN_PREFIX = re.compile(rf"^{_SITE}(?: 모바일)?\s*(?:::|\||ㅣ)\s+")


def clean_title(title: str, publisher: str | None) -> str:
    """NFC, folded spaces, and the site name (with any section beside it) around the headline removed.

    A title that is nothing but the site name stays as it is.
    """
    title = normalize_text(title)
    if publisher:
        for sep in _TITLE_SUFFIX_SEPARATORS:
            suffix = sep + publisher
            if title.endswith(suffix) and len(title) > len(suffix):
                return title[: -len(suffix)].rstrip()
    # Only the ends are searched: the patterns backtrack, and a hostile <title> can be long.
    head, tail = title[:_AFFIX_WINDOW], title[-_AFFIX_WINDOW:]
    if (match := _KOREAN_SUFFIX.search(tail)) and match.start() > 0:
        title = title[: len(title) - len(tail) + match.start()].rstrip()
    if (match := _KOREAN_PREFIX.match(head)) and match.end() < len(title):
        title = title[match.end():].lstrip()
    return title


def clean_article(article: Article, timezone: str = KST) -> Article:
    """Derive the clean fields of ``article`` in place from its raw ones and return it.

    - ``body_html`` becomes ``body`` (paragraphs separated by a blank line); pictures found
      in it join ``images`` with their captions.
    - Byline and copyright lines are cut from the body's tail into ``authors_raw`` and
      ``rights``; a dateline (``(서울=연합뉴스) 홍길동 기자 =``) is cut from its head.
    - Dates are parsed in ``timezone`` where the page gives local time.
    """
    if article.body_html is not None:
        paragraphs, images = fragment_paragraphs(article.body_html, base_url=article.url)
        known = {image.url for image in article.images}
        article.images.extend(image for image in images if image.url not in known)
        article.body_html = None
    else:
        paragraphs = [p for p in (normalize_text(p) for p in article.body.split("\n\n")) if p]
    paragraphs, bylines, rights = split_tails(paragraphs)
    article.body = "\n\n".join(paragraphs)
    if not article.authors_raw and bylines:
        article.authors_raw = bylines
    article.authors_raw = [normalize_text(a) for a in article.authors_raw if normalize_text(a)]
    article.authors = author_names(article.authors_raw)
    if rights and not article.rights:
        article.rights = rights
    article.rights = normalize_text(article.rights) if article.rights else None
    article.rights_reserves_ai = article.rights_reserves_ai or reserves_ai(article.rights)

    article.title = clean_title(article.title or "", article.publisher)
    if article.summary:
        lines = (normalize_text(line) for line in article.summary.splitlines())
        article.summary = "\n".join(line for line in lines if line) or None
    for image in article.images:
        image.caption = normalize_text(image.caption) if image.caption else None
    article.section = normalize_text(article.section) if article.section else None
    article.tags = [t for t in dict.fromkeys(normalize_text(t) for t in article.tags) if t]

    if article.published_at is None:
        article.published_at = to_iso(parse_date(article.published_at_raw, timezone))
    if article.modified_at is None:
        article.modified_at = to_iso(parse_date(article.modified_at_raw, timezone))
    return article


class CleanPipeline:
    """Scrapy item pipeline running ``clean_article`` with the crawl's source time zone."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.timezone = KST

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        if not crawler.settings.getbool("NEWSFLOW_CLEAN_ENABLED", True):
            raise NotConfigured("NEWSFLOW_CLEAN_ENABLED is off")
        return cls(crawler)

    def open_spider(self) -> None:
        # Local times on the page are read in the crawled source's zone (KST for Korean sites).
        source = getattr(self.crawler.spider, "source", None)
        if source is not None:
            self.timezone = source.timezone

    def process_item(self, item: Article) -> Article:
        return clean_article(item, self.timezone)
