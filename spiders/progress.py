"""Extension: a progress line every ``NEWSFLOW_PROGRESS_INTERVAL`` seconds, so a long crawl shows where it is.

Scrapy's LogStats gives pages and items per minute; this line adds what a person watching a
task log asks: articles written against the cap, pages and their rate since the start,
URLs still to fetch, drops, skips of the incremental state, back-off and the request budget.
It is switched off by setting the interval to 0.

At the end it records the crawl's own peak memory, ``newsflow/memory/peak_rss`` (bytes). Scrapy's
``memusage/max`` cannot be read as that for a crawl in a child process: it is ``ru_maxrss``,
which Linux carries over an ``execve`` from the parent's high-water mark at fork, so a crawl
started by a 400 MB Airflow worker or test process reports at least 400 MB. ``VmHWM`` of
``/proc/self/status`` is the peak of this process image alone.
"""

from __future__ import annotations

import logging
import resource
import sys
import time
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

logger = logging.getLogger(__name__)


def progress_line(stats: dict[str, Any], elapsed: float, cap: int | None) -> str:
    """One line from a crawl's stats: ``articles 40/300, pages 120 (2.0/s), to fetch 35, ...``."""
    def get(key: str) -> int:
        return int(stats.get(key) or 0)

    pages = get("response_received_count")
    drops = sum(int(v) for k, v in stats.items() if k.startswith("newsflow/dropped/"))
    discovered = get("newsflow/discovered/article_urls")
    fetched = get("newsflow/pages/fetched") + get("newsflow/pages/failed")
    parts = [
        f"articles {get('newsflow/articles')}" + (f"/{cap}" if cap else ""),
        f"pages {pages} ({pages / elapsed if elapsed > 0 else 0.0:.1f}/s)",
        f"to fetch {max(discovered - fetched, 0)}",
        f"dropped {drops}",
    ]
    if skipped := get("newsflow/incremental/skipped_seen"):
        parts.append(f"seen before {skipped}")
    if backoff := sum(int(v) for k, v in stats.items() if k.startswith("newsflow/backoff/http_")):
        parts.append(f"back-offs {backoff}")
    if "newsflow/budget/requests" in stats:
        parts.append(f"budget requests {get('newsflow/budget/requests')}")
    return ", ".join(parts)


def peak_rss_bytes() -> int:
    """Peak resident memory of this process since it started (VmHWM on Linux, else ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


class ProgressLog:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressLog:
        interval = crawler.settings.getfloat("NEWSFLOW_PROGRESS_INTERVAL", 30.0)
        if interval <= 0:
            raise NotConfigured("NEWSFLOW_PROGRESS_INTERVAL is 0")
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        self.task = create_looping_call(self.log, spider)
        self.task.start(self.interval, now=False)

    def log(self, spider: Spider) -> None:
        assert self.crawler.stats is not None
        line = progress_line(self.crawler.stats.get_stats(), time.monotonic() - self.started,
                             getattr(spider, "max_articles", None))
        logger.info("Progress of %s: %s", getattr(spider, "run_id", spider.name), line)

    def spider_closed(self, spider: Spider) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("newsflow/memory/peak_rss", peak_rss_bytes())
