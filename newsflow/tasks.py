"""What the DAG's tasks do, as plain functions: crawl in a child process, load, check, record a failure.

Airflow imports this module only when a task runs (never at DAG parse time), and the
functions take everything as arguments, so tests and the CLI call them directly.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from fsspec.core import url_to_fs

from newsflow.config import PROJECT_ROOT, run_store
from newsflow.runoutput import RunOutput, RunOutputError, run_uri

logger = logging.getLogger(__name__)


class CrawlFailed(RuntimeError):
    """The crawl ended without usable output, or its stats say it failed."""


class CheckFailed(RuntimeError):
    """The warehouse does not hold what the run output says was loaded."""


def safe_run_id(source_id: str, airflow_run_id: str) -> str:
    """A run id usable in paths and object keys: ``<source>-<airflow run id with [^\\w.-] as '-'>``."""
    return f"{source_id}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', airflow_run_id).strip('-')}"


def crawl_command(source_id: str, run_id: str, *, max_articles: int | None, urls: Sequence[str],
                  dry_run: bool, store: str) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"source={source_id}",
               "-a", f"run_id={run_id}", "-s", f"NEWSFLOW_RUN_STORE={store}"]
    if max_articles:
        command += ["-a", f"max_articles={int(max_articles)}"]
    if urls:
        command += ["-a", "urls=" + ",".join(urls)]
    if dry_run:
        command += ["-a", "dry_run=true"]
    return command


def run_crawl(source_id: str, run_id: str, *, max_articles: int | None = None, urls: Sequence[str] = (),
              dry_run: bool = False, store: str | None = None,
              log: Callable[[str], None] = logger.info) -> dict[str, Any]:
    """Crawl one source in its own process and return its run output's manifest.

    A Twisted reactor cannot be restarted, so every crawl gets a fresh interpreter. The
    output folder is cleared first: a retried task redoes the crawl rather than trusting
    what a killed attempt left behind. Raises ``CrawlFailed`` with the stats' verdict.
    """
    store = store or run_store()
    uri = run_uri(store, source_id, run_id)
    fs, path = url_to_fs(uri)
    if fs.exists(path):
        fs.rm(path, recursive=True)
    command = crawl_command(source_id, run_id, max_articles=max_articles, urls=urls, dry_run=dry_run, store=store)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsflow.settings"}
    log("Running: " + " ".join(command))
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=env, cwd=PROJECT_ROOT, bufsize=1) as process:
        assert process.stdout is not None
        for line in process.stdout:
            log(line.rstrip())
        code = process.wait()
    try:
        output = RunOutput.open(uri)
    except RunOutputError as exc:
        raise CrawlFailed(f"crawl of {source_id} exited with code {code} and left no run output: {exc}") from exc
    manifest = output.manifest
    verdict = manifest["verdict"]
    summary = (f"{manifest['articles']['count']} articles, drops {manifest.get('drops') or {}},"
               f" finish_reason {manifest['finish_reason']!r}")
    for warning in verdict.get("warnings", []):
        log(f"WARNING: {warning}")
    if not verdict["ok"]:
        raise CrawlFailed(f"crawl of {source_id} failed: {'; '.join(verdict['problems'])} ({summary})")
    log(f"Crawl {run_id} ok: {summary}; output at {uri}")
    return manifest


def load_output(uri: str, database_url: str) -> dict[str, Any]:
    """Load one run's output into the warehouse in one transaction (migrating the schema first)."""
    from warehouse.db import connect
    from warehouse.load import load_run
    from warehouse.migrate import apply_migrations

    output = RunOutput.open(uri)
    with connect(database_url) as conn:
        apply_migrations(conn)
        result = load_run(conn, output.manifest, output.stats(), output.articles())
    return asdict(result)


def check_output(uri: str, database_url: str) -> list[str]:
    """Problems with a loaded run (empty when the warehouse holds exactly what the output carried)."""
    from warehouse.checks import check_loaded_run
    from warehouse.db import connect

    output = RunOutput.open(uri)
    with connect(database_url) as conn:
        problems = check_loaded_run(conn, output.run_id, output.manifest["articles"]["count"])
    if problems:
        raise CheckFailed(f"run {output.run_id}: " + "; ".join(problems))
    return problems


def record_failure(source: dict[str, Any], run_id: str, uri: str, database_url: str, error: str) -> None:
    """Record a failed run in ``crawl_runs`` with whatever stats the crawl left."""
    from warehouse.db import connect
    from warehouse.load import record_failed_run
    from warehouse.migrate import apply_migrations

    try:
        output = RunOutput.open(uri)
        manifest, stats = output.manifest, output.stats()
    except (RunOutputError, OSError):
        manifest, stats = {"run_id": run_id, "source": source}, {}
    with connect(database_url) as conn:
        apply_migrations(conn)
        record_failed_run(conn, manifest, stats, error)
