"""The one item schema: what a crawl produces, what the loader reads and what the tables hold.

Field names and meanings follow the Zyte ``Article`` schema where one exists; every
normalised value keeps the page's own raw string beside it (``published_at`` /
``published_at_raw``) so a parsing mistake can be found and re-done from the run output.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

MAX_URL_BYTES = 2083
"""Scrapy's URLLENGTH_LIMIT. The warehouse indexes URLs in B-trees, whose entries cannot pass about 2,700
bytes: one longer URL (a page's canonical link can be any length) would fail the whole run's load."""


@dataclass
class Image:
    """One picture of the article."""

    url: str
    """Absolute URL of the image file."""
    caption: str | None = None
    """The caption printed with it (``figcaption`` or the site's caption block), cleaned text."""


@dataclass
class Article:
    """One news article as one page showed it.

    Parsers fill the ``*_raw`` and ``body_html`` fields; the clean pipeline derives the
    normalised fields from them; the dedupe pipeline sets ``content_hash`` and
    ``other_urls``. ``body_html`` never leaves the crawl.
    """

    url: str
    """The URL the page was fetched at, after redirects."""
    source: str
    """Registry id of the source whose crawl fetched the page (``newsflow/sources/<id>.toml``)."""
    title: str = ""
    """Headline, cleaned text, without the site name suffix (`` - 매일경제``)."""
    canonical_url: str | None = None
    """The page's own canonical URL (``<link rel=canonical>``, else ``og:url``), absolute."""
    publisher: str | None = None
    """Who published the text: for a portal or board copy, the original publisher, not the portal."""
    original_url: str | None = None
    """Where a copy links its original article (Naver's 기사원문 link, for instance)."""
    summary: str | None = None
    """Subtitle or lead lines shown above the body, one line each, separated by newlines."""
    body: str = ""
    """Article text: paragraphs separated by one blank line; no captions, byline or copyright tail."""
    authors: list[str] = field(default_factory=list)
    """Author names, without titles such as ``기자`` and without e-mail addresses."""
    authors_raw: list[str] = field(default_factory=list)
    """Byline strings as the page printed them."""
    published_at: str | None = None
    """First publication time, ISO 8601 with offset (KST ``+09:00`` where the page shows local time)."""
    published_at_raw: str | None = None
    """The page's own string for ``published_at`` (``입력 2025-12-15 16:45``, an ISO value from JSON-LD...)."""
    modified_at: str | None = None
    """Last update time (수정), ISO 8601 with offset."""
    modified_at_raw: str | None = None
    """The page's own string for ``modified_at``."""
    section: str | None = None
    """The site's section name (``정치``, ``economy``)."""
    tags: list[str] = field(default_factory=list)
    """Keywords or tags the page lists."""
    images: list[Image] = field(default_factory=list)
    """Pictures inside the article body, with their captions."""
    language: str | None = None
    """BCP 47 language code of the text (``ko``, ``en``)."""
    rights: str | None = None
    """The page's copyright line (``Copyright © 매일경제 ... 무단 전재, 재배포 및 AI학습 이용 금지``)."""
    rights_reserves_ai: bool = False
    """True when the page reserves its text from AI training or text-and-data mining."""
    robots_directives: list[str] = field(default_factory=list)
    """Lower-case directives of the page's robots meta tags and ``X-Robots-Tag`` header (``noai``, ``noimageai``...)."""
    tdm_reservation: bool | None = None
    """TDMRep: True when the site reserves text-and-data mining rights for the page, False when it says it
    does not, None when it says nothing (``/.well-known/tdmrep.json``, then the header, then the meta tag)."""
    tdm_policy: str | None = None
    """TDMRep: the URL of the site's TDM licensing policy, when it gives one."""
    fetched_at: str | None = None
    """When the crawl received the page, ISO 8601 UTC."""
    http_status: int | None = None
    """HTTP status of the response the article came from."""
    content_hash: str | None = None
    """Versioned hash of the normalised body, ``v1:<hex>`` (see ``pipelines/fingerprint.py``)."""
    other_urls: list[str] = field(default_factory=list)
    """Other URLs of this crawl whose pages carried the same body (in-run duplicates)."""
    page_type: str = "article"
    """What the extractor took the page for: ``article``, or the kind of non-article page it is."""
    extractor: str = ""
    """Which parser produced the item (``mk.co.kr``, ``naver``, ``generic``), for debugging and evaluation."""
    body_html: str | None = None
    """Extraction's article fragment (HTML); the clean pipeline turns it into ``body`` and clears it."""
    discovery: dict[str, Any] = field(default_factory=dict)
    """What discovery knew of the URL: ``via`` (feed, sitemap, listing, given) and feed/sitemap title and date."""

    def to_record(self) -> dict[str, Any]:
        """The JSON-ready form written to run output: every field but the transient ``body_html``."""
        # A shallow copy: dataclasses.asdict deep-copies every value (0.3 ms an article).
        record = {name: getattr(self, name) for name in _RECORD_FIELDS}
        record["images"] = [{"url": image.url, "caption": image.caption} for image in self.images]
        for name in _LIST_FIELDS:
            record[name] = list(record[name])
        record["discovery"] = dict(self.discovery)
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Article:
        """Rebuild an article from run output, ignoring fields this version does not know."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in record.items() if k in known}
        values["images"] = [Image(**image) for image in values.get("images") or []]
        return cls(**values)


_RECORD_FIELDS = tuple(f.name for f in fields(Article) if f.name != "body_html")
_LIST_FIELDS = tuple(f.name for f in fields(Article) if f.name != "images" and str(f.type).startswith("list["))
