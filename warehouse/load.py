"""Load one crawl run's output into the warehouse: one transaction, streamed through COPY, safe to re-run.

The records are ``Article.to_record()`` dicts (``newsflow/items.py``). They are validated and
copied into a temporary staging table and the texts new to the warehouse are fingerprinted for
near-duplicate search (``warehouse.minhash``); then, under one merge lock shared by all loads:

- articles and revisions (``warehouse.revisions``): a known content hash is its article; a
  changed text at a known URL is a new revision of that article; anything else a new article;
- every URL an article was seen at is a row of ``article_urls``; ``run_articles`` links the run
  to every article its output carried, new or not;
- story clusters (``warehouse.clusters``): new versions are matched against every stored one,
  linked by original/canonical URL and near-duplicate evidence, and clustered with roles.

Re-loading the same output (same ``run_id`` and articles sha256) writes nothing; re-loading a
changed output under the same ``run_id`` replaces the run's row and links and merges its
articles and URLs. Seen-at times come from the records' ``fetched_at``, never the clock, so
loading order does not change the URL rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.copy import QueuedLibpqWriter
from psycopg.types.json import Jsonb

from warehouse.clusters import cluster_run, url_links
from warehouse.minhash import Sketchbook, backfill, pending_backfill, requeue_lost_sketches, store_and_match
from warehouse.revisions import merge_versions
from warehouse.run_output import (
    COPY_SIGNATURE,
    COPY_TRAILER,
    STAGING_COLUMNS,
    LoadError,
    RunManifest,
    copy_tuple,
    dumps,
    parse_manifest,
    staging_row,
)

__all__ = ["LoadError", "LoadResult", "load_run", "record_failed_run"]

# Namespace of the per-source advisory locks (the two-integer form; migrations use the one-bigint form).
_SOURCE_LOCK_NAMESPACE = 0x4E46

# The merge lock (two-integer form, another namespace than the source locks): merges of all
# sources take turns, so two loads never both decide that a story is new.
_MERGE_LOCK = (0x4E47, 1)

# Records validated, copied and sketched together: one round trip asks which of their texts are known.
_STAGE_CHUNK = 2000
_HASH = [name for name, _ in STAGING_COLUMNS].index("content_hash")


@dataclass(frozen=True)
class LoadResult:
    """What a load did."""

    articles_in_output: int
    """Records in the run's output."""
    articles_new: int
    """Articles this run brought into the warehouse (``articles.first_run_id`` = the run)."""
    urls_new: int
    """(url, article) sightings the warehouse did not have before this load."""
    urls_seen: int
    """Distinct (url, article) sightings in the output: each record's ``url`` and ``other_urls``."""
    already_loaded: bool = False
    """True when this exact output was loaded before and nothing was written."""
    revisions_new: int = 0
    """New versions of articles already in the warehouse (a changed text at a known URL)."""


def load_run(
    conn: psycopg.Connection, manifest: Mapping[str, Any], stats: Mapping[str, Any],
    articles: Iterable[Mapping[str, Any]],
) -> LoadResult:
    """Load one run in one transaction (``conn`` as from ``warehouse.db.connect``: autocommit).

    ``articles`` is consumed once, as a stream. Raises ``LoadError`` for a bad manifest or
    record, after rolling the whole run back.
    """
    run = parse_manifest(manifest, require_output=True)
    with conn.transaction(), Sketchbook() as book:
        _lock_source(conn, run.source_id)
        existing = conn.execute(
            "SELECT source_id, status, output_sha256, articles_in_output, articles_new, urls_new, urls_seen,"
            " coalesce(revisions_new, 0) FROM crawl_runs WHERE run_id = %s",
            (run.run_id,),
        ).fetchone()
        if existing is not None:
            source_id, status, sha256, *counts = existing
            if source_id != run.source_id:
                raise LoadError(f"run {run.run_id!r} is already recorded for source {source_id!r}")
            if status == "loaded" and sha256 == run.output_sha256:
                *counts, revisions_new = counts
                return LoadResult(*counts, already_loaded=True, revisions_new=revisions_new)
        _upsert_source(conn, run)
        _upsert_run(conn, run, stats, status="loaded", error=None)
        # Sketching the new texts (the costly part) starts while they stream, before the lock, and goes
        # on in a thread while the server merges: loads of other sources do theirs meanwhile.
        in_output = _stage(conn, run, articles, book)
        if run.expected_count is not None and in_output != run.expected_count:
            raise LoadError(
                f"run {run.run_id!r}: the manifest counts {run.expected_count} articles but the output has "
                f"{in_output}; the output is incomplete or not this run's"
            )
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", _MERGE_LOCK)
        # The merge's statements run in milliseconds, but their estimates over fresh temporary tables
        # can cross jit_above_cost, and compiling them then takes a second or more.
        conn.execute("SET LOCAL jit = off")
        # Sorts and hashes of a run's rows (a few MB) stay in memory rather than spill to disk.
        conn.execute("SET LOCAL work_mem = '64MB'")
        # A run's rows are looked up in the big tables by key; on a warehouse its cache holds, an index
        # probe costs about what a sequential page does, and the default (4) makes the planner hash
        # whole tables instead, a cost that grows with the warehouse (benchmarks/load.py --existing).
        conn.execute("SET LOCAL random_page_cost = 1.1")
        # The sketches are unlogged (migration 0010): after a crash they are rebuilt here, before matching.
        requeue_lost_sketches(conn)
        if pending_backfill(conn):
            backfill(conn)
        merge = merge_versions(conn, run)
        urls_new, urls_seen, url_changed = _merge_urls(conn, run)
        _link_run(conn, run)
        near = store_and_match(conn, merge.new_revisions, book)
        changed = url_changed | {version.article_id for version in merge.new_revisions}
        cluster_run(conn, run.run_id, merge.new_articles, url_links(conn), near, changed)
        articles_new = conn.execute(
            "SELECT count(*) FROM articles WHERE first_run_id = %s", (run.run_id,)
        ).fetchone()[0]
        conn.execute(
            "UPDATE crawl_runs SET articles_in_output = %s, articles_new = %s, urls_new = %s, urls_seen = %s,"
            " revisions_new = %s WHERE run_id = %s",
            (in_output, articles_new, urls_new, urls_seen, merge.revisions_new, run.run_id),
        )
    return LoadResult(in_output, articles_new, urls_new, urls_seen, revisions_new=merge.revisions_new)


def record_failed_run(
    conn: psycopg.Connection, manifest_or_minimal: Mapping[str, Any], stats: Mapping[str, Any], error: str
) -> bool:
    """Record a run that produced nothing loadable; never overwrites a loaded run. True when recorded.

    ``manifest_or_minimal`` is a run manifest or just ``{"run_id": ..., "source": {"id": ...}}``.
    """
    run = parse_manifest(manifest_or_minimal, require_output=False)
    with conn.transaction():
        _lock_source(conn, run.source_id)
        status = conn.execute("SELECT status FROM crawl_runs WHERE run_id = %s", (run.run_id,)).fetchone()
        if status is not None and status[0] == "loaded":
            return False
        _upsert_source(conn, run)
        _upsert_run(conn, run, stats, status="failed", error=error)
    return True


def _lock_source(conn: psycopg.Connection, source_id: str) -> None:
    # Two loads of one source (a retry racing its original) take turns; other sources run in parallel.
    conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_SOURCE_LOCK_NAMESPACE, source_id))


def _upsert_source(conn: psycopg.Connection, run: RunManifest) -> None:
    source = run.source
    if not source.get("name"):
        # A minimal failed-run record knows only the id: create the row if needed, change nothing.
        conn.execute(
            "INSERT INTO sources (source_id, name, updated_at) VALUES (%s, %s, coalesce(%s, now()))"
            " ON CONFLICT (source_id) DO NOTHING",
            (run.source_id, run.source_id, run.finished_at or run.started_at),
        )
        return
    # The newest run's configuration wins whatever the loading order; an unchanged row is not rewritten.
    conn.execute(
        """
        INSERT INTO sources AS s (source_id, name, publisher, homepage, config, updated_at)
        VALUES (%s, %s, %s, %s, %s, coalesce(%s, now()))
        ON CONFLICT (source_id) DO UPDATE
        SET name = excluded.name, publisher = excluded.publisher, homepage = excluded.homepage,
            config = excluded.config, updated_at = excluded.updated_at
        WHERE excluded.updated_at >= s.updated_at
          AND (s.name, s.publisher, s.homepage, s.config)
              IS DISTINCT FROM (excluded.name, excluded.publisher, excluded.homepage, excluded.config)
        """,
        (
            run.source_id, source["name"], source.get("publisher"), source.get("homepage"),
            Jsonb(source, dumps=dumps), run.finished_at or run.started_at,
        ),
    )


def _upsert_run(
    conn: psycopg.Connection, run: RunManifest, stats: Mapping[str, Any], *, status: str, error: str | None
) -> None:
    manifest = run.manifest
    output = manifest.get("articles") if isinstance(manifest.get("articles"), Mapping) else {}
    conn.execute(
        """
        INSERT INTO crawl_runs AS r (run_id, source_id, status, started_at, finished_at, loaded_at,
            finish_reason, dry_run, articles_in_output, articles_new, urls_new, urls_seen,
            drops, stats, params, verdict, output_uri, output_sha256, error)
        VALUES (%(run_id)s, %(source_id)s, %(status)s, %(started_at)s, %(finished_at)s,
            CASE WHEN %(status)s = 'loaded' THEN now() END, %(finish_reason)s, %(dry_run)s,
            NULL, NULL, NULL, NULL, %(drops)s, %(stats)s, %(params)s, %(verdict)s, %(output_uri)s,
            %(output_sha256)s, %(error)s)
        ON CONFLICT (run_id) DO UPDATE
        SET status = excluded.status, started_at = excluded.started_at, finished_at = excluded.finished_at,
            loaded_at = excluded.loaded_at, finish_reason = excluded.finish_reason,
            dry_run = excluded.dry_run, articles_in_output = NULL, articles_new = NULL, urls_new = NULL,
            urls_seen = NULL, drops = excluded.drops, stats = excluded.stats, params = excluded.params,
            verdict = excluded.verdict, output_uri = excluded.output_uri,
            output_sha256 = excluded.output_sha256, error = excluded.error
        """,
        {
            "run_id": run.run_id,
            "source_id": run.source_id,
            "status": status,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "finish_reason": manifest.get("finish_reason"),
            "dry_run": bool(manifest.get("dry_run", False)),
            "drops": Jsonb(dict(manifest.get("drops") or {}), dumps=dumps),
            "stats": Jsonb(dict(stats or {}), dumps=dumps),
            "params": Jsonb(dict(manifest.get("params") or {}), dumps=dumps),
            "verdict": None if manifest.get("verdict") is None else Jsonb(manifest["verdict"], dumps=dumps),
            "output_uri": manifest.get("output_uri") or output.get("uri"),
            "output_sha256": run.output_sha256,
            "error": error,
        },
    )
    # A re-load of changed output replaces what the run links to.
    conn.execute("DELETE FROM run_articles WHERE run_id = %s", (run.run_id,))


def _stage(
    conn: psycopg.Connection, run: RunManifest, articles: Iterable[Mapping[str, Any]], book: Sketchbook
) -> int:
    """COPY the records into ``staging_articles`` in chunks, sketching each chunk's texts the warehouse lacks."""
    # Bodies compressed here with the method of articles.body move into it without being
    # compressed again, which halves the cost of the insert (lz4 where the server has it).
    (lz4,) = conn.execute(
        "SELECT attcompression = 'l' FROM pg_attribute"
        " WHERE attrelid = 'articles'::regclass AND attname = 'body'"
    ).fetchone()
    body = "body text COMPRESSION lz4" if lz4 else "body text"
    columns = ", ".join(body if name == "body" else f"{name} {kind}" for name, kind in STAGING_COLUMNS)
    # A load nested in a caller's transaction may run twice before the temporary table is dropped.
    conn.execute("DROP TABLE IF EXISTS pg_temp.staging_articles")
    conn.execute(f"CREATE TEMPORARY TABLE staging_articles ({columns}) ON COMMIT DROP")
    count = 0
    chunks = _chunks(run, articles)
    chunk = next(chunks, None)
    while chunk is not None:
        rows, bodies = chunk
        count += len(rows)
        _sketch_fresh(conn, rows, bodies, book)
        # A queued writer sends the block from its own thread: the server stores this chunk while
        # this thread reads and checks the next one.
        with conn.cursor() as cur, cur.copy(
                "COPY staging_articles FROM STDIN (FORMAT BINARY)", writer=QueuedLibpqWriter(cur)) as copy:
            copy.write(b"".join([COPY_SIGNATURE, *map(copy_tuple, rows), COPY_TRAILER]))
            chunk = next(chunks, None)
    # The merge's plans depend on its size and keys (the wide columns' statistics would cost more than they tell).
    conn.execute("ANALYZE staging_articles (content_hash, url, ordinal)")
    return count


def _chunks(
    run: RunManifest, articles: Iterable[Mapping[str, Any]]
) -> Iterator[tuple[list[tuple[Any, ...]], list[str]]]:
    """The records as checked staging rows and their bodies, ``_STAGE_CHUNK`` at a time."""
    rows: list[tuple[Any, ...]] = []
    bodies: list[str] = []
    for ordinal, record in enumerate(articles, start=1):
        rows.append(staging_row(ordinal, record, run))
        bodies.append(record["body"])
        if len(rows) == _STAGE_CHUNK:
            yield rows, bodies
            rows, bodies = [], []
    if rows:
        yield rows, bodies


def _sketch_fresh(conn: psycopg.Connection, rows: list[tuple[Any, ...]], bodies: list[str], book: Sketchbook) -> None:
    """Have the book sketch the first body of each hash the warehouse does not hold yet.

    Known texts never are (their signatures are stored), which keeps a re-crawl of known pages cheap.
    """
    fresh: dict[str, str] = {}
    for row, body in zip(rows, bodies, strict=True):
        content_hash = row[_HASH].decode()
        if content_hash not in book:
            fresh.setdefault(content_hash, body)
    if fresh:
        for (known,) in conn.execute(
            "SELECT content_hash FROM article_revisions WHERE content_hash = ANY(%s)", (list(fresh),)
        ):
            del fresh[known]
    book.add_soon(list(fresh), list(fresh.values()))


def _merge_urls(conn: psycopg.Connection, run: RunManifest) -> tuple[int, int, set[int]]:
    """Upsert the run's sightings; (new sightings, distinct sightings, articles whose sightings changed)."""
    # An existing sighting is rewritten only when this run widens its first/last seen window.
    row = conn.execute(
        """
        WITH seen AS (
            SELECT url, content_hash, fetched_at, http_status, extractor FROM staging_articles
            UNION ALL
            SELECT other.url, s.content_hash, s.fetched_at, NULL, s.extractor
            FROM staging_articles s CROSS JOIN LATERAL unnest(s.other_urls) AS other(url)
        ), pairs AS (
            SELECT seen.url, a.article_id,
                   min(seen.fetched_at) AS first_seen_at, max(seen.fetched_at) AS last_seen_at,
                   (array_agg(seen.http_status ORDER BY seen.fetched_at DESC)
                        FILTER (WHERE seen.http_status IS NOT NULL))[1] AS http_status,
                   (array_agg(seen.extractor ORDER BY seen.fetched_at))[1] AS extractor
            FROM seen JOIN run_versions a USING (content_hash)  -- each text's article (merge_versions)
            GROUP BY seen.url, a.article_id
        ), upserted AS (
            INSERT INTO article_urls AS u (url, article_id, source_id, first_seen_at, last_seen_at,
                                           first_run_id, last_run_id, http_status, extractor)
            SELECT url, article_id, %(source_id)s, first_seen_at, last_seen_at,
                   %(run_id)s, %(run_id)s, http_status, extractor
            FROM pairs
            ORDER BY url, article_id
            ON CONFLICT (url, article_id) DO UPDATE
            SET first_seen_at = least(u.first_seen_at, excluded.first_seen_at),
                first_run_id = CASE WHEN excluded.first_seen_at < u.first_seen_at
                                    THEN excluded.first_run_id ELSE u.first_run_id END,
                last_seen_at = greatest(u.last_seen_at, excluded.last_seen_at),
                last_run_id = CASE WHEN excluded.last_seen_at > u.last_seen_at
                                   THEN excluded.last_run_id ELSE u.last_run_id END,
                http_status = CASE WHEN excluded.last_seen_at > u.last_seen_at
                                   THEN coalesce(excluded.http_status, u.http_status) ELSE u.http_status END
            WHERE excluded.first_seen_at < u.first_seen_at OR excluded.last_seen_at > u.last_seen_at
            RETURNING article_id, (xmax = 0) AS inserted
        )
        SELECT (SELECT count(*) FROM upserted WHERE inserted), (SELECT count(*) FROM pairs),
               (SELECT coalesce(array_agg(DISTINCT article_id), '{}') FROM upserted)
        """,
        {"source_id": run.source_id, "run_id": run.run_id},
    ).fetchone()
    return int(row[0]), int(row[1]), set(row[2])


def _link_run(conn: psycopg.Connection, run: RunManifest) -> None:
    conn.execute(
        """
        INSERT INTO run_articles (run_id, article_id)
        SELECT DISTINCT %(run_id)s::text, article_id FROM run_versions ORDER BY 2
        """,
        {"run_id": run.run_id},
    )
