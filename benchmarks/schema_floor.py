"""The schema's floor: what the server spends storing a run's new articles in the warehouse's own tables.

``benchmarks.load`` compares the loader with a raw binary COPY of the same rows into a bare table.
That floor does not tell how much of the gap is the loader's and how much is the warehouse's: a
new article is not one row but seven (the article, its version, its URL, its run link, its
sketch, its story and its membership) and 42 LSH keys, each table with its indexes and foreign keys.

``schema_floor`` measures the second part. For every record of a run it builds the rows a load
would write for a new article that is nobody's copy, encodes them before the clock starts, then
times binary COPYs of those rows into the warehouse's tables, in the order the loader writes
them, keys sorted as the loader sorts them. Nothing is staged, validated, looked up or decided,
and the transaction is rolled back, so the warehouse is left as it was (its sequences excepted).
No loader of this schema can be faster than this on the same server.

Run alone, it also prices the schema's parts: the same floor without the foreign keys, without the
secondary indexes, without the LSH keys, and without all three (each dropped inside the
rolled-back transaction), alternating with the whole schema and a raw COPY into a bare table,
each measured on a fresh warehouse::

    python -m benchmarks.schema_floor --articles 5000 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import psycopg
from psycopg.types.json import Jsonb

from pipelines.neardup import BANDS_V2, MINHASH_VERSION, Sketches, sketches
from warehouse.db import connect
from warehouse.minhash import week_keys

_RUN = "schema-floor"

# Parts of the schema a floor can be measured without (``schema_floor(without=...)``).
SECONDARY_INDEXES = (
    "articles_first_seen_idx", "articles_first_run_idx", "articles_source_published_idx",
    "articles_canonical_url_key_idx", "articles_original_url_key_idx", "article_urls_url_key_idx",
    "article_urls_article_idx", "run_articles_article_idx", "article_revisions_article_idx",
    "cluster_members_cluster_idx",
)
PARTS = ("foreign_keys", "secondary_indexes", "lsh_keys")


class Floor(NamedTuple):
    seconds: float
    articles: int
    """The records stored: each text once, and none the warehouse holds already."""


def schema_floor(url: str, records: Iterable[Mapping[str, Any]], without: Iterable[str] = ()) -> Floor:
    """The time the server takes to COPY the pre-encoded rows of ``records`` as new articles; rolled back.

    ``without`` names parts of the schema (``PARTS``) dropped first, inside the same transaction.
    """
    without = set(without)
    if without - set(PARTS):
        raise ValueError(f"unknown schema parts {sorted(without - set(PARTS))}; known: {', '.join(PARTS)}")
    with connect(url) as conn, conn.transaction(force_rollback=True):
        # A text seen twice, or one the warehouse has (an edited copy can come out as its original),
        # is no new article: the loader would link it, not store it.
        unique = {r["content_hash"]: r for r in reversed(list(records))}
        for (known,) in conn.execute(
                "SELECT content_hash FROM article_revisions WHERE content_hash = ANY(%s)", (list(unique),)):
            del unique[known]
        if not unique:
            raise ValueError("no record is a new article: every text is in the warehouse already")
        records = sorted(unique.values(), key=lambda r: r["content_hash"])
        found = sketches([r["body"] for r in records])
        payloads = _encode(conn, records, found)
        if "lsh_keys" in without:
            payloads = [p for p in payloads if p[0] != "article_lsh_keys"]
        if "secondary_indexes" in without:
            for index in SECONDARY_INDEXES:
                conn.execute(f"DROP INDEX {index}")
        if "foreign_keys" in without:
            for table, constraint in conn.execute(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint"
                " WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
            ).fetchall():
                conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
        started = time.perf_counter()
        for table, columns, payload in payloads:
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(payload)
        return Floor(time.perf_counter() - started, len(records))


def _encode(
    conn: psycopg.Connection, records: list[Mapping[str, Any]], found: Sketches
) -> list[tuple[str, str, bytes]]:
    """Each table's rows as one binary COPY payload (encoded by the server, off the clock)."""
    n = len(records)
    # The run its rows name (run_articles keeps its foreign key to crawl_runs), and its source.
    for source in sorted({r["source"] for r in records}):
        conn.execute("INSERT INTO sources (source_id, name, updated_at) VALUES (%s, %s, now()) ON CONFLICT DO NOTHING",
                     (source, source))
    conn.execute("INSERT INTO crawl_runs (run_id, source_id, status) VALUES (%s, %s, 'loaded')",
                 (_RUN, records[0]["source"]))
    article_ids = _ids(conn, "articles", "article_id", n)
    revision_ids = _ids(conn, "article_revisions", "revision_id", n)
    cluster_ids = _ids(conn, "story_clusters", "cluster_id", n)
    published = [_time(r["published_at"]) for r in records]
    fetched = [_time(r["fetched_at"]) for r in records]
    weeks = np.array([week for (week,) in conn.execute(
        "SELECT lsh_week(lsh_day(p, f)) FROM unnest(%s::timestamptz[], %s::timestamptz[]) WITH ORDINALITY AS t(p, f, i)"
        " ORDER BY i", (published, fetched))], dtype=np.int64)
    keys = week_keys(found.band_keys, weeks).ravel()
    key_owners = np.repeat(np.array(revision_ids, dtype=np.int64), BANDS_V2)
    order = np.argsort(keys, kind="stable")
    tables: list[tuple[str, list[tuple[str, str]], Iterable[tuple[Any, ...]]]] = [
        ("articles", _columns(
            "article_id int8, content_hash text, hash_version int2, source_id text, publisher text, canonical_url text,"
            " original_url text, title text, summary text, body text, authors text[], authors_raw text[],"
            " published_at timestamptz, published_at_raw text, section text, tags text[], images jsonb,"
            " language text, rights_reserves_ai bool, extractor text, first_seen_at timestamptz, first_run_id text"),
         ((a, r["content_hash"], 1, r["source"], r.get("publisher"), r.get("canonical_url"), r.get("original_url"),
           r["title"], r.get("summary"), r["body"], r["authors"], r["authors_raw"], p, r.get("published_at_raw"),
           r.get("section"), r["tags"], Jsonb(r["images"]), r.get("language"), bool(r.get("rights_reserves_ai")),
           r.get("extractor"), f, _RUN)
          for a, r, p, f in zip(article_ids, records, published, fetched, strict=True))),
        ("article_revisions", _columns(
            "revision_id int8, article_id int8, content_hash text, hash_version int2, title text, authors text[],"
            " published_at timestamptz, url text, first_seen_at timestamptz, last_seen_at timestamptz,"
            " first_run_id text"),
         ((v, a, r["content_hash"], 1, r["title"], r["authors"], p, r["url"], f, f, _RUN)
          for v, a, r, p, f in zip(revision_ids, article_ids, records, published, fetched, strict=True))),
        ("article_urls", _columns(
            "url text, article_id int8, source_id text, first_seen_at timestamptz, last_seen_at timestamptz,"
            " first_run_id text, last_run_id text, http_status int4, extractor text"),
         sorted((r["url"], a, r["source"], f, f, _RUN, _RUN, r.get("http_status"), r.get("extractor"))
                for a, r, f in zip(article_ids, records, fetched, strict=True))),
        ("run_articles", _columns("run_id text, article_id int8"), ((_RUN, a) for a in article_ids)),
        ("article_minhash", _columns("revision_id int8, minhash_version int2, shingles int4, signature bytea"),
         ((v, MINHASH_VERSION, int(s), signature.tobytes())
          for v, s, signature in zip(revision_ids, found.shingles, found.signatures, strict=True))),
        ("article_lsh_keys", _columns("key int8, revision_id int8"),
         zip(keys[order].tolist(), key_owners[order].tolist(), strict=True)),
        ("story_clusters", _columns(
            "cluster_id int8, original_article_id int8, original_url text, first_published_at timestamptz,"
            " last_published_at timestamptz, created_run_id text, updated_run_id text"),
         ((c, a, r["url"], p or f, p or f, _RUN, _RUN)
          for c, a, r, p, f in zip(cluster_ids, article_ids, records, published, fetched, strict=True))),
        ("cluster_members", _columns("article_id int8, cluster_id int8, role text, joined_run_id text"),
         ((a, c, "original", _RUN) for a, c in zip(article_ids, cluster_ids, strict=True))),
    ]
    return [(table, *_payload(conn, table, columns, rows)) for table, columns, rows in tables]


def _payload(
    conn: psycopg.Connection, table: str, columns: list[tuple[str, str]], rows: Iterable[tuple[Any, ...]]
) -> tuple[str, bytes]:
    """The rows as the server's binary COPY output of them: the same bytes a loader would send."""
    names = ", ".join(name for name, _ in columns)
    conn.execute(f"CREATE TEMPORARY TABLE encode_{table} AS SELECT {names} FROM {table} WITH NO DATA")
    with conn.cursor() as cur:
        with cur.copy(f"COPY encode_{table} FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([kind for _, kind in columns])
            for row in rows:
                copy.write_row(row)
        with cur.copy(f"COPY encode_{table} TO STDOUT (FORMAT BINARY)") as copy:
            payload = b"".join(bytes(block) for block in copy)
    return names, payload


def _columns(spec: str) -> list[tuple[str, str]]:
    return [tuple(column.split()) for column in spec.split(",")]  # type: ignore[misc]


def _ids(conn: psycopg.Connection, table: str, column: str, n: int) -> list[int]:
    return [i for (i,) in conn.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", (table, column, n))]


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def main() -> None:
    from benchmarks.load import REPO, Texts, body_compression, raw_copy, sentence_pool, write_run
    from warehouse.migrate import apply_migrations
    from warehouse.run_output import read_articles
    from warehouse.server import create_database, drop_database, find_postgres

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each measures every variant once")
    args = parser.parse_args()
    variants: list[tuple[str, tuple[str, ...]]] = [
        ("whole schema", ()), *((f"without {part.replace('_', ' ')}", (part,)) for part in PARTS),
        ("without all three", PARTS),
    ]
    admin = find_postgres(REPO / ".data" / "pg")

    def fresh_warehouse() -> tuple[str, str]:
        # Each measurement on a new database: a rolled-back floor leaves dead index entries for the
        # same keys, which would slow the next one down.
        name = f"newsflow_bench_{uuid.uuid4().hex[:8]}"
        url = create_database(admin, name)
        apply_migrations(url)
        return name, url

    with tempfile.TemporaryDirectory(prefix="newsflow-floor-") as tmp:
        output = write_run(Path(tmp), "floor", args.articles, 0, Texts(sentence_pool(), seed=0))
        raw: list[float] = []
        spent: dict[str, list[float]] = {label: [] for label, _ in variants}
        compression = None
        for _ in range(args.repeat):
            for label, parts in [("raw", ()), *variants]:
                name, url = fresh_warehouse()
                try:
                    if label == "raw":
                        compression = body_compression(url)
                        raw.append(raw_copy(url, output, compression))
                    else:
                        seconds, stored = schema_floor(url, read_articles(output), parts)
                        spent[label].append(seconds * args.articles / stored)  # as if all were new
                finally:
                    drop_database(admin, name)
    floor = statistics.median(raw)
    print(f"raw binary COPY (body {compression or 'default'}): {args.articles / floor:,.0f} rows/s "
          f"({floor * 1000 / args.articles:.3f} ms/article), median of {args.repeat}")
    for label, seconds in spent.items():
        ms = sorted(s * 1000 / args.articles for s in seconds)
        median = statistics.median(ms)
        print(f"{label:>28}: {1000 / median:>7,.0f} articles/s  {median:.3f} ms/article "
              f"({ms[0]:.3f}-{ms[-1]:.3f})  {floor * 1000 / args.articles / median:.2f} of the raw COPY")

if __name__ == "__main__":
    main()
