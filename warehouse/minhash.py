"""Near-duplicate search in the warehouse: store new versions' signatures and LSH keys, find and verify matches.

The loader sketches the run's new texts while it streams them (``Sketchbook``, before any lock),
so concurrent loads do that costly part in parallel; ``store_and_match`` then, under the merge
lock, stores the version 2 signatures (``article_minhash``) and LSH keys (``article_lsh_keys``,
filed under the week each version is dated in) and finds candidates with one indexed probe per
key (less those a Bloom filter of the week's keys rules out, ``warehouse.lsh_filters``) among the
versions dated in the same week or the weeks either side, from every run, process
and machine. Candidates are filtered by the signatures' estimated Jaccard and confirmed on the
exact shingle sets of both texts (``pipelines.neardup``): a link needs an exact Jaccard of at
least ``THRESHOLD``. Versions stored before version 2 are given a version 2 sketch by ``backfill``,
and so are all versions when a crash emptied the sketch tables, which are unlogged (migration
0010; ``requeue_lost_sketches``).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import psycopg

from pipelines.neardup import (
    BANDS_V2,
    MINHASH_VERSION,
    NUM_PERM,
    THRESHOLD,
    distinct,
    jaccard,
    normal_codes,
    shingle_set,
    sketches,
)
from warehouse.lsh_filters import BAND_HASH, WEEK_SHIFT, WeekFilters, forget
from warehouse.revisions import NewVersion
from warehouse.run_output import COPY_SIGNATURE, COPY_TRAILER

# Candidates whose estimated Jaccard is below this are dropped before the exact check. With 128
# bins the estimate's standard deviation at J = 0.5 is 0.044: a true 0.5 pair estimates below
# 0.3 with probability under 1e-5, while most chance band collisions estimate below 0.1.
PREFILTER = 0.3
# Candidates checked per new version, those sharing the most bands first. A text that matches more
# stored versions than this (a templated item repeated all day) is linked to the closest of them,
# which is enough to put it in their story; checking hundreds would make it cost O(warehouse).
MAX_CANDIDATES = 20
# Versions kept (and read) per LSH bucket; see store_and_match.
BUCKET_LIMIT = 20
# Weeks either side of a version's own that its near-duplicates are looked for in: one covers
# every pair dated within seven days of each other, the most a story spans (clusters.STORY_SPAN).
NEIGHBOUR_WEEKS = 1
# Versions back-filled per round trip.
_BACKFILL_BATCH = 2000

# Binary COPY tuples built by numpy in one go: per row the field count, then each field's length and value.
_PROBE_ROW = np.dtype([("n", ">i2"), ("l1", ">i4"), ("key", ">i8")])
_KEY_ROW = np.dtype([("n", ">i2"), ("l1", ">i4"), ("key", ">i8"), ("l2", ">i4"), ("revision_id", ">i8")])
_MINHASH_ROW = np.dtype([
    ("n", ">i2"), ("l1", ">i4"), ("revision_id", ">i8"), ("l2", ">i4"), ("version", ">i2"),
    ("l3", ">i4"), ("shingles", ">i4"), ("l4", ">i4"), ("signature", "<u4", (NUM_PERM,)),
])


@dataclass(frozen=True)
class NearDuplicate:
    """Two articles whose most similar versions share at least ``THRESHOLD`` of their shingles."""

    article_id: int
    linked_article_id: int
    score: float


class Sketchbook:
    """Version 2 sketches of the texts a load may add, by content hash; filled while the run streams.

    ``add_soon`` sketches in a worker thread: numpy's array work releases the GIL, so the sketches
    are made while the server stages and merges the run. ``rows`` waits for them; ``close`` (or
    leaving the ``with`` block) stops the thread whatever happened.
    """

    def __init__(self) -> None:
        self._row: dict[str, int] = {}
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._joined: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._queued: set[str] = set()
        self._pending: list[Future[None]] = []
        self._worker: ThreadPoolExecutor | None = None

    def __enter__(self) -> Sketchbook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __contains__(self, content_hash: str) -> bool:
        return content_hash in self._row or content_hash in self._queued

    def __len__(self) -> int:
        self.wait()
        return len(self._row)

    def add(self, content_hashes: list[str], bodies: list[str]) -> None:
        """Sketch ``bodies`` (distinct hashes not in the book yet)."""
        if not bodies:
            return
        found = sketches(bodies)
        for content_hash in content_hashes:
            self._row[content_hash] = len(self._row)
        self._parts.append((found.signatures, found.band_keys, found.shingles))
        self._joined = None

    def add_soon(self, content_hashes: list[str], bodies: list[str]) -> None:
        """``add`` in the worker thread, in the order given; the hashes count as in the book at once."""
        if not bodies:
            return
        self._queued.update(content_hashes)
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsflow-sketch")
        self._pending.append(self._worker.submit(self.add, content_hashes, bodies))

    def wait(self) -> None:
        """Block until every ``add_soon`` is done; re-raises what a sketch raised."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def close(self) -> None:
        """Stop the worker thread, dropping sketches not started (a failed load needs none)."""
        if self._worker is not None:
            self._worker.shutdown(wait=True, cancel_futures=True)
            self._worker = None

    def rows(self, content_hashes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Signatures, band keys and shingle counts of ``content_hashes`` (all in the book), in that order."""
        self.wait()
        if self._joined is None:
            self._joined = tuple(np.concatenate(column) for column in zip(*self._parts, strict=True))
        index = np.fromiter((self._row[h] for h in content_hashes), dtype=np.intp, count=len(content_hashes))
        signatures, keys, shingles = self._joined
        return signatures[index], keys[index], shingles[index]


def store_and_match(
    conn: psycopg.Connection, new_revisions: list[NewVersion], book: Sketchbook
) -> list[NearDuplicate]:
    """Store the sketches of ``new_revisions``; return their verified near-duplicates among versions dated near them."""
    book.wait()
    revisions = [version for version in new_revisions if version.content_hash in book]
    if not revisions:
        return []
    revision_ids = np.fromiter((v.revision_id for v in revisions), dtype=np.int64, count=len(revisions))
    weeks = np.fromiter((v.lsh_week for v in revisions), dtype=np.int64, count=len(revisions))
    signatures, keys, shingles = book.rows([v.content_hash for v in revisions])
    _copy_minhash(conn, revision_ids, signatures, shingles)
    searchable = shingles > 0  # an empty text is never anybody's candidate
    key_rows = np.repeat(np.flatnonzero(searchable), BANDS_V2)
    new_keys = week_keys(keys[searchable], weeks[searchable]).ravel()
    candidates = _candidates(conn, new_keys, revision_ids[key_rows])
    if not candidates:
        return []
    article_of = {v.revision_id: v.article_id for v in revisions}
    row_of = {v.revision_id: i for i, v in enumerate(revisions)}
    stored = sorted({other for _, other in candidates if other not in row_of})
    # Signatures and articles of the stored candidates by key: index lookups, never a join the planner
    # could turn into a scan of whole tables.
    known: dict[int, tuple[int, np.ndarray]] = {
        rid: (aid, np.frombuffer(sig, dtype="<u4"))
        for rid, aid, sig in conn.execute(
            "SELECT r.revision_id, r.article_id, m.signature FROM unnest(%s::bigint[]) AS c(revision_id)"
            " CROSS JOIN LATERAL (SELECT * FROM article_revisions r WHERE r.revision_id = c.revision_id) r"
            " CROSS JOIN LATERAL (SELECT signature FROM article_minhash m WHERE m.revision_id = c.revision_id"
            " AND m.minhash_version = %s) m",
            (stored, MINHASH_VERSION),
        )
    }
    for rid, i in row_of.items():
        known[rid] = (article_of[rid], signatures[i])
    ranked: dict[int, list[tuple[int, int]]] = {}
    for (rid, other), bands in candidates.items():
        if other in known and known[other][0] != article_of[rid]:
            ranked.setdefault(rid, []).append((-bands, other))
    pairs: dict[tuple[int, int], tuple[int, int]] = {}
    for rid, found in ranked.items():
        others = [other for _, other in sorted(found)[:MAX_CANDIDATES]]
        estimates = (np.stack([known[o][1] for o in others]) == signatures[row_of[rid]]).mean(axis=1)
        for other, estimated in zip(others, estimates.tolist(), strict=True):
            if estimated >= PREFILTER:
                # A pair of two new versions comes twice, once from each side.
                pairs[(min(rid, other), max(rid, other))] = (rid, other)
    return _verify(conn, pairs, known)


def week_keys(band_keys: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """The stored form of band keys (n, BANDS_V2) of versions dated in ``weeks`` (n,): week in the top bits.

    The index is then ordered by week first, so a load writes into its own weeks' part of it
    (migration 0008 says why and rewrites the keys stored before it the same way).
    """
    return (weeks[:, None] << WEEK_SHIFT) | (band_keys & BAND_HASH)


def _candidates(conn: psycopg.Connection, keys: np.ndarray, revision_ids: np.ndarray) -> dict[tuple[int, int], int]:
    """Store the new versions' LSH keys; (new version, other version) -> bands they share.

    Each version looks for its band keys filed under its own week and the ``NEIGHBOUR_WEEKS``
    either side. One index scan finds the stored versions of every such key that the week's
    filter does not rule out (``= ANY`` of the sorted keys: one descent each, no per-key plan);
    each bucket offers its newest
    ``BUCKET_LIMIT`` versions, and a bucket that already holds ``BUCKET_LIMIT`` takes no more: it
    is a templated text's (a daily market table, a weather report) and says little. New versions
    that look for each other's keys meet in numpy.
    """
    # Sorted by key, then revision (stable sorts: lexsort and np.unique cost ten times more here).
    order = np.argsort(revision_ids, kind="stable")
    order = order[np.argsort(keys[order], kind="stable")]
    keys, revision_ids = keys[order], revision_ids[order]
    shifts = np.arange(-NEIGHBOUR_WEEKS, NEIGHBOUR_WEEKS + 1, dtype=np.int64)
    # One sorted run per shift, merged by the stable sort.
    wanted = (keys[None, :] + (shifts[:, None] << WEEK_SHIFT)).ravel()
    wanted_by = np.tile(revision_ids, shifts.size)
    own_week = np.repeat(shifts == 0, keys.size)
    order = np.argsort(wanted, kind="stable")
    wanted, wanted_by, own_week = wanted[order], wanted_by[order], own_week[order]
    probes = distinct(wanted)
    # Keys a week's filter rules out are stored nowhere: over 98% of them, each an index descent
    # saved (warehouse/lsh_filters.py). The weeks read include every one the new keys go into.
    filters = WeekFilters.read(conn, distinct(probes >> WEEK_SHIFT).tolist())
    probes = probes[filters.might_hold(probes)]
    bucket: dict[int, list[int]] = {}
    if probes.size:
        conn.execute("DROP TABLE IF EXISTS pg_temp.probe_keys")
        conn.execute("CREATE TEMPORARY TABLE probe_keys (key int8) ON COMMIT DROP")
        probe = np.empty(probes.size, dtype=_PROBE_ROW)
        probe["n"], probe["l1"], probe["key"] = 1, 8, probes
        _copy_block(conn, "COPY probe_keys (key)", probe)
        for key, rid in conn.execute(
            "SELECT key, revision_id FROM article_lsh_keys WHERE key = ANY(ARRAY(SELECT key FROM probe_keys))"
            " ORDER BY key, revision_id DESC"
        ):
            bucket.setdefault(key, []).append(rid)
    shared: dict[tuple[int, int], int] = {}
    full: set[int] = set()
    for key, stored in bucket.items():
        if len(stored) >= BUCKET_LIMIT:
            full.add(key)
        for rid in wanted_by[np.searchsorted(wanted, key, "left"):np.searchsorted(wanted, key, "right")].tolist():
            for other in stored[:BUCKET_LIMIT]:
                shared[(rid, other)] = shared.get((rid, other), 0) + 1
    # Keys new versions look for that other new versions file (a copy loaded in the run of its
    # original): each wanted key's new versions, less the version itself where it is its own key.
    first, last = np.searchsorted(keys, wanted, "left"), np.searchsorted(keys, wanted, "right")
    for i in np.flatnonzero(last - first > own_week).tolist():
        rid = int(wanted_by[i])
        group = revision_ids[first[i]:last[i]].tolist()
        # As with a stored bucket, the newest BUCKET_LIMIT others: a templated text's crowd says little.
        for other in [o for o in reversed(group) if o != rid][:BUCKET_LIMIT]:
            shared[(rid, other)] = shared.get((rid, other), 0) + 1
    if full:
        keep = ~np.isin(keys, np.fromiter(full, dtype=np.int64, count=len(full)))
        keys, revision_ids = keys[keep], revision_ids[keep]
    rows = np.empty(keys.size, dtype=_KEY_ROW)
    rows["n"], rows["l1"], rows["l2"] = 2, 8, 8
    rows["key"], rows["revision_id"] = keys, revision_ids
    _copy_block(conn, "COPY article_lsh_keys (key, revision_id)", rows)
    filters.add(keys)
    filters.write(conn)
    return shared


def _verify(
    conn: psycopg.Connection, pairs: dict[tuple[int, int], tuple[int, int]], known: dict[int, tuple[int, np.ndarray]]
) -> list[NearDuplicate]:
    """Exact shingle Jaccard of each candidate pair; the pairs at or above ``THRESHOLD``, one per article pair."""
    if not pairs:
        return []
    needed = sorted({rid for pair in pairs for rid in pair})
    shingles = {
        rid: shingle_set(normal_codes(body))
        for rid, body in conn.execute(
            "SELECT r.revision_id, coalesce(r.body, a.body) FROM unnest(%s::bigint[]) AS c(revision_id)"
            " CROSS JOIN LATERAL (SELECT revision_id, article_id, body FROM article_revisions r"
            " WHERE r.revision_id = c.revision_id OFFSET 0) r"
            " CROSS JOIN LATERAL (SELECT body FROM articles a WHERE a.article_id = r.article_id OFFSET 0) a",
            (needed,),
        )
    }
    best: dict[tuple[int, int], float] = {}
    for rid, other in pairs.values():
        score = jaccard(shingles[rid], shingles[other])
        if score >= THRESHOLD:
            a, b = known[rid][0], known[other][0]
            key = (min(a, b), max(a, b))
            best[key] = max(best.get(key, 0.0), score)
    return [NearDuplicate(a, b, round(score, 4)) for (a, b), score in sorted(best.items())]


def backfill(conn: psycopg.Connection) -> int:
    """Give every version listed in ``minhash_backfill`` its version 2 sketch; the number done.

    Versions stored before migration 0006 had only version 1 fingerprints (or none). Their keys
    are stored without matching them against each other (that was done when they were loaded), so
    new versions find them as before. Runs in the caller's transaction, under the merge lock.
    """
    done = 0
    while True:
        rows = conn.execute(
            "SELECT b.revision_id, coalesce(r.body, a.body), lsh_week(lsh_day(r.published_at, r.first_seen_at))"
            " FROM minhash_backfill b"
            " JOIN article_revisions r USING (revision_id) JOIN articles a USING (article_id)"
            " ORDER BY b.revision_id LIMIT %s",
            (_BACKFILL_BATCH,),
        ).fetchall()
        if not rows:
            return done
        ids = np.array([rid for rid, _, _ in rows], dtype=np.int64)
        weeks = np.array([week for _, _, week in rows], dtype=np.int64)
        found = sketches([body for _, body, _ in rows])
        conn.execute("DELETE FROM article_minhash WHERE revision_id = ANY(%s) AND minhash_version = %s",
                     (ids.tolist(), MINHASH_VERSION))
        _copy_minhash(conn, ids, found.signatures, found.shingles)
        searchable = found.shingles > 0
        conn.execute("DROP TABLE IF EXISTS pg_temp.backfill_keys")
        conn.execute("CREATE TEMPORARY TABLE backfill_keys (key int8, revision_id int8) ON COMMIT DROP")
        _copy_keys(conn, "backfill_keys", week_keys(found.band_keys[searchable], weeks[searchable]), ids[searchable])
        conn.execute("INSERT INTO article_lsh_keys SELECT * FROM backfill_keys ORDER BY 1, 2 ON CONFLICT DO NOTHING")
        # Their weeks' filters lack these keys: the next load that needs one rebuilds it from the index.
        forget(conn, distinct(weeks[searchable]).tolist())
        conn.execute("DELETE FROM minhash_backfill WHERE revision_id = ANY(%s)", (ids.tolist(),))
        done += len(rows)


def requeue_lost_sketches(conn: psycopg.Connection) -> int:
    """Queue every version for ``backfill`` when the sketch tables were emptied; the number queued.

    ``article_minhash``, ``article_lsh_keys`` and ``lsh_week_filters`` are unlogged (migration 0010):
    a crash, or a replica's promotion, leaves them empty while the versions stay. Every version has
    a sketch otherwise (the loader stores one for each new version, the back-fill for older ones),
    so none at all beside stored versions means they were lost. Two index probes when they were not.
    """
    (lost,) = conn.execute(
        "SELECT NOT EXISTS (SELECT FROM article_minhash) AND EXISTS (SELECT FROM article_revisions)"
    ).fetchone()
    if not lost:
        return 0
    queued = conn.execute(
        "INSERT INTO minhash_backfill (revision_id) SELECT revision_id FROM article_revisions ORDER BY 1"
        " ON CONFLICT DO NOTHING"
    ).rowcount
    # Emptied with the keys, or else holding keys that are gone: either way rebuilt from the index.
    conn.execute("DELETE FROM lsh_week_filters")
    return queued


def pending_backfill(conn: psycopg.Connection) -> bool:
    """True when some stored version still lacks its version 2 sketch (one index probe)."""
    return conn.execute("SELECT EXISTS (SELECT FROM minhash_backfill)").fetchone()[0]


def _copy_minhash(conn: psycopg.Connection, revision_ids: np.ndarray, signatures: np.ndarray,
                  shingles: np.ndarray) -> None:
    rows = np.empty(revision_ids.size, dtype=_MINHASH_ROW)
    rows["n"], rows["l1"], rows["l2"], rows["l3"], rows["l4"] = 4, 8, 2, 4, 4 * NUM_PERM
    rows["revision_id"], rows["version"], rows["shingles"], rows["signature"] = (
        revision_ids, MINHASH_VERSION, shingles, signatures)
    _copy_block(conn, "COPY article_minhash (revision_id, minhash_version, shingles, signature)", rows)


def _copy_keys(conn: psycopg.Connection, table: str, keys: np.ndarray, revision_ids: np.ndarray) -> None:
    """COPY one (key, revision_id) row per band key: ``keys`` is (n, BANDS_V2), ``revision_ids`` (n,)."""
    rows = np.empty(keys.size, dtype=_KEY_ROW)
    rows["n"], rows["l1"], rows["l2"] = 2, 8, 8
    rows["key"] = keys.ravel()
    rows["revision_id"] = np.repeat(revision_ids, BANDS_V2)
    _copy_block(conn, f"COPY {table} (key, revision_id)", rows)


def _copy_block(conn: psycopg.Connection, statement: str, rows: np.ndarray) -> None:
    # Tuples encoded by numpy and sent as one block: a row at a time through Python costs microseconds each.
    with conn.cursor() as cur, cur.copy(f"{statement} FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(COPY_SIGNATURE + rows.tobytes() + COPY_TRAILER)
