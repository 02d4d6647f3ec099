"""Tell article pages from listings, galleries, video, live-blog and error pages.

Conservative by design: a page is "article" unless the evidence says otherwise, and a
page that declares itself an article (``og:type=article``, a JSON-LD ``NewsArticle``)
stays one even with a three-line body. The validate pipeline drops the rest and counts
them by the kind returned here.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from newsflow.items import Article
from parsers.base import Page
from parsers.generic import HEADLINES_ATTR, SENTENCE_END, TEASERS_ATTR, TEXTS_ATTR
from parsers.metadata import ARTICLE_TYPES, page_type_hints

_LISTING_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage"})
_GALLERY_TYPES = frozenset({"ImageGallery", "MediaGallery"})
_VIDEO_TYPES = frozenset({"VideoObject", "VideoGallery", "og:video", "og:video.other", "og:video.movie",
                          "og:video.episode", "og:video.tv_show"})
# Soft-404s: the page answers 200 but its headline says the thing is not there. "404" alone
# or "not found" alone also name news ("Route 404 reopens", "Missing hiker not found"), so
# they count only in a short heading.
_ERROR_TITLE = re.compile(
    r"page\s+not\s+found|\b(404|410)\s*(error|not\s+found)|\berror\s*(404|410)\b|"
    r"page\s+(does\s+not|doesn't)\s+exist|"
    r"페이지를\s*찾을\s*수\s*없|찾을\s*수\s*없는\s*페이지|존재하지\s*않는\s*(페이지|기사)|삭제된\s*기사|"
    r"없는\s*(페이지|기사)|잘못된\s*(경로|접근|주소)",
    re.IGNORECASE,
)
_SHORT_ERROR_TITLE = re.compile(r"^\W*(404|410)\b|not\s+found|no\s+longer\s+available", re.IGNORECASE)
_HANGUL = re.compile(r"[가-힣]")


def _body_stats(article: Article) -> tuple[int, int, int, int]:
    """(text chars, running-text blocks, headline links, teasers) of the extracted body."""
    if not article.body_html:
        paragraphs = [p for p in (article.body or "").split("\n\n") if p.strip()]
        return sum(map(len, paragraphs)), sum(1 for p in paragraphs if _is_text(p)), 0, 0
    root = LexborHTMLParser(article.body_html).body
    if root is None or root.child is None:
        return 0, 0, 0, 0
    chars = len(" ".join(root.text(separator=" ").split()))
    attrs = root.child.attributes if root.child.tag == "div" else {}
    if HEADLINES_ATTR in attrs:  # the generic extractor's counts, made before it dropped the links
        counts = [attrs.get(name) or "0" for name in (TEXTS_ATTR, HEADLINES_ATTR, TEASERS_ATTR)]
        return chars, *(int(c) if c.isdigit() else 0 for c in counts)
    paragraphs = [p.strip() for p in root.text(separator="\n").split("\n") if p.strip()]
    headlines = sum(1 for a in root.css("a[href]") if _is_headline(" ".join(a.text().split())))
    return chars, sum(1 for p in paragraphs if _is_text(p)), headlines, 0


def _is_text(paragraph: str) -> bool:
    return len(paragraph) >= 60 or (len(paragraph) >= 15 and SENTENCE_END.search(paragraph) is not None)


def _is_headline(text: str) -> bool:
    """Link text long enough to be an article's headline (Korean packs more into fewer letters)."""
    return len(text) >= 20 or (len(text) >= 12 and _HANGUL.search(text) is not None)


def _page_headlines(page: Page) -> int:
    body = page.tree.body
    if body is None:
        return 0
    return sum(1 for a in body.css("a[href]") if _is_headline(" ".join(a.text().split())))


def _captioned_pictures(page: Page, article: Article) -> int:
    """Captioned pictures the extractor kept, else the page's ``figure`` blocks with a caption."""
    kept = sum(1 for image in article.images if image.caption)
    if kept:
        return kept
    return sum(1 for figure in page.tree.css("figure") if figure.css_first("img") and figure.css_first("figcaption"))


def _is_error(page: Page, article: Article) -> bool:
    if article.http_status is not None and article.http_status >= 400:
        return True
    h1 = page.tree.css_first("h1")
    headings = [" ".join(text.split()) for text in (article.title or "", h1.text() if h1 is not None else "")]
    return any(
        _ERROR_TITLE.search(text) or (len(text) <= 30 and _SHORT_ERROR_TITLE.search(text)) for text in headings
    )


def classify_page(page: Page, article: Article) -> str:
    """``article``, or ``listing``, ``gallery``, ``video``, ``live``, ``error``, ``not_article``."""
    hints = page_type_hints(page)
    declared_article = bool(hints & ARTICLE_TYPES) or "og:article" in hints
    stats: list[tuple[int, int, int, int]] = []

    def body_stats() -> tuple[int, int, int, int]:
        # Re-parsing the body costs about 0.2 ms; a page that declares itself an article needs
        # it only when it also looks like an error page or a gallery.
        if not stats:
            stats.append(_body_stats(article))
        return stats[0]

    if _is_error(page, article) and body_stats()[0] < (200 if declared_article else 500):
        return "error"
    if "LiveBlogPosting" in hints:
        return "live"
    if _captioned_pictures(page, article) >= 3 and body_stats()[0] < 150:
        return "gallery"  # pictures with captions and hardly a sentence around them
    if declared_article:
        return "article"
    chars, texts, headlines, teasers = body_stats()
    if hints & _VIDEO_TYPES and chars < 300:
        return "video"
    if hints & _GALLERY_TYPES and chars < 300:
        return "gallery"
    if hints & _LISTING_TYPES and texts < 5:
        return "listing"
    # A section front: a container of headline links, or of teasers each under its headline.
    if (headlines >= 10 and headlines >= 1.5 * texts) or (teasers >= 12 and teasers >= 0.7 * texts):
        return "listing"
    if texts < 3:
        # Hardly any running text: a home page of links, else some other kind of page.
        if _page_headlines(page) >= 20:
            return "listing"
        if texts == 0:
            return "not_article"
    return "article"
