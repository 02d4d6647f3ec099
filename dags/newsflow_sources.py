"""
### newsflow: one DAG per news source

Each registered source (``newsflow/sources/*.toml``, or the folders in ``NEWSFLOW_SOURCES``)
gets a DAG ``newsflow_<source id>`` on the source's schedule:

1. **crawl**: ``scrapy crawl news`` in its own process; fails when the crawl's stats say it
   failed (bad finish reason, banned, nothing discovered, zero articles), with the stats in the log.
2. **load**: the run output into the PostgreSQL warehouse, one transaction, idempotent.
   Skipped on a dry run.
3. **check**: the warehouse holds every article of the run output.

Trigger parameters: ``max_articles``, ``urls`` (fetch exactly these URLs, no discovery),
``dry_run`` (crawl without loading). The warehouse is the Airflow Connection
``newsflow_warehouse`` (else ``NEWSFLOW_DATABASE_URL``). Crawls of one source share the pool
``newsflow_<source id>`` (``newsflow pools`` prints them for ``airflow pools import``).

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
                                  description="Fetch at most this many articles."),
            "urls": Param([], type="array", items={"type": "string"},
                          description="Fetch exactly these article URLs instead of discovering."),
            "dry_run": Param(False, type="boolean", description="Crawl and write run output, but do not load."),
        },
        doc_md=__doc__,
    )
    def source_dag() -> None:
        @task(pool=f"newsflow_{source.id}")
        def crawl() -> str:
            from newsflow.runoutput import run_uri
            from newsflow.tasks import record_failure, run_crawl, safe_run_id

            context = get_current_context()
            params = context["params"]
            run_id = safe_run_id(source.id, context["run_id"])
            try:
                manifest = run_crawl(source.id, run_id, max_articles=params["max_articles"],
                                     urls=params["urls"], dry_run=params["dry_run"])
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
        def check(uri: str, loaded: dict[str, Any]) -> None:
            from newsflow.tasks import check_output

            check_output(uri, warehouse_url())

        uri = crawl()
        check(uri, load(uri))

    return source_dag()


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
