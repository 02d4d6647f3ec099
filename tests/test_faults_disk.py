"""Run output that cannot be written: an unwritable location, a disk that fills up, a file size limit.

Each fails the crawl task with an error that says why, leaves no manifest, and so nothing of
the run can be loaded. Root ignores file permissions, so the unwritable location is a path
through a regular file; the full disk is a 64 KB tmpfs (skipped where ``mount`` is not
allowed); the size limit is ``RLIMIT_FSIZE`` set in the crawl child only.
"""

from __future__ import annotations

import functools
import resource
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow import tasks
from newsflow.replay import ReplayServer
from newsflow.runoutput import RunOutputError, run_uri
from newsflow.tasks import CrawlFailed, load_output, run_crawl
from tests.synthetic_site import build_site, source_toml

PAGES = 80  # about 200 KB of run output


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayServer]:
    sources = tmp_path / "sources"
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(sources))
    monkeypatch.delenv("NEWSFLOW_DATABASE_URL", raising=False)
    build_site(tmp_path / "site", PAGES)
    server = ReplayServer(tmp_path / "site").start()
    source_toml(sources, "disk", feeds=[f"{server.base_url}/feed.xml"])
    try:
        yield server
    finally:
        server.stop()


def assert_nothing_loadable(store: str, database_url: str) -> None:
    with pytest.raises(RunOutputError, match="did not finish"):
        load_output(run_uri(store, "disk", "disk-1"), database_url)


def test_a_run_store_that_is_not_a_folder_fails_the_crawl_at_its_start(
    site: ReplayServer, tmp_path: Path, migrated_url: str
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the run store should be")
    store = str(blocker / "runs")
    with pytest.raises(CrawlFailed, match="not writable") as raised:
        run_crawl("disk", "disk-1", store=store, database_url=migrated_url, log=lambda line: None)
    assert "disk-1" in str(raised.value)
    assert not [p for p in site.hits if p.startswith("/news/")], "nothing is fetched for output that cannot be kept"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mountpoint = tmp_path / f"tiny-{uuid.uuid4().hex[:6]}"
    mountpoint.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mountpoint)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=True)


def test_a_disk_that_fills_up_fails_the_crawl_and_nothing_is_loaded(
    site: ReplayServer, tiny_disk: Path, migrated_url: str
) -> None:
    store = str(tiny_disk / "runs")
    with pytest.raises(CrawlFailed, match="No space left on device"):
        run_crawl("disk", "disk-1", store=store, database_url=migrated_url, log=lambda line: None)
    assert not (tiny_disk / "runs" / "disk" / "disk-1" / "manifest.json").exists()
    assert_nothing_loadable(store, migrated_url)


def _limit_file_size(limit: int) -> None:
    # In the child only, between fork and exec. Python ignores SIGXFSZ, so a write past the
    # limit fails with EFBIG ("File too large") instead of killing the crawl.
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_file_size_limit_stops_the_crawl_mid_run_with_a_clear_error(
    site: ReplayServer, tmp_path: Path, migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks.subprocess, "Popen", functools.partial(subprocess.Popen,
                                                                     preexec_fn=functools.partial(_limit_file_size,
                                                                                                  64 * 1024)))
    store = str(tmp_path / "runs")
    log: list[str] = []
    with pytest.raises(CrawlFailed, match="File too large"):
        run_crawl("disk", "disk-1", store=store, database_url=migrated_url, log=log.append)
    assert any("'finish_reason': 'run_output_failed'" in line for line in log)
    assert not Path(run_uri(store, "disk", "disk-1"), "manifest.json").exists()
    assert_nothing_loadable(store, migrated_url)
