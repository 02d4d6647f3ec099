"""The source registry: one TOML file per news source, read into frozen ``Source`` values.

Adding a source is adding a file; no spider is written. DAG files import this module at
parse time, so it reads local files only: no network, no database, no heavy import.
The folders read are ``newsflow/sources/`` by default, or those named in the
``NEWSFLOW_SOURCES`` environment variable (``os.pathsep``-separated folders or files).
String values may use ``${VAR}`` or ``${VAR:-default}`` to take a value from the
environment (the demo's loopback address, a staging host).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SOURCES_ENV = "NEWSFLOW_SOURCES"
BUILTIN_SOURCES = Path(__file__).parent / "sources"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_SCHEDULE_PRESETS = {"@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly", "@yearly"}


class SourceConfigError(ValueError):
    """A source file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Politeness:
    """How hard a source's sites may be hit."""

    concurrency: int = 2
    """Concurrent requests per domain (Scrapy download slot concurrency)."""
    download_delay: float = 1.0
    """Seconds between requests to one domain; AutoThrottle never goes below it."""
    autothrottle_target: float = 1.0
    """AutoThrottle's target of concurrent requests per remote site."""
    obey_robots: bool = True
    """Obey robots.txt (including Crawl-delay where Scrapy's parser reads it)."""
    user_agent: str | None = None
    """User-Agent for this source; the project's identifying default when unset."""
    daily_request_budget: int | None = None
    """Requests a day (in the source's time zone) over all runs; kept in the warehouse. None: no cap."""
    max_crawl_delay: float = 60.0
    """Cap on a robots.txt Crawl-delay (a typo of 86400 must not stall the crawl for a day)."""
    max_parallel_crawls: int = 1
    """Slots of the source's Airflow pool: crawls (or shards) of the source running at once on all workers."""


@dataclass(frozen=True)
class Incremental:
    """What a scheduled run skips: pages seen before, and feeds/sitemaps unchanged since the last run."""

    enabled: bool = True
    """Skip article URLs the warehouse's seen-URL state holds (needs the warehouse URL at crawl time)."""
    refetch_changed: bool = True
    """Fetch a seen URL again when its feed or sitemap now lists a newer date than when it was fetched."""
    conditional_requests: bool = True
    """Send If-None-Match / If-Modified-Since for feeds and sitemaps; a 304 means nothing new there."""


RIGHTS_SIGNALS = ("noai", "noimageai", "tdm_reservation", "ai_reservation")


@dataclass(frozen=True)
class Rights:
    """Which opt-outs a source's pages are skipped for (every page's signals are recorded either way)."""

    skip: tuple[str, ...] = ()
    """Any of ``noai`` (robots meta / X-Robots-Tag), ``noimageai`` (images removed, page kept),
    ``tdm_reservation`` (TDMRep), ``ai_reservation`` (a copyright line reserving AI training)."""
    tdmrep_file: bool = True
    """Read ``/.well-known/tdmrep.json`` of each site once per crawl."""


@dataclass(frozen=True)
class Quality:
    """Thresholds of the data-quality gates run after each load (``warehouse/quality.py``)."""

    min_count_ratio: float = 0.2
    """Fail when a run's articles fall below this share of the median of the source's recent runs."""
    history_runs: int = 10
    """How many earlier loaded runs the count is compared with."""
    min_history: int = 3
    """The count check waits until the source has this many earlier runs."""
    min_sample: int = 5
    """Share checks run only on runs with at least this many articles (or responses)."""
    min_date_share: float = 0.7
    min_author_share: float = 0.3
    min_body_chars: int = 200
    min_body_share: float = 0.7
    """Share of articles whose body has at least ``min_body_chars`` characters."""
    max_duplicate_share: float = 0.5
    """In-run duplicates over articles plus duplicates."""
    max_drop_share: float = 0.5
    """Drops (other than in-run duplicates and rights skips) over fetched article pages."""
    max_decode_error_share: float = 0.05
    max_http_error_share: float = 0.3
    """Responses of 400 and above over all responses (robots.txt and tdmrep.json not counted)."""
    max_age_hours: float | None = None
    """``newsflow health`` calls a source stale after this long without a good run; from the schedule when unset."""


@dataclass(frozen=True)
class Listing:
    """A listing page (section front, latest-news list) whose links lead to articles."""

    url: str
    article_pattern: str | None = None
    """Regular expression an article link must match; the source's patterns when unset."""


@dataclass(frozen=True)
class Source:
    """One news source: where to discover its articles, how politely, and how often."""

    id: str
    """Stable identifier: DAG ``newsflow_<id>``, pool ``newsflow_<id>``, ``sources.source_id``."""
    name: str
    publisher: str
    """Publisher name recorded on articles that do not name one."""
    homepage: str | None = None
    language: str = "ko"
    timezone: str = "Asia/Seoul"
    """Time zone of dates the site prints without an offset."""
    allowed_domains: tuple[str, ...] = ()
    """Domains the crawl may request (subdomains included); from the discovery URLs when unset."""
    feeds: tuple[str, ...] = ()
    """RSS or Atom feed URLs."""
    sitemaps: tuple[str, ...] = ()
    """XML sitemap, sitemap index or Google News sitemap URLs."""
    listings: tuple[Listing, ...] = ()
    article_url_patterns: tuple[str, ...] = ()
    """Regular expressions (searched in the URL) an article URL must match; any URL when empty."""
    schedule: str | None = "@hourly"
    """Airflow schedule: a cron expression, a preset such as ``@hourly``, or ``"none"`` (manual only)."""
    max_articles: int = 200
    """Default cap on articles a run fetches; a manual trigger can change it."""
    politeness: Politeness = field(default_factory=Politeness)
    allow_private_addresses: bool = False
    """Allow requests to loopback and private addresses (the demo's replay site); off for real sources."""
    retries: int = 2
    """Airflow task retries."""
    incremental: Incremental = field(default_factory=Incremental)
    rights: Rights = field(default_factory=Rights)
    quality: Quality = field(default_factory=Quality)
    shards: int = 1
    """Split a scheduled run's discovery documents (feeds, sitemaps, listings) over this many mapped crawl tasks."""
    crawl_queue: str = "default"
    """Airflow (Celery) queue of the crawl tasks: workers near the sites can take crawls, others loads."""
    retry_delay_minutes: float = 5.0
    tags: tuple[str, ...] = ()
    """Extra DAG tags."""
    path: str = ""
    """The file the source was read from (for error messages)."""

    def is_allowed(self, url: str) -> bool:
        """True when ``url`` is http(s) on one of the source's allowed domains."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            return False
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    @property
    def start_urls(self) -> tuple[str, ...]:
        return self.feeds + self.sitemaps + tuple(listing.url for listing in self.listings)

    @property
    def max_age_hours(self) -> float | None:
        """How old the last good run may be before the source counts as stale (None: manual source)."""
        if self.quality.max_age_hours is not None:
            return self.quality.max_age_hours
        return schedule_max_age_hours(self.schedule)


def schedule_max_age_hours(schedule: str | None) -> float | None:
    """Staleness limit from a schedule: three intervals of an hourly-or-faster cron, else a day and two hours."""
    if schedule is None:
        return None
    presets = {"@hourly": 3.0, "@daily": 26.0, "@weekly": 7 * 24 + 2.0, "@monthly": 32 * 24.0, "@yearly": 367 * 24.0}
    if schedule in presets:
        return presets[schedule]
    parts = str(schedule).split()
    hour = parts[1] if len(parts) >= 5 else ""
    if hour == "*":
        return 3.0
    if hour.startswith("*/") and hour[2:].isdigit():
        return 3.0 * int(hour[2:])
    return 26.0


def _expand_env(value: Any) -> Any:
    if isinstance(value, str):
        return _ENV_REF.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), value)
    if isinstance(value, list):
        return [_expand_env(v) for v in value]
    if isinstance(value, dict):
        return {k: _expand_env(v) for k, v in value.items()}
    return value


def _check_url(path: str, what: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceConfigError(f"{path}: {what} {url!r} is not an absolute http(s) URL")
    return url


def _check_pattern(path: str, pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise SourceConfigError(f"{path}: article pattern {pattern!r} is not a regular expression: {exc}") from exc
    return pattern


def parse_source(data: dict[str, Any], path: str = "<memory>") -> Source:
    """Build a ``Source`` from a TOML table, with a clear error for each malformed field."""
    data = _expand_env(data)
    known = {f.name for f in fields(Source)} - {"path"}
    unknown = set(data) - known
    if unknown:
        raise SourceConfigError(f"{path}: unknown field(s) {', '.join(sorted(unknown))}")
    for required in ("id", "name", "publisher"):
        if not isinstance(data.get(required), str) or not data[required].strip():
            raise SourceConfigError(f"{path}: '{required}' is required and must be a non-empty string")
    source_id = data["id"]
    if not _ID.match(source_id):
        raise SourceConfigError(f"{path}: id {source_id!r} must be lower-case letters, digits, '-' or '_'")
    politeness = _table(path, "politeness", Politeness, data.get("politeness", {}))
    if politeness.daily_request_budget is not None and politeness.daily_request_budget < 1:
        raise SourceConfigError(f"{path}: [politeness] daily_request_budget must be a positive integer")
    if politeness.max_parallel_crawls < 1:
        raise SourceConfigError(f"{path}: [politeness] max_parallel_crawls must be at least 1")
    incremental = _table(path, "incremental", Incremental, data.get("incremental", {}))
    rights_data = dict(data.get("rights", {}))
    rights_data["skip"] = tuple(rights_data.get("skip", ()))
    rights = _table(path, "rights", Rights, rights_data)
    unknown_signals = set(rights.skip) - set(RIGHTS_SIGNALS)
    if unknown_signals:
        raise SourceConfigError(f"{path}: [rights] skip: unknown signal(s) {', '.join(sorted(unknown_signals))}"
                                f" (known: {', '.join(RIGHTS_SIGNALS)})")
    quality = _table(path, "quality", Quality, data.get("quality", {}))
    shards = data.get("shards", 1)
    if not isinstance(shards, int) or shards < 1:
        raise SourceConfigError(f"{path}: shards must be a positive integer")
    listings = []
    for entry in data.get("listings", []):
        if isinstance(entry, str):
            entry = {"url": entry}
        try:
            listing = Listing(**entry)
        except TypeError as exc:
            raise SourceConfigError(f"{path}: [[listings]]: {exc}") from exc
        _check_url(path, "listing", listing.url)
        if listing.article_pattern:
            _check_pattern(path, listing.article_pattern)
        listings.append(listing)
    feeds = tuple(_check_url(path, "feed", u) for u in data.get("feeds", []))
    sitemaps = tuple(_check_url(path, "sitemap", u) for u in data.get("sitemaps", []))
    if not (feeds or sitemaps or listings):
        raise SourceConfigError(f"{path}: a source needs at least one feed, sitemap or listing")
    patterns = tuple(_check_pattern(path, p) for p in data.get("article_url_patterns", []))
    domains = tuple(d.lower().lstrip(".") for d in data.get("allowed_domains", []))
    if not domains:
        domains = tuple(sorted({urlsplit(u).hostname or "" for u in feeds + sitemaps} | {
            urlsplit(listing.url).hostname or "" for listing in listings} - {""}))
    schedule = data.get("schedule", "@hourly")
    if isinstance(schedule, str) and schedule.strip().lower() in ("", "none", "manual"):
        schedule = None  # TOML has no null: "none" means manual triggers only
    if schedule is not None and schedule not in _SCHEDULE_PRESETS and len(str(schedule).split()) not in (5, 6):
        raise SourceConfigError(f"{path}: schedule {schedule!r} is neither a cron expression nor an Airflow preset")
    max_articles = data.get("max_articles", 200)
    if not isinstance(max_articles, int) or max_articles < 1:
        raise SourceConfigError(f"{path}: max_articles must be a positive integer")
    values = {k: v for k, v in data.items() if k in known}
    values.update(
        politeness=politeness, incremental=incremental, rights=rights, quality=quality,
        listings=tuple(listings), feeds=feeds, sitemaps=sitemaps,
        article_url_patterns=patterns, allowed_domains=domains, schedule=schedule,
        tags=tuple(data.get("tags", ())), path=path,
    )
    return Source(**values)


def _table(path: str, name: str, kind: type[Any], values: Any) -> Any:
    """A ``[name]`` table of a source file as ``kind``, naming the file and table when a key is wrong."""
    if not isinstance(values, dict):
        raise SourceConfigError(f"{path}: [{name}] must be a table")
    try:
        return kind(**values)
    except TypeError as exc:
        raise SourceConfigError(f"{path}: [{name}]: {exc}") from exc


def _source_files(spec: str | None) -> list[Path]:
    roots = [Path(p) for p in spec.split(os.pathsep) if p] if spec else [BUILTIN_SOURCES]
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            files.extend(sorted(root.glob("*.toml")))
        elif root.is_file():
            files.append(root)
        else:
            raise SourceConfigError(f"{SOURCES_ENV}: {root} is neither a folder nor a file")
    return files


def _load(spec: str | None) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for file in _source_files(spec):
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SourceConfigError(f"{file}: not valid TOML: {exc}") from exc
        source = parse_source(data, str(file))
        if source.id in sources:
            raise SourceConfigError(f"{file}: id {source.id!r} is already defined in {sources[source.id].path}")
        sources[source.id] = source
    return sources


def load_sources(spec: str | None = None) -> dict[str, Source]:
    """Every registered source by id, from ``spec`` (folders or files, ``os.pathsep``-separated),
    else from what ``NEWSFLOW_SOURCES`` names, else from the bundled folder."""
    return _load(spec or os.environ.get(SOURCES_ENV))


def get_source(source_id: str) -> Source:
    """One source by id; ``KeyError`` with the known ids when it is not registered."""
    sources = load_sources()
    try:
        return sources[source_id]
    except KeyError:
        known = ", ".join(sorted(sources)) or "none"
        raise KeyError(f"no source {source_id!r} in the registry (known: {known})") from None
