"""YTN (www.ytn.co.kr) article pages. UNVERIFIED on real pages.

No YTN page exists in ../shared/corpus; the selectors come from public code and are tested
on a synthetic page:

- ``h2.news_title``, ``.news_info .date`` (``2026.01.06. 오후 6:23.``), the body
  ``#CmAdContent.paragraph`` whose ``span`` holds ``<br>``-separated text, the byline line
  ``YTN 홍길동 (hong@ytn.co.kr)`` and the closing ``[저작권자(c) YTN 무단전재, 재배포 및 AI 데이터
  활용 금지]``: a TypeScript news-crawler's ``YtnParser`` (code-search index id 18826955234,
  January 2026 markup).
- ``div#CmAdContent``: also machikLearning/crawler
  ``src/main/java/kr/ac/cbnu/ubigame/analyser/crawler/YTN.java`` and Selenium/requests scrapers
  (``//*[@id="CmAdContent"]/span``, index id 46662917273; index id 17056296187).

Metadata dates win over the page's stamp. The byline and copyright lines close the body text
and are cut by the clean step; two gaps there are reported (``YTN`` is kept as part of the
name, and ``AI 데이터 활용 금지`` is not read as an AI reservation).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from newsflow.items import Article
from parsers.base import Page, SiteParser, node_text
from parsers.sites._select import canonical_of

_PUBLISHED = ".news_info .date"
# The tip box closing the text ("※ '당신의 제보가 뉴스가 됩니다'", then [카카오톡], [전화] and
# [메일] lines) runs up to the copyright line. Its "[메일] social@ytn.co.kr" would read as a
# byline and its other lines as text, so it is cut here, where the site is known.
_TIP_START = re.compile(r"^\s*※\s*\S?\s*당신의\s*제보가\s*뉴스가\s*됩니다")
_TIP_END = re.compile(r"저작권자")


class YtnParser(SiteParser):
    name = "ytn.co.kr"
    hosts = ("ytn.co.kr",)
    publisher = "YTN"
    subdomains = False  # www./m. only: science., star. and radio. have layouts of their own.

    title = "h2.news_title"
    body = "#CmAdContent"
    figure = "figure, .photo"
    caption = "figcaption, .caption"

    def parse(self, page: Page, article: Article) -> None:
        container = page.tree.css_first(self.body)
        if container is not None:
            _cut_tip_box(container)
        super().parse(page, article)
        if not article.published_at_raw:
            article.published_at_raw = node_text(page.tree.css_first(_PUBLISHED)) or None
        article.canonical_url = article.canonical_url or canonical_of(page)


def _cut_tip_box(container: LexborNode) -> None:
    """Remove the tip box's text and line breaks, from its first line up to the copyright line."""
    for element in container.css("*"):  # the container itself included
        child, cutting = element.child, False
        while child is not None:
            following = child.next
            text = (child.text_content or "") if child.tag == "-text" else ""
            cutting = (cutting or bool(_TIP_START.match(text))) and not _TIP_END.search(text)
            if cutting:
                child.decompose()
            child = following
