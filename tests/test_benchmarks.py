"""The committed benchmark scripts still run and print their numbers (tiny sizes: a smoke test, not a measurement)."""

from __future__ import annotations

import os
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
              env=env)
    assert "articles 300: load" in out and "raw binary COPY" in out and "ratio" in out
    assert "the same articles again" in out
    rows = [line.split() for line in out.splitlines() if line.strip().startswith("600")]
    assert len(rows) == 1
    # Two measured loads: each cost is a median with the range of both beside it.
    assert rows[0][2].startswith("(") and rows[0][4].startswith("(")


def test_the_throughput_benchmark_prints_every_rate() -> None:
    out = run("benchmarks.throughput", "--pages", "40", "--repeat", "1", "--sample", "5")
    keys = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert {"ceiling_pages_per_s", "site_parsers_crawl_pages_per_s", "site_parsers_vs_ceiling",
            "generic_crawl_pages_per_s", "generic_vs_trafilatura", "trafilatura_pages_per_s"} <= keys
    assert ["site_parsers_articles", "40"] in [line.split() for line in out.splitlines()]
