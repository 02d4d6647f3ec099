"""Near-duplicate search in the warehouse: store new versions' MinHash signatures and LSH bands, verify matches.

Candidates come from an indexed join on ``article_lsh_bands`` (so they span every run, process
and machine), are filtered by the signatures' estimated Jaccard, and are confirmed on the exact
shingle sets of both texts (``pipelines.neardup``): a link needs an exact Jaccard of at least
``THRESHOLD``. Fingerprints are computed before the merge lock is taken (``fingerprint_staged``),
so concurrent loads shingle in parallel and only the SQL takes turns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import psycopg

from pipelines.neardup import (
    MINHASH_VERSION,
    THRESHOLD,
    Fingerprint,
    estimate,
    fingerprint,
    from_bytes,
    jaccard,
    shingle_hashes,
    to_bytes,
)

# Candidates whose estimated Jaccard is below this are dropped before the exact check. With 128
# permutations the estimate's standard deviation at J = 0.5 is 0.044: a true 0.5 pair estimates
# below 0.3 with probability under 1e-5, while most chance band collisions estimate below 0.1.
PREFILTER = 0.3
# Candidates checked per new version, those sharing the most bands first. A text that matches more
# stored versions than this (a templated item repeated all day) is linked to the closest of them,
# which is enough to put it in their story; checking hundreds would make it cost O(warehouse).
MAX_CANDIDATES = 20
# Versions kept (and read) per LSH bucket; see store_and_match.
BUCKET_LIMIT = 20


@dataclass(frozen=True)
class NearDuplicate:
    """Two articles whose most similar versions share at least ``THRESHOLD`` of their shingles."""

    article_id: int
    linked_article_id: int
    score: float


def fingerprint_staged(conn: psycopg.Connection) -> dict[str, Fingerprint]:
    """Fingerprints of the staged texts the warehouse does not hold yet, by content hash."""
    rows = conn.execute(
        """
        SELECT DISTINCT ON (content_hash) content_hash, body
        FROM staging_articles s
        WHERE NOT EXISTS (SELECT 1 FROM article_revisions r WHERE r.content_hash = s.content_hash)
        ORDER BY content_hash
        """
    )
    return {content_hash: fingerprint(body) for content_hash, body in rows}


def store_and_match(
    conn: psycopg.Connection, new_revisions: list[tuple[int, int, str]], prints: dict[str, Fingerprint]
) -> list[NearDuplicate]:
    """Store the signatures of ``new_revisions`` and return their verified near-duplicates among all versions."""
    revisions = [(rid, aid, prints[h]) for rid, aid, h in new_revisions if h in prints]
    if not revisions:
        return []
    conn.execute("DROP TABLE IF EXISTS pg_temp.new_bands")
    conn.execute("CREATE TEMPORARY TABLE new_bands (band int2, key int8, revision_id int8) ON COMMIT DROP")
    with conn.cursor() as cur:
        with cur.copy("COPY article_minhash (revision_id, minhash_version, shingles, signature) FROM STDIN"
                      " (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "int2", "int4", "bytea"])
            for rid, _, fp in revisions:
                copy.write_row((rid, MINHASH_VERSION, int(fp.shingles.size), to_bytes(fp.signature)))
        with cur.copy("COPY new_bands (band, key, revision_id) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int2", "int8", "int8"])
            for rid, _, fp in revisions:
                for band, key in enumerate(fp.band_keys.tolist()):
                    copy.write_row((band, key, rid))
    conn.execute("ANALYZE new_bands")  # a temporary table has no statistics until analysed
    # One index probe per band serves both the lookup and the insert: the stored versions of the
    # bucket (newest first, at most BUCKET_LIMIT) are the candidates, and a bucket that already holds
    # BUCKET_LIMIT takes no more: it is a templated text's (a daily market table, a weather report)
    # and says little. Versions new in this run meet in new_bands.
    candidates = conn.execute(
        """
        WITH hits AS MATERIALIZED (
            SELECT n.revision_id, n.band, b.revision_id AS other_id
            FROM new_bands n
            CROSS JOIN LATERAL (
                SELECT x.revision_id FROM article_lsh_bands x
                WHERE x.band = n.band AND x.key = n.key
                ORDER BY x.revision_id DESC
                LIMIT %(bucket)s
            ) b
        ), stored AS (
            INSERT INTO article_lsh_bands (band, key, revision_id)
            SELECT n.band, n.key, n.revision_id
            FROM new_bands n
            LEFT JOIN (SELECT revision_id, band, count(*) AS n FROM hits GROUP BY 1, 2) f USING (revision_id, band)
            WHERE coalesce(f.n, 0) < %(bucket)s
            ORDER BY 1, 2, 3
        ), pairs AS (
            SELECT revision_id, other_id FROM hits
            UNION ALL
            SELECT a.revision_id, b.revision_id FROM new_bands a JOIN new_bands b USING (band, key)
            WHERE a.revision_id <> b.revision_id
        )
        SELECT revision_id, other_id, count(*) AS bands FROM pairs GROUP BY 1, 2
        """,
        {"bucket": BUCKET_LIMIT},
    ).fetchall()
    # Signatures and articles of the candidates by key: a few thousand index lookups, where a join
    # would let the planner hash-join whole tables, a cost that grows with the warehouse.
    others = sorted({other for _, other, _ in candidates})
    known = {
        rid: (aid, sig) for rid, aid, sig in conn.execute(
            "SELECT r.revision_id, r.article_id, m.signature FROM unnest(%s::bigint[]) AS c(revision_id)"
            " CROSS JOIN LATERAL (SELECT * FROM article_revisions r WHERE r.revision_id = c.revision_id) r"
            " CROSS JOIN LATERAL (SELECT signature FROM article_minhash m WHERE m.revision_id = c.revision_id) m",
            (others,),
        )
    }
    article_of = {rid: aid for rid, aid, _ in revisions}
    ranked: dict[int, list[tuple[int, int]]] = {}
    for rid, other, bands in candidates:
        if other in known and known[other][0] != article_of[rid]:
            ranked.setdefault(rid, []).append((-bands, other))
    candidates = [
        (rid, other, known[other][0], known[other][1])
        for rid, found in ranked.items() for _, other in sorted(found)[:MAX_CANDIDATES]
    ]
    return _verify(conn, {rid: (aid, fp) for rid, aid, fp in revisions}, candidates)


def _verify(
    conn: psycopg.Connection, new: dict[int, tuple[int, Fingerprint]], candidates: list[tuple[int, int, int, bytes]]
) -> list[NearDuplicate]:
    pairs: dict[tuple[int, int], tuple[int, int, int]] = {}
    if candidates:
        theirs = np.stack([from_bytes(sig) for *_, sig in candidates])
        ours = np.stack([new[rid][1].signature for rid, *_ in candidates])
        estimates = estimate(ours, theirs)
        for (rid, other, other_article, _), estimated in zip(candidates, estimates.tolist(), strict=True):
            if estimated >= PREFILTER:
                # A pair of two new versions comes twice, once from each side.
                pairs[(min(rid, other), max(rid, other))] = (rid, other, other_article)
    stored = [other for rid, other, _ in pairs.values() if other not in new]
    shingles = {rid: fp.shingles for rid, (_, fp) in new.items()}
    if stored:
        for rid, body in conn.execute(
            "SELECT r.revision_id, coalesce(r.body, a.body) FROM article_revisions r JOIN articles a USING (article_id)"
            " WHERE r.revision_id = ANY(%s)",
            (sorted(set(stored)),),
        ):
            shingles[rid] = shingle_hashes(body)
    best: dict[tuple[int, int], float] = {}
    for rid, other, other_article in pairs.values():
        score = jaccard(shingles[rid], shingles[other])
        if score >= THRESHOLD:
            key = (min(new[rid][0], other_article), max(new[rid][0], other_article))
            best[key] = max(best.get(key, 0.0), score)
    return [NearDuplicate(a, b, round(score, 4)) for (a, b), score in sorted(best.items())]
