"""Ending a crawl early with a reason of its own (banned, retry_after, request_budget), as CloseSpider does."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.utils.defer import _schedule_coro


def close_crawl(crawler: Crawler, reason: str) -> None:
    """Ask the engine to close the spider with ``reason`` (it becomes the stats' ``finish_reason``)."""
    if crawler.engine is not None:
        _schedule_coro(crawler.engine.close_spider_async(reason=reason))
