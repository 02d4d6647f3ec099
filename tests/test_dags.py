"""The DAGs: they import cleanly and cheaply, declare what a scheduler needs, and run for real.

DAG files are parsed in a child process with its own ``AIRFLOW_HOME``, so Airflow's
configuration never leaks into the test process. The end-to-end tests run
``airflow dags test`` against the replay site and a real PostgreSQL database.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from newsflow.airflow_env import airflow_bin, airflow_env
from newsflow.registry import BUILTIN_SOURCES
from tests.replay_site import copy_demo_site, serving, write_source

REPO = Path(__file__).resolve().parents[1]

INSPECT = r"""
import json, sys
from airflow.dag_processing.dagbag import DagBag
before = set(sys.modules)
bag = DagBag(dag_folder=sys.argv[1])
heavy = sorted({m.split(".")[0] for m in set(sys.modules) - before}
               & {"scrapy", "twisted", "psycopg", "parsers", "pipelines", "spiders", "warehouse", "selectolax", "lxml"})
dags = {}
for dag_id, dag in bag.dags.items():
    dags[dag_id] = {
        "tags": sorted(dag.tags), "schedule": str(dag.schedule), "doc": bool(dag.doc_md),
        "params": sorted(dag.params.keys()), "max_active_runs": dag.max_active_runs,
        "tasks": {t.task_id: {"retries": t.retries, "pool": t.pool, "queue": t.queue,
                              "upstream": sorted(t.upstream_task_ids)} for t in dag.tasks},
    }
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()}, "heavy": heavy, "dags": dags}))
"""


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("airflow")


def inspect_dags(env: dict[str, str]) -> dict:
    result = subprocess.run([sys.executable, "-c", INSPECT, str(REPO / "dags")], env=env,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_dags_import_without_errors_or_heavy_imports(airflow_home: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    write_source(sources, "alpha", "https://alpha.example", feeds=["rss"], extra='schedule = "*/30 * * * *"')
    write_source(sources, "beta", "https://beta.example", feeds=["rss", "rss2"],
                 extra='shards = 2\ncrawl_queue = "crawl"\n')
    env = airflow_env(airflow_home, "postgresql://unused@127.0.0.1/unused",
                      sources=f"{BUILTIN_SOURCES}:{sources}")
    info = inspect_dags(env)
    assert info["errors"] == {}
    assert info["heavy"] == [], "DAG parsing must not import the crawl, extraction or database stack"
    alpha = info["dags"]["newsflow_alpha"]
    assert alpha["tags"] == ["newsflow", "source:alpha"]
    assert alpha["schedule"] == "*/30 * * * *"
    assert alpha["params"] == ["dry_run", "incremental", "max_articles", "shard_days", "since", "until", "urls"]
    assert alpha["doc"] and alpha["max_active_runs"] == 1
    tasks = alpha["tasks"]
    assert set(tasks) == {"plan", "crawl", "load", "check"}
    assert tasks["crawl"]["pool"] == "newsflow_alpha" and tasks["crawl"]["upstream"] == ["plan"]
    assert tasks["load"]["upstream"] == ["crawl"] and tasks["check"]["upstream"] == ["crawl", "load"]
    assert all(t["retries"] == 0 for t in tasks.values())  # write_source sets retries = 0
    assert tasks["crawl"]["queue"] == "default"
    beta = info["dags"]["newsflow_beta"]["tasks"]
    assert beta["crawl"]["queue"] == "crawl" and beta["load"]["queue"] == "default"
    for dag_id, dag in info["dags"].items():
        assert dag_id.startswith("newsflow_") and "newsflow" in dag["tags"]


def test_a_broken_source_file_is_an_import_error_not_a_silent_gap(airflow_home: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('id = "bad"\nname = "B"\npublisher = "B"\n')
    env = airflow_env(airflow_home, "postgresql://unused@127.0.0.1/unused", sources=str(tmp_path))
    info = inspect_dags(env)
    assert any("at least one feed, sitemap or listing" in e for e in info["errors"].values())


# -- end to end: replay site -> airflow dags test -> PostgreSQL ------------------------------------


def _dags_test(env: dict[str, str], dag_id: str, conf: dict | None = None) -> subprocess.CompletedProcess[str]:
    command = [airflow_bin(), "dags", "test", dag_id]
    if conf:
        command += ["--conf", json.dumps(conf)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def migrated_airflow(airflow_home: Path) -> Path:
    env = airflow_env(airflow_home, "postgresql://unused@127.0.0.1/unused")
    subprocess.run([airflow_bin(), "db", "migrate"], env=env,
                   check=True, capture_output=True)
    return airflow_home


@pytest.mark.airflow
def test_dag_run_loads_then_a_second_run_loads_nothing_new(
    migrated_airflow: Path, migrated_url: str, tmp_path: Path
) -> None:
    site = copy_demo_site(tmp_path / "site")
    with serving(site) as server:
        sources = tmp_path / "sources"
        write_source(sources, "e2e", server.base_url, feeds=["feed.xml"], sitemaps=["sitemap.xml"],
                     listings=["board/list.html"], patterns=["/news/", "/article/", "/board/view/"])
        env = airflow_env(migrated_airflow, migrated_url, sources=str(sources))
        env["NEWSFLOW_RUN_STORE"] = str(tmp_path / "runs")
        first = _dags_test(env, "newsflow_e2e")
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
        with psycopg.connect(migrated_url) as conn:
            articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            urls = conn.execute("SELECT count(*) FROM article_urls").fetchone()[0]
            runs = conn.execute("SELECT status, articles_new FROM crawl_runs").fetchall()
        assert articles >= 10 and urls == articles + 1  # the board's tracking-parameter copy of one article
        assert runs == [("loaded", articles)]
        second = _dags_test(env, "newsflow_e2e")
        assert second.returncode == 0, second.stdout[-3000:]
        assert "nothing new" in second.stdout + second.stderr
    with psycopg.connect(migrated_url) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == articles
        assert conn.execute("SELECT count(*) FROM article_urls").fetchone()[0] == urls
        loaded = conn.execute("SELECT articles_new, urls_new, articles_in_output, verdict ->> 'idle',"
                              " (stats ->> 'newsflow/incremental/skipped_seen')::int"
                              " FROM crawl_runs ORDER BY started_at").fetchall()
        checks = conn.execute("SELECT count(*), bool_and(ok) FROM run_checks").fetchone()
        seen = conn.execute("SELECT count(*) FROM seen_urls").fetchone()[0]
    # The second run is incremental: every listed page was seen, nothing was fetched, and that is a success.
    assert loaded[1][:4] == (0, 0, 0, "nothing_new") and loaded[1][4] >= 1
    assert checks == (16, True) and seen >= articles


@pytest.mark.airflow
def test_a_sharded_source_crawls_in_mapped_tasks_and_loads_each_output(
    migrated_airflow: Path, migrated_url: str, tmp_path: Path
) -> None:
    site = copy_demo_site(tmp_path / "site")
    with serving(site) as server:
        sources = tmp_path / "sources"
        write_source(sources, "sharded", server.base_url, feeds=["feed.xml"], sitemaps=["sitemap.xml"],
                     extra="shards = 2\n")
        env = airflow_env(migrated_airflow, migrated_url, sources=str(sources))
        env["NEWSFLOW_RUN_STORE"] = str(tmp_path / "runs")
        result = _dags_test(env, "newsflow_sharded")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with psycopg.connect(migrated_url) as conn:
        runs = conn.execute("SELECT params ->> 'shard', status, articles_in_output FROM crawl_runs"
                            " ORDER BY 1").fetchall()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert [(shard, status) for shard, status, _ in runs] == [("0/2", "loaded"), ("1/2", "loaded")]
    assert runs[0][2] == 4 and articles >= 10  # shard 0 took the feed, shard 1 the sitemap index
    assert len(list((tmp_path / "runs" / "sharded").glob("*-s[01]/manifest.json"))) == 2


@pytest.mark.airflow
def test_dry_run_crawls_without_loading(migrated_airflow: Path, migrated_url: str, tmp_path: Path) -> None:
    site = copy_demo_site(tmp_path / "site")
    with serving(site) as server:
        sources = tmp_path / "sources"
        write_source(sources, "dry", server.base_url, feeds=["feed.xml"])
        env = airflow_env(migrated_airflow, migrated_url, sources=str(sources))
        env["NEWSFLOW_RUN_STORE"] = str(tmp_path / "runs")
        result = _dags_test(env, "newsflow_dry", {"dry_run": True, "max_articles": 2})
    assert result.returncode == 0, result.stdout[-3000:]
    manifests = list((tmp_path / "runs" / "dry").glob("*/manifest.json"))
    assert len(manifests) == 1 and json.loads(manifests[0].read_text())["articles"]["count"] == 2
    with psycopg.connect(migrated_url) as conn:
        assert conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


@pytest.mark.airflow
def test_a_failed_crawl_fails_the_run_and_is_recorded(
    migrated_airflow: Path, migrated_url: str, tmp_path: Path
) -> None:
    site = copy_demo_site(tmp_path / "site")
    with serving(site) as server:
        server.on_request = lambda path: 403 if "/news/" in path else None
        sources = tmp_path / "sources"
        write_source(sources, "banned", server.base_url, feeds=["feed.xml"])
        env = airflow_env(migrated_airflow, migrated_url, sources=str(sources))
        env["NEWSFLOW_RUN_STORE"] = str(tmp_path / "runs")
        result = _dags_test(env, "newsflow_banned")
    output = result.stdout + result.stderr
    assert "looks banned" in output
    assert "state=failed" in output or result.returncode != 0
    with psycopg.connect(migrated_url) as conn:
        rows = conn.execute("SELECT status, error FROM crawl_runs").fetchall()
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    assert len(rows) == 1 and rows[0][0] == "failed" and "looks banned" in rows[0][1]


def test_pools_import_as_docker_compose_does(migrated_airflow: Path, tmp_path: Path) -> None:
    env = airflow_env(migrated_airflow, "postgresql://unused@127.0.0.1/unused")
    pools = tmp_path / "pools.json"
    pools.write_text(subprocess.run([sys.executable, "-m", "newsflow", "pools"], env=env, capture_output=True,
                                    text=True, check=True).stdout)
    subprocess.run([airflow_bin(), "pools", "import", str(pools)], env=env, check=True, capture_output=True)
    listed = subprocess.run([airflow_bin(), "pools", "list", "--output", "json"], env=env, check=True,
                            capture_output=True, text=True).stdout
    names = {pool["pool"] for pool in json.loads(listed[listed.index("["):])}
    assert {"newsflow_mk", "newsflow_naver"} <= names
