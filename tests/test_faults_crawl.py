"""A crawl killed mid-run, and a site that fails a share of its requests: real crawls, a real warehouse.

- SIGKILL of the ``scrapy crawl`` child after some articles: no manifest, so the load refuses
  the folder; the retry (same run id, as an Airflow task retry) crawls again and loads;
  the warehouse then holds every article of the site once.
- SIGKILL of the task process that runs a crawl (a worker lost mid-crawl): the crawl dies
  with it, so no orphan keeps fetching or writes into the retry's folder.
- 500s, 429s with Retry-After, timeouts and connections cut mid-body on a share of the
  first requests: retried with back-off, counted in Scrapy's ``retry/*`` and newsflow's
  stats, and the run loads and checks what it got.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import psycopg
import pytest

from newsflow.replay import ReplayServer
from newsflow.replay_faults import Fault, FlakySite
from newsflow.runoutput import RunOutput, RunOutputError, run_uri
from newsflow.tasks import CrawlFailed, check_output, load_output, record_failure, run_crawl
from tests.synthetic_site import build_site, source_toml


def crawl_children(run_id: str) -> list[psutil.Process]:
    """This process's ``scrapy crawl`` children for ``run_id`` (the tests start them; only those are killed)."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if f"run_id={run_id}" in child.cmdline():
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def warehouse_counts(url: str) -> tuple[int, int, int]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(DISTINCT url) FROM article_urls),"
                            " (SELECT count(*) FROM article_urls)").fetchone()


def test_a_crawl_killed_mid_run_is_refused_by_the_load_and_its_retry_loads_everything_once(
    tmp_path: Path, sources_dir: Path, migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where run_crawl makes the crawl's temporary folder
    monkeypatch.setenv("TMPDIR", str(scratch))  # and where a crawl would spool without one
    site = tmp_path / "site"
    paths = build_site(site, 60)
    server = ReplayServer(site).start()
    slow = Fault(delay=0.15)
    server.faults = lambda path, attempt: slow if path.startswith("/news/") else None
    source_toml(sources_dir, "killed", feeds=[f"{server.base_url}/feed.xml"], concurrency=2)
    run_id = "killed-manual-2026-11-27T01-00-00"
    uri = run_uri(str(tmp_path / "runs"), "killed", run_id)
    thread_error: list[BaseException] = []

    def first_attempt() -> None:
        try:
            run_crawl("killed", run_id, database_url=migrated_url, log=lambda line: None)
        except BaseException as exc:
            thread_error.append(exc)

    thread = threading.Thread(target=first_attempt, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while sum(server.hits.get(p, 0) for p in paths) < 15 and time.monotonic() < deadline:
            time.sleep(0.05)
        children = crawl_children(run_id)
        assert len(children) == 1, "the crawl child should be running"
        children[0].send_signal(signal.SIGKILL)
        thread.join(60)
        assert len(thread_error) == 1 and isinstance(thread_error[0], CrawlFailed)
        assert "killed by SIGKILL" in str(thread_error[0]) and "manifest.json" in str(thread_error[0])
        fetched_before_kill = sum(server.hits.get(p, 0) for p in paths)
        assert 15 <= fetched_before_kill < len(paths)
        with pytest.raises(RunOutputError, match="did not finish"):
            load_output(uri, migrated_url)
        record_failure({"id": "killed"}, run_id, uri, migrated_url, str(thread_error[0]))
        assert warehouse_counts(migrated_url) == (0, 0, 0)
        # The task's retry: same run id, the killed attempt's folder cleared, the whole crawl done again.
        server.faults = None
        manifest = run_crawl("killed", run_id, database_url=migrated_url, log=lambda line: None)
    finally:
        server.stop()
    assert manifest["articles"]["count"] == len(paths)
    result = load_output(uri, migrated_url)
    assert result["articles_new"] == len(paths)
    assert load_output(uri, migrated_url)["already_loaded"]
    assert warehouse_counts(migrated_url) == (len(paths), len(paths), len(paths))
    with psycopg.connect(migrated_url) as conn:
        runs = conn.execute("SELECT run_id, status, articles_in_output, error FROM crawl_runs").fetchall()
        seen = conn.execute("SELECT count(*) FROM seen_urls").fetchone()[0]
    assert runs == [(run_id, "loaded", len(paths), None)]
    assert seen == len(paths)
    assert list(scratch.iterdir()) == []  # not even the killed crawl's article spool is left behind


def test_a_flaky_site_is_retried_with_back_off_and_what_it_gave_is_loaded(
    tmp_path: Path, sources_dir: Path, migrated_url: str
) -> None:
    site = tmp_path / "site"
    paths = build_site(site, 60)
    # 30% of the pages fail their first request (each fault kind in turn); 5% fail every attempt.
    kinds = [Fault(status=500), Fault(status=429, headers={"Retry-After": "1"}), Fault(status=503),
             Fault(delay=3.0), Fault(cut_body=True)]
    flaky = FlakySite(share=0.3, match="/news/", kinds=kinds)
    broken = FlakySite(share=0.05, match="/news/", attempts=100, salt="broken", kinds=[Fault(status=500)])
    failing = set(broken.affected(paths))
    retried = set(flaky.affected(paths)) - failing
    # The hash picks a fixed set: 13 pages retried, every kind of fault among them, and a few lost for good.
    assert len(retried) >= 10 and 1 <= len(failing) <= 6
    assert {kinds.index(flaky(path, 1)) for path in retried} == set(range(len(kinds)))
    server = ReplayServer(site).start()
    server.faults = lambda path, attempt: broken(path, attempt) or flaky(path, attempt)
    source_toml(sources_dir, "flaky", feeds=[f"{server.base_url}/feed.xml"], concurrency=4)
    try:
        manifest = run_crawl("flaky", "flaky-1", database_url=migrated_url, settings={"DOWNLOAD_TIMEOUT": 1},
                             log=lambda line: None)
    finally:
        server.stop()
    stats = RunOutput.open(manifest["output_uri"]).stats()
    assert manifest["verdict"]["ok"] and manifest["articles"]["count"] == len(paths) - len(failing)
    assert stats["retry/count"] >= len(retried) + 2 * len(failing)
    assert stats["retry/max_reached"] == len(failing)
    assert sum(v for k, v in stats.items() if k.startswith("retry/reason_count/")) == stats["retry/count"]
    assert stats["newsflow/fetch_failed/http_500"] == len(failing)
    assert stats.get("newsflow/backoff/http_429", 0) + stats.get("newsflow/backoff/http_503", 0) >= 1
    assert any("fetch(es) failed" in w for w in manifest["verdict"]["warnings"])
    load_output(manifest["output_uri"], migrated_url)
    check_output(manifest["output_uri"], migrated_url)  # completeness and the quality gates pass
    assert warehouse_counts(migrated_url)[0] == len(paths) - len(failing)
    # The pages that failed for good are not marked seen: the next run fetches them again.
    with psycopg.connect(migrated_url) as conn:
        seen = {row[0].split(":", 2)[2].split("/", 1)[1] for row in conn.execute("SELECT url FROM seen_urls")}
    assert not {p.lstrip("/") for p in failing} & seen


_TASK = "from newsflow.tasks import run_crawl; run_crawl('orphan', 'orphan-1', log=lambda line: None)"


def test_a_killed_task_takes_its_crawl_with_it(tmp_path: Path, sources_dir: Path) -> None:
    """An Airflow worker killed mid-crawl must not leave its crawl running into the retry's output folder."""
    site = tmp_path / "site"
    paths = build_site(site, 40)
    server = ReplayServer(site).start()
    server.faults = lambda path, attempt: Fault(delay=0.3) if path.startswith("/news/") else None
    source_toml(sources_dir, "orphan", feeds=[f"{server.base_url}/feed.xml"], concurrency=1)
    task = subprocess.Popen([sys.executable, "-c", _TASK], cwd=Path(__file__).resolve().parents[1],
                            env={**os.environ, "TMPDIR": str(tmp_path)})  # the killed task's leftovers stay here
    crawls: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 60
        while sum(server.hits.get(p, 0) for p in paths) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        crawls = [p for p in psutil.Process(task.pid).children(recursive=True) if "scrapy" in " ".join(p.cmdline())]
        assert len(crawls) == 1
        task.kill()
        task.wait(10)
        _, alive = psutil.wait_procs(crawls, timeout=10)
        alive = [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
        assert not alive, "the crawl outlived its task"
        fetched = sum(server.hits.get(p, 0) for p in paths)
        time.sleep(1.0)
        assert sum(server.hits.get(p, 0) for p in paths) == fetched  # nothing is fetched any more
    finally:
        if task.poll() is None:
            task.kill()
        for crawl in crawls:  # psutil refuses to signal a pid reused by another process
            with contextlib.suppress(psutil.NoSuchProcess):
                crawl.kill()
        server.stop()
    assert not (tmp_path / "runs" / "orphan" / "orphan-1" / "manifest.json").exists()
