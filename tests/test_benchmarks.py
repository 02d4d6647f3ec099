"""The committed benchmark scripts still run and print their numbers (tiny sizes: a smoke test, not a measurement)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_load_benchmark_prints_its_rates_and_growth(pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**os.environ, "NEWSFLOW_PG_ADMIN_URL": pg_admin_url}
    out = run("benchmarks.load", "--articles", "300", "--existing", "600", "--fill-batch", "300", "--repeat", "2",
              "--settle", env=env)
    assert out.startswith("every measured load and floor runs after a CHECKPOINT")
    assert "articles 300: load" in out and "raw binary COPY" in out and "ratio" in out
    assert "the same articles again" in out
    floor = [line for line in out.splitlines() if line.strip().startswith("schema floor")]
    assert len(floor) == 1 and "of the raw COPY" in floor[0], out
    # The load's share of the floor is the ratio of the two rates printed.
    load_rate = float(re.search(r"load ([\d,]+) articles/s", out)[1].replace(",", ""))
    floor_rate = float(re.search(r"nothing decided\): ([\d,]+) articles/s", floor[0])[1].replace(",", ""))
    share = float(re.search(r"the load runs at ([\d.]+) of it", floor[0])[1])
    assert share == pytest.approx(load_rate / floor_rate, abs=0.011), floor[0]
    rows = [line.split() for line in out.splitlines() if line.strip().startswith("600")]
    assert len(rows) == 1
    # Two measured loads and two schema floors: each cost is a median with the range of both beside it.
    assert rows[0][2].startswith("(") and rows[0][4].startswith("(") and rows[0][6].startswith("(")


def test_a_settled_load_starts_after_a_checkpoint(database_url: str, tmp_path: Path) -> None:
    from benchmarks.load import Texts, sentence_pool, timed_load, write_run
    from warehouse.db import connect
    from warehouse.migrate import apply_migrations

    apply_migrations(database_url)
    texts = Texts(sentence_pool(size=3000), seed=0)

    def checkpoints() -> int:
        with connect(database_url) as conn:
            return conn.execute("SELECT checkpoints_req FROM pg_stat_bgwriter").fetchone()[0]

    before = checkpoints()
    assert timed_load(database_url, write_run(tmp_path, "settled", 10, 0, texts), settle=True) > 0
    assert checkpoints() > before


def test_the_throughput_benchmark_prints_every_rate() -> None:
    out = run("benchmarks.throughput", "--pages", "40", "--repeat", "1", "--sample", "5")
    keys = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert {"ceiling_pages_per_s", "site_parsers_crawl_pages_per_s", "site_parsers_vs_ceiling",
            "generic_crawl_pages_per_s", "generic_vs_trafilatura", "trafilatura_pages_per_s"} <= keys
    assert ["site_parsers_articles", "40"] in [line.split() for line in out.splitlines()]


def test_the_schema_floor_writes_the_warehouse_tables_and_rolls_back(database_url: str, tmp_path: Path) -> None:
    from benchmarks.load import Texts, sentence_pool, timed_load, write_run
    from benchmarks.schema_floor import PARTS, schema_floor
    from warehouse.db import connect
    from warehouse.migrate import apply_migrations
    from warehouse.run_output import read_articles

    apply_migrations(database_url)
    texts = Texts(sentence_pool(size=3000), seed=0)
    loaded = write_run(tmp_path, "loaded", 30, 0, texts)
    timed_load(database_url, loaded)
    tables = ("articles", "article_revisions", "article_urls", "run_articles", "article_minhash",
              "article_lsh_keys", "story_clusters", "cluster_members", "crawl_runs")

    def counts() -> list[int]:
        with connect(database_url) as conn:
            return [conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables]

    def schema() -> tuple[int, int]:
        with connect(database_url) as conn:
            return conn.execute("SELECT (SELECT count(*) FROM pg_constraint WHERE contype = 'f'),"
                                " (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public')").fetchone()

    before, keys_and_indexes = counts(), schema()
    fresh = write_run(tmp_path, "fresh", 20, 1, texts, first=30)
    seconds, stored = schema_floor(database_url, read_articles(fresh))
    assert seconds > 0 and stored == 20
    assert counts() == before
    # The parts it is priced without are dropped inside its transaction and come back with the rollback.
    assert schema_floor(database_url, read_articles(fresh), PARTS).articles == 20
    assert counts() == before and schema() == keys_and_indexes
    with pytest.raises(ValueError, match="unknown schema parts"):
        schema_floor(database_url, read_articles(fresh), ["triggers"])
    # Texts the warehouse holds, or that come twice, are not new articles: they are left out.
    some_known = [*read_articles(loaded)][:5] + [*read_articles(fresh)][:3] * 2
    assert schema_floor(database_url, some_known).articles == 3
    with pytest.raises(ValueError, match="every text is in the warehouse"):
        schema_floor(database_url, read_articles(loaded))


def test_the_schema_floor_benchmark_prices_each_part(pg_admin_url: str) -> None:
    env = {**os.environ, "NEWSFLOW_PG_ADMIN_URL": pg_admin_url}
    out = run("benchmarks.schema_floor", "--articles", "100", "--repeat", "1", env=env)
    labels = [line.split(":")[0].strip() for line in out.splitlines()[1:]]
    assert labels == ["whole schema", "without foreign keys", "without secondary indexes", "without lsh keys",
                      "without all three"], out
    assert out.startswith("raw binary COPY") and all("of the raw COPY" in line for line in out.splitlines()[1:])


def test_the_week_filters_benchmark_prints_each_step(pg_admin_url: str) -> None:
    env = {**os.environ, "NEWSFLOW_PG_ADMIN_URL": pg_admin_url}
    out = run("benchmarks.week_filters", "--week-keys", "100000", "--articles", "200", "--repeat", "2", env=env)
    lines = out.splitlines()
    assert lines[0].startswith("three filters of") and "8,400 added" in lines[0], out
    assert len(lines) == 3 and all(re.match(r"\s+[\d.]+ ms/article: read \d+ ms, test \d+ ms, add \d+ ms, write \d+ ms",
                                            line) for line in lines[1:]), out


def test_the_rebuild_benchmark_times_the_sketches_a_crash_loses_and_checks_them(pg_admin_url: str) -> None:
    env = {**os.environ, "NEWSFLOW_PG_ADMIN_URL": pg_admin_url}
    out = run("benchmarks.rebuild", "--articles", "400", "--fill-batch", "200", env=env)
    lines = out.splitlines()
    assert re.match(r"400 versions and 16,800 LSH keys emptied; 400 queued and 400 rebuilt in [\d.]+ s: "
                    r"[\d.]+ ms a version$", lines[0]), out
    assert lines[1].startswith("ok: the rebuilt signatures are the ones the loads stored"), out
