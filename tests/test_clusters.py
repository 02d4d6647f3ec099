"""Story clusters: copies of one story from any run or source share a cluster; the publisher's page is the original."""

from __future__ import annotations

import gzip
import hashlib
import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from parsers import extract
from pipelines.clean import clean_article
from pipelines.fingerprint import content_hash
from pipelines.neardup import BANDS_V2, sketches
from warehouse.db import connect
from warehouse.load import load_run
from warehouse.migrate import apply_migrations

MakeArticle = Callable[..., dict[str, Any]]
MakeManifest = Callable[..., dict[str, Any]]
FIXTURES = Path(__file__).parent / "fixtures" / "sites"
BOARD_URL = "https://board.example/bbs/board.php?bo_table=news&wr_id=1041"
MK_URL = "https://www.mk.co.kr/news/it/11490001"
NAVER_URL = "https://n.news.naver.com/mnews/article/009/0005610001"
CLUSTER_TABLES = ("story_clusters", "cluster_members", "story_links")


def board_body() -> str:
    """The body the real extraction reads from the board's re-post of Daum's copy of the MK article."""
    with gzip.open(FIXTURES / "board.example.daum-repost.html.gz") as page:
        return clean_article(extract(page.read(), BOARD_URL)).body


def record(make_article: MakeArticle, source: str, url: str, body: str, **fields: Any) -> dict[str, Any]:
    return make_article(1, url=url, body=body, content_hash=content_hash(body), source=source, **fields)


def board_copy(make_article: MakeArticle, body: str) -> dict[str, Any]:
    return record(make_article, "board", BOARD_URL, body, extractor="daum", published_at=None, authors=[],
                  fetched_at="2025-12-15T09:30:00+00:00")


def mk_page(make_article: MakeArticle, body: str) -> dict[str, Any]:
    return record(make_article, "mk", MK_URL, body, extractor="mk.co.kr", published_at="2025-12-15T16:45:00+09:00",
                  fetched_at="2025-12-15T08:00:00+00:00")


def load(conn: psycopg.Connection, make_manifest: MakeManifest, run_id: str, records: list[dict]) -> None:
    source = records[0]["source"]
    load_run(conn, make_manifest(run_id, records, source={"id": source, "name": source}), {}, records)


def near_copy(body: str) -> str:
    """``body`` with its last paragraph edited: a near-duplicate of it, not the same text."""
    paragraphs = body.split("\n\n")
    return "\n\n".join([*paragraphs[:-1], paragraphs[-1] + " 예산 증액은 국회를 통과했다."])


def copies(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute(
        "SELECT cluster_id, url, role, evidence FROM story_copies ORDER BY role <> 'original', url"
    ).fetchall()


def dump(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in CLUSTER_TABLES}


@pytest.fixture
def conn(migrated_url: str) -> psycopg.Connection:
    with connect(migrated_url) as conn:
        yield conn


@pytest.mark.parametrize("board_first", [True, False], ids=["board-first", "mk-first"])
def test_a_board_repost_with_the_same_paragraphs_is_a_copy_of_mk_s_page(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest, board_first: bool
) -> None:
    body = board_body()
    loads = [("board-run", [board_copy(make_article, body)]), ("mk-run", [mk_page(make_article, body)])]
    for run_id, records in loads if board_first else reversed(loads):
        load(conn, make_manifest, run_id, records)
    rows = copies(conn)
    assert len({cluster for cluster, *_ in rows}) == 1
    assert [row[1:] for row in rows] == [(MK_URL, "original", None), (BOARD_URL, "repost", "same_hash")]


@pytest.mark.parametrize("board_first", [True, False], ids=["board-first", "mk-first"])
def test_a_board_repost_of_a_near_copy_joins_mk_s_story_as_a_near_duplicate(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest, board_first: bool
) -> None:
    body = board_body()
    paragraphs = body.split("\n\n")
    # MK's own page: a sub-heading the portal dropped and the last paragraph edited after Daum copied it.
    edited = paragraphs[-1] + " 예산 증액은 국회를 통과했다."
    mk_body = "\n\n".join(["■ 과기정통부 송년 기자간담회", *paragraphs[:-1], edited])
    loads = [("board-run", [board_copy(make_article, body)]), ("mk-run", [mk_page(make_article, mk_body)])]
    for run_id, records in loads if board_first else reversed(loads):
        load(conn, make_manifest, run_id, records)
    rows = copies(conn)
    assert len({cluster for cluster, *_ in rows}) == 1
    assert [row[1:] for row in rows] == [(MK_URL, "original", None), (BOARD_URL, "repost", "near_duplicate")]
    (score,) = conn.execute("SELECT score FROM cluster_members WHERE role = 'repost'").fetchone()
    assert 0.8 < score < 1.0


@pytest.mark.parametrize("copy_first", [True, False], ids=["copy-first", "original-first"])
def test_a_portal_copy_naming_its_original_joins_it_even_when_rewritten(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest, copy_first: bool
) -> None:
    original = mk_page(make_article, board_body())
    # Too rewritten to be a near-duplicate; the 기사원문 link is the evidence.
    naver = record(make_article, "naver", NAVER_URL, "네이버 편집본: " + board_body()[:120], extractor="naver",
                   original_url=MK_URL.replace("https://www.", "http://"), published_at="2025-12-15T16:50:00+09:00")
    loads = [("naver-run", [naver]), ("mk-run", [original])]
    for run_id, records in loads if copy_first else reversed(loads):
        load(conn, make_manifest, run_id, records)
    assert [row[1:] for row in copies(conn)] == [(MK_URL, "original", None), (NAVER_URL, "portal_copy", "original_url")]
    assert conn.execute("SELECT original_url FROM stories").fetchall() == [(MK_URL,)]


def test_unrelated_stories_stay_apart_and_are_counted_per_day(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    body = board_body()
    other = ("서울 아파트 매매가격이 3주 연속 올랐다. 한국부동산원이 발표한 주간 아파트 가격 동향에 따르면 "
             "이번 주 서울 아파트값은 0.2% 상승했다.\n\n강남 3구와 용산구의 상승 폭이 컸다.")
    records = [mk_page(make_article, body),
               record(make_article, "mk", "https://www.mk.co.kr/news/realestate/11490002", other,
                      published_at="2025-12-15T18:00:00+09:00")]
    load(conn, make_manifest, "mk-run", records)
    load(conn, make_manifest, "board-run", [board_copy(make_article, body)])
    assert conn.execute("SELECT count(*) FROM story_clusters").fetchone() == (2,)
    assert conn.execute(
        "SELECT day::text, source_id, stories, articles FROM stories_per_source_day ORDER BY source_id"
    ).fetchall() == [("2025-12-15", "mk", 2, 2)]


def test_rerunning_loads_changes_no_cluster(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    body = board_body()
    board = [board_copy(make_article, body)]
    mk = [mk_page(make_article, body + "\n\n추가 문단이다.")]
    load(conn, make_manifest, "board-run", board)
    load(conn, make_manifest, "mk-run", mk)
    before = dump(conn)
    load(conn, make_manifest, "mk-run", mk)           # the same output again: nothing written
    load(conn, make_manifest, "mk-run-retry", mk)     # a re-crawl that found the same pages
    load(conn, make_manifest, "board-run-2", board)
    assert dump(conn) == before


# The MK page is dated 2025-12-15 16:45 KST, in LSH week 2919 (UTC weeks since 1970, from Thursdays).
@pytest.mark.parametrize(("copy_dated", "links", "stories"), [
    ("2025-12-19T10:00:00+09:00", ["near_duplicate"], 1),   # 4 days later, the next week
    ("2025-12-10T10:00:00+09:00", ["near_duplicate"], 1),   # 5 days earlier, the week before
    ("2025-12-24T10:00:00+09:00", ["near_duplicate"], 2),   # 9 days later: searched, but beyond a story's span
    ("2025-12-26T10:00:00+09:00", [], 2),                   # two weeks later: not searched
    ("2026-01-20T10:00:00+09:00", [], 2),
], ids=["next-week", "week-before", "beyond-story-span", "two-weeks-on", "five-weeks-on"])
@pytest.mark.parametrize("order", ["original-first", "copy-first", "one-run"])
def test_near_copies_are_looked_for_among_versions_dated_in_neighbouring_weeks(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest,
    copy_dated: str, links: list[str], stories: int, order: str,
) -> None:
    body = board_body()
    original = mk_page(make_article, body)
    copy = record(make_article, "mk", "https://www.mk.co.kr/news/it/11590001", body + "\n\n1년 전 기사다.",
                  published_at=copy_dated)
    if order == "one-run":  # the pair meets in numpy, not in the index
        load(conn, make_manifest, "run", [original, copy])
    else:
        runs = [("run-original", [original]), ("run-copy", [copy])]
        for run_id, pages in reversed(runs) if order == "copy-first" else runs:
            load(conn, make_manifest, run_id, pages)
    assert conn.execute("SELECT count(*) FROM story_clusters").fetchone() == (stories,)
    assert [e for (e,) in conn.execute("SELECT evidence FROM story_links")] == links


def test_lsh_keys_are_filed_under_the_week_of_their_version(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    load(conn, make_manifest, "mk-run", [mk_page(make_article, board_body())])
    weeks = conn.execute("SELECT DISTINCT key >> 47 FROM article_lsh_keys").fetchall()
    assert weeks == [(2919,)]
    assert conn.execute("SELECT count(*) FROM article_lsh_keys").fetchone() == (BANDS_V2,)


def test_concurrent_loads_of_two_sources_make_one_story(
    migrated_url: str, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    # Each load alone would start the story; the merge lock makes the second see the first's.
    for round_ in range(4):
        rng = random.Random(round_)  # a different story each round: random syllables share no shingles
        body = "\n\n".join(" ".join("".join(chr(rng.randrange(0xAC00, 0xD7A4)) for _ in range(4))
                                      for _ in range(30)) for _ in range(5))
        jobs = [("board", [board_copy(make_article, body)]),
                ("mk", [mk_page(make_article, body + "\n\n추가 문단이다.")])]
        for _, records in jobs:
            records[0]["url"] += f"?round={round_}"
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []
        threads = [threading.Thread(target=_load_at_once, args=(migrated_url, make_manifest, barrier, errors,
                                                                f"{source}-{round_}", records))
                   for source, records in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
    with connect(migrated_url) as conn:
        sizes = conn.execute("SELECT count(*) FROM cluster_members GROUP BY cluster_id").fetchall()
        assert sizes == [(2,)] * 4
        originals = conn.execute("SELECT original_url FROM story_clusters ORDER BY 1").fetchall()
        assert all(url.startswith(MK_URL) for (url,) in originals)


def _load_at_once(url: str, make_manifest: MakeManifest, barrier: threading.Barrier, errors: list[BaseException],
                  run_id: str, records: list[dict]) -> None:
    try:
        with connect(url) as conn:
            barrier.wait()
            load(conn, make_manifest, run_id, records)
    except BaseException as exc:
        errors.append(exc)


def test_content_hash_of_the_fixture_is_what_the_loader_sees() -> None:
    # Guard for the tests above: the board body is a real extraction, not empty.
    body = board_body()
    assert len(body.split("\n\n")) == 14
    assert hashlib.sha256(body.encode()).hexdigest()


def test_migration_0008_files_stored_keys_as_the_loader_does(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    body = board_body()
    load(conn, make_manifest, "mk-run", [mk_page(make_article, body)])
    load(conn, make_manifest, "board-run", [board_copy(make_article, body + "\n\n게시판 추가 문단이다.")])
    later = record(make_article, "mk", "https://www.mk.co.kr/news/it/11590001", body + "\n\n1년 전 기사다.",
                   published_at="2026-03-02T09:00:00+09:00")
    load(conn, make_manifest, "later-run", [later])
    filed = conn.execute("SELECT key, revision_id FROM article_lsh_keys ORDER BY 1, 2").fetchall()
    # The board copy, dated by its fetch, shares the MK page's week; the later page has its own.
    assert len({key >> 47 for key, _ in filed}) == 2
    # Put the keys back as migration 0006 stored them (the band hashes alone), then migrate again.
    versions = conn.execute(
        "SELECT r.revision_id, coalesce(r.body, a.body) FROM article_revisions r JOIN articles a USING (article_id)"
    ).fetchall()
    band_keys = sketches([text for _, text in versions]).band_keys
    conn.execute("DELETE FROM article_lsh_keys")
    with conn.cursor() as cur, cur.copy("COPY article_lsh_keys (key, revision_id) FROM STDIN") as copy:
        for (rid, _), keys in zip(versions, band_keys.tolist(), strict=True):
            for key in keys:
                copy.write_row((key, rid))
    conn.execute("DROP FUNCTION lsh_day, lsh_week")
    conn.execute("DELETE FROM schema_migrations WHERE name = '0008_lsh_keys_by_week'")
    conn.commit()
    assert apply_migrations(conn) == ["0008_lsh_keys_by_week"]
    assert conn.execute("SELECT key, revision_id FROM article_lsh_keys ORDER BY 1, 2").fetchall() == filed


def test_sketches_emptied_as_a_crash_empties_unlogged_tables_are_rebuilt_and_still_matched(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    body = board_body()
    load(conn, make_manifest, "mk-run", [mk_page(make_article, body)])
    load(conn, make_manifest, "other-run", [make_article(n) for n in range(3)])
    assert conn.execute(
        "SELECT array_agg(relname::text ORDER BY relname) FROM pg_class WHERE relpersistence = 'u' AND relkind = 'r'"
    ).fetchone() == (["article_lsh_keys", "article_minhash", "lsh_week_filters"],)
    sketched = conn.execute("SELECT revision_id, shingles, signature FROM article_minhash ORDER BY 1").fetchall()
    keys = conn.execute("SELECT key, revision_id FROM article_lsh_keys ORDER BY 1, 2").fetchall()
    # What crash recovery does to unlogged tables (tests/test_faults_load.py crashes a real server).
    conn.execute("TRUNCATE article_minhash, article_lsh_keys, lsh_week_filters")
    conn.commit()
    load(conn, make_manifest, "board-run", [board_copy(make_article, near_copy(body))])
    story = [row for row in copies(conn) if row[1] in (MK_URL, BOARD_URL)]
    assert [row[1:] for row in story] == [(MK_URL, "original", None), (BOARD_URL, "repost", "near_duplicate")]
    assert story[0][0] == story[1][0]
    # Every version sketched again, as it was, beside the new one.
    assert conn.execute("SELECT count(*) FROM minhash_backfill").fetchone() == (0,)
    rebuilt = conn.execute("SELECT revision_id, shingles, signature FROM article_minhash ORDER BY 1").fetchall()
    assert rebuilt[:len(sketched)] == sketched and len(rebuilt) == len(sketched) + 1
    assert set(keys) <= set(conn.execute("SELECT key, revision_id FROM article_lsh_keys").fetchall())


def test_versions_stored_before_version_2_sketches_are_back_filled_and_still_matched(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    body = board_body()
    load(conn, make_manifest, "mk-run", [mk_page(make_article, body)])
    # As migration 0006 leaves a warehouse loaded before it: no version 2 sketch, the version queued.
    conn.execute("DELETE FROM article_minhash WHERE minhash_version = 2")
    conn.execute("DELETE FROM article_lsh_keys")
    conn.execute("INSERT INTO minhash_backfill SELECT revision_id FROM article_revisions")
    conn.commit()
    load(conn, make_manifest, "board-run", [board_copy(make_article, near_copy(body))])
    assert conn.execute("SELECT count(*) FROM minhash_backfill").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM article_minhash WHERE minhash_version = 2").fetchone() == (2,)
    assert [row[1:] for row in copies(conn)] == [(MK_URL, "original", None), (BOARD_URL, "repost", "near_duplicate")]
