"""Generic main-text extraction for pages no site parser claims, readability-style on lexbor.

The page is read once, in document order, into text blocks: a block ends at every block
element and every ``<br>``, so Korean bodies written as ``<br>``-separated lines inside one
``div`` come out as paragraphs. Each block gets a value, positive for running text and
negative for link lists and short chrome. The container kept is the element whose blocks
sum highest (a small bonus for ``article``/``content``/``본문`` names), which takes in
sibling paragraphs and leaves out the menus and related-link lists around them. Its blocks,
minus link lists, captions, repeated headlines and chrome, become a synthesised fragment
whose root ``div`` carries the container's link/text counts for pagetype.py.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache

from selectolax.lexbor import LexborNode

from newsflow.items import Image
from parsers.base import Page

# Elements never holding article text: their subtree is passed over.
_SKIP = frozenset({
    "script", "style", "noscript", "iframe", "button", "input", "select", "textarea", "option", "nav",
    "aside", "footer", "svg", "video", "audio", "object", "embed", "template", "head", "title", "link",
    "meta", "map", "canvas", "dialog", "menu", "math", "source",
})
# Elements that do not end a text block; anything else (custom tags too) does.
_INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins",
    "kbd", "label", "mark", "nobr", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strike",
    "strong", "sub", "sup", "time", "tt", "u", "var", "wbr", "picture",
})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NEVER_JUNK = frozenset({"body", "html", "article", "main"})

# class/id words of chrome, matched against the parts of each token ("article-footer" has the
# parts "article" and "footer"). A strong word marks an element as chrome whatever else its
# names say; a weak one only when no content word (article, body, 본문...) is there too.
_STRONG_PARTS = frozenset({
    "share", "sharing", "sns", "social", "ad", "ads", "advert", "advertisement", "banner", "promo", "promotion",
    "sponsor", "sponsored", "nav", "navi", "navbar", "navigation", "gnb", "lnb", "snb", "tnb", "menu", "popular",
    "ranking", "rank", "tag", "tags", "keyword", "keywords", "hashtag", "hashtags", "pager", "paging",
    "pagination", "login", "signup", "modal", "popup", "reply", "replies", "comment", "comments", "byline",
    "copyright", "breadcrumb", "breadcrumbs", "newsletter", "subscribe", "subscription", "cookie", "cookies",
    "consent", "gdpr", "related", "recommend", "recommended", "recommendation", "sidebar", "footer", "toolbar",
})
# The same words run together with others ("commentlist", "rightsidebar", "relatednews").
_STRONG_SUB = re.compile(
    r"comment(?!ary)|disqus|livere|sidebar|footer|related|relation|recommend|breadcrumb|newsletter|taboola|"
    r"outbrain|dable|mostread|mostviewed|most-read|most-viewed|social|sharebox|sharing|advert|sponsor|byline|"
    r"copyright|pagination"
)
# Screen-reader and hidden text; whole tokens only ("field--label-hidden" is Drupal's normal field).
_HIDDEN_TOKENS = frozenset({
    "hidden", "hide", "blind", "sr-only", "screen_out", "screen-out", "visually-hidden", "visuallyhidden",
    "d-none", "is-hidden", "offscreen",
})
_WEAK_PARTS = frozenset({
    "masthead", "widget", "aside", "util", "utils", "tool", "tools", "btn", "btns", "button",
    "buttons", "meta", "date", "time", "credit", "links", "author", "caption", "layer", "card", "cards",
    "teaser", "teasers", "thumb", "thumbnail",
})
_CONTENT_PARTS = frozenset({
    "article", "content", "contents", "body", "entry", "post", "story", "main", "text", "news", "view",
    "txt", "detail", "cont", "read", "column", "articlebody", "articletext", "storybody", "postbody",
})
_PARTS = re.compile(r"[-_:.]+")
# Caption blocks, by whole class token: "wp-caption-text", "img_desc", "txt_cap" (not "drop-cap").
_CAPTION = re.compile(r"caption|^(img|photo|pic|txt|image)[-_]?(cap|desc|txt|text)$|^cap$")
# A block ending like a sentence: Latin punctuation or quotes, or Korean endings (다. 요. 까? 음).
SENTENCE_END = re.compile(r"[.!?。…」”\"')\]]\s*$|[다요까죠음함됨임][.!?]?\s*$")
_SPACE = re.compile(r"\s+")
# Dates and reading times heading an article: "2024-01-12 16:31", "January 28, 2025", "입력 2023.04.04".
_DATE_LINE = re.compile(
    r"\d{4}[-./]\s?\d{1,2}[-./]\s?\d{1,2}|\b[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}\b|\b\d{1,2} [A-Z][a-z]{2,8} \d{4}\b|"
    r"\bmin(ute)?s? read\b|입력|수정|기사입력|승인",
)
# Attributes of the fragment's root: in the container, the blocks that are a headline link,
# those of running text, and the text blocks right after a headline link (teasers).
HEADLINES_ATTR = "data-headlines"
TEXTS_ATTR = "data-texts"
TEASERS_ATTR = "data-teasers"
# What one run of links (a menu, a related-articles box) can cost the element holding it: a
# box of links evidences chrome once, however long, so a short article keeps its own box.
_LINK_RUN_COST = 16.0
_SHORT_LINE = 8  # chars: a section name or a reporter's name ("세계", "김태윤"), not a subtitle


@dataclass(slots=True)
class _Element:
    """A block-level element: the range of blocks it holds and what its names say of it."""

    start: int
    end: int = 0
    tag: str = ""
    junk: str = ""  # "", "weak" or "strong"
    content: bool = False
    caption: bool = False
    honoured: bool = False  # junk confirmed by _mark_junk


@dataclass(slots=True)
class _Block:
    text: str
    tag: str
    link_chars: int
    value: float = 0.0
    junk: bool = False
    caption: bool = False


@dataclass(slots=True)
class _ImageRef:
    at: int
    url: str
    caption: str | None = None
    inside: list[_Element] = field(default_factory=list)  # the junk elements around it


def _value(text: str, tag: str, link_chars: int) -> float:
    """How much a block looks like article text (positive) or like chrome (negative)."""
    n = len(text)
    if link_chars * 2 > n:
        return -min(0.5 * n, 4.0)  # a link: a menu item, a headline; many of them sink a box
    own = n - link_chars
    sentence = SENTENCE_END.search(text) is not None
    if tag in _HEADINGS or (own < 25 and not sentence):
        return -3.0  # labels, dates, headings: slightly negative, kept when text surrounds them
    return own * (1.0 if sentence or own >= 80 else 0.5) - 2.0 * link_chars


@lru_cache(maxsize=4096)
def _classify_names(names: str) -> tuple[str, bool]:
    """(junk kind, has a content word) for an element's class and id; memoised, pages repeat them."""
    weak = content = False
    for token in names.split():
        if token in _HIDDEN_TOKENS:
            return "strong", False
        parts = set(_PARTS.split(token))
        if parts & _STRONG_PARTS or _STRONG_SUB.search(token):
            return "strong", False
        weak = weak or bool(parts & _WEAK_PARTS)
        content = content or bool(parts & _CONTENT_PARTS) or "본문" in token
    return ("weak" if weak and not content else ""), content


def _is_hidden(attrs: dict[str, str | None], tag: str) -> bool:
    if "hidden" in attrs or (attrs.get("aria-hidden") == "true" and tag != "span"):
        return True
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _names(attrs: dict[str, str | None], tag: str) -> str:
    """class and id, lower-cased; a heading's id is left out, as it is its text made a slug."""
    element_id = "" if tag in _HEADINGS else attrs.get("id") or ""
    return f"{attrs.get('class') or ''} {element_id}".lower()


def _image_url(page: Page, attrs: dict[str, str | None]) -> str | None:
    for size in (attrs.get("width"), attrs.get("height")):
        if size and size.isdigit() and int(size) < 50:
            return None  # icons, spacers and tracking pixels
    src = attrs.get("data-org-src") or attrs.get("data-src") or attrs.get("data-original") or attrs.get("src")
    if not src or src.startswith("data:"):
        return None
    try:
        return page.absolute(src)
    except ValueError:  # urljoin refuses malformed hosts ("http://[::1")
        return None


class _Reader:
    """One pass over the body: text blocks, the elements holding them, and the images among them."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.blocks: list[_Block] = []
        self.elements: list[_Element] = []
        self.images: list[_ImageRef] = []
        self._pieces: list[str] = []
        self._link_chars = 0
        self._junk_open: list[_Element] = []

    def _flush(self, tag: str) -> None:
        if not self._pieces:
            return
        text = " ".join("".join(self._pieces).split())
        self._pieces = []
        link_chars, self._link_chars = min(self._link_chars, len(text)), 0
        if text:
            self.blocks.append(_Block(text, tag, link_chars, _value(text, tag, link_chars)))

    def read(self, root: LexborNode) -> None:
        # Iterative walk: deeply nested broken markup must not hit the recursion limit. A stack
        # entry is (node, None) to enter a node, (node, exit state) to leave an element.
        stack: list[tuple[LexborNode, tuple[_Element | None, bool] | None]] = [(root, None)]
        block_tags = ["body"]
        links = 0
        while stack:
            node, leaving = stack.pop()
            if leaving is not None:
                record, is_link = leaving
                links -= is_link
                if record is not None:
                    self._flush(block_tags.pop())
                    record.end = len(self.blocks)
                    if record.junk:
                        self._junk_open.pop()
                continue
            tag = node.tag
            if tag == "-text":
                text = node.text_content
                if text and (self._pieces or not text.isspace()):  # indentation before a block is nothing
                    self._pieces.append(text)
                    if links:
                        self._link_chars += len(text.strip())
                continue
            if not tag or tag[0] == "-" or tag in _SKIP:
                continue
            if tag == "br":
                self._flush(block_tags[-1])
                continue
            attrs = node.attributes
            if tag == "img":
                if url := _image_url(self.page, attrs):
                    self.images.append(_ImageRef(len(self.blocks), url, None, list(self._junk_open)))
                continue
            inline = tag in _INLINE
            if attrs:
                names = _names(attrs, tag)
                junk, content = _classify_names(names)
                hidden = _is_hidden(attrs, tag)
                is_caption = tag == "figcaption" or any(_CAPTION.search(token) for token in names.split())
            else:
                junk, content, hidden, is_caption = "", False, False, tag == "figcaption"
            if inline and (hidden or junk == "strong"):
                continue  # a share label, a screen-reader "blind" text
            record = None
            if not inline or is_caption:
                self._flush(block_tags[-1])
                block_tags.append(tag)
                # Hidden and <header> blocks count as chrome, still under _mark_junk's safety net:
                # React streams whole articles inside <div hidden id="S:2"> and swaps them in.
                if hidden or tag == "header":
                    junk = "strong"
                record = _Element(len(self.blocks), tag=tag, junk=junk, content=content, caption=is_caption)
                self.elements.append(record)
                if junk:
                    self._junk_open.append(record)
            is_link = tag == "a" and "href" in attrs
            links += is_link
            stack.append((node, (record, is_link)))
            child = node.last_child  # pushed last to first, so they pop in document order
            while child is not None:
                stack.append((child, None))
                child = child.prev
        self._flush(block_tags[-1])


def _mark_junk(reader: _Reader) -> None:
    """Mark the blocks of chrome and caption elements, where the marks are believable.

    A wrapper named ``has-sidebar`` or a broken ``ad-container`` left open can hold the whole
    article; a comment list or a related-links box never holds most of an article page's
    running text, and a block only weakly named like chrome (``header``, ``meta``) little of
    it. A caption is short: a long "caption" block is something else.
    """
    blocks = reader.blocks
    prefix = [0.0]
    for block in blocks:
        prefix.append(prefix[-1] + max(block.value, 0.0))
    total = prefix[-1] or 1.0
    junk_marks = [0] * (len(blocks) + 1)
    caption_marks = [0] * (len(blocks) + 1)
    for el in reader.elements:
        if el.junk and el.tag not in _NEVER_JUNK:
            share = (prefix[el.end] - prefix[el.start]) / total
            if share < (0.5 if el.junk == "strong" else 0.1):
                el.honoured = True
                junk_marks[el.start] += 1
                junk_marks[el.end] -= 1
        if el.caption and el.end > el.start and sum(len(b.text) for b in blocks[el.start:el.end]) < 400:
            caption_marks[el.start] += 1
            caption_marks[el.end] -= 1
            text = " ".join(b.text for b in blocks[el.start:el.end])
            # The caption right after its picture (figure > img + figcaption, or img + p.caption).
            for ref in reader.images:
                if ref.at == el.start and not ref.caption:
                    ref.caption = text
    junk = caption = 0
    for i, block in enumerate(blocks):
        junk += junk_marks[i]
        caption += caption_marks[i]
        block.junk = junk > 0
        block.caption = caption > 0


def _best_element(reader: _Reader) -> _Element | None:
    """The element whose blocks add up to the most text, chrome and captions left out."""
    prefix = [0.0]
    run = 0.0  # what the current run of links has cost so far
    for block in reader.blocks:
        value = 0.0 if block.junk or block.caption else block.value
        if block.link_chars * 2 > len(block.text) and not block.junk:
            value = max(value, -(_LINK_RUN_COST - run))
            run -= value
        elif value != 0.0:
            run = 0.0
        prefix.append(prefix[-1] + value)
    best, best_score = None, 0.0
    for el in reader.elements:
        score = prefix[el.end] - prefix[el.start]
        if score > 0 and (el.content or el.tag in ("article", "main")):
            score *= 1.1
        if score > best_score:
            best, best_score = el, score
    return best


def _is_text(block: _Block) -> bool:
    """Running text for sure: long, or ending like a sentence, with few links."""
    own = len(block.text) - block.link_chars
    if block.link_chars * 10 >= len(block.text) * 3:
        return False
    return own >= 60 or (own >= 15 and SENTENCE_END.search(block.text) is not None)


def _is_chrome_line(block: _Block) -> bool:
    """A short line such as a section name, a reporter's name, a date or "5 min read"."""
    return len(block.text) < _SHORT_LINE or _DATE_LINE.search(block.text) is not None


def _titles(page: Page) -> set[str]:
    """The headline as the head and the ``h1`` state it, to drop its repeats from the body."""
    titles = set()
    for selector in ('meta[property="og:title"]', 'meta[name="twitter:title"]', "title", "h1"):
        for node in page.tree.css(selector)[:3]:
            text = node.attributes.get("content") if node.tag == "meta" else node.text(deep=True)
            if text := _SPACE.sub(" ", text or "").strip():
                titles.add(text)
    return titles


def _is_title(text: str, titles: set[str]) -> bool:
    # <title> often adds the site name after the headline: a long prefix of it counts too.
    return text in titles or (len(text) >= 15 and any(t.startswith(text) for t in titles))


def _article_blocks(reader: _Reader, best: _Element, titles: set[str]) -> list[tuple[int, _Block]]:
    """The container's blocks that make the article, with their positions in the page."""
    chosen = [
        (i, b) for i, b in enumerate(reader.blocks[best.start:best.end], start=best.start)
        if not (b.junk or b.caption or b.tag == "h1" or b.link_chars * 2 > len(b.text) or _is_title(b.text, titles))
    ]
    if not any(_is_text(b) for _, b in chosen):
        return []
    # Chrome before the first sentence (section name, byline, date) goes; at the end, so do
    # headings (one with nothing under it introduces the next box) and labels ("좋아요 0").
    # Other short lines at the end stay: a photo credit, a list item; the clean step cuts
    # bylines and copyright lines.
    first = next(k for k, (_, b) in enumerate(chosen) if _is_text(b) or not _is_chrome_line(b))
    last = len(chosen)
    while last > first + 1 and (chosen[last - 1][1].tag in _HEADINGS or _is_chrome_line(chosen[last - 1][1])):
        last -= 1
    return chosen[first:last]


def _container_counts(reader: _Reader, best: _Element) -> dict[str, int]:
    """Headline links, running-text blocks and teasers (text right after a headline link)."""
    kinds = "".join(
        "L" if b.link_chars * 2 > len(b.text) and len(b.text) >= 15 else "T" if _is_text(b) else ""
        for b in reader.blocks[best.start:best.end] if not (b.junk or b.caption)
    )
    return {HEADLINES_ATTR: kinds.count("L"), TEXTS_ATTR: kinds.count("T"), TEASERS_ATTR: kinds.count("LT")}


def extract_main_fragment(page: Page) -> tuple[str, list[Image]] | None:
    """The article's text as an HTML fragment of paragraphs, and the pictures found among them.

    None when the page has no running text at all (an empty or script-rendered page).
    """
    body = page.tree.body
    if body is None:
        return None
    reader = _Reader(page)
    reader.read(body)
    _mark_junk(reader)
    best = _best_element(reader)
    if best is None:
        return None
    chosen = _article_blocks(reader, best, _titles(page))
    if not chosen:
        return None
    fragment = "".join(f"<p>{html.escape(b.text, quote=False)}</p>" for _, b in chosen)
    # Pictures from the first kept line on: a reporter's photo beside the byline stays out.
    images = [
        Image(url=ref.url, caption=ref.caption) for ref in reader.images
        if chosen[0][0] <= ref.at <= best.end and not any(el.honoured for el in ref.inside)
    ]
    # The link lists left out of the fragment still tell a list of teasers from an article:
    # the root keeps their counts for pagetype.py (the clean step ignores attributes).
    counts = _container_counts(reader, best)
    root = "<div " + " ".join(f'{name}="{count}"' for name, count in counts.items()) + ">"
    return f"{root}{fragment}</div>", images
