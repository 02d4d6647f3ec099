"""Generic main-text extraction for pages no site parser claims, readability-style on lexbor.

The page is read once, in document order, into text blocks (a block ends at every block
element and every ``<br>``, so Korean bodies written as ``<br>``-separated lines inside
one ``div`` come out as paragraphs). Each block gets a value: positive for running text,
negative for link lists and short chrome. The container kept is the element whose blocks
sum highest (with a small bonus for ``article``/``content``/``본문`` hints), which takes
in sibling paragraphs and leaves out menus and related-link lists around them. Its blocks,
minus link lists, captions and chrome, are returned as a synthesised fragment.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from selectolax.lexbor import LexborNode

from newsflow.items import Image
from parsers.base import Page

# Elements never holding article text; their whole subtree is passed over.
_SKIP = frozenset({
    "script", "style", "noscript", "iframe", "button", "input", "select", "textarea", "option", "nav",
    "aside", "footer", "svg", "video", "audio", "object", "embed", "template", "head", "title", "link",
    "meta", "map", "canvas", "dialog", "menu", "form-hidden", "math", "picture-source", "source",
})
# Elements that do not end a text block. Anything else (including custom tags) does.
_INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins",
    "kbd", "label", "mark", "nobr", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strike",
    "strong", "sub", "sup", "time", "tt", "u", "var", "wbr", "img", "picture",
})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# class/id words of chrome, matched against the parts of each class/id token ("article-footer"
# has the parts "article" and "footer"). Strong ones mark a block as junk whatever else its
# names say; weak ones only when no content word (article, body, 본문...) is there too.
_STRONG_PARTS = frozenset({
    "share", "sharing", "sns", "social", "ad", "ads", "advert", "advertisement", "banner", "promo", "promotion",
    "sponsor", "sponsored", "nav", "navi", "navbar", "navigation", "gnb", "lnb", "snb", "tnb", "menu", "popular",
    "ranking", "rank", "tag", "tags", "keyword", "keywords", "hashtag", "hashtags", "pager", "paging",
    "pagination", "login", "signup", "modal", "popup", "reply", "replies", "comment", "comments", "byline",
    "copyright", "breadcrumb", "breadcrumbs", "newsletter", "subscribe", "subscription", "cookie", "cookies",
    "consent", "gdpr", "related", "recommend", "recommended", "recommendation", "sidebar", "footer", "toolbar",
})
# Compound names without separators ("commentlist", "rightSidebar", "relatedNews").
_STRONG_SUB = re.compile(
    r"comment(?!ary)|disqus|livere|sidebar|footer|related|relation|recommend|breadcrumb|newsletter|taboola|"
    r"outbrain|dable|mostread|mostviewed|most-read|most-viewed|social|sharebox|sharing|advert|sponsor|byline|"
    r"copyright|pagination"
)
# Screen-reader and hidden text: whole tokens only ("field--label-hidden" is Drupal's normal field).
_HIDDEN_TOKENS = frozenset({
    "hidden", "hide", "blind", "sr-only", "screen_out", "screen-out", "visually-hidden", "visuallyhidden",
    "d-none", "is-hidden", "offscreen",
})
_WEAK_PARTS = frozenset({
    "header", "head", "masthead", "widget", "aside", "util", "utils", "tool", "tools", "btn", "btns", "button",
    "buttons", "meta", "date", "time", "credit", "links", "author", "caption", "layer",
})
_CONTENT_PARTS = frozenset({
    "article", "content", "contents", "body", "entry", "post", "story", "main", "text", "news", "view", "본문",
    "txt", "detail", "cont", "read", "column", "articlebody", "articletext", "storybody", "postbody",
})
_PARTS = re.compile(r"[-_:.]+")
_CAPTION = re.compile(r"caption|(^|[-_])cap($|[-_])|figcaption|photo-?desc|img-?desc|credit")
# A block ending like a sentence: Latin punctuation, or Korean endings such as 다. 요. 까?
_SENTENCE_END = re.compile(r"[.!?。…」”\"')\]]\s*$|[다요까죠음함됨임][.!?]?\s*$")
_SPACE = re.compile(r"\s+")


@dataclass(slots=True)
class _Block:
    text: str
    tag: str
    link_chars: int
    junk: bool = False
    caption: bool = False

    @property
    def value(self) -> float:
        """How much this block looks like article text (positive) or chrome (negative)."""
        n = len(self.text)
        density = self.link_chars / n
        if density > 0.5:
            return -0.5 * n  # a link list: headlines, menus, related articles
        own = n - self.link_chars
        if self.tag in _HEADINGS or (own < 25 and not _SENTENCE_END.search(self.text)):
            return -3.0  # labels, dates, headings: neutral-to-negative, kept when surrounded by text
        return own * (1.0 if _SENTENCE_END.search(self.text) or own >= 80 else 0.5) - 2.0 * self.link_chars


@dataclass(slots=True)
class _Element:
    start: int
    end: int
    tag: str
    names: str
    junk: str  # "", "weak" or "strong"
    content: bool


@dataclass(slots=True)
class _ImageRef:
    at: int
    url: str
    caption: str | None


def _names(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs or (attrs.get("aria-hidden") == "true" and node.tag != "span"):
        return block.link_chars / len(block.text) <= 0.5
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


@lru_cache(maxsize=4096)
def _junk_kind(names: str) -> str:
    """"strong", "weak" or "" for an element's class and id (memoised: pages repeat their names)."""
    weak = content = False
    for token in names.split():
        if token in _HIDDEN_TOKENS:
            return "strong"
        parts = set(_PARTS.split(token))
        if parts & _STRONG_PARTS or _STRONG_SUB.search(token):
            return "strong"
        weak = weak or bool(parts & _WEAK_PARTS)
        content = content or bool(parts & _CONTENT_PARTS) or "본문" in token
    return "weak" if weak and not content else ""


@lru_cache(maxsize=4096)
def _is_content(names: str) -> bool:
    return any(set(_PARTS.split(token)) & _CONTENT_PARTS or "본문" in token for token in names.split())


def _image_url(page: Page, img: LexborNode) -> str | None:
    attrs = img.attributes
    src = attrs.get("data-org-src") or attrs.get("data-src") or attrs.get("data-original") or attrs.get("src")
    if not src or src.startswith("data:"):
        return None
    return page.absolute(src)


class _Reader:
    """One pass over the body: text blocks, the elements holding them, and the images among them."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.blocks: list[_Block] = []
        self.elements: list[_Element] = []
        self.images: list[_ImageRef] = []
        self._pieces: list[str] = []
        self._link_chars = 0

    def _flush(self, tag: str, caption: bool) -> None:
        if not self._pieces:
            return
        text = _SPACE.sub(" ", "".join(self._pieces)).strip()
        if text:
            link = min(self._link_chars, len(text))
            self.blocks.append(_Block(text, tag, link, caption=caption))
        self._pieces = []
        self._link_chars = 0

    def read(self, root: LexborNode) -> None:
        # Iterative walk (deeply nested broken markup must not hit the recursion limit).
        # Stack entries: (node, None) to enter, (node, record) to leave an element.
        stack: list[tuple[LexborNode, tuple[str, _Element | None, bool, bool] | None]] = [(root, None)]
        block_tags: list[str] = ["body"]
        caption_depth = 0
        link_depth = 0
        while stack:
            node, leaving = stack.pop()
            if leaving is not None:
                tag, record, is_link, is_caption = leaving
                if is_link:
                    link_depth -= 1
                if record is not None:
                    self._flush(block_tags[-1], caption_depth > 0)
                    block_tags.pop()
                    record.end = len(self.blocks)
                if is_caption:
                    caption_depth -= 1
                continue
            tag = node.tag
            if tag == "-text":
                text = node.text_content
                if text:
                    self._pieces.append(text)
                    if link_depth:
                        self._link_chars += len(text.strip())
                continue
            if tag is None or tag.startswith("-") or tag in _SKIP:
                continue
            if tag == "br":
                self._flush(block_tags[-1], caption_depth > 0)
                continue
            if tag == "img":
                url = _image_url(self.page, node)
                if url:
                    self.images.append(_ImageRef(len(self.blocks), url, None))
                continue
            names = _names(node) if tag not in _INLINE or tag == "span" else ""
            hidden = _hidden(node)
            if hidden and tag in _INLINE:
                continue
            is_caption = tag == "figcaption" or bool(names and _CAPTION.search(names))
            if is_caption:
                caption_depth += 1
            is_link = tag == "a" and "href" in node.attributes
            if is_link:
                link_depth += 1
            record = None
            if tag not in _INLINE:
                self._flush(block_tags[-1], caption_depth > 0)
                block_tags.append(tag)
                # Hidden blocks count as chrome, yet stay in reach of _mark_junk's safety net: React
                # streams whole articles inside <div hidden id="S:2"> and swaps them in by script.
                junk = "strong" if hidden or tag == "header" else _junk_kind(names)
                record = _Element(len(self.blocks), 0, tag, names, junk, _is_content(names))
                self.elements.append(record)
            elif names and _junk_kind(names) == "strong":
                # A chrome span (a share label, a hidden "blind" text) is skipped outright.
                if is_caption:
                    caption_depth -= 1
                if is_link:
                    link_depth -= 1
                continue
            stack.append((node, (tag, record, is_link, is_caption)))
            children = []
            child = node.child
            while child is not None:
                children.append(child)
                child = child.next
            stack.extend((c, None) for c in reversed(children))
        self._flush(block_tags[-1], False)


def _mark_junk(reader: _Reader) -> None:
    """Mark blocks inside chrome elements, unless the element holds most of the page's text.

    A wrapper named ``has-sidebar`` or ``page-header-content`` can hold the whole article;
    a comment list or related-links box never holds most of an article page's running text,
    and a block only weakly named like chrome (``header``, ``meta``) holds little of it.
    """
    blocks = reader.blocks
    good = [max(b.value, 0.0) for b in blocks]
    prefix = [0.0]
    for g in good:
        prefix.append(prefix[-1] + g)
    total = prefix[-1] or 1.0
    marks = [0] * (len(blocks) + 1)
    for el in reader.elements:
        if el.junk and el.end > el.start and el.tag not in ("body", "html", "article", "main"):
            if (prefix[el.end] - prefix[el.start]) / total < (0.5 if el.junk == "strong" else 0.1):
                marks[el.start] += 1
                marks[el.end] -= 1
    depth = 0
    for i, block in enumerate(blocks):
        depth += marks[i]
        if depth > 0:
            block.junk = True


def _best_element(reader: _Reader) -> _Element | None:
    blocks = reader.blocks
    prefix = [0.0]
    for b in blocks:
        prefix.append(prefix[-1] + (0.0 if b.junk or b.caption else b.value))
    best, best_score = None, 0.0
    for el in reader.elements:
        if el.end <= el.start:
            continue
        score = prefix[el.end] - prefix[el.start]
        if score > 0 and (el.content or el.tag in ("article", "main")):
            score *= 1.1
        if score > best_score:
            best, best_score = el, score
    return best


def _keep(block: _Block) -> bool:
    if block.junk or block.caption or block.tag == "h1":
        return False
    return True


def _is_text(block: _Block) -> bool:
    """A block that is running text for sure: long, or ending like a sentence, with few links."""
    own = len(block.text) - block.link_chars
    return block.link_chars / len(block.text) < 0.3 and (own >= 60 or (own >= 15 and bool(_SENTENCE_END.search(block.text))))


def _titles(page: Page) -> set[str]:
    """The page's headline as its head and its ``h1`` state it, to drop repeats of it from the body."""
    tree = page.tree
    titles = set()
    for selector in ('meta[property="og:title"]', 'meta[name="twitter:title"]', "title", "h1"):
        for node in tree.css(selector)[:3]:
            text = node.attributes.get("content") if node.tag == "meta" else node.text(deep=True)
            if text := _SPACE.sub(" ", text or "").strip():
                titles.add(text)
    return titles


def _is_title(text: str, titles: set[str]) -> bool:
    # "<title>" often carries the site name after the headline: a long prefix counts as the title.
    return text in titles or (len(text) >= 15 and any(t.startswith(text) for t in titles))


def extract_main_fragment(page: Page) -> tuple[str, list[Image]] | None:
    """The article's text as an HTML fragment of paragraphs, and the images found among them.

    None when the page has no block of running text at all (an empty or script-only page).
    """
    body = page.tree.body
    if body is None:
        return None
    reader = _Reader(page)
    reader.read(body)
    if not reader.blocks:
        return None
    _mark_junk(reader)
    best = _best_element(reader)
    if best is None:
        return None
    titles = _titles(page)
    chosen = [b for b in reader.blocks[best.start:best.end] if _keep(b) and not _is_title(b.text, titles)]
    # Chrome left at the edges of the container (dates, bylines, share labels) goes.
    first = next((i for i, b in enumerate(chosen) if _is_text(b)), None)
    if first is None:
        return None
    last = max(i for i, b in enumerate(chosen) if _is_text(b))
    chosen = chosen[first:last + 1]
    fragment = "".join(f"<p>{html.escape(b.text, quote=False)}</p>" for b in chosen)
    images = [Image(url=ref.url, caption=ref.caption) for ref in reader.images if best.start <= ref.at < best.end]
    return f"<div>{fragment}</div>", images
