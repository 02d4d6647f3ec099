"""The one discovery spider: any registered source's feeds, sitemaps and listings, then its articles.

    scrapy crawl news -a source=mk -a max_articles=50
    scrapy crawl news -a source=mk -a urls="https://www.mk.co.kr/news/politics/11333783"

The spider only discovers and fetches; ``parsers.extract`` turns a page into an
``Article``; the item pipelines clean, validate, dedupe and write the run output.
"""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

import parsers
from newsflow.items import Article
from newsflow.registry import Source, get_source
from spiders.discovery import MAX_XML_BYTES, Entry, NotXML, parse_feed, parse_listing, parse_sitemap

MAX_SITEMAP_DEPTH = 3


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _url_list(value: str | list[str] | None) -> list[str]:
    """URLs given on the command line: a JSON list, or URLs separated by commas or whitespace."""
    if not value:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    value = value.strip()
    if value.startswith("["):
        return [str(v) for v in json.loads(value)]
    return [u for u in re.split(r"[\s,]+", value) if u]


def is_private_host(host: str) -> bool:
    """True for loopback, private, link-local and reserved IP literals and for ``localhost``."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, source: str | None = None, run_id: str | None = None,
                 max_articles: str | int | None = None, urls: str | None = None,
                 dry_run: str | bool = False, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not source:
            raise ValueError("give the source: scrapy crawl news -a source=<id> (newsflow sources lists them)")
        self.source: Source = get_source(source)
        self.run_id = run_id or f"{self.source.id}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
        self.max_articles = int(max_articles) if max_articles else self.source.max_articles
        if self.max_articles < 1:
            raise ValueError("max_articles must be at least 1")
        self.given_urls = _url_list(urls)
        self.dry_run = _flag(dry_run)
        self.expect_articles = True
        self.allowed_domains = list(self.source.allowed_domains)
        self.patterns = [re.compile(p) for p in self.source.article_url_patterns]
        self.scheduled: set[str] = set()
        self.run_params = {"max_articles": self.max_articles, "urls": self.given_urls, "dry_run": self.dry_run}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Settings are frozen only after the spider is built (Scrapy >= 2.11), so the
        # source's politeness becomes this crawl's settings here.
        polite = spider.source.politeness
        settings = crawler.settings
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", polite.concurrency, priority="spider")
        settings.set("DOWNLOAD_DELAY", polite.download_delay, priority="spider")
        settings.set("AUTOTHROTTLE_TARGET_CONCURRENCY", polite.autothrottle_target, priority="spider")
        settings.set("ROBOTSTXT_OBEY", polite.obey_robots, priority="spider")
        if polite.user_agent:
            settings.set("USER_AGENT", polite.user_agent, priority="spider")
        settings.set("CLOSESPIDER_ITEMCOUNT", spider.max_articles, priority="spider")
        return spider

    # -- helpers --------------------------------------------------------------------

    def count(self, key: str, amount: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newsflow/{key}", amount)

    def refuse_reason(self, url: str) -> str | None:
        """Why a URL may not be requested for this source, or None when it may."""
        host = urlsplit(url).hostname or ""
        if is_private_host(host) and not self.source.allow_private_addresses:
            return "private_address"
        if not self.source.is_allowed(url):
            return "offsite"
        return None

    def is_article_url(self, url: str, pattern: re.Pattern[str] | None = None) -> bool:
        patterns = [pattern] if pattern is not None else self.patterns
        return not patterns or any(p.search(url) for p in patterns)

    def article_request(self, entry: Entry) -> scrapy.Request | None:
        url = urldefrag(entry.url)[0]
        if url in self.scheduled:
            self.count("discovered/duplicate_urls")
            return None
        if reason := self.refuse_reason(url):
            self.count(f"refused/{reason}")
            self.logger.debug("Refused %s (%s)", url, reason)
            return None
        if len(self.scheduled) >= self.max_articles:
            self.count("discovered/over_limit")
            return None
        self.scheduled.add(url)
        self.count("discovered/article_urls")
        self.count(f"discovered/via_{entry.via}")
        discovery = {"via": entry.via, "title": entry.title, "published": entry.published}
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed,
                              cb_kwargs={"discovery": discovery})

    def discovery_request(self, url: str, callback: Any, kind: str, **cb_kwargs: Any) -> scrapy.Request | None:
        if reason := self.refuse_reason(url):
            self.count(f"refused/{reason}")
            self.logger.warning("Refused %s %s (%s)", kind, url, reason)
            return None
        return scrapy.Request(url, callback=callback, errback=self.discovery_failed,
                              cb_kwargs=cb_kwargs, meta={"newsflow_kind": kind}, dont_filter=True)

    # -- discovery ------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.given_urls:
            # A manual trigger with URLs fetches exactly those, without discovery.
            for url in self.given_urls:
                if request := self.article_request(Entry(url=url, via="given")):
                    yield request
            return
        for url in self.source.feeds:
            if request := self.discovery_request(url, self.parse_feed, "feed"):
                yield request
        for url in self.source.sitemaps:
            if request := self.discovery_request(url, self.parse_sitemap, "sitemap", depth=0):
                yield request
        for listing in self.source.listings:
            pattern = re.compile(listing.article_pattern) if listing.article_pattern else None
            if request := self.discovery_request(listing.url, self.parse_listing, "listing", pattern=pattern):
                yield request

    def _entries(self, entries: list[Entry], kind: str) -> Iterator[scrapy.Request]:
        self.count(f"discovery/{kind}_entries", len(entries))
        for entry in entries:
            if not self.is_article_url(entry.url):
                self.count("discovery/not_article_urls")
                continue
            if request := self.article_request(entry):
                yield request

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            entries = parse_feed(response.body, response.url)
        except NotXML as exc:
            self.count("discovery/failed/feed_not_xml")
            self.logger.error("Feed %s is not a feed: %s", response.url, exc)
            return
        if not entries:
            self.count("discovery/empty/feed")
            self.logger.warning("Feed %s lists no items", response.url)
        yield from self._entries(entries, "feed")

    def parse_sitemap(self, response: Response, depth: int) -> Iterator[scrapy.Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":  # a .xml.gz file served as-is
            body = gunzip(body, max_size=MAX_XML_BYTES)
        try:
            sitemap = parse_sitemap(body, response.url)
        except NotXML as exc:
            self.count("discovery/failed/sitemap_not_xml")
            self.logger.error("Sitemap %s is not a sitemap: %s", response.url, exc)
            return
        for child in sitemap.sitemaps:
            if depth >= MAX_SITEMAP_DEPTH:
                self.count("discovery/failed/sitemap_too_deep")
                continue
            if request := self.discovery_request(child, self.parse_sitemap, "sitemap", depth=depth + 1):
                yield request
        if not sitemap.sitemaps and not sitemap.entries:
            self.count("discovery/empty/sitemap")
            self.logger.warning("Sitemap %s lists nothing", response.url)
        yield from self._entries(sitemap.entries, "sitemap")

    def parse_listing(self, response: Response, pattern: re.Pattern[str] | None) -> Iterator[scrapy.Request]:
        charset = response.encoding if isinstance(response, TextResponse) else None
        entries = parse_listing(response.body, response.url, pattern, http_charset=charset)
        self.count("discovery/listing_entries", len(entries))
        for entry in entries:
            if pattern is None and not self.is_article_url(entry.url):
                continue
            if request := self.article_request(entry):
                yield request

    def discovery_failed(self, failure: Failure) -> None:
        kind = failure.request.meta.get("newsflow_kind", "discovery")
        self.count(f"discovery/failed/{kind}_fetch")
        self.logger.error("Could not fetch %s %s: %s", kind, failure.request.url, failure.getErrorMessage())

    # -- articles -------------------------------------------------------------------

    def parse_article(self, response: Response, discovery: dict[str, Any]) -> Iterator[Article]:
        charset = response.headers.get("Content-Type", b"").decode("latin-1")
        match = re.search(r"charset=([\w.:-]+)", charset, re.IGNORECASE)
        article = parsers.extract(response.body, response.url, http_charset=match.group(1) if match else None)
        article.source = self.source.id
        article.fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        article.http_status = response.status
        article.discovery = {k: v for k, v in discovery.items() if v}
        article.language = article.language or self.source.language
        article.publisher = article.publisher or self.source.publisher
        if not article.title and discovery.get("title"):
            article.title = discovery["title"]
        if not article.published_at_raw and discovery.get("published"):
            article.published_at_raw = discovery["published"]
        yield article

    def article_failed(self, failure: Failure) -> None:
        response = getattr(failure.value, "response", None)
        kind = f"http_{response.status}" if response is not None else type(failure.value).__name__
        self.count(f"fetch_failed/{kind}")
        self.logger.warning("Could not fetch article %s: %s", failure.request.url, failure.getErrorMessage())
