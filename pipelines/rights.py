"""Rights pipeline: skip pages whose opt-outs the source honours; every page's signals stay recorded.

The source's ``[rights] skip`` lists the signals honoured: ``noai`` (robots meta or
``X-Robots-Tag``), ``tdm_reservation`` (TDMRep) and ``ai_reservation`` (a copyright line
reserving AI training, ``Article.rights_reserves_ai``) drop the page, counted as
``newsflow/dropped/rights/<signal>``; ``noimageai`` keeps the text and removes the pictures
(``newsflow/rights/images_removed``). robots.txt itself is obeyed before any request
(``[politeness] obey_robots``). Setting: ``NEWSFLOW_RIGHTS_ENABLED`` (default on).
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsflow.items import Article
from pipelines.drops import drop


def signals_of(item: Article) -> set[str]:
    """The opt-out signals a page carried, in the names ``[rights] skip`` uses."""
    found = {d for d in item.robots_directives if d in ("noai", "noimageai")}
    if item.tdm_reservation:
        found.add("tdm_reservation")
    if item.rights_reserves_ai:
        found.add("ai_reservation")
    return found


class RightsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RightsPipeline:
        if not crawler.settings.getbool("NEWSFLOW_RIGHTS_ENABLED", True):
            raise NotConfigured("NEWSFLOW_RIGHTS_ENABLED is off")
        return cls(crawler)

    def process_item(self, item: Article) -> Article:
        assert self.crawler.stats is not None and self.crawler.spider is not None
        skip = set(self.crawler.spider.source.rights.skip)
        found = signals_of(item)
        for signal in sorted(found):
            self.crawler.stats.inc_value(f"newsflow/rights/pages/{signal}")
        for signal in ("noai", "tdm_reservation", "ai_reservation"):
            if signal in found and signal in skip:
                raise drop(self.crawler, f"rights/{signal}", item.url, "the source honours this opt-out")
        if "noimageai" in found and "noimageai" in skip and item.images:
            self.crawler.stats.inc_value("newsflow/rights/images_removed", len(item.images))
            item.images = []
        return item
