"""JoongAng Ilbo (중앙일보, www.joongang.co.kr) article pages. UNVERIFIED on real pages.

No JoongAng page exists in ../shared/corpus; the selectors come from public code and are
tested on a synthetic page:

- head and body of the current ``joongang.co.kr`` layout (``h1.headline``, ``.subhead a``,
  ``.byline a``, ``time[itemprop=datePublished|dateModified]`` with ``datetime``,
  ``#article_body`` with ``p[data-divno]`` paragraphs, ``.ab_photo`` with ``.caption``,
  ``.tag_wrap .tag``, ``.ab_byline`` at the foot): a TypeScript news-crawler's
  ``JoongangParser`` (code-search index id 18146446753, January 2026 markup).
- ``#article_body``: also Jureamer/NewsScrappingBot
  ``src/main/java/com/example/mknewsscrappingbot/data/newsSource/JaNewsSource.java``
  (``#article_body.article_body.fs3``, ``h1.headline``) and soorichu/NPub ``core/NewsTags.py``.

Metadata dates win; the ``time`` stamps' ``datetime`` attributes are the fallback. The
``.ab_byline`` line (``홍길동 기자 hong@joongang.co.kr``) and a closing ``ⓒ중앙일보`` line stay in
the body for the clean step to cut into the byline and rights fields.
"""

from __future__ import annotations

from newsflow.items import Article
from parsers.base import Page, SiteParser
from parsers.sites._select import attr_of, canonical_of

_PUBLISHED = "time[itemprop=datePublished][datetime]"
_MODIFIED = "time[itemprop=dateModified][datetime]"


class JoongangParser(SiteParser):
    name = "joongang.co.kr"
    hosts = ("joongang.co.kr",)
    publisher = "중앙일보"
    subdomains = False  # www./m. only: the English daily and the brand sub-sites have layouts of their own.

    title = "h1.headline"
    authors = ".byline a"
    section = ".subhead a"
    tags = ".tag_wrap .tag"
    body = "#article_body"
    drop = ("#ad_art_content_mid", ".ad_wrap")
    figure = ".ab_photo, figure"
    caption = ".caption, figcaption"

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        tree = page.tree
        article.tags = [tag.lstrip("#").strip() for tag in article.tags if tag.lstrip("#").strip()]
        article.published_at_raw = article.published_at_raw or attr_of(tree, _PUBLISHED, "datetime") or None
        article.modified_at_raw = article.modified_at_raw or attr_of(tree, _MODIFIED, "datetime") or None
        article.canonical_url = article.canonical_url or canonical_of(page)
