"""``newsflow demo``: replay the bundled site, run the demo source's DAG for real, show what landed.

Steps: find PostgreSQL (``NEWSFLOW_DATABASE_URL``, else a server on 127.0.0.1:5432, else
an embedded one under ``.data/pg``) and make the ``newsflow_demo`` database; serve
``newsflow/demo/site`` on loopback; ``airflow dags test newsflow_demo`` with a SQLite
Airflow home under ``.data/airflow``; then print the warehouse's view of the run.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import psycopg

from newsflow.airflow_env import DEMO_SOURCES, airflow, airflow_env, ensure_pools
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
        print("[demo] preparing Airflow's metadata database (SQLite) ...")
        airflow(["db", "migrate"], env)
        ensure_pools(env, ["demo"])
        print("[demo] airflow dags test newsflow_demo ...")
        result = airflow(["dags", "test", "newsflow_demo"], env, check=False)
    finally:
        server.stop()
    with connect(database_url) as conn:
        runs = recent_runs(conn, source_id="demo", limit=1)
        if not runs:
            print("[demo] no run reached the warehouse; see the Airflow output above")
            return 1
        summary = landed_summary(conn, runs[0]["run_id"])
    _print_summary(summary)
    print(f"[demo] done in {time.monotonic() - started:.0f} s; Airflow exit code {result.returncode}")
    return 0 if result.returncode == 0 and runs[0]["status"] == "loaded" else 1


def _print_summary(summary: dict) -> None:
    print("\n[demo] what landed in the warehouse:")
    for key, value in summary.items():
        if isinstance(value, list):
            print(f"  {key}:")
            for row in value:
                print(f"    - {row}")
        else:
            print(f"  {key}: {value}")
