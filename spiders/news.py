"""The one discovery spider: any registered source's feeds, sitemaps and listings, then its articles.

    scrapy crawl news -a source=mk -a max_articles=50
    scrapy crawl news -a source=mk -a urls="https://www.mk.co.kr/news/politics/11333783"
    scrapy crawl news -a source=mk -a since=2025-05-01 -a until=2025-05-31   # a backfill
    scrapy crawl news -a source=mk -a shard=1/4                               # every 4th discovery document

The spider only discovers and fetches; ``parsers.extract`` turns a page into an
``Article``; the item pipelines clean, validate, dedupe and write the run output.

Three modes: a scheduled run is incremental when the warehouse is reachable
(``NEWSFLOW_DATABASE_URL``): it skips article URLs an earlier loaded run fetched (unless
their feed or sitemap now lists a newer date), sends conditional requests for feeds and
sitemaps, and skips child sitemaps whose index ``lastmod`` has not changed. A run with
``urls`` fetches exactly those. A backfill (``since``/``until``) fetches every dated entry
in the range, seen or not: the warehouse's content-hash key keeps it from adding a row twice.
What the crawl fetched and the validators it saw go into the run output's ``state.json``;
the load writes them to the warehouse.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

import parsers
from newsflow.items import Article
from newsflow.registry import Source, get_source
from parsers.rights import TdmRule, page_rights, parse_tdmrep
from pipelines.dates import parse_date
from spiders.addresses import GUARD_PATH, GUARD_PRIORITY, refuse_reason
from spiders.discovery import (
    MAX_XML_BYTES,
    Entry,
    HostileXML,
    NotXML,
    TooLarge,
    gunzip,
    parse_feed,
    parse_listing,
    parse_sitemap,
)
from spiders.failures import failure_reason
from spiders.lifeline import die_with_parent
from spiders.pagelog import PageLog
from spiders.state import CrawlState, NoState, open_state

MAX_SITEMAP_DEPTH = 3
DISCOVERY_PRIORITY = -10
SITEMAPS_IN_FLIGHT = 2
"""Child sitemaps of an index fetched at once. With discovery below articles in priority, the
scheduler then holds at most this many sitemaps' articles, whatever the index lists: a 50,000
page site crawls in the memory of a 10,000 page one (benchmarks/memory.py)."""


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


def parse_shard(value: str | None) -> tuple[int, int]:
    """``"2/4"`` → ``(2, 4)``: this crawl takes discovery documents 2, 6, 10... of the source's list."""
    if not value:
        return 0, 1
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(value))
    if not match or int(match.group(2)) < 1 or int(match.group(1)) >= int(match.group(2)):
        raise ValueError(f"shard must be i/n with 0 <= i < n, not {value!r}")
    return int(match.group(1)), int(match.group(2))


def parse_bound(value: str | None, tz: str, *, end: bool) -> datetime | None:
    """A ``since``/``until`` value as an aware time; a bare date ``until`` covers that whole day."""
    if not value:
        return None
    parsed = parse_date(str(value), tz)
    if parsed is None:
        raise ValueError(f"not a date: {value!r} (use 2025-05-31 or an ISO 8601 time)")
    if end and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", str(value)):
        parsed += timedelta(days=1)
    return parsed


def tag_log_lines(run_id: str, settings: Any) -> None:
    """Put the run id in every line the crawl logs.

    Scrapy's root handler exists before the spider does and is installed again from the crawl's
    settings once they are final, so both the handler and ``LOG_FORMAT`` get the tag.
    """
    tag = f"[{run_id.replace('%', '%%')}] "
    log_format = settings.get("LOG_FORMAT") or ""
    if "%(message)s" in log_format and tag not in log_format:
        settings.set("LOG_FORMAT", log_format.replace("%(message)s", tag + "%(message)s"), priority="spider")
    for handler in logging.getLogger().handlers:
        formatter = handler.formatter
        fmt = getattr(formatter, "_fmt", None)
        if formatter is not None and fmt and "%(message)s" in fmt and tag not in fmt:
            handler.setFormatter(logging.Formatter(fmt.replace("%(message)s", tag + "%(message)s"),
                                                   formatter.datefmt))


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, source: str | None = None, run_id: str | None = None,
                 max_articles: str | int | None = None, urls: str | None = None,
                 dry_run: str | bool = False, since: str | None = None, until: str | None = None,
                 incremental: str | bool = True, shard: str | None = None, *args: Any, **kwargs: Any) -> None:
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
        self.scheduled: set[int] = set()
        """``hash()`` of each article URL requested: a 64-bit hash is a third of a URL's memory, and a
        collision (about 1 in 10^10 at 500,000 URLs) would skip one article of one run."""
        self.since = parse_bound(since, self.source.timezone, end=False)
        self.until = parse_bound(until, self.source.timezone, end=True)
        self.shard = parse_shard(shard)
        self.mode = "given" if self.given_urls else "backfill" if (self.since or self.until) else "scheduled"
        # Only a scheduled run reads the seen-URL state; URLs given by hand and backfills override it.
        self.incremental = (_flag(incremental) and self.source.incremental.enabled and self.mode == "scheduled")
        self.state: CrawlState = NoState()
        self.pages = PageLog()
        self.documents: dict[str, dict[str, Any]] = {}
        self.site_parsers = True
        self.held_sitemaps: deque[scrapy.Request] = deque()
        self.sitemaps_in_flight = 0
        self.complete = True
        """False once an article URL went unfetched (cap, failure, budget): validators are then not kept."""
        self.tdm_rules: dict[str, list[TdmRule]] = {}
        self.validators: dict[str, dict[str, Any]] = {}
        """Stored ETag / Last-Modified / index lastmod of this source's feeds and sitemaps (incremental runs)."""
        self.run_params = {"max_articles": self.max_articles, "urls": self.given_urls, "dry_run": self.dry_run,
                           "mode": self.mode, "incremental": self.incremental,
                           "since": since or None, "until": until or None,
                           "shard": f"{self.shard[0]}/{self.shard[1]}" if self.shard[1] > 1 else None}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        die_with_parent()  # a crawl whose task died must not write into its retry's output
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
        settings.set("NEWSFLOW_MAX_CRAWL_DELAY", polite.max_crawl_delay, priority="spider")
        # False measures the generic extractor alone in a real crawl (benchmarks/throughput.py).
        spider.site_parsers = settings.getbool("NEWSFLOW_SITE_PARSERS", True)
        if polite.daily_request_budget:
            settings.set("NEWSFLOW_DAILY_REQUEST_BUDGET", polite.daily_request_budget, priority="spider")
        # The address guard is part of the spider, not of a settings module an override could replace.
        settings["DOWNLOADER_MIDDLEWARES"].set(GUARD_PATH, GUARD_PRIORITY, priority="spider")
        tag_log_lines(spider.run_id, settings)
        spider.open_state(settings.get("NEWSFLOW_STATE_DATABASE_URL"))
        crawler.signals.connect(spider.close_state, signal=signals.engine_stopped)
        crawler.signals.connect(spider.release_on_idle, signal=signals.spider_idle)
        return spider

    def open_state(self, database_url: str | None) -> None:
        """Connect to the warehouse's crawl state when this run needs it (incremental or a request budget)."""
        needs = self.incremental or bool(self.source.politeness.daily_request_budget)
        if needs and database_url:
            self.state = open_state(database_url)
        elif self.incremental:
            self.incremental = False
            self.run_params["incremental"] = False
            self.logger.warning("Incremental crawling is off: no warehouse configured (NEWSFLOW_DATABASE_URL);"
                                " every listed article is fetched")
        if self.source.politeness.daily_request_budget and not self.state.persistent:
            self.logger.warning("The daily request budget is counted for this run only: no warehouse configured")
        self.logger.info("Run %s of %s: mode %s, incremental %s%s", self.run_id, self.source.id, self.mode,
                         "on" if self.incremental else "off",
                         f", shard {self.shard[0]}/{self.shard[1]}" if self.shard[1] > 1 else "")

    def close_state(self) -> None:
        # engine_stopped comes after every spider_closed handler (the budget gives back its rest there).
        self.state.close()
        self.pages.close()

    def state_record(self) -> dict[str, Any]:
        """What the load writes to the warehouse's crawl state: pages fetched, and validators when safe."""
        # Validators are kept only when every URL the documents listed was dealt with: a 304 next
        # time must not hide an article this run left unfetched (over the cap, failed, out of budget).
        keep = self.mode == "scheduled" and self.complete
        return {"mode": self.mode, "incremental": self.incremental, "complete": self.complete,
                "pages": iter(self.pages),
                "documents": list(self.documents.values()) if keep else []}

    # -- helpers --------------------------------------------------------------------

    def count(self, key: str, amount: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newsflow/{key}", amount)

    def refuse_reason(self, url: str) -> str | None:
        """Why a URL may not be requested for this source, or None when it may."""
        return refuse_reason(url, self.source.is_allowed, self.source.allow_private_addresses)

    def is_article_url(self, url: str, pattern: re.Pattern[str] | None = None) -> bool:
        patterns = [pattern] if pattern is not None else self.patterns
        return not patterns or any(p.search(url) for p in patterns)

    def article_request(self, entry: Entry) -> scrapy.Request | None:
        url = urldefrag(entry.url)[0]
        if hash(url) in self.scheduled:
            self.count("discovered/duplicate_urls")
            return None
        if reason := self.refuse_reason(url):
            self.count(f"refused/{reason}")
            self.logger.debug("Refused %s (%s)", url, reason)
            return None
        if len(self.scheduled) >= self.max_articles:
            self.count("discovered/over_limit")
            self.complete = False
            return None
        self.scheduled.add(hash(url))
        self.count("discovered/article_urls")
        self.count(f"discovered/via_{entry.via}")
        discovery = {"via": entry.via, "title": entry.title, "published": entry.published}
        listed = self.entry_date(entry)
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed,
                              cb_kwargs={"discovery": discovery},
                              meta={"newsflow_listed_url": url, "newsflow_lastmod": listed})

    def discovery_request(self, url: str, callback: Any, kind: str, **cb_kwargs: Any) -> scrapy.Request | None:
        if reason := self.refuse_reason(url):
            self.count(f"refused/{reason}")
            self.logger.warning("Refused %s %s (%s)", kind, url, reason)
            return None
        headers = {}
        stored = self.validators.get(url) or {}
        if kind in ("feed", "sitemap") and self.incremental and self.source.incremental.conditional_requests:
            if stored.get("etag"):
                headers["If-None-Match"] = stored["etag"]
            if stored.get("last_modified"):
                headers["If-Modified-Since"] = stored["last_modified"]
        # Below articles: the scheduler fetches what one sitemap listed before reading the next, so
        # its queue holds a few sitemaps' articles, not the whole site's (memory flat in site size).
        return scrapy.Request(url, callback=callback, errback=self.discovery_failed, headers=headers,
                              cb_kwargs=cb_kwargs, dont_filter=True, priority=DISCOVERY_PRIORITY,
                              meta={"newsflow_kind": kind, "handle_httpstatus_list": [304]})

    def entry_date(self, entry: Entry) -> datetime | None:
        return parse_date(entry.published, self.source.timezone) if entry.published else None

    # -- discovery ------------------------------------------------------------------

    def discovery_documents(self) -> list[tuple[str, str, re.Pattern[str] | None]]:
        """(url, kind, listing pattern) of this crawl's share of the source's feeds, sitemaps and listings."""
        documents: list[tuple[str, str, re.Pattern[str] | None]] = [(u, "feed", None) for u in self.source.feeds]
        documents += [(u, "sitemap", None) for u in self.source.sitemaps]
        documents += [(listing.url, "listing",
                       re.compile(listing.article_pattern) if listing.article_pattern else None)
                      for listing in self.source.listings]
        index, count = self.shard
        return [doc for position, doc in enumerate(documents) if position % count == index]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        origins = self.given_urls if self.given_urls else [url for url, _, _ in self.discovery_documents()]
        await self.read_tdmrep({f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in origins})
        if self.given_urls:
            # A manual trigger with URLs fetches exactly those, without discovery or the seen state.
            for url in self.given_urls:
                if request := self.article_request(Entry(url=url, via="given")):
                    yield request
            return
        documents = self.discovery_documents()
        if self.incremental:
            self.validators = self.state.validators(self.source.id, [u for u, _, _ in documents])
        for url, kind, pattern in documents:
            if kind == "feed":
                request = self.discovery_request(url, self.parse_feed, "feed")
            elif kind == "sitemap":
                request = self.discovery_request(url, self.parse_sitemap, "sitemap", depth=0)
            else:
                request = self.discovery_request(url, self.parse_listing, "listing", pattern=pattern)
            if request is not None:
                yield request

    async def read_tdmrep(self, origins: set[str]) -> None:
        """Read each site's ``/.well-known/tdmrep.json`` once, before any article is fetched."""
        if not self.source.rights.tdmrep_file:
            return
        for origin in sorted(origins):
            url = f"{origin}/.well-known/tdmrep.json"
            if self.refuse_reason(url):
                continue
            request = scrapy.Request(url, meta={"newsflow_kind": "tdmrep", "dont_retry": True}, dont_filter=True,
                                     callback=lambda response: None)
            try:
                response = await self.crawler.engine.download_async(request)
            except Exception as exc:  # a site without the file, or a refused request: no rules
                self.count("rights/tdmrep_file_unavailable")
                self.logger.debug("No tdmrep.json at %s: %s", url, exc)
                continue
            if response.status != 200:
                self.count("rights/tdmrep_file_absent")
                continue
            try:
                self.tdm_rules[origin] = parse_tdmrep(response.body)
                self.count("rights/tdmrep_file_read")
            except ValueError as exc:
                self.count("rights/tdmrep_file_invalid")
                self.logger.warning("Ignoring %s: %s", url, exc)

    def not_modified(self, response: Response, kind: str) -> bool:
        """True (and counted) when a conditional request for a feed or sitemap came back 304."""
        if response.status != 304:
            return False
        self.count(f"discovery/not_modified/{kind}")
        self.logger.info("%s %s not modified since the last run", kind.capitalize(), response.url)
        return True

    def remember_document(self, response: Response, kind: str, listed_lastmod: datetime | None = None) -> None:
        def header(name: str) -> str | None:
            value = response.headers.get(name)
            return value.decode("latin-1") if value else None

        url = response.request.url if response.request is not None else response.url
        self.documents[url] = {"url": url, "kind": kind, "etag": header("ETag"),
                               "last_modified": header("Last-Modified"),
                               "listed_lastmod": listed_lastmod.isoformat() if listed_lastmod else None}

    def new_entries(self, entries: list[Entry]) -> list[Entry]:
        """The entries this run fetches: in a backfill the dated ones in range; when incremental the unseen
        or changed ones; otherwise all."""
        if self.mode == "backfill":
            kept = []
            for entry in entries:
                listed = self.entry_date(entry)
                if listed is None:
                    self.count("backfill/undated")
                elif (self.since and listed < self.since) or (self.until and listed >= self.until):
                    self.count("backfill/outside_range")
                else:
                    kept.append(entry)
            return kept
        if not self.incremental:
            return entries
        seen = self.state.seen(self.source.id, [urldefrag(e.url)[0] for e in entries])
        kept = []
        for entry in entries:
            url = urldefrag(entry.url)[0]
            if url not in seen:
                kept.append(entry)
                continue
            listed, before = self.entry_date(entry), seen[url]
            if self.source.incremental.refetch_changed and listed and before and listed > before:
                self.count("incremental/changed")
                kept.append(entry)
            else:
                self.count("incremental/skipped_seen")
        return kept

    def _entries(self, entries: list[Entry], kind: str) -> Iterator[scrapy.Request]:
        self.count(f"discovery/{kind}_entries", len(entries))
        articles = []
        for entry in entries:
            if not self.is_article_url(entry.url):
                self.count("discovery/not_article_urls")
                continue
            articles.append(entry)
        for entry in self.new_entries(articles):
            if request := self.article_request(entry):
                yield request

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if self.not_modified(response, "feed"):
            return
        self.remember_document(response, "feed")
        try:
            entries = parse_feed(response.body, response.url)
        except (TooLarge, HostileXML) as exc:
            self.count(f"discovery/failed/feed_{'too_large' if isinstance(exc, TooLarge) else 'hostile_xml'}")
            self.logger.error("Feed %s skipped: %s", response.url, exc)
            return
        except NotXML as exc:
            self.count("discovery/failed/feed_not_xml")
            self.logger.error("Feed %s is not a feed: %s", response.url, exc)
            return
        if not entries:
            self.count("discovery/empty/feed")
            self.logger.warning("Feed %s lists no items", response.url)
        yield from self._entries(entries, "feed")

    def parse_sitemap(self, response: Response, depth: int,
                      listed_lastmod: datetime | None = None) -> Iterator[scrapy.Request]:
        yield from self._read_sitemap(response, depth, listed_lastmod)
        yield from self._sitemap_done(response.request)

    def _read_sitemap(self, response: Response, depth: int,
                      listed_lastmod: datetime | None) -> Iterator[scrapy.Request]:
        if self.not_modified(response, "sitemap"):
            return
        self.remember_document(response, "sitemap", listed_lastmod)
        body = response.body
        try:
            if body[:2] == b"\x1f\x8b":  # a .xml.gz file served as-is
                # Capped like any download (DOWNLOAD_MAXSIZE): a few kilobytes of gzip can expand to gigabytes.
                body = gunzip(body, min(MAX_XML_BYTES, self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
                                        or MAX_XML_BYTES))
            sitemap = parse_sitemap(body, response.url)
        except (TooLarge, HostileXML) as exc:
            self.count(f"discovery/failed/sitemap_{'too_large' if isinstance(exc, TooLarge) else 'hostile_xml'}")
            self.logger.error("Sitemap %s skipped: %s", response.url, exc)
            return
        except NotXML as exc:
            self.count("discovery/failed/sitemap_not_xml")
            self.logger.error("Sitemap %s is not a sitemap: %s", response.url, exc)
            return
        yield from self._child_sitemaps(sitemap.sitemaps, sitemap.sitemap_lastmods, depth)
        if not sitemap.sitemaps and not sitemap.entries:
            self.count("discovery/empty/sitemap")
            self.logger.warning("Sitemap %s lists nothing", response.url)
        yield from self._entries(sitemap.entries, "sitemap")

    def _child_sitemaps(self, children: list[str], lastmods: dict[str, str], depth: int) -> Iterator[scrapy.Request]:
        """Requests for an index's child sitemaps, less those unchanged since the last run or older than a backfill."""
        if self.incremental:
            self.validators.update(self.state.validators(self.source.id, children))
        for child in children:
            if depth >= MAX_SITEMAP_DEPTH:
                self.count("discovery/failed/sitemap_too_deep")
                continue
            listed = parse_date(lastmods[child], self.source.timezone) if child in lastmods else None
            before = (self.validators.get(child) or {}).get("listed_lastmod")
            if self.incremental and listed and before and listed <= before:
                self.count("incremental/sitemaps_unchanged")
                continue
            if self.mode == "backfill" and listed and self.since and listed < self.since:
                self.count("backfill/sitemaps_skipped")
                continue
            if request := self.discovery_request(child, self.parse_sitemap, "sitemap", depth=depth + 1,
                                                 listed_lastmod=listed):
                request.meta["newsflow_held"] = True
                self.held_sitemaps.append(request)
        yield from self._release_sitemaps()

    def _release_sitemaps(self) -> Iterator[scrapy.Request]:
        while self.held_sitemaps and self.sitemaps_in_flight < SITEMAPS_IN_FLIGHT:
            self.sitemaps_in_flight += 1
            yield self.held_sitemaps.popleft()

    def _sitemap_done(self, request: scrapy.Request | None) -> Iterator[scrapy.Request]:
        """A held child sitemap was read or failed: its slot goes to the next one waiting."""
        if request is not None and request.meta.pop("newsflow_held", False):
            self.sitemaps_in_flight -= 1
        yield from self._release_sitemaps()

    def release_on_idle(self) -> None:
        """Nothing left to fetch but sitemaps still held (a slot lost to an exception in a callback)."""
        if self.held_sitemaps:
            self.sitemaps_in_flight = 0
            assert self.crawler.engine is not None
            for request in self._release_sitemaps():
                self.crawler.engine.crawl(request)
            raise DontCloseSpider

    def parse_listing(self, response: Response, pattern: re.Pattern[str] | None) -> Iterator[scrapy.Request]:
        self.remember_document(response, "listing")
        charset = response.encoding if isinstance(response, TextResponse) else None
        entries = parse_listing(response.body, response.url, pattern, http_charset=charset)
        self.count("discovery/listing_entries", len(entries))
        matching = [e for e in entries if pattern is not None or self.is_article_url(e.url)]
        for entry in self.new_entries(matching):
            if request := self.article_request(entry):
                yield request

    def discovery_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        kind = failure.request.meta.get("newsflow_kind", "discovery")
        self.count(f"discovery/failed/{kind}_fetch")
        self.count(f"discovery/failed/{kind}_{failure_reason(failure)}")
        self.logger.error("Could not fetch %s %s: %s", kind, failure.request.url, failure.getErrorMessage())
        yield from self._sitemap_done(failure.request)

    # -- articles -------------------------------------------------------------------

    def parse_article(self, response: Response, discovery: dict[str, Any]) -> Iterator[Article]:
        charset = response.headers.get("Content-Type", b"").decode("latin-1")
        match = re.search(r"charset=([\w.:-]+)", charset, re.IGNORECASE)
        article = parsers.extract(response.body, response.url, http_charset=match.group(1) if match else None,
                                  site_parsers=self.site_parsers)
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
        headers = {k.decode("latin-1").lower(): [v.decode("latin-1") for v in values]
                   for k, values in response.headers.items()}
        origin = f"{urlsplit(response.url).scheme}://{urlsplit(response.url).netloc}"
        rights = page_rights(response.body, headers, response.url, self.tdm_rules.get(origin))
        article.robots_directives = rights.robots_directives
        article.tdm_reservation, article.tdm_policy = rights.tdm_reservation, rights.tdm_policy
        self.count("pages/fetched")
        listed = response.meta.get("newsflow_lastmod")
        self.pages.append({
            "url": response.meta.get("newsflow_listed_url", response.url), "fetched_url": response.url,
            "status": response.status, "fetched_at": article.fetched_at,
            "lastmod": listed.isoformat() if listed else None, "robots_directives": rights.robots_directives,
            "tdm_reservation": rights.tdm_reservation, "tdm_policy": rights.tdm_policy,
        })
        yield article

    def article_failed(self, failure: Failure) -> None:
        if not (isinstance(failure.value, IgnoreRequest) and "robots.txt" in str(failure.value)):
            self.complete = False  # a page robots.txt forbids stays forbidden; any other may work next time
        self.count("pages/failed")
        self.count(f"fetch_failed/{failure_reason(failure)}")
        self.logger.warning("Could not fetch article %s: %s", failure.request.url, failure.getErrorMessage())
