"""Hostile text through the real loader: SQL-looking text, huge titles, NUL bytes, lone surrogates, endless URLs.

What a crawl writes is stored verbatim or repaired with a count before it is written (the
validate pipeline), so one hostile page never fails a whole run's load; what the loader is
handed from elsewhere is stored verbatim or rejected whole, never executed, never half loaded.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from newsflow.replay import ReplayServer
from newsflow.replay_faults import Fault
from newsflow.runoutput import RunOutput
from newsflow.tasks import load_output, run_crawl
from tests.synthetic_site import article_html, feed_xml, source_toml
from warehouse.run_output import LoadError

SQL_LIKE = ["'); DROP TABLE articles; --", "Robert'); DELETE FROM article_urls WHERE ('1'='1",
            "$$; DROP TABLE crawl_runs; $$", "%s %(run_id)s {0} \\'; TRUNCATE sources CASCADE; --",
            "\\x27 OR 1=1 --", "COPY articles TO PROGRAM 'id'"]
_RNG = random.Random(6)
ENDLESS = "".join(_RNG.choice(string.ascii_letters) for _ in range(9000))  # compresses poorly, like a real one


def write_output(folder: Path, run_id: str, records: list[dict[str, Any]],
                 make_manifest: Callable[..., dict[str, Any]]) -> str:
    """A run output as a crawl writes it, lines JSON-escaped (so "\\ud800" stays a valid UTF-8 file)."""
    folder.mkdir(parents=True)
    lines = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)
    (folder / "articles.jsonl").write_text(lines, encoding="ascii")
    (folder / "stats.json").write_text("{}")
    manifest = make_manifest(run_id, [{}] * len(records), output_uri=str(folder))
    manifest["articles"]["sha256"] = hashlib.sha256(lines.encode()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return str(folder)


def table_counts(url: str) -> tuple[int, int, int]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM article_urls),"
                            " (SELECT count(*) FROM crawl_runs)").fetchone()


def test_sql_looking_text_and_huge_titles_are_stored_verbatim(
    migrated_url: str, tmp_path: Path, make_article: Callable[..., dict[str, Any]],
    make_manifest: Callable[..., dict[str, Any]],
) -> None:
    records = [make_article(n, title=text, authors=[text], section=text, tags=[text, "정상"],
                            body=f"{text}\n\n본문 {n}: " + "가나다라 " * 40,
                            url=f"https://www.mk.co.kr/news/economy/{n}?q={text.replace(' ', '%20')}")
               for n, text in enumerate(SQL_LIKE)]
    huge_title = "제목" * 50_000
    records.append(make_article(99, title=huge_title, body="긴 제목의 기사. " * 10_000))
    uri = write_output(tmp_path / "run", "mk-hostile-1", records, make_manifest)
    assert load_output(uri, migrated_url)["articles_new"] == len(records)
    with psycopg.connect(migrated_url) as conn:
        stored = {r[0]: r[1:] for r in conn.execute(
            "SELECT title, authors, section, tags, body FROM articles").fetchall()}
        urls = {r[0] for r in conn.execute("SELECT url FROM article_urls")}
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
    for record in records[:-1]:
        title = record["title"]
        assert stored[title][:3] == ([title], title, [title, "정상"]) and stored[title][3] == record["body"]
        assert record["url"] in urls
    assert len(stored[huge_title][3]) == len(records[-1]["body"]) and huge_title in stored
    assert tables >= 15 and table_counts(migrated_url) == (len(records), len(records), 1)


@pytest.mark.parametrize(("field", "value"), [
    ("title", "제목\u0000널"), ("body", "본문에 널 문자\u0000가 있다. " * 10), ("authors", ["홍\u0000길동"]),
    ("title", "제목 \ud800 대리"), ("canonical_url", "https://www.mk.co.kr/" + ENDLESS),
    ("other_urls", ["https://www.mk.co.kr/news/" + ENDLESS]),
], ids=["nul-title", "nul-body", "nul-author", "lone-surrogate", "endless-canonical-url", "endless-other-url"])
def test_what_postgresql_cannot_store_is_rejected_whole_and_nothing_is_written(
    migrated_url: str, tmp_path: Path, make_article: Callable[..., dict[str, Any]],
    make_manifest: Callable[..., dict[str, Any]], field: str, value: Any,
) -> None:
    records = [make_article(1), make_article(2, **{field: value}), make_article(3)]
    uri = write_output(tmp_path / "run", "mk-unstorable-1", records, make_manifest)
    with pytest.raises((LoadError, psycopg.Error, UnicodeEncodeError)) as raised:
        load_output(uri, migrated_url)
    assert any(word in str(raised.value) for word in ("0x00", "surrogate", "index row", "U+0000", field))
    assert table_counts(migrated_url) == (0, 0, 0)


@pytest.mark.parametrize(("field", "value"), [
    ("title", "제목\u0000널"), ("title", "제목 \ud800 대리"),
    ("canonical_url", "https://www.mk.co.kr/" + ENDLESS),
], ids=["nul", "lone-surrogate", "endless-url"])
def test_the_loader_names_the_article_and_field_it_cannot_store(
    migrated_url: str, tmp_path: Path, make_article: Callable[..., dict[str, Any]],
    make_manifest: Callable[..., dict[str, Any]], field: str, value: Any,
) -> None:
    records = [make_article(1), make_article(2, **{field: value})]
    uri = write_output(tmp_path / "run", "mk-unstorable-2", records, make_manifest)
    with pytest.raises(LoadError, match=field) as raised:
        load_output(uri, migrated_url)
    assert records[1]["url"] in str(raised.value)


def test_a_crawl_of_hostile_pages_loads_with_the_unstorable_repaired_and_the_rest_verbatim(
    migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(tmp_path / "sources"))
    monkeypatch.setenv("NEWSFLOW_RUN_STORE", str(tmp_path / "runs"))
    site = tmp_path / "site"
    (site / "news").mkdir(parents=True)
    pages = {
        "nul": article_html(1, headline="널\u0000문자 \ud800 제목"),
        "sql": article_html(2, headline=SQL_LIKE[0], text=html.escape(" ".join(SQL_LIKE))),
        "huge-title": article_html(3, headline="제목" * 50_000),
        "long-canonical": article_html(4, head=f'<link rel="canonical" href="{{BASE}}/news/{ENDLESS}">'),
        "plain": article_html(5),
    }
    for name, page in pages.items():
        (site / "news" / f"{name}.html").write_text(page, encoding="utf-8")
    links = [f"{{BASE}}/news/{name}.html" for name in [*pages, "redirect"]]
    (site / "feed.xml").write_text(feed_xml(links), encoding="utf-8")
    server = ReplayServer(site).start()
    server.faults = lambda path, attempt: (Fault(redirect=f"{server.base_url}/news/{ENDLESS}")
                                           if path.endswith("redirect.html") else None)
    source_toml(tmp_path / "sources", "hostile", feeds=[f"{server.base_url}/feed.xml"])
    try:
        manifest = run_crawl("hostile", "hostile-load-1", log=lambda line: None)
    finally:
        server.stop()
    stats = RunOutput.open(manifest["output_uri"]).stats()
    assert stats["newsflow/repaired/unstorable_text"] == 1 and stats["newsflow/repaired/long_url"] == 1
    assert stats["newsflow/refused/url_too_long"] == 1 and stats["newsflow/refused/redirect"] == 1
    assert load_output(manifest["output_uri"], migrated_url)["articles_new"] == len(pages)
    with psycopg.connect(migrated_url) as conn:
        titles = {r[0] for r in conn.execute("SELECT title FROM articles")}
        bodies = "\n".join(r[0] for r in conn.execute("SELECT body FROM articles"))
        canonical = [r[0] for r in conn.execute("SELECT canonical_url FROM articles WHERE canonical_url IS NOT NULL")]
    assert "널문자 \ufffd 제목" in titles and SQL_LIKE[0] in titles and "제목" * 50_000 in titles
    assert " ".join(SQL_LIKE) in bodies
    assert all(len(url) < 2100 for url in canonical)
