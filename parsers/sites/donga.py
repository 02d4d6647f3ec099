"""Dong-A Ilbo (동아일보, www.donga.com) article pages. UNVERIFIED on real pages.

No Dong-A page exists in ../shared/corpus; the selectors come from public code and are
tested on a synthetic page:

- the current layout (``.head_group h1``, ``section.news_view`` holding the text as ``<br>``-
  separated runs with ``h2.sub_tit`` sub-headlines, ``figure.img_cont`` with ``figcaption``,
  ``.view_ad*``/``.view_m_ad*`` ad blocks, ``.author_info a``, ``.date_info p
  span[aria-hidden=true]`` with ``입력 2026-01-06 14:18``):
  a TypeScript news-crawler's ``DongaParser`` (code-search index id 18525611672, January 2026).
- the earlier body ``div.article_txt``: a selector table of a Python news collector
  (index id 12129521845); ``#article_body`` before that: soorichu/NPub ``core/NewsTags.py``.

The layouts are listed newest first in one comma list (they never share a page). Metadata
dates win over the ``입력`` stamp; the ``홍길동 기자 hong@donga.com`` and ``ⓒ 동아일보`` lines
at the foot of the text are cut by the clean step.
"""

from __future__ import annotations

from newsflow.items import Article
from parsers.base import Page, SiteParser, node_text
from parsers.sites._select import canonical_of

_PUBLISHED = ".date_info p span[aria-hidden=true]"


class DongaParser(SiteParser):
    name = "donga.com"
    hosts = ("donga.com",)
    publisher = "동아일보"
    subdomains = False  # www./m. only: sports., weekly., shindonga. and it. have layouts of their own.

    title = ".head_group h1"
    summary = ".news_view h2.sub_tit"
    authors = ".author_info a"
    body = "section.news_view, div.article_txt, #article_body"
    drop = ("h2.sub_tit", "[class*=view_ad]", "[class*=view_m_ad]")
    figure = "figure"
    caption = "figcaption"

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        if not article.published_at_raw:
            article.published_at_raw = node_text(page.tree.css_first(_PUBLISHED)) or None
        article.canonical_url = article.canonical_url or canonical_of(page)
