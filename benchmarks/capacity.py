"""How many sources and articles a day one machine handles: the cost of a crawl run, a load and an idle run.

    python -m benchmarks.capacity --pages 2000 [--json FILE]

1. Builds a replay site of ``--pages`` copies of the demo's real Maeil Business article pages,
   each with its own sentence in the body (so each has its own content hash), listed in one
   sitemap with dates, and serves it on loopback.
2. First run: ``scrapy crawl news`` as the DAG runs it (its own process, incremental state in
   PostgreSQL, every pipeline, run output), with politeness off (16 concurrent requests, no
   delay) to measure the machine, not the site. Wall time and the crawl process's CPU time.
3. Load and check: ``load_output`` (articles, URLs, seen state, one transaction) and
   ``check_output`` (completeness and the quality gates): wall time.
4. Second run: the same source again, incremental: the sitemap answers 304, nothing is
   fetched. Its cost is the fixed cost of every scheduled run that finds nothing new.
5. Prints the measurements and what they mean for one machine (see docs/operations.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from newsflow.replay import ReplayServer
from newsflow.runoutput import RunOutput
from newsflow.tasks import check_output, load_output, run_crawl
from parsers import extract
from pipelines.clean import clean_article

DEMO = Path(__file__).resolve().parents[1] / "newsflow" / "demo" / "site" / "www.mk.co.kr" / "news"
DAY = 86_400


def _templates() -> list[tuple[str, str]]:
    """(html, anchor) of each demo MK page: the anchor is the body's first sentence, once in the HTML."""
    found = []
    for path in sorted(DEMO.glob("*/*.html.gz")):
        raw = gzip.decompress(path.read_bytes())
        html = raw.decode("utf-8")
        body = clean_article(extract(raw, "https://www.mk.co.kr/news/x/1")).body
        first = body.split("\n\n")[0]
        cut = first.find("다.")
        anchor = first[: cut + 2] if cut > 10 else first[:20]
        if html.count(anchor) == 1:
            found.append((html, anchor))
    return found


def build_site(root: Path, pages: int) -> None:
    templates = _templates()
    urls = []
    for i in range(pages):
        html, anchor = templates[i % len(templates)]
        folder = root / "news" / "economy"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{20000000 + i}.html").write_text(
            html.replace(anchor, f"{anchor} 벤치마크 문장 {i}번입니다."), encoding="utf-8")
        urls.append(f"<url><loc>{{BASE}}/news/economy/{20000000 + i}</loc>"
                    f"<lastmod>2026-11-{1 + i % 27:02d}T09:00:00+09:00</lastmod></url>")
    (root / "sitemap.xml").write_text('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                                      '"http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(urls) + "</urlset>")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed_crawl(run_id: str, database_url: str, pages: int) -> dict[str, Any]:
    cpu, wall = _child_cpu(), time.monotonic()
    manifest = run_crawl("bench", run_id, max_articles=pages, database_url=database_url, log=lambda line: None)
    wall, cpu = time.monotonic() - wall, _child_cpu() - cpu
    stats = RunOutput.open(manifest["output_uri"]).stats()
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "articles": manifest["articles"]["count"],
            "responses": stats.get("downloader/response_count", 0), "idle": manifest["verdict"].get("idle"),
            "uri": manifest["output_uri"]}


def measure(pages: int, work: Path, admin_url: str) -> dict[str, Any]:
    from warehouse.server import create_database, drop_database

    build_site(work / "site", pages)
    name = f"newsflow_bench_{uuid.uuid4().hex[:8]}"
    database_url = create_database(admin_url, name)
    server = ReplayServer(work / "site").start()
    try:
        sources = work / "sources"
        sources.mkdir()
        (sources / "bench.toml").write_text(
            f'id = "bench"\nname = "bench"\npublisher = "bench"\nsitemaps = ["{server.base_url}/sitemap.xml"]\n'
            f'article_url_patterns = ["/news/"]\nallowed_domains = ["127.0.0.1"]\nallow_private_addresses = true\n'
            f"max_articles = {pages}\n[politeness]\nconcurrency = 16\ndownload_delay = 0.0\n"
            f"autothrottle_target = 16.0\n[rights]\ntdmrep_file = false\n")
        os.environ.update({"NEWSFLOW_SOURCES": str(sources), "NEWSFLOW_RUN_STORE": str(work / "runs")})
        first = _timed_crawl("bench-1", database_url, pages)
        started = time.monotonic()
        loaded = load_output(first["uri"], database_url)
        load_wall = time.monotonic() - started
        started = time.monotonic()
        check_output(first["uri"], database_url)
        check_wall = time.monotonic() - started
        idle = _timed_crawl("bench-2", database_url, pages)
        started = time.monotonic()
        load_output(idle["uri"], database_url)
        check_output(idle["uri"], database_url)
        idle_load_wall = time.monotonic() - started
    finally:
        server.stop()
        drop_database(admin_url, name)
    return {"pages": pages, "crawl": first, "load_wall_s": round(load_wall, 2), "loaded": loaded,
            "check_wall_s": round(check_wall, 2), "idle_crawl": idle,
            "idle_load_check_wall_s": round(idle_load_wall, 2)}


# Measured with tests/celery_stack.py (python -m tests.celery_stack) on this 2-core machine: the CPU an
# Airflow 3 task instance costs its Celery worker beyond the work it runs (task supervisor, task process,
# execution-API calls), and the scheduler + API server + DAG processor while runs are going.
AIRFLOW_TASK_CPU_S = 1.8
AIRFLOW_CONTROL_PLANE_CPU_SHARE = 0.15
TASKS_PER_RUN = 4  # plan, crawl, load, check


def capacity(result: dict[str, Any], cores: int = 2, busy: float = 0.7, articles_per_source_day: int = 300,
             runs_per_day: int = 24) -> dict[str, Any]:
    """What the measurements mean for one machine: CPU seconds a day against what sources cost."""
    crawl = result["crawl"]
    per_article = (crawl["cpu_s"] + result["load_wall_s"] + result["check_wall_s"]) / max(crawl["articles"], 1)
    per_idle_run = result["idle_crawl"]["cpu_s"] + result["idle_load_check_wall_s"]
    per_run = per_idle_run + TASKS_PER_RUN * AIRFLOW_TASK_CPU_S
    budget = cores * DAY * (busy - AIRFLOW_CONTROL_PLANE_CPU_SHARE)
    per_source = runs_per_day * per_run + articles_per_source_day * per_article
    sources = int(budget / per_source)
    return {
        "cpu_s_per_article": round(per_article, 4),
        "cpu_s_per_scheduled_run_newsflow": round(per_idle_run, 2),
        "cpu_s_per_scheduled_run_with_airflow": round(per_run, 2),
        "articles_per_day_if_cpu_went_only_to_articles": int(budget / per_article),
        "sources_per_machine": sources,
        "articles_per_day_at_that": sources * articles_per_source_day,
        "assumptions": f"{cores} cores, {busy:.0%} busy of which {AIRFLOW_CONTROL_PLANE_CPU_SHARE:.0%} for Airflow's "
                       f"scheduler/API/DAG processor; a source = {runs_per_day} runs/day of {TASKS_PER_RUN} tasks "
                       f"({AIRFLOW_TASK_CPU_S} CPU-s each) and {articles_per_source_day} new articles/day",
    }


def main() -> int:
    from warehouse.server import find_postgres

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    admin = find_postgres(Path(__file__).resolve().parents[1] / ".data" / "pg-test")
    with tempfile.TemporaryDirectory(prefix="newsflow-capacity-") as work:
        result = measure(args.pages, Path(work), admin)
    result["capacity"] = capacity(result)
    crawl, idle = result["crawl"], result["idle_crawl"]
    print(f"crawl of {crawl['articles']} articles: {crawl['wall_s']} s wall, {crawl['cpu_s']} s CPU "
          f"({crawl['articles'] / crawl['wall_s']:.0f} articles/s)")
    print(f"load: {result['load_wall_s']} s ({crawl['articles'] / result['load_wall_s']:.0f} articles/s); "
          f"quality gates: {result['check_wall_s']} s")
    print(f"incremental re-run ({idle['idle']}): {idle['wall_s']} s wall, {idle['cpu_s']} s CPU, "
          f"{idle['responses']} responses; its load and checks: {result['idle_load_check_wall_s']} s")
    print(json.dumps(result["capacity"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
