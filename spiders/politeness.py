"""Downloader middleware: robots.txt Crawl-delay, back-off on 429/503 (Retry-After honoured), and a stop on bans.

Scrapy obeys robots.txt rules but not its Crawl-delay, and AutoThrottle would lower any delay
set on a download slot back to ``DOWNLOAD_DELAY``. This middleware keeps a floor per host (the
Crawl-delay, capped by the source's ``max_crawl_delay``) and puts it back after AutoThrottle
adjusts (``response_downloaded`` handlers run in connection order, extensions first).

On 429 or 503 it pauses every request to the host until ``Retry-After`` (seconds or an HTTP
date; 2^n seconds when absent) and doubles the slot's delay, which AutoThrottle lowers again
as good responses come; RetryMiddleware then retries the request. A wait longer than
``NEWSFLOW_BACKOFF_MAX_WAIT`` ends the crawl (``finish_reason`` ``retry_after``), and
``NEWSFLOW_BAN_CLOSE_AFTER`` 403/429/503 responses in a row end it as ``banned``: both are
failed crawls, and the next scheduled run tries again.

Stats: ``newsflow/robots/crawl_delay`` (largest applied), ``newsflow/backoff/http_<status>``,
``newsflow/backoff/retry_after_max``, ``newsflow/backoff/paused_seconds``, and
``newsflow/http/responses`` / ``newsflow/http/errors`` (status 400 and above), which count
the crawl's own pages, not robots.txt or tdmrep.json.
"""

from __future__ import annotations

import asyncio
import logging
import time
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from spiders.closing import close_crawl

logger = logging.getLogger(__name__)

BACKOFF_STATUSES = (429, 503)
BAN_STATUSES = (403, 429, 503)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date); None when unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class PolitenessMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.max_crawl_delay = settings.getfloat("NEWSFLOW_MAX_CRAWL_DELAY", 60.0)
        self.max_wait = settings.getfloat("NEWSFLOW_BACKOFF_MAX_WAIT", 300.0)
        self.ban_close_after = settings.getint("NEWSFLOW_BAN_CLOSE_AFTER", 20)
        self.floors: dict[str, float] = {}
        self.paused_until: dict[str, float] = {}
        self.strikes: dict[str, int] = {}
        self.in_a_row = 0
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(middleware.response_downloaded, signal=signals.response_downloaded)
        return middleware

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def _slot(self, request: Request) -> Any:
        downloader = self.crawler.engine.downloader if self.crawler.engine else None
        if downloader is None:
            return None
        return downloader.slots.get(downloader.get_slot_key(request))

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        agent = self.crawler.settings.get("USER_AGENT")
        delay = robotparser.crawl_delay(agent)
        if not delay:
            return
        host = urlparse_cached(request).hostname or ""
        applied = min(float(delay), self.max_crawl_delay)
        self.floors[host] = max(self.floors.get(host, 0.0), applied)
        self.stats.max_value("newsflow/robots/crawl_delay", applied)
        logger.info("robots.txt of %s asks for Crawl-delay %s s; applying %.1f s", host, delay, applied)

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        self._apply_floor(request)

    def _apply_floor(self, request: Request) -> None:
        floor = self.floors.get(urlparse_cached(request).hostname or "")
        slot = self._slot(request) if floor else None
        if slot is not None:
            # A Crawl-delay is a minimum: no random jitter below it (Scrapy's default is delay x 0.5..1.5).
            slot.jitter = 0.0
            slot.delay = max(slot.delay, floor)

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname or ""
        wait = self.paused_until.get(host, 0.0) - time.monotonic()
        if wait > 0:
            self.stats.inc_value("newsflow/backoff/paused_requests")
            await asyncio.sleep(wait)
        self._apply_floor(request)

    def process_response(self, request: Request, response: Response) -> Response:
        own_page = not (request.meta.get("dont_obey_robotstxt") or request.meta.get("newsflow_kind") == "tdmrep")
        if own_page:
            self.stats.inc_value("newsflow/http/responses")
            if response.status >= 400:
                self.stats.inc_value("newsflow/http/errors")
        if response.status in BAN_STATUSES:
            self.in_a_row += 1
        elif response.status < 400:
            self.in_a_row = 0
        if response.status in BACKOFF_STATUSES:
            self._back_off(request, response)
        if self.in_a_row >= self.ban_close_after:
            self._close("banned", f"{self.in_a_row} responses in a row were 403/429/503")
        return response

    def _back_off(self, request: Request, response: Response) -> None:
        host = urlparse_cached(request).hostname or ""
        self.strikes[host] = strikes = self.strikes.get(host, 0) + 1
        self.stats.inc_value(f"newsflow/backoff/http_{response.status}")
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        wait = asked if asked is not None else float(min(2 ** strikes, 60))
        if asked is not None:
            self.stats.max_value("newsflow/backoff/retry_after_max", asked)
        if wait > self.max_wait:
            self._close("retry_after", f"{host} asked to wait {wait:.0f} s (more than {self.max_wait:.0f} s)")
            return
        until = time.monotonic() + wait
        if until > self.paused_until.get(host, 0.0):
            self.stats.inc_value("newsflow/backoff/paused_seconds", round(wait, 3))
            self.paused_until[host] = until
        slot = self._slot(request)
        if slot is not None:
            slot.delay = min(max(slot.delay * 2, 1.0), self.crawler.settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0))
        logger.warning("%s answered %d; pausing it %.1f s%s", host, response.status, wait,
                       " (Retry-After)" if asked is not None else "")

    def _close(self, reason: str, why: str) -> None:
        if self.closing or self.crawler.engine is None:
            return
        self.closing = True
        logger.error("Stopping the crawl (%s): %s", reason, why)
        close_crawl(self.crawler, reason)
