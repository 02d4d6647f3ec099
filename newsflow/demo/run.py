"""``newsflow demo``: replay the bundled site, run the demo source's DAG for real, show what landed.

Steps: find PostgreSQL (``NEWSFLOW_DATABASE_URL``, else a server on 127.0.0.1:5432, else
an embedded one under ``.data/pg``) and make the ``newsflow_demo`` database; serve
``newsflow/demo/site`` on loopback; ``airflow dags test newsflow_demo`` with a SQLite
Airflow home under ``.data/airflow``; then print the warehouse's view of the run.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import psycopg

from newsflow.airflow_env import DEMO_SOURCES, airflow_bin, airflow_env, ensure_pools
from newsflow.config import home
from newsflow.replay import ReplayServer

SITE = Path(__file__).parent / "site"
DEMO_DATABASE = "newsflow_demo"
DEMO_PORT = 8765


def demo_database_url(data: Path) -> str:
    """``NEWSFLOW_DATABASE_URL``, else the ``newsflow_demo`` database on a found or embedded server."""
    from warehouse.server import create_database, database_url_for, find_postgres

    explicit = os.environ.get("NEWSFLOW_DATABASE_URL")
    if explicit:
        return explicit
    admin = find_postgres(data / "pg")
    try:
        return create_database(admin, DEMO_DATABASE)
    except psycopg.errors.DuplicateDatabase:
        return database_url_for(admin, DEMO_DATABASE)


def _free_port(preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])


def run_demo(port: int | None = None) -> int:
    from warehouse.db import connect, redact
    from warehouse.queries import landed_summary, recent_runs

    started = time.monotonic()
    data = home()
    database_url = demo_database_url(data)
    print(f"[demo] warehouse: {redact(database_url)}")
    server = ReplayServer(SITE, port=_free_port(port or int(os.environ.get("NEWSFLOW_DEMO_PORT", DEMO_PORT))))
    server.start()
    print(f"[demo] replaying {SITE.relative_to(SITE.parents[2])} at {server.base_url}")
    try:
        env = airflow_env(data / "airflow", database_url, sources=str(DEMO_SOURCES))
        env["NEWSFLOW_DEMO_SITE"] = server.base_url
        env["NEWSFLOW_HOME"] = str(data)
        log_path = data / "demo.log"
        print(f"[demo] Airflow's own output goes to {log_path}")
        with log_path.open("w", encoding="utf-8") as log:
            print("[demo] preparing Airflow's metadata database (SQLite) ...", flush=True)
            subprocess.run([airflow_bin(), "db", "migrate"], env=env, stdout=log, stderr=subprocess.STDOUT,
                           check=True)
            ensure_pools(env, ["demo"])
            print("[demo] airflow dags test newsflow_demo", flush=True)
            code = _dags_test(env, log)
    finally:
        server.stop()
    with connect(database_url) as conn:
        runs = recent_runs(conn, source_id="demo", limit=1)
        if not runs:
            print("[demo] no run reached the warehouse; see the Airflow output above")
            return 1
        summary = landed_summary(conn, runs[0]["run_id"])
    _print_summary(summary)
    print(f"\n[demo] done in {time.monotonic() - started:.0f} s. Query it: psql {redact(database_url)}")
    return 0 if code == 0 and runs[0]["status"] == "loaded" else 1


# Lines of `airflow dags test` worth showing as progress; the rest is in the log file.
_PROGRESS = re.compile(r"\[DAG TEST\] (?:starting|end) task task_id=(\w+)|Crawl \S+ ok: .*|Loaded .*|"
                       r"DagRun Finished: .*state=(\w+)|ERROR.*|CrawlFailed.*|CheckFailed.*")


def _dags_test(env: dict[str, str], log: TextIO) -> int:
    process = subprocess.Popen([airflow_bin(), "dags", "test", "newsflow_demo"], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    for line in process.stdout:
        log.write(line)
        if match := _PROGRESS.search(line):
            print("[airflow] " + match.group(0)[:160], flush=True)
    return process.wait()


def _print_summary(summary: dict) -> None:
    kst = ZoneInfo("Asia/Seoul")
    print("\n[demo] the run in the warehouse (crawl_runs):")
    for key in ("run_id", "status", "finish_reason", "articles_in_output", "articles_new", "urls_new",
                "urls_seen", "dropped"):
        print(f"  {key:<20} {summary.get(key)}")
    print("\n[demo] its newest articles (latest_articles, times in KST):")
    for row in summary["latest"]:
        when = row["published_at"].astimezone(kst).strftime("%Y-%m-%d %H:%M") if row["published_at"] else "?"
        print(f"  {when}  {row['title'][:48]}\n                    {row['url']}")
