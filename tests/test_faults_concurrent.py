"""Two runs of one source at once (a manual trigger during a scheduled run): no duplicate article, URL or cluster.

Airflow keeps this from happening by itself (``max_active_runs=1`` per DAG, one pool slot
per source), but a CLI crawl, a second scheduler or a cleared task can still overlap a run.
Here two real crawls of overlapping articles run at once, then their two loads run at once;
the warehouse must then equal what loading the same outputs one after the other gives.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from newsflow.replay import ReplayServer
from newsflow.tasks import load_output, run_crawl
from tests.synthetic_site import build_site, source_toml
from warehouse.migrate import apply_migrations
from warehouse.server import create_database, drop_database

SUMMARY = {
    "articles": "SELECT count(*) FROM articles",
    "distinct hashes": "SELECT count(DISTINCT content_hash) FROM articles",
    "revisions": "SELECT count(*) FROM article_revisions",
    "urls": "SELECT count(*) FROM article_urls",
    "distinct urls": "SELECT count(DISTINCT url) FROM article_urls",
    "clusters": "SELECT count(*) FROM story_clusters",
    "members": "SELECT count(*) FROM cluster_members",
    "articles in a cluster": "SELECT count(DISTINCT article_id) FROM cluster_members",
    "runs": "SELECT count(*) FROM crawl_runs WHERE status = 'loaded'",
    "run links": "SELECT count(*) FROM run_articles",
}


def summary(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {name: conn.execute(query).fetchone()[0] for name, query in SUMMARY.items()}


def at_once(*calls: Any) -> list[Any]:
    """Run the calls in threads started together; return their results (re-raising the first error)."""
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # re-raised below, in the test's thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@pytest.fixture
def control_url(pg_admin_url: str) -> Iterator[str]:
    name = f"newsflow_test_{uuid.uuid4().hex[:8]}"
    url = create_database(pg_admin_url, name)
    try:
        apply_migrations(url)
        yield url
    finally:
        drop_database(pg_admin_url, name)


def test_two_runs_of_one_source_at_once_make_no_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, control_url: str
) -> None:
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(tmp_path / "sources"))
    monkeypatch.setenv("NEWSFLOW_RUN_STORE", str(tmp_path / "runs"))
    paths = build_site(tmp_path / "site", 40)
    server = ReplayServer(tmp_path / "site").start()
    source_toml(tmp_path / "sources", "twice", feeds=[f"{server.base_url}/feed.xml"], concurrency=4)
    manual = [f"{server.base_url}{p}" for p in paths[10:30]]  # half of them, all also in the scheduled run
    try:
        scheduled_run, manual_run = at_once(
            lambda: run_crawl("twice", "twice-scheduled__2026-11-27T01", database_url=migrated_url,
                              log=lambda line: None),
            lambda: run_crawl("twice", "twice-manual__2026-11-27T01", urls=manual, database_url=migrated_url,
                              log=lambda line: None))
    finally:
        server.stop()
    assert scheduled_run["articles"]["count"] == 40 and manual_run["articles"]["count"] == 20
    uris = [scheduled_run["output_uri"], manual_run["output_uri"]]
    loaded = at_once(*(lambda uri=uri: load_output(uri, migrated_url) for uri in uris))
    assert sum(result["articles_new"] for result in loaded) == 40
    for uri in uris:
        load_output(uri, control_url)
    together, one_by_one = summary(migrated_url), summary(control_url)
    assert together == one_by_one
    assert together["articles"] == together["distinct hashes"] == together["revisions"] == 40
    assert together["urls"] == together["distinct urls"] == 40
    assert together["members"] == together["articles in a cluster"] == 40
    assert together["runs"] == 2 and together["run links"] == 60
