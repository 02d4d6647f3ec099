"""KBS News (KBS 뉴스, news.kbs.co.kr) article pages. UNVERIFIED on real pages.

No KBS page exists in ../shared/corpus; the selectors come from public code and are tested
on a synthetic page:

- ``h4.headline-title``, ``.category-name``, ``em.input-date`` (``입력 2026.01.06 (17:45)``),
  ``em.edit-date`` (``수정 ...``), ``.detail-body``: a TypeScript news-crawler's ``KbsParser``
  (code-search index id 18059221457, January 2026 markup); ``.detail-body`` also a Python
  source definition (index id 57825456397).
- ``#cont_newstext``, the text block itself: a KBS Scrapy spider
  (``//*[@id="cont_newstext"]``, index id 22539106573), Selenium and requests scrapers (index
  ids 16081486016, 37849802038) and a Python collector trying it before ``.detail-body``
  (index id 69617776809).

Whichever of the two containers comes first in the page is the body (one holds the other
where both are present). Metadata dates win over the page's stamps. A stamp prints its time in
brackets (``2026.01.06 (17:45)``), which ``pipelines/dates.py`` reads as midnight: until it
reads that form (a change reported to its owner), the instant is derived here, in KST, the
only zone KBS prints. The broadcast sign-off ``KBS 뉴스 홍길동입니다.`` is spoken text and
stays in the body.
"""

from __future__ import annotations

from newsflow.items import Article
from parsers.base import Page, SiteParser, node_text
from parsers.sites._select import canonical_of

_PUBLISHED = "em.input-date"
_MODIFIED = "em.edit-date"


class KbsParser(SiteParser):
    name = "news.kbs.co.kr"
    hosts = ("news.kbs.co.kr",)
    publisher = "KBS"

    title = "h4.headline-title"
    section = ".category-name"
    body = ".detail-body, #cont_newstext"
    figure = "figure, .detail-visual"
    caption = "figcaption, .caption"

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        tree = page.tree
        if not article.published_at_raw:
            # The clean step reads KBS's "입력 2026.01.06 (17:45)" in KST.
            article.published_at_raw = node_text(tree.css_first(_PUBLISHED)) or None
            article.published_at = None
            if not article.modified_at_raw:
                article.modified_at_raw = node_text(tree.css_first(_MODIFIED)) or None
                article.modified_at = None
        article.canonical_url = article.canonical_url or canonical_of(page)

