"""The ``newsflow`` command against a real database and a real crawl's output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsflow.tasks import run_crawl
from tests.replay_site import copy_demo_site, serving, write_source


def newsflow(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newsflow", *args], capture_output=True, text=True, env=env)


def test_migrate_then_nothing_to_do(database_url: str) -> None:
    first = newsflow("migrate", "--database-url", database_url)
    assert first.returncode == 0 and "0001_init" in first.stdout
    again = newsflow("migrate", "--database-url", database_url)
    assert again.returncode == 0 and "nothing (up to date)" in again.stdout


def test_load_a_crawl_then_see_it_in_runs(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = tmp_path / "sources"
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(sources))
    site = copy_demo_site(tmp_path / "site")
    with serving(site) as server:
        write_source(sources, "cli", server.base_url, feeds=["feed.xml"])
        manifest = run_crawl("cli", "cli-run-1", store=str(tmp_path / "runs"), log=lambda line: None)
    loaded = newsflow("load", manifest["output_uri"], "--database-url", database_url)
    assert loaded.returncode == 0, loaded.stderr
    result = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert result["articles_in_output"] == 4 and result["articles_new"] == 4
    again = newsflow("load", manifest["output_uri"], "--database-url", database_url)
    assert json.loads(again.stdout.strip().splitlines()[-1])["already_loaded"] is True
    runs = newsflow("runs", "--database-url", database_url)
    assert "cli-run-1" in runs.stdout and "loaded" in runs.stdout


def test_errors_are_one_clear_line(tmp_path: Path, database_url: str) -> None:
    missing = newsflow("load", str(tmp_path / "nowhere"), "--database-url", database_url)
    assert missing.returncode == 1
    assert missing.stderr.strip().startswith("newsflow load: error: no manifest.json")
    assert "Traceback" not in missing.stderr
    env = {k: v for k, v in __import__("os").environ.items() if k != "NEWSFLOW_DATABASE_URL"}
    unset = newsflow("runs", env=env)
    assert unset.returncode == 1 and "set NEWSFLOW_DATABASE_URL" in unset.stderr


def test_sources_and_pools_list_the_registry() -> None:
    listed = newsflow("sources")
    assert listed.returncode == 0 and "mk" in listed.stdout and "naver" in listed.stdout
    pools = json.loads(newsflow("pools").stdout)
    assert pools["newsflow_mk"]["slots"] == 1
