"""The run loader: one transaction per run, idempotent, articles deduplicated by the database."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from warehouse.checks import check_loaded_run
from warehouse.db import connect
from warehouse.load import LoadError, LoadResult, load_run, record_failed_run

TABLES = {
    "sources": "source_id",
    "crawl_runs": "run_id",
    "articles": "article_id",
    "article_urls": "url, article_id",
    "run_articles": "run_id, article_id",
}

MakeArticle = Callable[..., dict[str, Any]]
MakeManifest = Callable[..., dict[str, Any]]


def dump(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    """Every row of every warehouse table, in key order."""
    return {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()
        for table, key in TABLES.items()
    }


def count(conn: psycopg.Connection, query: str, *params: Any) -> int:
    return conn.execute(query, params).fetchone()[0]


@pytest.fixture
def conn(migrated_url: str) -> psycopg.Connection:
    with connect(migrated_url) as conn:
        yield conn


def test_loads_a_run(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    records = [make_article(n) for n in range(3)]
    manifest = make_manifest("run-1", records)
    result = load_run(conn, manifest, {"item_scraped_count": 3}, iter(records))
    assert result == LoadResult(articles_in_output=3, articles_new=3, urls_new=3, urls_seen=3)
    article = conn.execute(
        "SELECT source_id, title, body, authors, images, published_at, hash_version, first_run_id,"
        " first_seen_at FROM articles WHERE content_hash = %s",
        (records[1]["content_hash"],),
    ).fetchone()
    assert article[:5] == (
        "mk", "기사 제목 1", records[1]["body"], ["홍길동"],
        [{"url": "https://img.mk.co.kr/1.jpg", "caption": "사진 설명"}],
    )
    assert article[5].isoformat() == "2026-11-27T01:00:00+00:00"  # 10:00 KST
    assert article[6:8] == (1, "run-1")
    run = conn.execute(
        "SELECT status, articles_in_output, articles_new, urls_new, urls_seen, drops, stats, output_sha256"
        " FROM crawl_runs WHERE run_id = 'run-1'"
    ).fetchone()
    assert run == (
        "loaded", 3, 3, 3, 3, {"not_article": 2, "duplicate_in_run": 1}, {"item_scraped_count": 3},
        manifest["articles"]["sha256"],
    )
    assert conn.execute("SELECT name, homepage FROM sources").fetchall() == [("매일경제", "https://www.mk.co.kr/")]
    assert check_loaded_run(conn, "run-1", 3) == []


def test_loading_the_same_output_twice_changes_nothing(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    records = [make_article(n, other_urls=[f"https://m.mk.co.kr/{n}"]) for n in range(5)]
    manifest = make_manifest("run-1", records)
    first = load_run(conn, manifest, {}, iter(records))
    before = dump(conn)
    again = load_run(conn, manifest, {}, iter(records))
    assert again.already_loaded and not first.already_loaded
    assert (again.articles_new, again.urls_new, again.urls_seen) == (5, 10, 10)
    assert dump(conn) == before


def test_reloading_under_a_new_run_id_adds_no_articles(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    records = [make_article(n) for n in range(4)]
    load_run(conn, make_manifest("run-1", records), {}, iter(records))
    articles_before = dump(conn)["articles"]
    manifest = make_manifest("run-2", records, started_at="2026-11-27T02:00:00+00:00")
    result = load_run(conn, manifest, {}, records)
    assert (result.articles_new, result.urls_new, result.urls_seen) == (0, 0, 4)
    assert dump(conn)["articles"] == articles_before
    assert check_loaded_run(conn, "run-2", 4) == []


def test_same_article_at_two_urls_in_two_runs_is_one_article(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    desktop = make_article(1, fetched_at="2026-11-27T01:00:00+00:00")
    mobile = make_article(
        1, url="https://m.mk.co.kr/news/economy/11200001", fetched_at="2026-11-28T01:00:00+00:00"
    )
    load_run(conn, make_manifest("run-1", [desktop]), {}, [desktop])
    result = load_run(conn, make_manifest("run-2", [mobile]), {}, [mobile])
    assert (result.articles_new, result.urls_new) == (0, 1)
    assert count(conn, "SELECT count(*) FROM articles") == 1
    urls = conn.execute(
        "SELECT url, first_run_id, last_run_id, first_seen_at::text FROM article_urls ORDER BY first_seen_at"
    ).fetchall()
    assert urls == [
        (desktop["url"], "run-1", "run-1", "2026-11-27 01:00:00+00"),
        (mobile["url"], "run-2", "run-2", "2026-11-28 01:00:00+00"),
    ]
    assert count(conn, "SELECT count(*) FROM run_articles") == 2  # each run links the one article


def test_seen_window_merges_whatever_the_loading_order(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    late = make_article(1, fetched_at="2026-11-28T01:00:00+00:00", http_status=200)
    early = make_article(1, fetched_at="2026-11-26T01:00:00+00:00", http_status=203)
    middle = make_article(1, fetched_at="2026-11-27T01:00:00+00:00", http_status=500)
    for run_id, record in (("run-late", late), ("run-early", early), ("run-middle", middle)):
        load_run(conn, make_manifest(run_id, [record]), {}, [record])
    row = conn.execute(
        "SELECT first_seen_at::text, first_run_id, last_seen_at::text, last_run_id, http_status"
        " FROM article_urls"
    ).fetchall()
    assert row == [("2026-11-26 01:00:00+00", "run-early", "2026-11-28 01:00:00+00", "run-late", 200)]


def test_in_run_duplicates_become_urls(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    others = ["https://www.mk.co.kr/amp/11200007", "https://www.mk.co.kr/news/11200007?utm=x"]
    record = make_article(7, other_urls=others)
    result = load_run(conn, make_manifest("run-1", [record]), {}, [record])
    assert (result.articles_new, result.urls_new, result.urls_seen) == (1, 3, 3)
    urls = conn.execute("SELECT url, http_status FROM article_urls ORDER BY url").fetchall()
    assert urls == sorted([(record["url"], 200), (others[0], None), (others[1], None)])


def test_a_record_repeated_in_one_run_is_one_article(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    records = [make_article(1), make_article(1, url="https://www.mk.co.kr/print/11200001")]
    result = load_run(conn, make_manifest("run-1", records), {}, records)
    assert (result.articles_in_output, result.articles_new, result.urls_seen) == (2, 1, 2)
    problems = check_loaded_run(conn, "run-1", 2)
    assert problems and "links 1 distinct articles, expected 2" in problems[0]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("content_hash", None, "'content_hash' is missing"),
        ("content_hash", "abc", "not 'v<version>:<hex>'"),
        ("title", "", "'title' is missing"),
        ("body", None, "'body' is missing"),
        ("published_at", "27 Nov 2026", "published_at '27 Nov 2026' is not an ISO 8601 timestamp"),
        ("fetched_at", "2026-11-27T01:00:00", "has no UTC offset"),
        ("tags", "반도체", "'tags' must be a list of strings"),
        ("source", "hankook", "'source' is 'hankook'"),
    ],
)
def test_a_bad_record_rolls_back_the_whole_run(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest,
    field: str, value: Any, message: str,
) -> None:
    earlier = [make_article(100)]
    load_run(conn, make_manifest("run-0", earlier), {}, earlier)
    before = dump(conn)
    records = [make_article(n) for n in range(5)]
    records[3][field] = value
    with pytest.raises(LoadError) as raised:
        load_run(conn, make_manifest("run-1", records), {}, iter(records))
    assert records[3]["url"] in str(raised.value)
    assert message in str(raised.value)
    assert dump(conn) == before
    # The connection is usable and the fixed output loads.
    records[3] = make_article(3)
    assert load_run(conn, make_manifest("run-1", records), {}, records).articles_new == 5


def test_an_output_shorter_than_its_manifest_is_refused(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    records = [make_article(n) for n in range(3)]
    with pytest.raises(LoadError, match="manifest counts 3 articles but the output has 2"):
        load_run(conn, make_manifest("run-1", records), {}, records[:2])
    assert all(rows == [] for rows in dump(conn).values())


def test_a_changed_output_under_the_same_run_id_replaces_the_run(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    load_run(conn, make_manifest("run-1", [make_article(1)]), {}, [make_article(1)])
    records = [make_article(2), make_article(3)]
    result = load_run(conn, make_manifest("run-1", records), {}, records)
    assert not result.already_loaded
    assert result.articles_in_output == 2
    assert check_loaded_run(conn, "run-1", 2) == []
    assert count(conn, "SELECT count(*) FROM articles") == 3  # articles are never removed


def test_body_is_stored_with_lz4_where_the_server_has_it(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    # Random-looking text long enough to be compressed (bodies under ~2 kB stay inline).
    body = " ".join(f"문단{n * 7919 % 10007}" for n in range(3000))
    records = [make_article(1, body=body)]
    load_run(conn, make_manifest("run-1", records), {}, records)
    (options,) = conn.execute(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
    ).fetchone()
    (method,) = conn.execute("SELECT pg_column_compression(body) FROM articles").fetchone()
    assert method == ("lz4" if "lz4" in options else "pglz")


def test_failed_runs_are_recorded_but_never_replace_a_loaded_run(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    assert record_failed_run(conn, {"run_id": "run-0", "source": "kbs"}, {"log_count/ERROR": 4}, "banned")
    row = conn.execute("SELECT status, error, stats FROM crawl_runs WHERE run_id = 'run-0'").fetchone()
    assert row == ("failed", "banned", {"log_count/ERROR": 4})
    assert conn.execute("SELECT name FROM sources WHERE source_id = 'kbs'").fetchone() == ("kbs",)
    assert check_loaded_run(conn, "run-0", 5)[0] == "run 'run-0' has status 'failed', not 'loaded': banned"

    records = [make_article(1)]
    manifest = make_manifest("run-1", records)
    load_run(conn, manifest, {}, records)
    before = dump(conn)
    assert not record_failed_run(conn, manifest, {}, "late failure report")
    assert dump(conn) == before


def test_a_failed_run_can_be_loaded_later(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    records = [make_article(1)]
    manifest = make_manifest("run-1", records)
    record_failed_run(conn, manifest, {}, "load task timed out")
    load_run(conn, manifest, {}, records)
    assert conn.execute("SELECT status, error FROM crawl_runs").fetchall() == [("loaded", None)]


def test_checks_report_missing_empty_and_short_runs(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    assert check_loaded_run(conn, "nope", 3) == ["run 'nope' is not in crawl_runs: it was never loaded"]
    load_run(conn, make_manifest("empty", []), {}, [])
    assert check_loaded_run(conn, "empty", 0) == [
        "run 'empty' was expected to carry 0 articles; a run must load some",
        "run 'empty' loaded no articles",
    ]
    records = [make_article(n) for n in range(2)]
    load_run(conn, make_manifest("run-1", records), {}, records)
    assert check_loaded_run(conn, "run-1", 3) == [
        "run 'run-1' links 2 distinct articles, expected 3"
        " (an output with two records of one article counts it once)"
    ]


def _load_concurrently(url: str, jobs: list[tuple[dict, list[dict]]]) -> list[LoadResult]:
    barrier = threading.Barrier(len(jobs))
    results: dict[int, LoadResult] = {}
    errors: list[BaseException] = []

    def worker(i: int, manifest: dict, records: list[dict]) -> None:
        try:
            with connect(url) as conn:
                barrier.wait()
                results[i] = load_run(conn, manifest, {}, records)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return [results[i] for i in range(len(jobs))]


@pytest.mark.parametrize("same_source", [True, False], ids=["same-source", "two-sources"])
def test_concurrent_loads_sharing_articles_make_no_duplicates(
    migrated_url: str, make_article: MakeArticle, make_manifest: MakeManifest, same_source: bool
) -> None:
    # Overlapping runs carrying the shared articles in opposite orders: without a fixed insert
    # order two loads deadlock. The race window is short, hence several rounds.
    source = {"id": "mk" if same_source else "mk-mobile", "name": "매일경제"}
    rounds = 5
    for round_ in range(rounds):
        base = round_ * 1000
        first = [make_article(base + n) for n in range(0, 300)]
        second = [
            make_article(base + n, url=f"https://m.mk.co.kr/{base + n}") for n in reversed(range(150, 450))
        ]
        for record in second:
            record["source"] = source["id"]
        jobs = [
            (make_manifest(f"run-a{round_}", first), first),
            (make_manifest(f"run-b{round_}", second, source=source), second),
        ]
        results = _load_concurrently(migrated_url, jobs)
        assert sum(r.articles_new for r in results) == 450
    with connect(migrated_url) as conn:
        assert count(conn, "SELECT count(*) FROM articles") == 450 * rounds
        assert count(conn, "SELECT count(*) FROM article_urls") == 600 * rounds
        assert count(conn, "SELECT count(DISTINCT article_id) FROM article_urls") == 450 * rounds
        for round_ in range(rounds):
            assert check_loaded_run(conn, f"run-a{round_}", 300) == []
            assert check_loaded_run(conn, f"run-b{round_}", 300) == []


def test_two_workers_loading_one_run_write_it_once(
    migrated_url: str, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    # A retried load racing the original: the per-source lock makes the second see the first's result.
    records = [make_article(n) for n in range(200)]
    manifest = make_manifest("run-1", records)
    results = _load_concurrently(migrated_url, [(manifest, records), (manifest, records)])
    assert sorted(r.already_loaded for r in results) == [False, True]
    assert results[0].articles_new == results[1].articles_new == 200
