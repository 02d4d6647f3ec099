"""Scrapy settings: the one settings module of the crawl (``SCRAPY_SETTINGS_MODULE=newsflow.settings``).

Per-source politeness (concurrency, delay, AutoThrottle target, robots.txt) is applied
by the spider from the source registry; these are the defaults and the components.
"""

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

ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.runoutput.RunOutputPipeline": 900,
}
NEWSFLOW_RUN_STORE = run_store()
NEWSFLOW_VALIDATE_MIN_BODY_CHARS = 50
