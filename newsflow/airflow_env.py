"""The environment a local Airflow runs newsflow's DAGs with (the demo, ``newsflow ui``, the tests).

Airflow's metadata goes to SQLite under the project's data folder (enough for
``airflow dags test`` and a one-machine ``standalone``); the warehouse is a separate
PostgreSQL database handed over as the Airflow Connection ``newsflow_warehouse``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from newsflow.config import PROJECT_ROOT
from newsflow.registry import BUILTIN_SOURCES, load_sources

DEMO_SOURCES = Path(__file__).parent / "demo" / "sources"


def connection_json(database_url: str) -> str:
    """An Airflow Connection (JSON form) for a PostgreSQL URL, socket-directory hosts included."""
    parts = urlsplit(database_url)
    query = parse_qs(parts.query)
    host = parts.hostname or (query.get("host") or [""])[0]
    extra = {k: v[0] for k, v in query.items() if k != "host"}
    return json.dumps({
        "conn_type": "postgres",
        "host": unquote(host),
        "port": parts.port,
        "login": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "schema": parts.path.lstrip("/"),
        "extra": extra,
    })


def airflow_env(airflow_home: Path, database_url: str, sources: str | None = None) -> dict[str, str]:
    """``os.environ`` plus what Airflow needs to run the project's DAGs against ``database_url``."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
        or f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW_CONN_NEWSFLOW_WAREHOUSE": connection_json(database_url),
        "NEWSFLOW_SOURCES": sources or os.pathsep.join([str(BUILTIN_SOURCES), str(DEMO_SOURCES)]),
        "SCRAPY_SETTINGS_MODULE": "newsflow.settings",
        # `airflow standalone` starts its components as `airflow ...` from PATH.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    })
    return env


def airflow_bin() -> str:
    """The ``airflow`` command installed beside this interpreter."""
    return str(Path(sys.executable).parent / "airflow")


def airflow(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the ``airflow`` command line of this interpreter's environment."""
    return subprocess.run([airflow_bin(), *args], env=env, check=check, text=True)


def ensure_pools(env: dict[str, str], source_ids: list[str]) -> None:
    """One pool per source, with the source's ``max_parallel_crawls`` slots (1 for unknown ids)."""
    sources = load_sources(env.get("NEWSFLOW_SOURCES"))
    for source_id in source_ids:
        slots = sources[source_id].politeness.max_parallel_crawls if source_id in sources else 1
        airflow(["pools", "set", f"newsflow_{source_id}", str(slots), f"crawls of source {source_id}"], env)
