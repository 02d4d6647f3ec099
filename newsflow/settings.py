"""Scrapy settings: the one settings module of the crawl (``SCRAPY_SETTINGS_MODULE=newsflow.settings``).

Per-source politeness (concurrency, delay, AutoThrottle target, robots.txt, request budget)
is applied by the spider from the source registry; these are the defaults and the components.
"""

import os

from newsflow.config import run_store

BOT_NAME = "newsflow"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Identify the crawler and how to reach whoever runs it; sources may override it.
USER_AGENT = "newsflow/0.1 (news archive crawler; +https://github.com/newsflow/newsflow)"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 would otherwise listen on a port during every crawl

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

LOG_LEVEL = "INFO"
LOG_FORMATTER = "newsflow.logformat.NewsflowLogFormatter"
LOGSTATS_INTERVAL = 30.0  # progress (pages, items, rate) in the task log every 30 s

DOWNLOADER_MIDDLEWARES = {
    # Above RetryMiddleware (550) so it sees a 429/503 before the retry is scheduled.
    "spiders.politeness.PolitenessMiddleware": 580,
    # Past robots.txt (100): a request robots.txt forbids is never sent, so it costs no budget.
    "spiders.budget.RequestBudgetMiddleware": 840,
    # Scrapy's, minus decoding every page to look for a refresh tag most pages lack (spiders/metarefresh.py).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "spiders.metarefresh.CheapMetaRefreshMiddleware": 580,
}
EXTENSIONS = {"spiders.progress.ProgressLog": 500}

# Measured on a 2,000-page replay (benchmarks/throughput.py): 104 -> 164 pages/s with both.
# Scrapy 2.19 re-reads and compiles a callback's source for every response to warn about
# generators that return values (its cache misses on bound methods); none of ours does.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Each callback's output is processed by CONCURRENT_ITEMS asyncio workers (100 by default, so
# 100 tasks per article page); our pipelines are synchronous and a page yields one item.
CONCURRENT_ITEMS = 4
# The spider schedules each article URL once (its own compact set) and discovery requests opt
# out of filtering, so Scrapy's request-fingerprint set would only grow with the crawl.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"

ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.rights.RightsPipeline": 250,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.runoutput.RunOutputPipeline": 900,
}
NEWSFLOW_RUN_STORE = run_store()
NEWSFLOW_VALIDATE_MIN_BODY_CHARS = 50
# The warehouse the crawl reads its seen-URL state and validators from and spends its request
# budget in; without one the crawl is not incremental (the log says so).
NEWSFLOW_STATE_DATABASE_URL = os.environ.get("NEWSFLOW_DATABASE_URL") or None
NEWSFLOW_PROGRESS_INTERVAL = 30.0  # seconds between progress lines (0: off)
NEWSFLOW_BACKOFF_MAX_WAIT = 300.0  # a Retry-After longer than this ends the crawl (finish_reason retry_after)
NEWSFLOW_BAN_CLOSE_AFTER = 20  # this many 403/429/503 responses in a row end the crawl as banned
NEWSFLOW_BUDGET_BLOCK = 20  # requests taken from the daily budget per warehouse round trip
