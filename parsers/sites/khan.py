"""Kyunghyang Shinmun (경향신문, www.khan.co.kr) article pages. UNVERIFIED on real pages.

No Kyunghyang page exists in ../shared/corpus; the selectors come from public code and are
tested on a synthetic page:

- the current layout (``article header h1``, ``header .category a``, ``header .bottom .editor
  a``, ``.date .inner p`` stamps, ``#articleBody`` with ``p.content_text`` paragraphs,
  ``.art_photo`` pictures): a TypeScript news-crawler's ``KhanParser`` (code-search index id
  18521379505, January 2026 markup).
- ``#articleBody`` is older still: soorichu/NPub ``core/NewsTags.py`` (``div#articleBody``).
  ``.art_body`` is kept as the fallback container the issue names; no public code shows it,
  so it matters only where ``#articleBody`` is absent.

Metadata dates win; the labelled ``입력``/``수정`` stamps are the fallback.
"""

from __future__ import annotations

from newsflow.items import Article
from parsers.base import Page, SiteParser, node_text
from parsers.sites._select import canonical_of, stamps

_DATES = ".date .inner p"


class KhanParser(SiteParser):
    name = "khan.co.kr"
    hosts = ("khan.co.kr",)
    publisher = "경향신문"
    subdomains = False  # www./m. only: weekly., sports. and the English site have layouts of their own.

    title = "article header h1"
    authors = "header .bottom .editor a"
    section = "header .category a"
    body = "#articleBody, .art_body"
    figure = ".art_photo, figure"
    caption = "figcaption, .caption, .art_photo_cap"

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        nodes = page.tree.css(_DATES)
        published, modified = stamps(nodes)
        if not article.published_at_raw:
            # Unlabelled stamps: the first one is the publication time.
            article.published_at_raw = published or (node_text(nodes[0]) if nodes else "") or None
            article.modified_at_raw = article.modified_at_raw or modified
        article.canonical_url = article.canonical_url or canonical_of(page)
