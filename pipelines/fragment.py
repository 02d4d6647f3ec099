"""Turn an extracted article fragment (HTML) into clean paragraphs and captioned images.

The fragment is re-parsed with selectolax (lexbor): about 0.1 ms for a 9 KB fragment
here, against about 2 ms for BeautifulSoup, which matters at the per-page budget of a
crawl that should run near Scrapy's own ceiling (see README, "Why these libraries").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newsflow.items import Image

# Elements whose content is never article text.
_NEVER_TEXT = {
    "script", "style", "noscript", "iframe", "form", "button", "input", "select", "textarea", "nav",
    "aside", "footer", "svg", "video", "audio", "object", "embed", "template", "ins", "head", "title",
    "link", "meta", "map", "canvas", "dialog", "menu",
}
# Elements that end a paragraph before and after them.
_BLOCK = {
    "p", "div", "section", "article", "main", "header", "li", "ul", "ol", "dl", "dt", "dd", "table",
    "tr", "td", "th", "tbody", "thead", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "figure", "figcaption", "hr", "address", "center", "details", "summary",
}
# class/id tokens of blocks that are chrome, not text: ads, share bars, related-article lists.
_JUNK_TOKEN = re.compile(
    r"^(ads?|advert\w*|adsense|adslot|banner\w*|sponsor\w*|share\w*|sns\w*|social\w*|related\w*|relate\w*|"
    r"recommend\w*|comment\w*|promo\w*|popup\w*|subscribe\w*|newsletter\w*|taboola\w*|dable\w*|"
    r"btn\w*|button\w*|toolbar\w*|util\w*|font_?size\w*|print\w*|hidden|blind|sr-only|screen_out)"
    r"($|[_-])|^(ad|ads|art_ad|article_ad|ad_wrap|ad_area|box_ad)[_-]",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def normalize_text(text: str) -> str:
    """NFC, every kind of space folded to one ASCII space, trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _is_junk(node: LexborNode) -> bool:
    if node.tag in _NEVER_TEXT:
        return True
    attrs = node.attributes
    if "hidden" in attrs or (attrs.get("aria-hidden") == "true" and node.tag != "span"):
        return True
    style = (attrs.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    tokens = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".split()
    return any(_JUNK_TOKEN.search(token) for token in tokens)


def _image(node: LexborNode, base_url: str | None) -> Image | None:
    img = node if node.tag == "img" else node.css_first("img")
    if img is None:
        return None
    attrs = img.attributes
    src = attrs.get("data-org-src") or attrs.get("data-src") or attrs.get("data-original") or attrs.get("src")
    if not src or src.startswith("data:"):
        return None
    if base_url:
        src = urljoin(base_url, src)
    caption_node = node.css_first("figcaption") if node.tag == "figure" else None
    caption = normalize_text(caption_node.text(separator=" ")) if caption_node is not None else ""
    return Image(url=src, caption=caption or None)


def _walk(node: LexborNode, images: list[Image], base_url: str | None) -> Iterator[str | None]:
    """Yield text pieces, and None wherever a paragraph ends."""
    child = node.child
    while child is not None:
        tag = child.tag
        if tag == "-text":
            yield child.text_content or ""
        elif tag == "br":
            yield None
        elif tag == "figure":
            image = _image(child, base_url)
            if image is not None:
                images.append(image)
            yield None
        elif tag == "img":
            image = _image(child, base_url)
            if image is not None:
                images.append(image)
        elif tag.startswith("-") or _is_junk(child):
            pass
        elif tag in _BLOCK:
            yield None
            yield from _walk(child, images, base_url)
            yield None
        else:
            yield from _walk(child, images, base_url)
        child = child.next


def fragment_paragraphs(html: str, base_url: str | None = None) -> tuple[list[str], list[Image]]:
    """Paragraphs of text and the images (with ``figure`` captions) of an article fragment.

    Markup, scripts, hidden blocks, ads, share bars and related-article lists are dropped;
    block elements and ``<br>`` end paragraphs; text is NFC with spaces folded.
    """
    root = LexborHTMLParser(html).body
    if root is None:
        return [], []
    images: list[Image] = []
    # Pieces joined with "\n" at paragraph ends, then normalised in one pass: one regex and one
    # NFC call a page instead of one a paragraph (newlines are not in the folded spaces).
    pieces = ["\n" if piece is None else piece.replace("\n", " ") for piece in _walk(root, images, base_url)]
    text = normalize_text("".join(pieces))
    return [line.strip() for line in text.split("\n") if line.strip()], images
