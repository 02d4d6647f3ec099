"""Counted drops: every item a pipeline drops is counted by reason in the crawl's stats."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

DROPPED_PREFIX = "newsflow/dropped/"


def drop(crawler: Crawler, reason: str, url: str, detail: str = "") -> DropItem:
    """Count the drop under ``newsflow/dropped/<reason>`` and return the ``DropItem`` to raise.

    Drops are expected outcomes (a listing page, an in-run duplicate), so they are logged
    at INFO rather than Scrapy's default WARNING.
    """
    assert crawler.stats is not None
    crawler.stats.inc_value(DROPPED_PREFIX + reason)
    message = f"{reason}: {url}" + (f" ({detail})" if detail else "")
    return DropItem(message, log_level="INFO")


def drops_from_stats(stats: dict[str, object]) -> dict[str, int]:
    """``{reason: count}`` of the drops recorded in a crawl's stats."""
    return {
        key[len(DROPPED_PREFIX):]: int(value)  # type: ignore[call-overload]
        for key, value in stats.items()
        if key.startswith(DROPPED_PREFIX)
    }
