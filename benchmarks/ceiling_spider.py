"""The ceiling: Scrapy fetching the benchmark site with trivial parsing (no extraction, no pipelines).

    scrapy runspider benchmarks/ceiling_spider.py -a sitemap=http://127.0.0.1:PORT/sitemap.xml
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from spiders.discovery import parse_sitemap


class CeilingSpider(scrapy.Spider):
    name = "ceiling"

    def __init__(self, sitemap: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sitemap = sitemap

    async def start(self) -> Any:
        yield scrapy.Request(self.sitemap, callback=self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        doc = parse_sitemap(response.body, response.url)
        for child in doc.sitemaps:
            yield scrapy.Request(child, callback=self.parse_sitemap)
        for entry in doc.entries:
            yield scrapy.Request(entry.url, callback=self.parse_page)

    def parse_page(self, response: Response) -> Iterator[dict[str, Any]]:
        yield {"url": response.url, "bytes": len(response.body)}


def main() -> None:
    """Run the ceiling crawl in this process and write its stats as JSON: ``SITEMAP_URL OUT.json``."""
    import json
    import sys

    from scrapy.crawler import CrawlerProcess

    sitemap, out = sys.argv[1], sys.argv[2]
    process = CrawlerProcess({**SETTINGS, "LOG_LEVEL": "WARNING"})
    crawler = process.create_crawler(CeilingSpider)
    process.crawl(crawler, sitemap=sitemap)
    process.start()
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(crawler.stats.get_stats(), handle, default=str)


# The same engine settings as the measured newsflow crawls, so only the per-page work differs.
SETTINGS: dict[str, Any] = {
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": True,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
}


if __name__ == "__main__":
    main()
