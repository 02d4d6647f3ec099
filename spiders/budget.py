"""Downloader middleware: a daily request budget per source, kept in the warehouse so it spans runs.

Setting ``NEWSFLOW_DAILY_REQUEST_BUDGET`` (the spider sets it from the source's
``[politeness] daily_request_budget``; unset or 0 turns the middleware off). Every request
that reaches the downloader past robots.txt counts, retries and robots.txt fetches included,
since each is a request the site serves. Requests are taken from the budget in blocks of
``NEWSFLOW_BUDGET_BLOCK`` (one warehouse round trip per block); what a run took but did not
send is given back when it closes. The day is the source's calendar day.

When the budget is spent the request is refused (``newsflow/budget/refused``) and the crawl
is closed with ``finish_reason`` ``request_budget``: a success, with a warning, so an hourly
schedule stays green through the rest of the day.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from spiders.closing import close_crawl

logger = logging.getLogger(__name__)


class RequestBudgetMiddleware:
    def __init__(self, crawler: Crawler, budget: int, block: int) -> None:
        self.crawler = crawler
        self.budget = budget
        self.block = block
        self.granted = 0
        self.sent = 0
        self.exhausted = False
        self.day: date | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequestBudgetMiddleware:
        budget = crawler.settings.getint("NEWSFLOW_DAILY_REQUEST_BUDGET", 0)
        if budget <= 0:
            raise NotConfigured("no daily request budget")
        middleware = cls(crawler, budget, crawler.settings.getint("NEWSFLOW_BUDGET_BLOCK", 20))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _today(self, spider: Spider) -> date:
        return datetime.now(ZoneInfo(spider.source.timezone)).date()

    def process_request(self, request: Request) -> None:
        stats, spider = self.crawler.stats, self.crawler.spider
        assert stats is not None and spider is not None
        if self.exhausted:
            stats.inc_value("newsflow/budget/refused")
            raise IgnoreRequest("daily request budget reached")
        today = self._today(spider)
        if self.day != today:  # a crawl running past midnight starts the new day's budget
            if self.day is not None:
                spider.state.release(spider.source.id, self.day, self.granted - self.sent)
            self.day, self.granted, self.sent = today, 0, 0
        if self.sent >= self.granted:
            got = spider.state.reserve(spider.source.id, today, self.block, self.budget)
            self.granted += got
            if got == 0:
                self.exhausted = True
                stats.set_value("newsflow/budget/exhausted", 1)
                stats.inc_value("newsflow/budget/refused")
                logger.warning("Daily request budget of %d for %s is spent; stopping the crawl",
                               self.budget, spider.source.id)
                close_crawl(self.crawler, "request_budget")
                raise IgnoreRequest("daily request budget reached")
        self.sent += 1
        stats.inc_value("newsflow/budget/requests")
        return None

    def spider_closed(self, spider: Spider) -> None:
        if self.day is not None:
            spider.state.release(spider.source.id, self.day, self.granted - self.sent)
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("newsflow/budget/used_today", spider.state.used(spider.source.id, self.day))
            self.crawler.stats.set_value("newsflow/budget/daily", self.budget)
