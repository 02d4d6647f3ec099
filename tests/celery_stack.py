"""Airflow with the CeleryExecutor on this machine, for real: the proof that newsflow's DAGs scale out.

It starts what a multi-machine deployment runs, each in its own process with its own
``AIRFLOW_HOME`` and ``NEWSFLOW_HOME`` so that nothing but the network is shared:

- Airflow's metadata in a throwaway PostgreSQL database (SQLite cannot serve Celery workers);
- Redis as the Celery broker (``redis://127.0.0.1:6379/<db>``, queues named per run);
- run output in S3 (moto's S3 server on loopback, reached through s3fs like a real bucket);
- ``airflow api-server``, ``scheduler`` and ``dag-processor``;
- two ``airflow celery worker`` processes: one serving only the crawl queue, one the default
  queue (plan, load, check), as crawl machines near the sites and load machines near the
  warehouse would.

``run_celery_proof`` triggers a source's DAG (sharded in two) and returns what ran where.
``python -m tests.celery_stack`` runs it against the PostgreSQL the tests use and prints the
result; ``tests/test_celery.py`` asserts it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

import psycopg

from newsflow.airflow_env import airflow_bin, airflow_env
from tests.replay_site import copy_demo_site, serving, write_source

REDIS_URL = os.environ.get("NEWSFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
STARTUP_SECONDS = 240
RUN_SECONDS = 420
LOGS: dict[str, str] = {}
"""Log file of each started component, for the error when one exits early."""


def worker_hostname() -> str:
    """Airflow ``hostname_callable``: the worker's name, so the proof can tell two workers on one machine apart."""
    return os.environ.get("NEWSFLOW_WORKER_NAME") or socket.getfqdn()


def redis_reachable(url: str = REDIS_URL) -> bool:
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(what: str, check: Any, seconds: float, processes: dict[str, subprocess.Popen[bytes]]) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                log = Path(LOGS[name]).read_text(errors="replace") if name in LOGS else ""
                raise RuntimeError(f"{name} exited with {process.returncode} while waiting for {what}:\n{log[-3000:]}")
        result = check()
        if result:
            return result
        time.sleep(2)
    raise TimeoutError(f"timed out after {seconds:.0f} s waiting for {what}")


def run_celery_proof(pg_admin_url: str, warehouse_url: str, work: Path) -> dict[str, Any]:
    """Run the proof in ``work``; return the DAG run's state, its task instances and what landed where."""
    from moto.server import ThreadedMotoServer

    from warehouse.server import create_database, drop_database

    tag = uuid.uuid4().hex[:8]
    meta_db = f"newsflow_airflow_{tag}"
    meta_url = create_database(pg_admin_url, meta_db)
    s3_port = _free_port()
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=s3_port, verbose=False)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per S3 request otherwise
    s3.start()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    site = copy_demo_site(work / "site")
    try:
        with ExitStack() as stack:
            server = stack.enter_context(serving(site))
            sources = work / "sources"
            source_id = f"celery{tag}"
            write_source(sources, source_id, server.base_url, feeds=["feed.xml"], sitemaps=["sitemap.xml"],
                         extra=f'schedule = "none"\nshards = 2\ncrawl_queue = "nf{tag}_crawl"\n',
                         politeness="concurrency = 8\ndownload_delay = 0.0\nautothrottle_target = 8.0\n"
                                    "max_parallel_crawls = 2\n")
            env = _environment(work, meta_url, warehouse_url, str(sources), s3_port, tag)
            _make_bucket(env)
            log_dir = work / "logs"
            log_dir.mkdir()
            migrate = subprocess.run([airflow_bin(), "db", "migrate"], env=env, capture_output=True, text=True,
                                     timeout=600)
            if migrate.returncode != 0:
                raise RuntimeError(f"airflow db migrate failed: {migrate.stdout[-2000:]}{migrate.stderr[-3000:]}")
            subprocess.run([airflow_bin(), "pools", "set", f"newsflow_{source_id}", "2", "crawls"], env=env,
                           check=True, capture_output=True)
            api_port = int(env["AIRFLOW__API__PORT"])
            components = {
                "api-server": ["api-server", "--port", str(api_port)],
                "scheduler": ["scheduler"],
                "dag-processor": ["dag-processor"],
                "crawl-worker": ["celery", "worker", "--queues", f"nf{tag}_crawl", "--concurrency", "2",
                                 "--skip-serve-logs", "--celery-hostname", f"crawl-{tag}@%h"],
                "load-worker": ["celery", "worker", "--queues", f"nf{tag}_default", "--concurrency", "2",
                                "--skip-serve-logs", "--celery-hostname", f"load-{tag}@%h"],
            }
            for name, args in components.items():
                processes[name] = _start(name, args, env, work, log_dir)
            _wait("the API server", lambda: _http_ok(f"http://127.0.0.1:{api_port}/api/v2/monitor/health"),
                  STARTUP_SECONDS, processes)
            dag_id = f"newsflow_{source_id}"
            _wait("the DAG to be parsed", lambda: _airflow_ok(["dags", "unpause", dag_id], env), STARTUP_SECONDS,
                  processes)
            before = {name: _tree_cpu(process.pid) for name, process in processes.items()}
            started = time.monotonic()
            subprocess.run([airflow_bin(), "dags", "trigger", dag_id], env=env, check=True, capture_output=True)
            state = _wait("the DAG run to finish", lambda: _run_state(meta_url, dag_id), RUN_SECONDS, processes)
            elapsed = time.monotonic() - started
            cpu = {name: round(_tree_cpu(process.pid) - before[name], 1) for name, process in processes.items()}
            return {
                "state": state, "seconds": round(elapsed, 1), "source_id": source_id, "cpu_seconds": cpu,
                "tasks": _task_instances(meta_url, dag_id),
                "warehouse": _warehouse_counts(warehouse_url, source_id),
                "s3_manifests": _s3_manifests(env, source_id),
                "local_run_folders": sorted(str(p) for p in work.glob("home-*/runs/**/manifest.json")),
                "logs": str(log_dir),
            }
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        s3.stop()
        drop_database(pg_admin_url, meta_db)


def _environment(work: Path, meta_url: str, warehouse_url: str, sources: str, s3_port: int, tag: str
                 ) -> dict[str, str]:
    env = airflow_env(work / "airflow-cli", warehouse_url, sources=sources)
    api_port = _free_port()
    secret = uuid.uuid4().hex
    env.update({
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta_url.replace("postgresql://", "postgresql+psycopg://", 1),
        # Airflow derives asyncpg for its async engine otherwise; psycopg 3 does both.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": meta_url.replace("postgresql://",
                                                                      "postgresql+psycopg_async://", 1),
        "AIRFLOW__CELERY__BROKER_URL": REDIS_URL,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + meta_url.replace("postgresql://", "postgresql+psycopg://", 1),
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"nf{tag}_default",
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.celery_stack.worker_hostname",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secret,
        "AIRFLOW__API__SECRET_KEY": secret,
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__API__WORKERS": "1",
        # Run output in S3, as crawl and load machines would share it.
        "NEWSFLOW_RUN_STORE": f"s3://newsflow-runs-{tag}/runs",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{s3_port}",
        "FSSPEC_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")]),
        "NEWSFLOW_HOME": str(work / "home-cli"),
    })
    env.pop("NEWSFLOW_DATABASE_URL", None)
    return env


def _start(name: str, args: list[str], env: dict[str, str], work: Path, log_dir: Path) -> subprocess.Popen[bytes]:
    # Each component gets its own Airflow home, newsflow home and working folder: no shared local disk.
    own = {**env, "AIRFLOW_HOME": str(work / f"airflow-{name}"), "NEWSFLOW_HOME": str(work / f"home-{name}"),
           "NEWSFLOW_WORKER_NAME": name}
    cwd = work / f"cwd-{name}"
    for folder in (Path(own["AIRFLOW_HOME"]), Path(own["NEWSFLOW_HOME"]), cwd):
        folder.mkdir(parents=True, exist_ok=True)
    LOGS[name] = str(log_dir / f"{name}.log")
    log = (log_dir / f"{name}.log").open("wb")
    return subprocess.Popen([airflow_bin(), *args], env=own, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its descendants, alive or already reaped by them."""
    import psutil

    try:
        root = psutil.Process(pid)
        total = 0.0
        for process in [root, *root.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        return total
    except psutil.Error:
        return 0.0


def _http_ok(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


def _airflow_ok(args: list[str], env: dict[str, str]) -> bool:
    return subprocess.run([airflow_bin(), *args], env=env, capture_output=True).returncode == 0


def _run_state(meta_url: str, dag_id: str) -> str | None:
    with psycopg.connect(meta_url) as conn:
        row = conn.execute("SELECT state FROM dag_run WHERE dag_id = %s ORDER BY id DESC LIMIT 1", (dag_id,)).fetchone()
    return row[0] if row and row[0] in ("success", "failed") else None


def _task_instances(meta_url: str, dag_id: str) -> list[dict[str, Any]]:
    with psycopg.connect(meta_url) as conn:
        rows = conn.execute(
            "SELECT task_id, map_index, state, hostname, queue, pool, round(duration::numeric, 1)::float"
            " FROM task_instance WHERE dag_id = %s ORDER BY task_id, map_index", (dag_id,)).fetchall()
    return [dict(zip(("task_id", "map_index", "state", "hostname", "queue", "pool", "seconds"), row, strict=True))
            for row in rows]


def _warehouse_counts(url: str, source_id: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        runs = conn.execute("SELECT run_id, status, articles_in_output, output_uri FROM crawl_runs"
                            " WHERE source_id = %s ORDER BY run_id", (source_id,)).fetchall()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        checks = conn.execute("SELECT count(*), bool_and(ok) FROM run_checks").fetchone()
        seen = conn.execute("SELECT count(*) FROM seen_urls WHERE source_id = %s", (source_id,)).fetchone()[0]
    return {"runs": [list(r) for r in runs], "articles": articles, "checks": list(checks), "seen_urls": seen}


def _make_bucket(env: dict[str, str]) -> None:
    code = ("import fsspec, sys; fs = fsspec.filesystem('s3'); fs.mkdir(sys.argv[1])")
    subprocess.run([sys.executable, "-c", code, env["NEWSFLOW_RUN_STORE"].split("/")[2]], env=env, check=True)


def _s3_manifests(env: dict[str, str], source_id: str) -> list[str]:
    code = ("import fsspec, json, sys; fs = fsspec.filesystem('s3');"
            " print(json.dumps(sorted(fs.glob(sys.argv[1] + '/*/manifest.json'))))")
    out = subprocess.run([sys.executable, "-c", code, f"{env['NEWSFLOW_RUN_STORE']}/{source_id}"], env=env,
                         check=True, capture_output=True, text=True).stdout
    return list(json.loads(out))


def main() -> int:
    from warehouse.migrate import apply_migrations
    from warehouse.server import create_database, drop_database, find_postgres

    repo = Path(__file__).resolve().parents[1]
    if not redis_reachable():
        print(f"Redis is not reachable at {REDIS_URL}")
        return 2
    admin = find_postgres(repo / ".data" / "pg-test")
    name = f"newsflow_celery_{uuid.uuid4().hex[:8]}"
    warehouse = create_database(admin, name)
    try:
        apply_migrations(warehouse)
        with tempfile.TemporaryDirectory(prefix="newsflow-celery-") as work:
            result = run_celery_proof(admin, warehouse, Path(work))
    finally:
        drop_database(admin, name)
    print(json.dumps(result, indent=2, default=str))
    return 0 if result["state"] == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
