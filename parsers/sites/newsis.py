"""Newsis (뉴시스, www.newsis.com) article pages. UNVERIFIED on real pages.

No Newsis page exists in ../shared/corpus; the selectors come from public code and are
tested on a synthetic page:

- the body: the ``<article>`` inside ``div.viewer``, holding ``<br>``-separated text, a
  ``div.summury`` summary box (sic), ``div.thumCont`` photos captioned by ``p.photojournal``
  and ``#view_ad`` ads: a Playwright/httpx Newsis collector (code-search index id 18505224772,
  2025) and flairNLP/fundus ``src/fundus/publishers/kr/newsis.py`` (a draft that splits
  ``div.viewer`` at ``<br>``; it reads headline, date and authors from the JSON-LD
  ``NewsArticle``, which the metadata step already does). ``div.view_text`` of an earlier
  layout: a Python collector's selector table (index id 12129521845).
- the ``등록 2025.09.05 13:47:51`` stamp, a ``span`` the collector finds by its label: the same.

Not dropped on purpose: ``div#textBody``, which the collector removes but Fundus's draft
reads as the paragraphs (if it is a copy hidden by ``display:none`` or ``hidden``, the clean
step removes it anyway). The dateline
``[서울=뉴시스]홍길동 기자 =`` and the ``◎공감언론 뉴시스 hong@newsis.com`` tail are cut by the
clean step; where the metadata names no author, the byline is read from the dateline that
opens ``og:description``.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from newsflow.items import Article, Image
from parsers.base import Page, SiteParser
from parsers.sites._select import attr_of, canonical_of, stamps

_PHOTO = ".thumCont"
# The dateline names the reporter: "[서울=뉴시스]홍길동 기자 = ..." (the collector cited above reads
# the byline from og:description the same way).
_DATELINE_BYLINE = re.compile(
    r"^\s*[\[【]\s*[^\]】=]{1,12}=\s*뉴시스\s*[\]】]\s*"
    r"(?P<byline>[가-힣]{2,4}(?:\s*[·,]\s*[가-힣]{2,4})*\s*(?:기자|특파원))"
)


class NewsisParser(SiteParser):
    name = "newsis.com"
    hosts = ("newsis.com",)
    publisher = "뉴시스"
    subdomains = False  # www./m. only.

    summary = ".viewer .summury"
    body = ".viewer article, div.view_text"
    drop = (".summury", "#view_ad", "p.photojournal")
    figure = f"{_PHOTO}, figure"
    caption = "p.photojournal, figcaption"

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        # JSON-LD keywords come as "Subject: 국회" (Fundus strips the same prefix).
        tags = (tag.removeprefix("Subject:").strip() for tag in article.tags)
        article.tags = [tag for tag in dict.fromkeys(tags) if tag]
        if not article.authors_raw:
            lead = attr_of(page.tree, "meta[property='og:description']", "content")
            if match := _DATELINE_BYLINE.match(lead):
                article.authors_raw = [match.group("byline")]
        if not article.published_at_raw:
            published, modified = stamps(page.tree.css("span"))
            article.published_at_raw = published
            article.modified_at_raw = article.modified_at_raw or modified
        article.canonical_url = article.canonical_url or canonical_of(page)

    def take_images(self, page: Page, container: LexborNode) -> list[Image]:
        """Photos with captions; a ``p.photojournal`` right after its photo block is moved into it first."""
        for block in container.css(_PHOTO):
            following = _next_element(block)
            if block.css_first(self.caption) is None and following is not None and following.tag == "p" \
                    and "photojournal" in (following.attributes.get("class") or "").split():
                block.insert_child(following)  # a copy: the original leaves the text below
                following.decompose()
        return super().take_images(page, container)


def _next_element(node: LexborNode) -> LexborNode | None:
    """The next sibling that is an element, skipping text and comments."""
    following = node.next
    while following is not None and following.tag.startswith("-"):
        following = following.next
    return following
