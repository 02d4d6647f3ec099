"""MBN (mbn.co.kr) article pages, ``news/<desk>/<id>`` layout of 2020 (``content_2020_top``).

Verified on the 12 corpus pages of ``mbn.co.kr``: three stories of April 2023 (an economy and a
society broadcast transcript, an MBN스타 entertainment story), each captured four times with
different page chrome. The og:title and JSON-LD turn quotes into primes (″); the page's own
``h1`` keeps them, so the title comes from there.
"""

from __future__ import annotations

import re

from newsflow.items import Article
from parsers.base import Page, SiteParser, node_text
from parsers.sites._select import canonical_of, texts_of

# One line holds both stamps: "기사입력 2023-04-04 19:02 l 최종수정 2023-04-04 19:44".
_PUBLISHED = re.compile(r"기사입력\s*(\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2})")
_MODIFIED = re.compile(r"최종수정\s*(\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2})")


class MbnParser(SiteParser):
    name = "mbn"
    hosts = ("mbn.co.kr",)
    markup = "#newsViewArea[itemprop=articleBody]"
    publisher = "MBN"

    body = "#newsViewArea"
    title = "#content_2020_top .title_box h1"
    section = "#content_2020_top .title_box .section"
    # The head links a staff reporter's page; else the foot's reporter card names them.
    authors = "#content_2020_top .txt_box a[href*=newsReporter]"
    authors_fallback = "#reporter_area .reporter_info .name"
    stamps = "#content_2020_top .txt_box"
    tags = ".tag_box a.tag_str"
    rights = "p.copyright"
    # The video player (and its "upgrade your browser" notice) and in-text ad slots.
    drop = ("#player", ".ie10browser_wrapper", "[id^=google_dfp]")
    # A photo is a two-row table: the picture, then its "↑ caption" cell.
    figure = "table"
    caption = "tr + tr td"

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        if names := texts_of(page.tree, (self.authors, self.authors_fallback)):
            article.authors_raw = names
        for image in article.images:
            image.caption = (image.caption or "").lstrip("↑ ").strip() or None
        stamp = node_text(page.tree.css_first(self.stamps))
        if published := _PUBLISHED.search(stamp):
            article.published_at_raw, article.published_at = published.group(0), None
            modified = _MODIFIED.search(stamp)
            article.modified_at_raw, article.modified_at = (modified.group(0) if modified else None), None
        if article.section:
            article.section = article.section.rsplit(">", 1)[-1].strip()  # "뉴스 > 경제"
        article.tags = [tag.lstrip("#") for tag in article.tags]
        article.canonical_url = article.canonical_url or canonical_of(page)
