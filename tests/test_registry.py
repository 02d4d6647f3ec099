"""The source registry: every bundled source loads; malformed files fail with a message naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.airflow_env import DEMO_SOURCES
from newsflow.registry import BUILTIN_SOURCES, SourceConfigError, get_source, load_sources, parse_source

MINIMAL = {"id": "x", "name": "X", "publisher": "엑스", "feeds": ["https://x.kr/rss"]}


def test_bundled_sources_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_SOURCES", f"{BUILTIN_SOURCES}:{DEMO_SOURCES}")
    sources = load_sources()
    assert "demo" in sources
    for source in sources.values():
        assert source.start_urls and source.allowed_domains


def test_environment_references_expand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(DEMO_SOURCES))
    monkeypatch.setenv("NEWSFLOW_DEMO_SITE", "http://127.0.0.1:9999")
    assert get_source("demo").feeds == ("http://127.0.0.1:9999/feed.xml",)
    monkeypatch.delenv("NEWSFLOW_DEMO_SITE")
    assert get_source("demo").feeds == ("http://127.0.0.1:8765/feed.xml",)


def test_defaults_and_derived_domains() -> None:
    source = parse_source(MINIMAL)
    assert source.allowed_domains == ("x.kr",)
    assert source.schedule == "@hourly" and source.timezone == "Asia/Seoul"
    assert source.is_allowed("https://news.x.kr/a") and not source.is_allowed("https://evil.kr/x.kr")
    assert not source.is_allowed("ftp://x.kr/a")


def test_schedule_none_means_manual_only() -> None:
    assert parse_source({**MINIMAL, "schedule": "none"}).schedule is None
    assert parse_source({**MINIMAL, "schedule": "*/15 * * * *"}).schedule == "*/15 * * * *"


@pytest.mark.parametrize(("change", "message"), [
    ({"id": "Bad Id"}, "id 'Bad Id'"),
    ({"feeds": []}, "at least one feed, sitemap or listing"),
    ({"feeds": ["x.kr/rss"]}, "not an absolute http(s) URL"),
    ({"article_url_patterns": ["("]}, "not a regular expression"),
    ({"schedule": "often"}, "neither a cron expression"),
    ({"max_articles": 0}, "max_articles"),
    ({"colour": "blue"}, "unknown field(s) colour"),
    ({"politeness": {"speed": 1}}, "[politeness]"),
    ({"name": ""}, "'name' is required"),
])
def test_malformed_sources_are_refused_with_the_field_named(change: dict, message: str) -> None:
    with pytest.raises(SourceConfigError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        parse_source({**MINIMAL, **change}, "x.toml")


def test_duplicate_ids_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text('id = "x"\nname = "X"\npublisher = "X"\nfeeds = ["https://x.kr/rss"]\n')
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(tmp_path))
    with pytest.raises(SourceConfigError, match="already defined"):
        load_sources()


def test_unknown_source_names_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(DEMO_SOURCES))
    with pytest.raises(KeyError, match="known: demo"):
        get_source("nope")
