"""Bloom filters of each week's LSH keys (warehouse/lsh_filters.py): never a stored key missed, few probes wasted."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_clusters import (
    MK_URL,
    MakeArticle,
    MakeManifest,
    board_body,
    board_copy,
    copies,
    load,
    mk_page,
    near_copy,
)
from warehouse.db import connect
from warehouse.lsh_filters import (
    BITS_PER_KEY,
    MIN_BITS_PER_KEY,
    WEEK_SHIFT,
    WeekFilters,
    _size,
    stored_keys,
    unfiltered_keys,
)
from warehouse.minhash import backfill

WEEK = 2900  # a week of 2025 (lsh_week)


def empty(weeks: dict[int, int]) -> WeekFilters:
    """Filters of ``weeks`` (week -> bits), with no key in them yet."""
    return WeekFilters({week: (0, np.zeros(bits // 8, dtype=np.uint8)) for week, bits in weeks.items()})


def week_keys(week: int, band_hashes: np.ndarray) -> np.ndarray:
    return (np.int64(week) << WEEK_SHIFT) | (band_hashes.astype(np.int64) & ((1 << WEEK_SHIFT) - 1))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=(1 << WEEK_SHIFT) - 1), min_size=1, max_size=3000),
       st.integers(min_value=1, max_value=65534))
def test_every_key_added_is_held(band_hashes: list[int], week: int) -> None:
    filters = empty({week: _size(len(band_hashes))})
    keys = week_keys(week, np.array(band_hashes, dtype=np.int64))
    filters.add(keys)
    assert filters.might_hold(keys).all()


@pytest.mark.parametrize(("bits_per_key", "low", "high"),
                         [(BITS_PER_KEY, 0.008, 0.016), (MIN_BITS_PER_KEY, 0.045, 0.07)],
                         ids=["as-sized", "at-its-fullest"])
def test_a_filter_passes_about_one_key_in_a_hundred_it_does_not_hold_and_six_at_its_fullest(
    bits_per_key: int, low: float, high: float
) -> None:
    rng = np.random.default_rng(3)
    held, other = (week_keys(WEEK, rng.integers(0, 1 << WEEK_SHIFT, size=100_000)) for _ in range(2))
    filters = empty({WEEK: held.size * bits_per_key})
    filters.add(held)
    assert low < filters.might_hold(other).mean() < high
    assert filters.might_hold(held).all()


def test_a_week_with_no_key_holds_nothing_and_a_week_not_read_may_hold_anything() -> None:
    filters = empty({WEEK: 0})
    keys = np.concatenate([week_keys(WEEK, np.arange(5)), week_keys(WEEK + 1, np.arange(5))])
    assert filters.might_hold(keys).tolist() == [False] * 5 + [True] * 5


@pytest.fixture
def conn(migrated_url: str) -> psycopg.Connection:
    with connect(migrated_url) as conn:
        yield conn


def filters(conn: psycopg.Connection) -> dict[int, tuple[int, int]]:
    """week -> (keys added, bits) of every stored filter."""
    return {week: (keys, bits) for week, keys, bits in conn.execute(
        "SELECT week, keys, octet_length(bits) * 8 FROM lsh_week_filters ORDER BY week")}


def test_a_load_files_its_keys_in_the_filters_of_the_weeks_it_searched(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    load(conn, make_manifest, "mk-run", [mk_page(make_article, board_body())])
    (week,) = {key >> WEEK_SHIFT for (key,) in conn.execute("SELECT key FROM article_lsh_keys")}
    stored = stored_keys(conn, week)
    # Its own week holds its keys; the weeks either side were searched and hold none (nor any bit).
    assert filters(conn) == {week - 1: (0, 0), week: (stored.size, _size(2 * stored.size)), week + 1: (0, 0)}
    assert unfiltered_keys(conn) == 0


def test_a_filter_that_lacks_a_stored_key_hides_its_version_and_the_integrity_check_says_so(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest, migrated_url: str
) -> None:
    body = board_body()
    load(conn, make_manifest, "mk-run", [mk_page(make_article, body)])
    # What a key written behind the filters' back looks like: stored, but not in its week's filter.
    conn.execute("UPDATE lsh_week_filters SET bits = decode(repeat('00', octet_length(bits)), 'hex')")
    assert unfiltered_keys(conn) == 42
    shown = subprocess.run([sys.executable, "-m", "newsflow", "integrity", "--database-url", migrated_url],
                           capture_output=True, text=True)
    assert shown.returncode == 1 and "FAIL article_lsh_keys: 42 keys" in shown.stdout
    load(conn, make_manifest, "board-run", [board_copy(make_article, near_copy(body))])
    # The filter is what the load consulted: the near copy found nothing and started a story of its own.
    assert len({cluster for cluster, *_ in copies(conn)}) == 2
    conn.execute("DELETE FROM lsh_week_filters")  # what the migration tells a hand writer to do


def test_a_missing_filter_is_rebuilt_from_the_index_and_the_near_copy_is_found(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    body = board_body()
    load(conn, make_manifest, "mk-run", [mk_page(make_article, body)])
    conn.execute("DELETE FROM lsh_week_filters")
    load(conn, make_manifest, "board-run", [board_copy(make_article, near_copy(body))])
    assert [row[1:] for row in copies(conn)] == [(MK_URL, "original", None),
                                                 ("https://board.example/bbs/board.php?bo_table=news&wr_id=1041",
                                                  "repost", "near_duplicate")]
    assert unfiltered_keys(conn) == 0


def test_a_filter_grown_past_its_size_is_rebuilt_larger(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    load(conn, make_manifest, "run-1", [make_article(n) for n in range(3)])
    (week,) = {key >> WEEK_SHIFT for (key,) in conn.execute("SELECT key FROM article_lsh_keys")}
    # As if the week had taken in far more keys than its filter was sized for.
    conn.execute("UPDATE lsh_week_filters SET keys = 1000000 WHERE week = %s", (week,))
    load(conn, make_manifest, "run-2", [make_article(n) for n in range(3, 6)])
    stored = stored_keys(conn, week)
    # Rebuilt from the index: counting what it holds, with room for twice the keys it was said to hold.
    assert filters(conn)[week] == (stored.size, _size(2 * (1_000_000 + 3 * 42)))
    assert stored.size == 6 * 42 and unfiltered_keys(conn) == 0


def test_a_new_week_s_filter_is_made_as_large_as_the_busiest_week_needs(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    load(conn, make_manifest, "mk-run", [mk_page(make_article, board_body())])
    conn.execute("UPDATE lsh_week_filters SET keys = 1000000 WHERE keys > 0")
    later = make_article(7, published_at="2026-03-02T09:00:00+09:00", fetched_at="2026-03-02T01:00:00+00:00")
    load(conn, make_manifest, "later-run", [later])
    weeks = {key >> WEEK_SHIFT for (key,) in conn.execute("SELECT key FROM article_lsh_keys")}
    new_week = max(weeks)
    assert filters(conn)[new_week] == (42, _size(1_000_000)) and filters(conn)[new_week + 1] == (0, 0)


def test_the_back_fill_drops_the_filters_of_the_weeks_it_writes(
    conn: psycopg.Connection, make_article: MakeArticle, make_manifest: MakeManifest
) -> None:
    load(conn, make_manifest, "mk-run", [mk_page(make_article, board_body())])
    conn.execute("DELETE FROM article_lsh_keys")
    conn.execute("UPDATE lsh_week_filters SET keys = 0, bits = decode(repeat('00', octet_length(bits)), 'hex')")
    conn.execute("INSERT INTO minhash_backfill SELECT revision_id FROM article_revisions")
    with conn.transaction():
        assert backfill(conn) == 1
    assert unfiltered_keys(conn) == 0
    (week,) = {key >> WEEK_SHIFT for (key,) in conn.execute("SELECT key FROM article_lsh_keys")}
    assert week not in filters(conn)
