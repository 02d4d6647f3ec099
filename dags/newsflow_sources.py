"""
### newsflow: one DAG per news source

Each registered source (``newsflow/sources/*.toml``, or the folders in ``NEWSFLOW_SOURCES``)
gets a DAG ``newsflow_<source id>`` on the source's schedule:

1. **plan**: the run's crawl shards: one, or the source's ``shards`` (its feeds, sitemaps and
   listings split between them), or date ranges of a backfill (``shard_days``).
2. **crawl** (mapped, one task per shard): ``scrapy crawl news`` in its own process; incremental
   (pages seen by earlier runs skipped, conditional requests for feeds and sitemaps); fails when
   the crawl's stats say it failed (bad finish reason, banned, nothing discovered, zero articles);
   "nothing new since the last run" is a success. Each shard writes its own run output.
3. **load** (mapped): each run output and its crawl state into the PostgreSQL warehouse, one
   transaction each, idempotent. Skipped on a dry run.
4. **check**: every output is in the warehouse, then the data-quality gates (article count against
   recent runs, shares with date / author / long body, duplicates, drops, decode and HTTP errors),
   stored in ``run_checks``; a failed gate fails the run naming the check and its numbers.

Trigger parameters: ``max_articles``, ``urls`` (fetch exactly these URLs, seen or not),
``since`` / ``until`` (backfill: every dated feed/sitemap entry in the range, seen or not),
``shard_days`` (split a backfill into ranges of this many days), ``incremental`` (false: ignore
the seen state), ``dry_run`` (crawl without loading). The warehouse is the Airflow Connection
``newsflow_warehouse`` (else ``NEWSFLOW_DATABASE_URL``). Crawls of one source share the pool
``newsflow_<source id>`` (``newsflow pools`` prints them for ``airflow pools import``) and run on
the source's ``crawl_queue``.

This file only declares: it reads the registry's TOML files and nothing else at parse time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, dag, get_current_context, task

from newsflow.registry import Source, load_sources

WAREHOUSE_CONN_ID = "newsflow_warehouse"


def warehouse_url() -> str:
    """The warehouse URL from the Airflow Connection, else from ``NEWSFLOW_DATABASE_URL``."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    from warehouse.db import database_url

    try:
        return BaseHook.get_connection(WAREHOUSE_CONN_ID).get_uri()
    except AirflowNotFoundException:
        return database_url()


def build_dag(source: Source) -> DAG:
    @dag(
        dag_id=f"newsflow_{source.id}",
        description=f"Crawl {source.name} and load it into the warehouse",
        schedule=source.schedule,
        start_date=datetime(2025, 1, 1),
        catchup=False,
        max_active_runs=1,
        tags=["newsflow", f"source:{source.id}", *source.tags],
        default_args={
            "retries": source.retries,
            "retry_delay": timedelta(minutes=source.retry_delay_minutes),
        },
        params={
            "max_articles": Param(source.max_articles, type="integer", minimum=1,
                                  description="Fetch at most this many articles (per shard)."),
            "urls": Param([], type="array", items={"type": "string"},
                          description="Fetch exactly these article URLs instead of discovering, seen or not."),
            "since": Param(None, type=["null", "string"],
                           description="Backfill from this date (2025-05-01 or ISO time): dated entries only."),
            "until": Param(None, type=["null", "string"], description="Backfill up to this date (inclusive)."),
            "shard_days": Param(0, type="integer", minimum=0,
                                description="Split a since/until backfill into crawls of this many days each."),
            "incremental": Param(True, type="boolean",
                                 description="Skip pages earlier runs fetched (false: fetch all that is listed)."),
            "dry_run": Param(False, type="boolean", description="Crawl and write run output, but do not load."),
        },
        doc_md=__doc__,
    )
    def source_dag() -> None:
        @task
        def plan() -> list[dict[str, Any]]:
            from newsflow.tasks import plan_shards

            params = get_current_context()["params"]
            shards = plan_shards(source.id, source.shards, urls=params["urls"], since=params["since"],
                                 until=params["until"], shard_days=params["shard_days"])
            print(f"{len(shards)} crawl shard(s): {shards}")
            return shards

        @task(pool=f"newsflow_{source.id}", queue=source.crawl_queue,
              map_index_template="{{ shard_label }}")
        def crawl(shard: dict[str, Any]) -> str:
            from newsflow.runoutput import run_uri
            from newsflow.tasks import record_failure, run_crawl, safe_run_id

            context = get_current_context()
            params = context["params"]
            run_id = safe_run_id(source.id, context["run_id"]) + shard["suffix"]
            context["shard_label"] = shard["suffix"].lstrip("-") or "all"  # type: ignore[typeddict-unknown-key]
            try:
                manifest = run_crawl(source.id, run_id, max_articles=params["max_articles"], urls=params["urls"],
                                     dry_run=params["dry_run"], since=shard["since"], until=shard["until"],
                                     incremental=params["incremental"], shard=shard["shard"],
                                     database_url=_warehouse_or_none())
            except Exception as exc:
                if not params["dry_run"]:
                    _record(record_failure, source, run_id, run_uri, exc)
                raise
            return str(manifest["output_uri"])

        @task.skip_if(lambda context: bool(context["params"]["dry_run"]))
        @task
        def load(uri: str) -> dict[str, Any]:
            from newsflow.tasks import load_output

            result = load_output(uri, warehouse_url())
            print(f"Loaded {uri}: {result}")
            return result

        @task
        def check(uris: list[str], loaded: list[dict[str, Any]]) -> None:
            from newsflow.tasks import CheckFailed, check_output

            failures = []
            for uri in uris:
                try:
                    for line in check_output(uri, warehouse_url(), source.quality):
                        print(f"{uri}: {line}")
                except CheckFailed as exc:
                    failures.append(str(exc))
            if failures:
                raise CheckFailed("; ".join(failures))

        uris = crawl.expand(shard=plan())
        check(uris, load.expand(uri=uris))

    return source_dag()


def _warehouse_or_none() -> str | None:
    """The warehouse for the crawl's incremental state; None (a crawl that is not incremental) when unset."""
    try:
        return warehouse_url()
    except Exception as exc:
        print(f"No warehouse for the crawl state ({exc}): this crawl is not incremental")
        return None


def _record(record_failure: Any, source: Source, run_id: str, run_uri: Any, exc: Exception) -> None:
    """Best effort: a warehouse that is down must not hide the crawl's own error."""
    from newsflow.config import run_store

    try:
        record_failure({"id": source.id, "name": source.name, "publisher": source.publisher,
                        "homepage": source.homepage}, run_id, run_uri(run_store(), source.id, run_id),
                       warehouse_url(), str(exc))
    except Exception as record_exc:
        print(f"Could not record the failed run in the warehouse: {record_exc}")


for _source in load_sources().values():
    globals()[f"newsflow_{_source.id}"] = build_dag(_source)
