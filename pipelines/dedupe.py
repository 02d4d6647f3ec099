"""Dedupe pipeline: set each article's content hash and collapse in-run duplicates into one article.

The first article with a given hash goes on; a later one is dropped (reason
``duplicate_in_run``) and its URL is announced with the ``article_duplicate`` signal,
so the run output can list it among the kept article's ``other_urls``. Across runs and
workers the warehouse's UNIQUE constraint on the hash is the final word.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsflow.items import Article
from pipelines.drops import drop
from pipelines.fingerprint import content_hash

# Sent with keyword arguments content_hash and url when an in-run duplicate is dropped.
article_duplicate = object()


class DedupePipeline:
    """Settings: ``NEWSFLOW_DEDUPE_ENABLED`` (default on)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # 64 bits of each kept hash and of its URL, not the strings: a 50,000-page crawl keeps
        # 3 MB here instead of 13 MB (benchmarks/memory.py holds growth with crawl size in check).
        self.kept: dict[int, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        if not crawler.settings.getbool("NEWSFLOW_DEDUPE_ENABLED", True):
            raise NotConfigured("NEWSFLOW_DEDUPE_ENABLED is off")
        return cls(crawler)

    def process_item(self, item: Article) -> Article:
        item.content_hash = content_hash(item.body)
        key = int(item.content_hash.partition(":")[2][:16], 16)
        first_url = self.kept.get(key)
        if first_url is None:
            self.kept[key] = hash(item.url)
            return item
        if hash(item.url) != first_url:
            self.crawler.signals.send_catch_log(
                article_duplicate, content_hash=item.content_hash, url=item.url
            )
        # The kept article carries the same content_hash in the run output.
        raise drop(self.crawler, "duplicate_in_run", item.url, f"same body as the kept {item.content_hash}")
