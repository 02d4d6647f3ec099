"""What every parser works on (a decoded page) and what a site parser declares.

A site parser is mostly data: the CSS selectors of its article container, headline,
bylines and dates, and the blocks to cut out. ``SiteParser.parse`` applies them; a site
overrides a method only where its markup needs code (Chosun's JSON, Naver's 기사원문 link).
Parsers know nothing of Scrapy: they take a URL and bytes and fill an ``Article``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newsflow.items import Article, Image


@dataclass
class Page:
    """A fetched page, decoded to text, with its parsed tree built on first use."""

    url: str
    text: str
    raw: bytes | None = field(default=None, repr=False)
    """The page bytes when ``text`` is exactly their UTF-8 reading: lexbor parses them without the
    text being encoded back to UTF-8 first (a tenth of the parse, benchmarks/throughput.py)."""

    @cached_property
    def tree(self) -> LexborHTMLParser:
        return LexborHTMLParser(self.raw if self.raw is not None else self.text)

    def absolute(self, href: str | None) -> str | None:
        """Resolve ``href`` against the page URL; None for empty, ``javascript:`` or ``data:`` links."""
        if not href:
            return None
        href = href.strip()
        if not href or href.startswith(("javascript:", "data:", "#")):
            return None
        try:
            return urljoin(self.url, href)
        except ValueError:  # "http://[::1" and other unparseable hosts
            return None


def host_of(url: str | None) -> str:
    """Lower-case host of a URL without ``www.``/``m.`` prefixes, '' when there is none."""
    if not url:
        return ""
    host = (urlsplit(url).hostname or "").lower()
    for prefix in ("www.", "m."):
        if host.startswith(prefix):
            host = host[len(prefix):]
    return host


def node_text(node: LexborNode | None) -> str:
    """Text of a node with runs of whitespace folded to one space; '' for no node."""
    if node is None:
        return ""
    return " ".join(node.text(deep=True, separator=" ").split())


def _has_ancestor_in(node: LexborNode, ids: set[int], stop: LexborNode) -> bool:
    parent = node.parent
    while parent is not None and parent.mem_id != stop.mem_id:
        if parent.mem_id in ids:
            return True
        parent = parent.parent
    return False


_LINE_BLOCKS = {
    "p", "div", "li", "ul", "ol", "section", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "tr",
}


def br_lines(node: LexborNode | None) -> list[str]:
    """Text lines of a node, broken at ``<br>`` and block elements only.

    ``node.text(separator="\\n")`` would also break at every inline tag (a ``<b>`` inside
    a summary line), which is why summary lines are read with this.
    """
    if node is None:
        return []
    parts: list[str] = []

    def walk(parent: LexborNode) -> None:
        child = parent.child
        while child is not None:
            tag = child.tag
            if tag == "-text":
                parts.append(child.text_content or "")
            elif tag == "br":
                parts.append("\n")
            elif tag in _LINE_BLOCKS:
                parts.append("\n")
                walk(child)
                parts.append("\n")
            elif not tag.startswith("-") and tag not in ("script", "style"):
                walk(child)
            child = child.next

    walk(node)
    return [" ".join(line.split()) for line in "".join(parts).split("\n") if line.strip()]


class SiteParser:
    """Extraction rules of one site, as selectors, applied over the generic metadata.

    Subclasses set the class attributes; each selector may be a comma-separated CSS
    list, the first matching node wins. ``parse`` leaves a field alone when its selector
    is empty or finds nothing, so the generic metadata (JSON-LD, OpenGraph) stays.
    """

    name: ClassVar[str]
    """Short stable name, recorded in ``Article.extractor``."""
    hosts: ClassVar[tuple[str, ...]] = ()
    """Hosts (and their subdomains) whose canonical or fetched URL selects this parser."""
    subdomains: ClassVar[bool] = True
    """False: only the hosts themselves (with ``www.``/``m.``), for sites whose sub-sites have layouts of their own."""
    markup: ClassVar[str] = ""
    """A CSS selector that identifies the site's article markup wherever it is re-posted."""
    publisher: ClassVar[str | None] = None
    """Publisher name to use when the page names none."""

    body: ClassVar[str] = ""
    title: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    authors: ClassVar[str] = ""
    published: ClassVar[str] = ""
    modified: ClassVar[str] = ""
    section: ClassVar[str] = ""
    tags: ClassVar[str] = ""
    rights: ClassVar[str] = ""
    drop: ClassVar[tuple[str, ...]] = ()
    """Blocks inside the body container to cut out (ads, related links, share buttons)."""
    figure: ClassVar[str] = "figure"
    """A picture block inside the body; its image and caption go to ``Article.images``."""
    caption: ClassVar[str] = "figcaption"
    """The caption inside a ``figure`` block."""

    def claims_url(self, url: str | None) -> bool:
        """True when ``url`` is on one of this site's hosts."""
        host = host_of(url)
        if not self.subdomains:
            return host in self.hosts
        return bool(host) and any(host == h or host.endswith("." + h) for h in self.hosts)

    def claims_markup(self, page: Page) -> bool:
        """True when the page carries this site's article markup (a re-post, a mirror, a replay)."""
        return bool(self.markup) and page.tree.css_first(self.markup) is not None

    def parse(self, page: Page, article: Article) -> None:
        """Fill ``article`` from the page; fields the page lacks keep their metadata values."""
        tree = page.tree
        article.extractor = self.name
        if self.publisher and not article.publisher:
            article.publisher = self.publisher
        if text := self.first_text(tree, self.title):
            article.title = text
        if text := self.first_text(tree, self.summary, separator="\n"):
            article.summary = text
        if names := self.all_text(tree, self.authors):
            article.authors_raw = names
        # A raw date from the page replaces the metadata's, parsed value included, so the
        # clean step derives the timestamp from what the page itself shows.
        if text := self.first_text(tree, self.published):
            article.published_at_raw, article.published_at = text, None
        if text := self.first_text(tree, self.modified):
            article.modified_at_raw, article.modified_at = text, None
        if text := self.first_text(tree, self.section):
            article.section = text
        if tags := self.all_text(tree, self.tags):
            article.tags = tags
        if text := self.first_text(tree, self.rights):
            article.rights = text
        container = self.first(tree, self.body)
        if container is not None:
            article.images = self.take_images(page, container)
            for selector in self.drop:
                for node in container.css(selector):
                    node.decompose()
            article.body_html = container.html

    def take_images(self, page: Page, container: LexborNode) -> list[Image]:
        """Collect the pictures of the body with their captions, removing the caption text from it."""
        images: list[Image] = []
        blocks = container.css(self.figure) if self.figure else []
        ids = {block.mem_id for block in blocks}
        # Only the outermost of nested picture blocks: freeing an outer block frees the inner one too.
        blocks = [block for block in blocks if not _has_ancestor_in(block, ids, container)]
        for block in blocks:
            img = block.css_first("img")
            src = None
            if img is not None:
                attrs = img.attributes
                src = page.absolute(attrs.get("data-org-src") or attrs.get("data-src") or attrs.get("src"))
            caption = node_text(block.css_first(self.caption)) if self.caption else ""
            if src:
                images.append(Image(url=src, caption=caption or None))
            block.decompose()
        return images

    @staticmethod
    def first(tree: LexborHTMLParser | LexborNode, selector: str) -> LexborNode | None:
        return tree.css_first(selector) if selector else None

    @classmethod
    def first_text(cls, tree: LexborHTMLParser | LexborNode, selector: str, separator: str = " ") -> str:
        """Text of the first match; ``<br>``-separated lines joined by ``separator``."""
        node = cls.first(tree, selector)
        if node is None:
            return ""
        if node.tag == "meta":
            return (node.attributes.get("content") or "").strip()
        if separator == "\n":
            return "\n".join(br_lines(node))
        return node_text(node)

    @staticmethod
    def all_text(tree: LexborHTMLParser | LexborNode, selector: str) -> list[str]:
        if not selector:
            return []
        values = []
        for node in tree.css(selector):
            text = (node.attributes.get("content") or "") if node.tag == "meta" else node_text(node)
            if text.strip():
                values.append(text.strip())
        return values
