"""Hankyoreh (한겨레, www.hani.co.kr) article pages. UNVERIFIED on real pages.

No Hankyoreh page exists in ../shared/corpus; the selectors come from public code and are
tested on a synthetic page:

- the current layout (a Next.js page whose CSS-module classes carry a hash suffix, so they are
  matched by prefix: ``h3[class*=ArticleDetailView_title]``, ``h4[...subtitle]``,
  ``[...reporterLink]``, ``[...dateListItem]`` with ``등록``/``수정`` labels,
  ``[...breadcrumb] a``, ``.article-text`` with ``p.text`` paragraphs,
  ``[class*=ArticleDetailContent_imageWrap]`` and ``[...figcaption]``): a TypeScript
  news-crawler's ``HaniParser`` (code-search index id 18039513729, January 2026 markup).
- ``div.article-text`` of the earlier layout: soorichu/NPub ``core/NewsTags.py`` and a
  Python collector's selector table (index id 57509393225).

Metadata dates win; the labelled 등록/수정 items are the fallback.
"""

from __future__ import annotations

from newsflow.items import Article
from parsers.base import Page, SiteParser
from parsers.sites._select import canonical_of, stamps

_DATES = "[class*=ArticleDetailView_dateListItem]"


class HaniParser(SiteParser):
    name = "hani.co.kr"
    hosts = ("hani.co.kr",)
    publisher = "한겨레"
    subdomains = False  # www./m. only: english. and h21. have layouts of their own.

    title = "h3[class*=ArticleDetailView_title]"
    summary = "h4[class*=ArticleDetailView_subtitle]"
    authors = "[class*=ArticleDetailView_reporterLink]"
    section = "[class*=ArticleDetailView_breadcrumb] a"
    body = ".article-text"
    # A caption beside (not inside) the picture's wrapper is cut so it never reads as text.
    drop = ("[class*=ArticleDetailContent_figcaption]",)
    figure = "figure, [class*=ArticleDetailContent_imageWrap]"
    caption = "[class*=ArticleDetailContent_figcaption], figcaption"

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        published, modified = stamps(page.tree.css(_DATES))
        if not article.published_at_raw and published:
            article.published_at_raw = published
            article.modified_at_raw = article.modified_at_raw or modified
        article.canonical_url = article.canonical_url or canonical_of(page)
