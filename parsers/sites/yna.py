"""Yonhap News Agency (연합뉴스, www.yna.co.kr) article pages. UNVERIFIED on real article pages.

../shared/corpus has no Yonhap article page (only a section list, which this parser leaves to
the generic path), so the selectors come from public code and are tested on a synthetic page:

- the current head (``h1.tit01``, ``.tit-sub h2.tit01``, ``.txt-con .tit-name a``, ``.update-time``
  with ``data-published-time``, ``.keyword-zone .list01 a``, ``p.txt-copyright``, photos in
  ``.image-zone01`` with ``figcaption .txt-desc``): a TypeScript news-crawler's ``YnaParser``
  (code-search index id 18684102715, January 2026 markup; repository not named by the index).
- the body ``.story-news.article`` (a ``div`` or an ``article``): the same, and Go, Java, Ruby
  and Python scrapers in the code index (ids 51924376531, 62025958929, 67225971059, 19255624739).
- the earlier head (``.title-article01 h1.tit``, ``.image-zone .desc-con .tit-cap``): two
  cheerio scrapers (index ids 1286639774, 1241138982).

Layouts by date, Fundus's idea: both heads are listed, newest first, in one comma list per
field; they never share a page. The JSON-LD/OpenGraph dates win, the page's ``송고`` stamp is
the fallback; the writer card names the authors. The dateline ``(서울=연합뉴스) 홍길동 기자 =``
and the ``hong@yna.co.kr`` tail are cut by the clean step.
"""

from __future__ import annotations

import re

from newsflow.items import Article
from parsers.base import Page, SiteParser, br_lines, node_text
from parsers.sites._select import attr_of, canonical_of

_STAMP = ".update-time"
# The copyright block also holds the tip line ("제보는 카카오톡 okjebo") and the send time.
_RIGHTS_LINE = re.compile(r"저작권|ⓒ|\(c\)|copyright", re.IGNORECASE)


class YnaParser(SiteParser):
    name = "yna.co.kr"
    hosts = ("yna.co.kr",)
    publisher = "연합뉴스"
    subdomains = False  # www./m. only: en.yna.co.kr and the other sub-sites have layouts of their own.

    title = "h1.tit01, .title-article01 h1.tit"
    summary = ".tit-sub h2.tit01"
    authors = ".txt-con .tit-name a"
    tags = ".keyword-zone .list01 a"
    body = ".story-news.article"
    drop = ("p.txt-copyright", "aside", ".writer-zone01", ".keyword-zone")
    figure = "figure, .image-zone01, .image-zone"
    caption = ".txt-desc, .tit-cap, figcaption"

    def parse(self, page: Page, article: Article) -> None:
        tree = page.tree
        # Read before the body's blocks are cut: the copyright block sits inside the body.
        rights = next((line for line in br_lines(tree.css_first("p.txt-copyright")) if _RIGHTS_LINE.search(line)), "")
        super().parse(page, article)
        # Several sub-headline h2s, one line each.
        if lines := [line for node in tree.css(self.summary) for line in br_lines(node)]:
            article.summary = "\n".join(lines)
        article.authors_raw = list(dict.fromkeys(article.authors_raw))
        article.tags = [tag.lstrip("#").strip() for tag in article.tags if tag.lstrip("#").strip()]
        article.rights = rights or article.rights
        if not article.published_at_raw:
            # "2026-01-06 16:46" in the attribute; "송고2026-01-06 16:46" in the text.
            stamp = attr_of(tree, _STAMP, "data-published-time") or node_text(tree.css_first(_STAMP))
            article.published_at_raw = stamp or None
        article.canonical_url = article.canonical_url or canonical_of(page)
