"""Korea Economic Daily (한국경제, www.hankyung.com) article pages. UNVERIFIED on real pages.

No Hankyung page exists in ../shared/corpus; the selectors come from public code and are
tested on a synthetic page:

- ``#articletxt`` (the body), ``h1.headline``: a Python ``HankyungParser`` (code-search index id
  21615798533), hyorim-Han/pythonCrawling ``hankyung3.py`` (``find_element_by_id('articletxt')``)
  and a Python collector's selector table (index id 12129521845).
- that parser reads dates and authors from the JSON-LD ``NewsArticle``, which the metadata
  step already does here; no public code shows the page's own date or byline markup, so
  none is read from it.
- ``div#newsView`` of the layout before 2021: soorichu/NPub ``core/NewsTags.py``.
"""

from __future__ import annotations

from newsflow.items import Article
from parsers.base import Page, SiteParser
from parsers.sites._select import canonical_of


class HankyungParser(SiteParser):
    name = "hankyung.com"
    hosts = ("hankyung.com",)
    publisher = "한국경제"
    subdomains = False  # www./m. only: magazine., plus. and the other sub-sites have layouts of their own.

    title = "h1.headline"
    body = "#articletxt, #newsView"
    drop = (".ad", ".related")
    figure = "figure"
    caption = "figcaption"

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        article.canonical_url = article.canonical_url or canonical_of(page)
