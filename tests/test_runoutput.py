"""Run output: written whole or not at all, read back only when it matches its manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsflow.runoutput import RunOutput, RunOutputError, RunOutputWriter, run_uri


def _write(uri: str, n: int = 3) -> dict:
    writer = RunOutputWriter(uri)
    for i in range(n):
        writer.write({"url": f"https://x.kr/{i}", "content_hash": f"v1:{i}", "other_urls": []})
    writer.add_other_url("v1:1", "https://x.kr/1?utm=a")
    writer.add_other_url("v1:1", "https://x.kr/1?utm=a")
    return writer.finish({"run_id": "r1", "source": {"id": "x"}}, {"finish_reason": "finished"})


def test_round_trip_with_in_run_duplicates_merged(tmp_path: Path) -> None:
    uri = run_uri(str(tmp_path), "x", "r1")
    manifest = _write(uri)
    output = RunOutput.open(uri)
    assert output.manifest == json.loads(json.dumps(manifest))
    records = list(output.articles())
    assert [r["url"] for r in records] == ["https://x.kr/0", "https://x.kr/1", "https://x.kr/2"]
    assert records[1]["other_urls"] == ["https://x.kr/1?utm=a"]
    assert output.stats() == {"finish_reason": "finished"}


def test_memory_filesystem_url_works_like_object_storage() -> None:
    uri = "memory://newsflow-test/runs/x/r1"
    _write(uri)
    assert len(list(RunOutput.open(uri).articles())) == 3


def test_unfinished_run_has_no_manifest(tmp_path: Path) -> None:
    uri = run_uri(str(tmp_path), "x", "r1")
    RunOutputWriter(uri).write({"url": "u"})  # never finished: a killed crawl
    with pytest.raises(RunOutputError, match="did not finish"):
        RunOutput.open(uri)


def test_tampered_articles_are_refused(tmp_path: Path) -> None:
    uri = run_uri(str(tmp_path), "x", "r1")
    _write(uri)
    with open(f"{uri}/articles.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"url": "https://x.kr/extra"}\n')
    with pytest.raises(RunOutputError, match="does not match its manifest"):
        list(RunOutput.open(uri).articles())


def test_location_that_is_a_file_fails_at_start(tmp_path: Path) -> None:
    blocker = tmp_path / "store"
    blocker.write_text("a file, not a folder")
    with pytest.raises(RunOutputError, match="not writable"):
        RunOutputWriter(run_uri(str(blocker), "x", "r1"))


def test_state_pages_stream_from_any_iterable_and_match_the_manifest(tmp_path: Path) -> None:
    uri = run_uri(str(tmp_path), "x", "r1")
    writer = RunOutputWriter(uri)
    writer.write({"url": "https://x.kr/0", "content_hash": "v1:0", "other_urls": []})
    pages = ({"url": f"https://x.kr/{i}", "status": 200, "title": "제목"} for i in range(3))
    state = {"mode": "scheduled", "pages": pages, "documents": [{"url": "https://x.kr/sitemap.xml"}]}
    manifest = writer.finish({"run_id": "r1", "source": {"id": "x"}}, {}, state)
    assert manifest["state"]["pages"] == 3 and manifest["state"]["documents"] == 1
    stored = RunOutput.open(uri).state()
    assert stored == {"mode": "scheduled", "documents": [{"url": "https://x.kr/sitemap.xml"}],
                      "pages": [{"url": f"https://x.kr/{i}", "status": 200, "title": "제목"} for i in range(3)]}
