"""Page metadata from the head: JSON-LD, OpenGraph and meta tags, canonical link, ``<html lang>``.

Everything is stored raw (the clean step parses dates and names). Sources are tried
cheapest-reliable first: the JSON-LD article node, then OpenGraph/``article:*`` tags,
then plain meta names. One CSS query collects every node read here, in document order.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from newsflow.items import Article
from parsers.base import Page

# schema.org types whose node describes the article itself.
ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "SatiricalArticle",
    "BlogPosting", "LiveBlogPosting", "Report", "TechArticle", "ScholarlyArticle", "SocialMediaPosting",
})
_HEAD_NODES = 'html, title, meta, link[rel], script[type*="ld+json" i]'
# Meta keys (property, name or itemprop, lower-cased) for each field, most specific first.
_PUBLISHED = (
    "article:published_time", "og:article:published_time", "article:published", "published_time",
    "datepublished", "pubdate", "publishdate", "publish_date", "publish-date", "ptime", "date",
    "dc.date.issued", "dcterms.issued", "dc.date", "sailthru.date", "parsely-pub-date", "datecreated",
)
_MODIFIED = (
    "article:modified_time", "og:article:modified_time", "article:modified", "og:updated_time",
    "modified_time", "datemodified", "utime", "lastmod", "dc.date.modified", "dcterms.modified",
)
_AUTHORS = ("author", "byl", "dable:author", "article:author", "parsely-author", "sailthru.author", "dc.creator")
_TITLES = ("og:title", "twitter:title")
# A name ending like an organisation's ("SBS 뉴스", "조선일보", "The Times") is a publisher, not a byline.
_ORG_NAME = re.compile(r"(뉴스|일보|신문|방송|경제|미디어|news|times|media|press|post|tv)$", re.IGNORECASE)
_URL = re.compile(r"^(https?:)?//|^www\.", re.IGNORECASE)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_LANG = re.compile(r"^[a-z]{2,3}$")
_CACHE_KEY = "_newsflow_head_facts"


@dataclass
class HeadFacts:
    """What the page says about itself, gathered in one pass over its tree."""

    meta: dict[str, list[str]] = field(default_factory=dict)
    """Meta contents by lower-cased ``property``/``name``/``itemprop``, in page order."""
    canonical: str | None = None
    title: str = ""
    lang: str | None = None
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    """Every typed JSON-LD node: top-level objects, ``@graph`` members and ``mainEntity`` values."""

    def first(self, *keys: str) -> str | None:
        """The first non-empty meta content among ``keys``, in the order of the keys."""
        for key in keys:
            for value in self.meta.get(key, ()):
                if value:
                    return value
        return None


def parse_jsonld(text: str) -> list[Any]:
    """The JSON values of one ld+json script; [] when it is not JSON even after light repair.

    Pages wrap the JSON in comments or CDATA, leave trailing commas, put raw newlines in
    strings (``strict=False``) and concatenate several objects in one script.
    """
    text = text.strip()
    for wrapper in ("<!--", "-->", "//<![CDATA[", "//]]>", "<![CDATA[", "]]>"):
        text = text.replace(wrapper, "")
    text = text.strip().rstrip(";")
    for attempt in (text, _TRAILING_COMMA.sub(r"\1", text)):
        values: list[Any] = []
        decoder = json.JSONDecoder(strict=False)
        index = 0
        try:
            while index < len(attempt):
                value, index = decoder.raw_decode(attempt, index)
                values.append(value)
                # Skip separators between concatenated objects ("}{", "},{", "}\n{").
                while index < len(attempt) and attempt[index] in " \t\r\n,;":
                    index += 1
        except (ValueError, RecursionError):
            continue
        return values
    return []


def flatten_jsonld(values: list[Any]) -> list[dict[str, Any]]:
    """The typed nodes among parsed JSON-LD values, following lists, ``@graph`` and ``mainEntity``."""
    nodes: list[dict[str, Any]] = []
    stack: list[tuple[Any, int]] = [(value, 0) for value in reversed(values)]
    while stack:
        value, depth = stack.pop()
        if depth > 8:  # a pathological page cannot make this loop long
            continue
        if isinstance(value, list):
            stack.extend((item, depth + 1) for item in reversed(value))
        elif isinstance(value, dict):
            if "@type" in value:
                nodes.append(value)
            for key in ("@graph", "mainEntity"):
                if isinstance(value.get(key), (list, dict)):
                    stack.append((value[key], depth + 1))
    return nodes


def node_types(node: dict[str, Any]) -> set[str]:
    """The ``@type`` names of a JSON-LD node (a string or a list), without a schema.org prefix."""
    raw = node.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return {name.rsplit("/", 1)[-1] for name in names if isinstance(name, str)}


def head_facts(page: Page) -> HeadFacts:
    """Meta tags, the canonical link, ``<title>``, ``<html lang>`` and JSON-LD nodes of the page.

    Kept on the page object the way its parsed tree is (``functools.cached_property`` stores
    in the instance dict too), so pagetype.py reads the hints without a second pass.
    """
    cached = vars(page).get(_CACHE_KEY)
    if isinstance(cached, HeadFacts):
        return cached
    facts = _read_head(page)
    vars(page)[_CACHE_KEY] = facts
    return facts


def _read_head(page: Page) -> HeadFacts:
    facts = HeadFacts()
    for node in page.tree.css(_HEAD_NODES):
        tag = node.tag
        attrs = node.attributes
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or attrs.get("http-equiv")
            content = attrs.get("content")
            if key and content is not None:
                facts.meta.setdefault(key.strip().lower(), []).append(content.strip())
        elif tag == "link":
            rels = (attrs.get("rel") or "").lower().split()
            if "canonical" in rels and facts.canonical is None and attrs.get("href"):
                facts.canonical = attrs.get("href")
        elif tag == "script":
            facts.jsonld.extend(flatten_jsonld(parse_jsonld(node.text(deep=True))))
        elif tag == "title":
            # The first <title> is the document's; later ones belong to inline SVG.
            facts.title = facts.title or " ".join(node.text(deep=True).split())
        elif tag == "html":
            facts.lang = facts.lang or attrs.get("lang") or attrs.get("xml:lang")
    return facts


def page_type_hints(page: Page) -> set[str]:
    """``og:type`` values (as ``og:<type>``) and the JSON-LD types the page declares, for pagetype.py."""
    facts = head_facts(page)
    hints = {"og:" + value.lower() for value in facts.meta.get("og:type", ()) if value}
    for node in facts.jsonld:
        hints |= node_types(node)
    return hints


def _text(value: Any) -> str | None:
    """A JSON-LD value as one string: the first string of a list, the ``name`` of an object."""
    if isinstance(value, list):
        value = next((item for item in value if item), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
        if isinstance(value, list):
            value = next((item for item in value if isinstance(item, str) and item), None)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = html.unescape(str(value)).strip()
        return text or None
    return None


def _names(value: Any, by_id: dict[str, dict[str, Any]]) -> list[str]:
    """Author names of a JSON-LD ``author`` value: strings, Person objects, ``@id`` references, lists."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict) and "name" not in item and isinstance(item.get("@id"), str):
            item = by_id.get(item["@id"], item)  # Yoast-style graphs link the Person node by id
        name = _text(item)
        if name and not _URL.match(name) and name not in names:
            names.append(name)
    return names


def _split_keywords(values: list[str]) -> list[str]:
    tags: list[str] = []
    for value in values:
        for tag in value.split(","):
            tag = tag.strip()
            if tag and tag not in tags:
                tags.append(tag)
    return tags


def _language(*candidates: str | None) -> str | None:
    """The primary language subtag of the first usable code (``ko-KR``, ``ko_KR`` → ``ko``)."""
    for code in candidates:
        if code:
            primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
            if _LANG.match(primary):
                return primary
    return None


def _is_org(name: str, publishers: set[str]) -> bool:
    """True for a byline that names the publisher ("SBS 뉴스", "조선일보") rather than a person."""
    key = "".join(name.split()).casefold()
    if "기자" in key or "특파원" in key:  # "한국일보 홍길동 기자" names its reporter
        return False
    if key in publishers or any(key.startswith(p) for p in publishers if len(p) >= 3):
        return True
    return len(key) >= 4 and bool(_ORG_NAME.search(key))


def read_metadata(page: Page, article: Article) -> None:
    """Fill ``article``'s raw fields from the page head; fields the page lacks are left alone.

    Never raises on bad input: unparsable JSON-LD is skipped, odd value types are ignored.
    """
    facts = head_facts(page)
    by_id = {node["@id"]: node for node in facts.jsonld if isinstance(node.get("@id"), str)}
    main = [node for node in facts.jsonld if node_types(node) & ARTICLE_TYPES]
    # Without an article node a WebPage or VideoObject may still carry dates and a headline.
    chosen = {id(node) for node in main}
    main += [n for n in facts.jsonld if id(n) not in chosen and ("headline" in n or "datePublished" in n)]

    def ld(key: str) -> Any:
        return next((node[key] for node in main if node.get(key)), None)

    publisher = ld("publisher")
    if isinstance(publisher, dict) and "name" not in publisher and isinstance(publisher.get("@id"), str):
        publisher = by_id.get(publisher["@id"], publisher)

    article.title = (_text(ld("headline")) or facts.first(*_TITLES) or facts.title or article.title).strip()
    canonical = facts.canonical or facts.first("og:url")
    # urljoin refuses malformed hosts ("http://[::1"): such a canonical is no canonical.
    with contextlib.suppress(ValueError):
        if canonical:
            article.canonical_url = page.absolute(html.unescape(canonical)) or article.canonical_url
    article.publisher = _text(publisher) or facts.first("og:site_name") or article.publisher
    article.published_at_raw = (
        _text(ld("datePublished")) or facts.first(*_PUBLISHED) or _text(ld("uploadDate")) or article.published_at_raw
    )
    article.modified_at_raw = _text(ld("dateModified")) or facts.first(*_MODIFIED) or article.modified_at_raw
    article.section = facts.first("article:section") or _text(ld("articleSection")) or article.section

    publishers = {"".join(p.split()).casefold() for p in (article.publisher, facts.first("og:site_name")) if p}
    authors = [a for a in _names(ld("author"), by_id) if not _is_org(a, publishers)]
    for key in _AUTHORS:
        if authors:
            break
        values = [v for v in facts.meta.get(key, ()) if v and not _URL.match(v)]
        authors = [v for v in dict.fromkeys(values) if not _is_org(v, publishers)]
    article.authors_raw = authors or article.authors_raw

    keywords = ld("keywords")
    keyword_values = [k for k in (keywords if isinstance(keywords, list) else [keywords]) if isinstance(k, str)]
    for values in (facts.meta.get("article:tag"), keyword_values, facts.meta.get("news_keywords"),
                   facts.meta.get("keywords")):
        if tags := _split_keywords(values or []):
            article.tags = tags
            break

    article.language = (
        _language(facts.lang, facts.first("og:locale"), _text(ld("inLanguage")),
                  facts.first("content-language", "dc.language"))
        or article.language
    )
