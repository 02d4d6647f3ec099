"""Revisions: a changed text at a known URL is a new version of the same article, with every old text kept."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from warehouse.db import connect
from warehouse.load import load_run
from warehouse.migrate import MIGRATIONS_DIR, apply_migrations

MakeArticle = Callable[..., dict[str, Any]]
MakeManifest = Callable[..., dict[str, Any]]
URL = "https://www.mk.co.kr/news/economy/11200001"
V1 = "반도체 수출이 석 달 연속 늘었다.\n\n산업통상자원부는 11월 수출이 12% 증가했다고 밝혔다."
V2 = V1 + "\n\n(수정) 정부는 내년 수출 목표를 7000억 달러로 잡았다."
V3 = V2.replace("12%", "13%")
TABLES = ("articles", "article_revisions", "article_urls", "run_articles", "story_clusters", "cluster_members",
          "story_links", "article_minhash", "article_lsh_bands", "crawl_runs")


def version(make_article: MakeArticle, body: str, fetched_at: str, **fields: Any) -> dict[str, Any]:
    return make_article(1, body=body, content_hash="v1:" + hashlib.sha256(body.encode()).hexdigest(),
                        fetched_at=fetched_at, **fields)


def dump(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in TABLES}


@pytest.fixture
def conn(migrated_url: str) -> psycopg.Connection:
    with connect(migrated_url) as conn:
        yield conn


def test_changed_text_at_a_known_url_is_a_revision_not_a_new_article(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    first = version(make_article, V1, "2026-11-27T01:00:00+00:00")
    load_run(conn, make_manifest("run-1", [first]), {}, [first])
    second = version(make_article, V2, "2026-11-27T05:00:00+00:00", title="기사 제목 1 (수정)",
                     modified_at="2026-11-27T14:00:00+09:00", modified_at_raw="수정 2026-11-27 14:00")
    result = load_run(conn, make_manifest("run-2", [second]), {}, [second])
    assert (result.articles_new, result.revisions_new, result.urls_new) == (0, 1, 0)
    (article_id, body, title, modified), = conn.execute(
        "SELECT article_id, body, title, modified_at::text FROM articles").fetchall()
    assert (body, title, modified) == (V2, "기사 제목 1 (수정)", "2026-11-27 05:00:00+00")
    assert conn.execute("SELECT count(*) FROM article_urls").fetchone() == (1,)
    versions = conn.execute(
        "SELECT version, is_current, body, modified_at_raw, first_seen_at::text, first_run_id FROM article_versions"
        " WHERE article_id = %s ORDER BY version", (article_id,)
    ).fetchall()
    assert versions == [
        (1, False, V1, None, "2026-11-27 01:00:00+00", "run-1"),
        (2, True, V2, "수정 2026-11-27 14:00", "2026-11-27 05:00:00+00", "run-2"),
    ]
    # Each text is stored once: the current one in articles, the older one in its revision row.
    assert conn.execute("SELECT count(body) FROM article_revisions").fetchone() == (1,)
    edited = conn.execute("SELECT url, versions_seen, revisions FROM edited_articles").fetchall()
    assert edited == [(URL, 2, 1)]
    assert conn.execute("SELECT revisions_new FROM crawl_runs WHERE run_id = 'run-2'").fetchone() == (1,)


def test_an_older_version_loaded_late_is_kept_but_does_not_become_current(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    newer = version(make_article, V2, "2026-11-28T01:00:00+00:00")
    older = version(make_article, V1, "2026-11-27T01:00:00+00:00")
    load_run(conn, make_manifest("run-new", [newer]), {}, [newer])
    load_run(conn, make_manifest("run-old", [older]), {}, [older])
    assert conn.execute("SELECT body FROM articles").fetchall() == [(V2,)]
    rows = conn.execute("SELECT is_current, body FROM article_versions ORDER BY version").fetchall()
    assert rows == [(False, V1), (True, V2)]  # numbered by when each was seen, not by loading order


def test_three_versions_and_a_revert_keep_one_article(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    for i, (body, when) in enumerate([(V1, "01"), (V2, "02"), (V3, "03"), (V1, "04")]):
        record = version(make_article, body, f"2026-11-27T{when}:00:00+00:00")
        load_run(conn, make_manifest(f"run-{i}", [record]), {}, [record])
    assert conn.execute("SELECT count(*), min(body) FROM articles").fetchone() == (1, V3)
    assert conn.execute("SELECT count(*) FROM article_revisions").fetchone() == (3,)
    # The revert is a sighting of a known version, not a new one.
    assert conn.execute(
        "SELECT last_seen_at::text FROM article_revisions WHERE body = %s", (V1,)
    ).fetchone() == ("2026-11-27 04:00:00+00",)
    assert conn.execute("SELECT versions_seen, revisions FROM edited_articles").fetchone() == (3, 2)


def test_two_versions_of_one_url_in_one_run_are_one_article(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    records = [version(make_article, V2, "2026-11-27T02:00:00+00:00"),
               version(make_article, V1, "2026-11-27T01:00:00+00:00")]
    result = load_run(conn, make_manifest("run-1", records), {}, records)
    assert (result.articles_new, result.revisions_new) == (1, 0)
    assert conn.execute("SELECT body, first_seen_at::text FROM articles").fetchall() == [
        (V2, "2026-11-27 01:00:00+00")
    ]
    assert conn.execute("SELECT count(*) FROM article_revisions").fetchone() == (2,)


def test_a_revision_seen_at_an_in_run_duplicate_url_joins_that_article(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    mobile = "https://m.mk.co.kr/news/economy/11200001"
    first = version(make_article, V1, "2026-11-27T01:00:00+00:00", url=mobile)
    load_run(conn, make_manifest("run-1", [first]), {}, [first])
    second = version(make_article, V2, "2026-11-27T05:00:00+00:00", other_urls=[mobile])
    load_run(conn, make_manifest("run-2", [second]), {}, [second])
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (1,)
    assert sorted(conn.execute("SELECT url FROM article_urls").fetchall()) == [(mobile,), (URL,)]


def test_reloading_revisions_writes_nothing(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    runs = []
    for i, (body, when) in enumerate([(V1, "01"), (V2, "02")]):
        record = version(make_article, body, f"2026-11-27T{when}:00:00+00:00")
        runs.append((make_manifest(f"run-{i}", [record]), [record]))
        load_run(conn, runs[-1][0], {}, runs[-1][1])
    before = dump(conn)
    for manifest, records in runs:
        assert load_run(conn, manifest, {}, records).already_loaded
    assert dump(conn) == before


def test_migrating_a_warehouse_loaded_before_revisions(
    database_url: str, tmp_path: Path, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    # The schema as it was (0001, 0002) with rows written the way the old loader wrote them.
    old = tmp_path / "old"
    old.mkdir()
    for name in ("0001_init.sql", "0002_views.sql"):
        (old / name).write_bytes((MIGRATIONS_DIR / name).read_bytes())
    apply_migrations(database_url, old)
    with connect(database_url) as conn:
        conn.execute("INSERT INTO sources (source_id, name, updated_at) VALUES ('mk', 'mk', now())")
        conn.execute("INSERT INTO crawl_runs (run_id, source_id, status) VALUES ('old-run', 'mk', 'loaded')")
        conn.execute(
            "INSERT INTO articles (content_hash, hash_version, source_id, title, body, first_seen_at, first_run_id,"
            " extractor) VALUES ('v1:ab', 1, 'mk', 't', %s, '2026-11-01T00:00:00Z', 'old-run', 'mk.co.kr')", (V1,))
        conn.execute(
            "INSERT INTO article_urls (url, article_id, source_id, first_seen_at, last_seen_at, first_run_id,"
            " last_run_id) SELECT %s, article_id, 'mk', '2026-11-01T00:00:00Z', '2026-11-03T00:00:00Z',"
            " 'old-run', 'old-run' FROM articles", (URL,))
    apply_migrations(database_url)
    with connect(database_url) as conn:
        assert conn.execute(
            "SELECT version, is_current, body, url, last_seen_at::text FROM article_versions"
        ).fetchall() == [(1, True, V1, URL, "2026-11-03 00:00:00+00")]
        assert conn.execute("SELECT extractor FROM article_urls").fetchone() == ("mk.co.kr",)
        assert conn.execute("SELECT role, url FROM story_copies").fetchall() == [("original", URL)]
        # The old article takes new versions like any other.
        record = version(make_article, V2, "2026-11-27T05:00:00+00:00")
        assert load_run(conn, make_manifest("run-2", [record]), {}, [record]).revisions_new == 1
