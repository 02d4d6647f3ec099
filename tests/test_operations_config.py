"""The configuration of running newsflow for months: registry tables, shard plans, progress lines, compose."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from newsflow.registry import SourceConfigError, parse_source, schedule_max_age_hours
from newsflow.tasks import crawl_command, plan_shards
from spiders.news import parse_bound, parse_shard
from spiders.progress import progress_line

REPO = Path(__file__).resolve().parents[1]
BASE = {"id": "s", "name": "S", "publisher": "P", "feeds": ["https://s.example/rss"]}


def test_registry_tables_for_incremental_rights_quality_and_scale_out() -> None:
    source = parse_source({**BASE, "shards": 3, "crawl_queue": "crawl",
                           "politeness": {"daily_request_budget": 5000, "max_parallel_crawls": 2},
                           "incremental": {"conditional_requests": False},
                           "rights": {"skip": ["noai", "tdm_reservation"]},
                           "quality": {"min_date_share": 0.9, "max_age_hours": 12}})
    assert source.shards == 3 and source.crawl_queue == "crawl"
    assert source.politeness.daily_request_budget == 5000 and source.politeness.max_parallel_crawls == 2
    assert source.incremental.enabled and not source.incremental.conditional_requests
    assert source.rights.skip == ("noai", "tdm_reservation") and source.rights.tdmrep_file
    assert source.quality.min_date_share == 0.9 and source.max_age_hours == 12
    defaults = parse_source(BASE)
    assert defaults.shards == 1 and defaults.politeness.daily_request_budget is None and defaults.max_age_hours == 3


@pytest.mark.parametrize(("table", "message"), [
    ({"rights": {"skip": ["nofollow"]}}, r"\[rights\] skip: unknown signal\(s\) nofollow"),
    ({"quality": {"min_date_shre": 0.5}}, r"\[quality\]: .*min_date_shre"),
    ({"politeness": {"daily_request_budget": 0}}, "daily_request_budget must be a positive integer"),
    ({"shards": 0}, "shards must be a positive integer"),
    ({"incremental": "yes"}, r"\[incremental\] must be a table"),
])
def test_registry_errors_name_the_table_and_field(table: dict, message: str) -> None:
    with pytest.raises(SourceConfigError, match=message):
        parse_source({**BASE, **table}, "s.toml")


def test_staleness_follows_the_schedule() -> None:
    assert schedule_max_age_hours("15 * * * *") == 3 and schedule_max_age_hours("0 */6 * * *") == 18
    assert schedule_max_age_hours("@daily") == 26 and schedule_max_age_hours("30 6 * * *") == 26
    assert schedule_max_age_hours(None) is None


def test_shard_plans() -> None:
    assert plan_shards("s", 1) == [{"suffix": "", "shard": None, "since": None, "until": None}]
    assert [s["shard"] for s in plan_shards("s", 3)] == ["0/3", "1/3", "2/3"]
    assert plan_shards("s", 3, urls=["https://s.example/1"])[0]["shard"] is None
    days = plan_shards("s", 3, since="2025-05-01", until="2025-05-10", shard_days=4)
    assert [(d["suffix"], d["since"], d["until"]) for d in days] == [
        ("-d20250501", "2025-05-01", "2025-05-04"), ("-d20250505", "2025-05-05", "2025-05-08"),
        ("-d20250509", "2025-05-09", "2025-05-10")]
    command = crawl_command("s", "r", max_articles=5, urls=[], dry_run=False, store="/x", since="2025-05-01",
                            incremental=False, shard="1/3")
    assert command[-6:] == ["-a", "since=2025-05-01", "-a", "incremental=false", "-a", "shard=1/3"]
    assert parse_shard("1/3") == (1, 3)
    with pytest.raises(ValueError, match="shard must be i/n"):
        parse_shard("3/3")
    assert parse_bound("2025-05-31", "Asia/Seoul", end=True).isoformat() == "2025-06-01T00:00:00+09:00"
    with pytest.raises(ValueError, match="not a date"):
        parse_bound("yesterday", "Asia/Seoul", end=False)


def test_progress_line_says_where_a_long_crawl_is() -> None:
    stats = {"newsflow/articles": 40, "response_received_count": 120, "newsflow/discovered/article_urls": 90,
             "newsflow/pages/fetched": 50, "newsflow/dropped/short_body": 3, "newsflow/incremental/skipped_seen": 400,
             "newsflow/backoff/http_429": 2, "newsflow/budget/requests": 130}
    assert progress_line(stats, 60.0, 300) == ("articles 40/300, pages 120 (2.0/s), to fetch 40, dropped 3, "
                                               "seen before 400, back-offs 2, budget requests 130")


def test_compose_celery_profile_matches_what_the_celery_proof_runs() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    celery = {name for name, service in services.items() if "celery" in service.get("profiles", [])}
    assert celery == {"redis", "minio", "minio-init", "airflow-worker", "airflow-crawl-worker"}
    assert services["airflow-worker"]["command"].startswith("celery worker --queues default")
    assert "crawl" in services["airflow-crawl-worker"]["command"].split("--queues ")[1].split()[0].split(",")
    env = services["airflow-scheduler"]["environment"]
    for key in ("AIRFLOW__CORE__EXECUTOR", "AIRFLOW__CELERY__BROKER_URL", "AIRFLOW__CELERY__RESULT_BACKEND",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC", "NEWSFLOW_RUN_STORE", "FSSPEC_S3_ENDPOINT_URL"):
        assert key in env, key
    assert env["AIRFLOW__CORE__EXECUTOR"] == "${AIRFLOW__CORE__EXECUTOR:-LocalExecutor}"
    assert "psycopg_async" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"]
