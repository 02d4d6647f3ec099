"""Validate pipeline: only real articles with a title and a body go on; every drop is counted by reason."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsflow.items import Article
from pipelines.drops import drop

MISSING_PREFIX = "newsflow/missing/"


class ValidatePipeline:
    """Drop non-article pages and articles without title or body.

    Settings: ``NEWSFLOW_VALIDATE_ENABLED`` (default on), ``NEWSFLOW_VALIDATE_MIN_BODY_CHARS``
    (default 50: a one-line stub is not an article, a 3-sentence brief is).
    Reasons: ``undecodable``, ``not_article/<kind>``, ``no_title``, ``no_body``, ``short_body``.
    Missing optional fields (date, authors) are not drops; they are counted under
    ``newsflow/missing/<field>`` so a quality check can see them.
    """

    def __init__(self, crawler: Crawler, min_body_chars: int) -> None:
        self.crawler = crawler
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        if not crawler.settings.getbool("NEWSFLOW_VALIDATE_ENABLED", True):
            raise NotConfigured("NEWSFLOW_VALIDATE_ENABLED is off")
        return cls(crawler, crawler.settings.getint("NEWSFLOW_VALIDATE_MIN_BODY_CHARS", 50))

    def process_item(self, item: Article) -> Article:
        if item.page_type == "undecodable":
            raise drop(self.crawler, "undecodable", item.url)
        if item.page_type != "article":
            raise drop(self.crawler, f"not_article/{item.page_type}", item.url)
        if not item.title.strip():
            raise drop(self.crawler, "no_title", item.url)
        if not item.body.strip():
            raise drop(self.crawler, "no_body", item.url)
        if len(item.body) < self.min_body_chars:
            raise drop(self.crawler, "short_body", item.url, f"{len(item.body)} characters")
        assert self.crawler.stats is not None
        for name, value in (("published_at", item.published_at), ("authors", item.authors)):
            if not value:
                self.crawler.stats.inc_value(MISSING_PREFIX + name)
        return item
