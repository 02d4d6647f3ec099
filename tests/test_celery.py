"""Scale-out, for real: the DAGs under Airflow's CeleryExecutor with Redis and two workers on this machine.

Crawl shards run on a worker that serves only the crawl queue, plan/load/check on another; the
run output goes through S3 (moto's server on loopback), Airflow's metadata is PostgreSQL. It
proves that no task depends on sharing a process or a local disk with another. About 3
minutes on 2 cores; ``-m "not celery"`` leaves it out, and it is skipped where Redis does not
answer (``NEWSFLOW_TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/5``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.celery_stack import REDIS_URL, redis_reachable, run_celery_proof


@pytest.mark.celery
@pytest.mark.airflow
def test_the_dags_run_on_celery_workers_with_crawl_and_load_on_different_workers(
    pg_admin_url: str, migrated_url: str, tmp_path: Path
) -> None:
    if not redis_reachable():
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    result = run_celery_proof(pg_admin_url, migrated_url, tmp_path)
    assert result["state"] == "success", result
    tasks = {(t["task_id"], t["map_index"]): t for t in result["tasks"]}
    assert {t["state"] for t in tasks.values()} == {"success"}
    crawls = [t for (task_id, _), t in tasks.items() if task_id == "crawl"]
    loads = [t for (task_id, _), t in tasks.items() if task_id == "load"]
    assert len(crawls) == 2 and len(loads) == 2  # the source's two shards, mapped
    assert {t["hostname"] for t in crawls} == {"crawl-worker"} and {t["queue"] for t in crawls} == {
        f"nf{result['source_id'].removeprefix('celery')}_crawl"}
    assert {t["hostname"] for t in loads} | {tasks[("check", -1)]["hostname"]} == {"load-worker"}
    assert {t["pool"] for t in crawls} == {f"newsflow_{result['source_id']}"}
    warehouse = result["warehouse"]
    assert [run[1] for run in warehouse["runs"]] == ["loaded", "loaded"]
    assert all(run[3].startswith("s3://") for run in warehouse["runs"])
    assert warehouse["articles"] >= 10 and warehouse["checks"] == [16, True] and warehouse["seen_urls"] >= 10
    assert len(result["s3_manifests"]) == 2 and result["local_run_folders"] == []
