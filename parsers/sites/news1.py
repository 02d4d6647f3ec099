"""News1 (뉴스1, www.news1.kr) article pages. UNVERIFIED on real pages.

No News1 page exists in ../shared/corpus; the selectors come from public code and are tested
on a synthetic page:

- the current layout (``/society/incident-accident/5546773`` URLs, in code of 2025-26): the
  body ``#articleBodyContent`` with ``p`` paragraphs, the reporters ``div.box--report-top
  a.report-by``, the stamp ``time#published[datetime]``, ``nav.breadcrumb a`` (home, then the
  section): a Selenium ``News1Scraper`` (code-search index id 41647212360, section fronts such as
  ``https://www.news1.kr/politics``).
- the earlier layout (``/articles/5315281`` URLs): the body ``div.detail.sa_area``:
  osllzd/KDT-Crawling ``FOODTECH.py`` (its ``div.title h2`` headline is not used: too plain a
  selector to trust on the new layout; the metadata headline serves both). ``#articles_detail``,
  named in the issue, appears in no public code found, so it is not used.

Layouts newest first in one comma list per field. Metadata dates win over ``time#published``.
The dateline ``(서울=뉴스1) 홍길동 기자 =`` and the ``hong@news1.kr`` tail are cut by the clean step.
"""

from __future__ import annotations

from newsflow.items import Article
from parsers.base import Page, SiteParser
from parsers.sites._select import attr_of, canonical_of

_PUBLISHED = "time#published"


class News1Parser(SiteParser):
    name = "news1.kr"
    hosts = ("news1.kr",)
    publisher = "뉴스1"
    subdomains = False  # www./m. only.

    authors = "div.box--report-top a.report-by"
    body = "#articleBodyContent, div.detail.sa_area"
    figure = "figure"
    caption = "figcaption"

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        tree = page.tree
        # The first crumb is the home page; the second names the section.
        crumbs = [node for node in tree.css("nav.breadcrumb a") if node.text(strip=True)]
        if not article.section and len(crumbs) > 1:
            article.section = crumbs[1].text(strip=True)
        if not article.published_at_raw:
            article.published_at_raw = attr_of(tree, _PUBLISHED, "datetime") or None
        article.canonical_url = article.canonical_url or canonical_of(page)
