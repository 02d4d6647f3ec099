"""What the DAG's tasks do, as plain functions: plan shards, crawl in a child process, load, check, record a failure.

Airflow imports this module only when a task runs (never at DAG parse time), and the
functions take everything as arguments, so tests and the CLI call them directly.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from fsspec.core import url_to_fs

from newsflow.config import PROJECT_ROOT, run_store
from newsflow.runoutput import RunOutput, RunOutputError, run_uri

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 30
"""Seconds to wait for the warehouse to accept a connection: an unreachable host fails the task, not hangs it."""
# Lines of the crawl's log worth repeating when it left no output (Scrapy's format: "... [name] ERROR: ...").
_ERROR_LINE = re.compile(r"\] (ERROR|CRITICAL):|^\w*Error: |RunOutputError")


class CrawlFailed(RuntimeError):
    """The crawl ended without usable output, or its stats say it failed."""


class CheckFailed(RuntimeError):
    """The warehouse does not hold what the run output says was loaded."""


def safe_run_id(source_id: str, airflow_run_id: str) -> str:
    """A run id usable in paths and object keys: ``<source>-<airflow run id with [^\\w.-] as '-'>``."""
    return f"{source_id}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', airflow_run_id).strip('-')}"


def plan_shards(source_id: str, shards: int, *, urls: Sequence[str] = (), since: str | None = None,
                until: str | None = None, shard_days: int = 0) -> list[dict[str, Any]]:
    """The crawl tasks of one DAG run: one per shard, each with the arguments that set it apart.

    Given URLs make one crawl. A backfill with ``shard_days`` splits ``since``..``until`` into
    ranges of that many days (each crawls all discovery documents, keeping its dates); otherwise
    the source's ``shards`` split its discovery documents (``shard=i/n``). Every shard writes its
    own run output (``<run_id>-s<i>``) and is loaded in its own transaction.
    """
    if urls:
        return [{"suffix": "", "shard": None, "since": None, "until": None}]
    if since and until and shard_days > 0:
        start, end = date.fromisoformat(since[:10]), date.fromisoformat(until[:10])
        if end < start:
            raise ValueError(f"until {until} is before since {since}")
        chunks = []
        while start <= end:
            last = min(start + timedelta(days=shard_days - 1), end)
            chunks.append({"suffix": f"-d{start:%Y%m%d}", "shard": None,
                           "since": start.isoformat(), "until": last.isoformat()})
            start = last + timedelta(days=1)
        return chunks
    if shards <= 1:
        return [{"suffix": "", "shard": None, "since": since, "until": until}]
    return [{"suffix": f"-s{i}", "shard": f"{i}/{shards}", "since": since, "until": until} for i in range(shards)]


def crawl_command(source_id: str, run_id: str, *, max_articles: int | None, urls: Sequence[str],
                  dry_run: bool, store: str, since: str | None = None, until: str | None = None,
                  incremental: bool = True, shard: str | None = None,
                  settings: Mapping[str, Any] | None = None) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"source={source_id}",
               "-a", f"run_id={run_id}", "-s", f"NEWSFLOW_RUN_STORE={store}"]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    if max_articles:
        command += ["-a", f"max_articles={int(max_articles)}"]
    if urls:
        command += ["-a", "urls=" + ",".join(urls)]
    if dry_run:
        command += ["-a", "dry_run=true"]
    if since:
        command += ["-a", f"since={since}"]
    if until:
        command += ["-a", f"until={until}"]
    if not incremental:
        command += ["-a", "incremental=false"]
    if shard:
        command += ["-a", f"shard={shard}"]
    return command


def run_crawl(source_id: str, run_id: str, *, max_articles: int | None = None, urls: Sequence[str] = (),
              dry_run: bool = False, store: str | None = None, since: str | None = None,
              until: str | None = None, incremental: bool = True, shard: str | None = None,
              database_url: str | None = None, settings: Mapping[str, Any] | None = None,
              log: Callable[[str], None] = logger.info) -> dict[str, Any]:
    """Crawl one source in its own process and return its run output's manifest.

    A Twisted reactor cannot be restarted, so every crawl gets a fresh interpreter. The
    output folder is cleared first: a retried task redoes the crawl rather than trusting
    what a killed attempt left behind. ``database_url`` is the warehouse the crawl reads its
    incremental state from (else ``NEWSFLOW_DATABASE_URL``; none: not incremental); it goes to
    the child in its environment, never on its command line. ``settings`` are extra Scrapy
    settings (``-s NAME=VALUE``). Raises ``CrawlFailed`` with the stats' verdict, or with how
    the process ended and its last error when it left no finished output.
    """
    store = store or run_store()
    uri = run_uri(store, source_id, run_id)
    fs, path = url_to_fs(uri)
    if fs.exists(path):
        fs.rm(path, recursive=True)
    command = crawl_command(source_id, run_id, max_articles=max_articles, urls=urls, dry_run=dry_run, store=store,
                            since=since, until=until, incremental=incremental, shard=shard, settings=settings)
    # NEWSFLOW_PARENT_PID: the crawl dies with this process (spiders/lifeline.py), so a killed task
    # leaves no orphan crawl writing into the folder of its retry.
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsflow.settings", "NEWSFLOW_PARENT_PID": str(os.getpid())}
    if database_url:
        env["NEWSFLOW_DATABASE_URL"] = database_url
    log("Running: " + " ".join(command))
    errors: list[str] = []
    # The crawl spools its articles in the temporary folder; a killed crawl cannot remove its spool,
    # so it gets a folder of its own that goes when the crawl does, however it ended.
    with tempfile.TemporaryDirectory(prefix=f"newsflow-crawl-{source_id}-") as scratch:
        env["TMPDIR"] = scratch
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env=env, cwd=PROJECT_ROOT, bufsize=1) as process:
            assert process.stdout is not None
            for line in process.stdout:
                line = line.rstrip()
                log(line)
                if _ERROR_LINE.search(line):
                    errors.append(line)
            code = process.wait()
    try:
        output = RunOutput.open(uri)
    except RunOutputError as exc:
        last = f"; last error: {errors[-1].strip()}" if errors else ""
        raise CrawlFailed(f"crawl of {source_id} {_how_it_ended(code)} and left no finished run output: {exc}"
                          f"{last}") from exc
    manifest = output.manifest
    verdict = manifest["verdict"]
    summary = (f"{manifest['articles']['count']} articles, drops {manifest.get('drops') or {}},"
               f" finish_reason {manifest['finish_reason']!r}"
               + (f", {verdict['idle'].replace('_', ' ')}" if verdict.get("idle") else ""))
    for warning in verdict.get("warnings", []):
        log(f"WARNING: {warning}")
    if not verdict["ok"]:
        raise CrawlFailed(f"crawl of {source_id} failed: {'; '.join(verdict['problems'])} ({summary})")
    log(f"Crawl {run_id} ok: {summary}; output at {uri}")
    return manifest


def _how_it_ended(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def load_output(uri: str, database_url: str) -> dict[str, Any]:
    """Load one run's output and its crawl state into the warehouse in one transaction.

    Pending migrations are applied first (``newsflow.schema.ensure_schema``: no DDL when none
    is pending, so a loader role without DDL rights can load). The output must be finished
    (a manifest whose counts and checksums match) or nothing is written.
    """
    from newsflow.schema import ensure_schema
    from warehouse.db import connect
    from warehouse.load import load_run
    from warehouse.state import record_crawl_state

    output = RunOutput.open(uri)
    with connect(database_url, connect_timeout=CONNECT_TIMEOUT) as conn:
        ensure_schema(conn)
        # load_run's own transaction becomes a savepoint inside this one: the pages are marked seen
        # exactly when their articles are in.
        with conn.transaction():
            result = load_run(conn, output.manifest, output.stats(), output.articles())
            pages = record_crawl_state(conn, output.run_id, output.manifest["source"]["id"], output.state())
    return {**asdict(result), "pages_recorded": pages}


def check_output(uri: str, database_url: str, quality: Any = None) -> list[str]:
    """Check a loaded run: completeness, then the data-quality gates (stored in ``run_checks``).

    ``quality`` is a ``newsflow.registry.Quality`` (the source's, from the registry, by default).
    Raises ``CheckFailed`` naming every failed check with its numbers; returns the passed checks' messages.
    """
    from newsflow.registry import Quality, get_source
    from warehouse.checks import check_loaded_run
    from warehouse.db import connect
    from warehouse.quality import quality_checks, store_checks

    output = RunOutput.open(uri)
    manifest = output.manifest
    if quality is None:
        try:
            quality = get_source(manifest["source"]["id"]).quality
        except KeyError:
            quality = Quality()
    idle = bool((manifest.get("verdict") or {}).get("idle"))
    with connect(database_url) as conn:
        problems = check_loaded_run(conn, output.run_id, manifest["articles"]["count"], allow_empty=idle)
        if problems:
            raise CheckFailed(f"run {output.run_id}: " + "; ".join(problems))
        results = quality_checks(conn, output.run_id, output.stats(), quality)
        store_checks(conn, output.run_id, results)
    failed = [r for r in results if not r.ok]
    if failed:
        raise CheckFailed(f"run {output.run_id} failed {len(failed)} quality check(s): "
                          + "; ".join(f"{r.name}: {r.message}" for r in failed))
    return [f"{r.name}: {r.message}" for r in results]


def record_failure(source: dict[str, Any], run_id: str, uri: str, database_url: str, error: str) -> None:
    """Record a failed run in ``crawl_runs`` with whatever stats the crawl left."""
    from newsflow.schema import ensure_schema
    from warehouse.db import connect
    from warehouse.load import record_failed_run

    try:
        output = RunOutput.open(uri)
        manifest, stats = output.manifest, output.stats()
    except (RunOutputError, OSError):
        manifest, stats = {"run_id": run_id, "source": source}, {}
    with connect(database_url, connect_timeout=CONNECT_TIMEOUT) as conn:
        ensure_schema(conn)
        record_failed_run(conn, manifest, stats, error)
