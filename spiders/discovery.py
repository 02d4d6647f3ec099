"""Read article links out of RSS/Atom feeds, XML sitemaps (indexes, Google News) and listing pages.

Pure functions over bytes, so they are tested without Scrapy. XML is parsed with entity
resolution and network access off (no XXE, no billion-laughs expansion) and a size cap.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import urldefrag, urljoin

from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from parsers.decode import decode_html

MAX_XML_BYTES = 50 * 1024 * 1024


class NotXML(ValueError):
    """The document is not the XML it should be (an HTML error page, a truncated file...)."""


class TooLarge(NotXML):
    """The document is (or expands to) more bytes than the cap."""


class HostileXML(NotXML):
    """The document's entities would expand it enormously (a "billion laughs" bomb): libxml2 stopped reading it."""


@dataclass(frozen=True)
class Entry:
    """One article link and what the document that listed it said about it."""

    url: str
    title: str | None = None
    published: str | None = None
    """Raw date string (feed pubDate/updated, sitemap news:publication_date or lastmod)."""
    via: str = ""
    """feed, sitemap or listing."""


@dataclass(frozen=True)
class SitemapDoc:
    """A parsed sitemap: child sitemaps (an index) and/or article entries (an urlset)."""

    sitemaps: list[str]
    entries: list[Entry]
    sitemap_lastmods: dict[str, str] = field(default_factory=dict)
    """Raw ``<lastmod>`` of the child sitemaps that give one (an index's record of when each changed)."""


def gunzip(data: bytes, cap: int = MAX_XML_BYTES) -> bytes:
    """A gzip file's content, ``TooLarge`` past ``cap`` bytes without ever holding more than ``cap + 1``.

    A sitemap ``.xml.gz`` of a few kilobytes can expand to gigabytes (a gzip bomb).
    """
    out = bytearray()
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(data, cap + 1 - len(out))
        except zlib.error as exc:
            raise NotXML(f"not a readable gzip file: {exc}") from exc
        if len(out) > cap or inflater.unconsumed_tail:
            raise TooLarge(f"gzip content expands past the {cap} byte cap")
        if not inflater.eof:
            raise NotXML("truncated gzip file")
        data = inflater.unused_data  # a file may hold several gzip members, one after another
    return bytes(out)


def _parse_xml(data: bytes) -> etree._Element:
    if len(data) > MAX_XML_BYTES:
        raise TooLarge(f"document of {len(data)} bytes exceeds the {MAX_XML_BYTES} byte cap")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True,
        remove_pis=True, load_dtd=False, recover=False,
    )
    try:
        root = etree.parse(BytesIO(data.lstrip()), parser).getroot()
    except etree.XMLSyntaxError as exc:
        if "amplification" in str(exc) or "entity loop" in str(exc).lower():
            # Recovering would return whatever came before the bomb: refuse the whole document instead.
            raise HostileXML(f"entity expansion refused: {exc}") from exc
        # Many real feeds carry a stray byte or an unescaped '&'; recover those, but only
        # when the result is still recognisably a feed or sitemap.
        recovering = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False, recover=True, load_dtd=False,
        )
        try:
            root = etree.parse(BytesIO(data.lstrip()), recovering).getroot()
        except etree.XMLSyntaxError:
            root = None
        if root is None or _local(root.tag) not in {"rss", "feed", "RDF", "urlset", "sitemapindex"}:
            raise NotXML(f"not a well-formed XML document: {exc}") from exc
    if root is None:
        raise NotXML("empty document")
    return root


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *names: str) -> str | None:
    for child in element:
        if _local(child.tag) in names and child.text and child.text.strip():
            return child.text.strip()
    return None


def _clean_url(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:", "data:", "#")):
        return None
    return urldefrag(urljoin(base, href))[0]


def parse_feed(data: bytes, base_url: str) -> list[Entry]:
    """Entries of an RSS 2.0, RSS 1.0 (RDF) or Atom feed; ``NotXML`` when it is not one."""
    root = _parse_xml(data)
    kind = _local(root.tag)
    if kind not in {"rss", "feed", "RDF"}:
        raise NotXML(f"root element <{kind}> is not a feed")
    entries: list[Entry] = []
    for item in root.iter():
        name = _local(item.tag)
        if name == "item":
            link = _child_text(item, "link") or _child_text(item, "guid")
            published = _child_text(item, "pubDate", "date", "published", "updated")
        elif name == "entry":
            link = None
            for child in item:
                if _local(child.tag) == "link" and child.get("rel", "alternate") == "alternate":
                    link = child.get("href")
                    break
            published = _child_text(item, "published", "updated")
        else:
            continue
        url = _clean_url(base_url, link)
        if url:
            entries.append(Entry(url=url, title=_child_text(item, "title"), published=published, via="feed"))
    return entries


def parse_sitemap(data: bytes, base_url: str) -> SitemapDoc:
    """Child sitemaps of a sitemap index, or entries of an urlset with Google News title and date."""
    root = _parse_xml(data)
    kind = _local(root.tag)
    if kind not in {"urlset", "sitemapindex"}:
        raise NotXML(f"root element <{kind}> is not a sitemap")
    sitemaps: list[str] = []
    entries: list[Entry] = []
    lastmods: dict[str, str] = {}
    for element in root:
        name = _local(element.tag)
        loc = _clean_url(base_url, _child_text(element, "loc"))
        if not loc:
            continue
        if name == "sitemap":
            sitemaps.append(loc)
            if lastmod := _child_text(element, "lastmod"):
                lastmods[loc] = lastmod
        elif name == "url":
            title = published = None
            for child in element:
                if _local(child.tag) == "news":
                    title = _child_text(child, "title")
                    published = _child_text(child, "publication_date")
            published = published or _child_text(element, "lastmod")
            entries.append(Entry(url=loc, title=title, published=published, via="sitemap"))
    return SitemapDoc(sitemaps=sitemaps, entries=entries, sitemap_lastmods=lastmods)


def parse_listing(data: bytes, base_url: str, pattern: re.Pattern[str] | None,
                  http_charset: str | None = None) -> list[Entry]:
    """Links of a listing page that match ``pattern`` (all links when None), in page order, once each."""
    text, _ = decode_html(data, http_charset)
    tree = LexborHTMLParser(text)
    base = tree.css_first("base[href]")
    if base is not None:
        base_url = urljoin(base_url, base.attributes.get("href") or "")
    seen: set[str] = set()
    entries: list[Entry] = []
    for anchor in tree.css("a[href]"):
        url = _clean_url(base_url, anchor.attributes.get("href"))
        if not url or url in seen or (pattern is not None and not pattern.search(url)):
            continue
        seen.add(url)
        title = " ".join(anchor.text(deep=True, separator=" ").split()) or None
        entries.append(Entry(url=url, title=title, via="listing"))
    return entries
