"""Run output pipeline: write the crawl's articles, stats and manifest for the load step.

Last in ``ITEM_PIPELINES``. Settings: ``NEWSFLOW_RUN_OUTPUT_ENABLED`` (default on) and
``NEWSFLOW_RUN_STORE`` (a folder or fsspec URL; the run goes to ``<store>/<source>/<run_id>``).
The manifest is written on ``spider_closed``, after Scrapy has set ``finish_reason``, so
it carries the crawl's verdict.

When the output cannot be written (disk full, a file size limit, an object store refusing
the upload) the crawl stops at once (``finish_reason`` ``run_output_failed``), no manifest is
written, and the log's last error says why: the load refuses a folder without a manifest,
so nothing of the run is loaded, and the task's retry crawls again.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import _schedule_coro

from newsflow.items import Article
from newsflow.runoutput import RunOutputError, RunOutputWriter, run_uri
from newsflow.verdict import judge_crawl
from pipelines.dedupe import article_duplicate
from pipelines.drops import drops_from_stats

logger = logging.getLogger(__name__)


class RunOutputPipeline:
    def __init__(self, crawler: Crawler, store: str) -> None:
        self.crawler = crawler
        self.store = store
        self.writer: RunOutputWriter | None = None
        self.error: str | None = None
        """Why the output could not be written; no manifest is written then."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunOutputPipeline:
        if not crawler.settings.getbool("NEWSFLOW_RUN_OUTPUT_ENABLED", True):
            raise NotConfigured("NEWSFLOW_RUN_OUTPUT_ENABLED is off")
        pipeline = cls(crawler, crawler.settings.get("NEWSFLOW_RUN_STORE"))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.on_duplicate, signal=article_duplicate)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.writer = RunOutputWriter(run_uri(self.store, spider.source.id, spider.run_id))
        logger.info("Run output of %s goes to %s", spider.run_id, self.writer.uri)

    def process_item(self, item: Article) -> Article:
        assert self.writer is not None and self.crawler.stats is not None
        if self.error is not None:
            raise DropItem("the run output cannot be written", log_level="DEBUG")
        try:
            self.writer.write(item.to_record())
        except (OSError, UnicodeError) as exc:
            self.fail(f"could not write article {item.url} to the run output: {exc}")
            raise DropItem("the run output cannot be written", log_level="DEBUG") from exc
        self.crawler.stats.inc_value("newsflow/articles")
        return item

    def fail(self, why: str) -> None:
        """Stop the crawl: an output missing articles must never get a manifest that vouches for it."""
        assert self.crawler.stats is not None
        if self.error is None:
            self.error = why
            self.crawler.stats.set_value("newsflow/run_output/failed", 1)
            logger.error("Run output failed: %s; stopping the crawl", why)
            if self.crawler.engine is not None:  # as CloseSpider does; the reason becomes finish_reason
                _schedule_coro(self.crawler.engine.close_spider_async(reason="run_output_failed"))

    def on_duplicate(self, content_hash: str, url: str) -> None:
        if self.writer is not None:
            self.writer.add_other_url(content_hash, url)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.writer is None:
            return
        if self.error is not None:
            self._abort(spider)
            return
        assert self.crawler.stats is not None
        stats = dict(self.crawler.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        verdict = judge_crawl(stats, expect_articles=spider.expect_articles)
        source = spider.source
        manifest = {
            "run_id": spider.run_id,
            # The warehouse keeps this object in sources.config: the health view reads max_age_hours there.
            "source": {"id": source.id, "name": source.name, "publisher": source.publisher,
                       "homepage": source.homepage, "language": source.language,
                       "schedule": source.schedule, "max_age_hours": source.max_age_hours},
            "started_at": stats.get("start_time"),
            "finished_at": stats.get("finish_time") or datetime.now(UTC),
            "finish_reason": stats["finish_reason"],
            "dry_run": spider.dry_run,
            "params": spider.run_params,
            "drops": drops_from_stats(stats),
            "verdict": verdict.as_dict(),
        }
        try:
            written = self.writer.finish(manifest, stats, spider.state_record())
        except (RunOutputError, OSError) as exc:
            self.error = str(exc)
            self._abort(spider)
            return
        self.writer = None
        log = logger.info if verdict.ok else logger.error
        outcome = "; ".join(verdict.problems) if not verdict.ok else f"ok ({verdict.idle})" if verdict.idle else "ok"
        log("Run %s: %d articles written to %s; verdict: %s", spider.run_id,
            written["articles"]["count"], written["output_uri"], outcome)

    def _abort(self, spider: Spider) -> None:
        assert self.writer is not None
        with contextlib.suppress(OSError):  # the spool's last buffer cannot reach a full disk; it is thrown away
            self.writer.abort()
        self.writer = None
        logger.error("Run output failed: %s. Run %s wrote no manifest: nothing of it can be loaded",
                     self.error, spider.run_id)
