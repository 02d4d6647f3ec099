"""Merge a staged run into articles and revisions: a known text is its article, changed text at a known URL a revision.

Called by ``warehouse.load.load_run`` inside the run's transaction, under the merge lock, after
the records are in ``staging_articles``. The rules (docs/dedup.md, "Revisions"):

1. A content hash the warehouse knows (``article_revisions``) is that article, at any URL.
2. An unknown hash seen at a URL the warehouse knows (the record's ``url`` or ``other_urls``)
   is a new revision of the article last seen at that URL. Versions of one run that share a URL
   are one article too.
3. Anything else is a new article.

The article row holds its newest version (largest ``(first_seen_at, content_hash)``); a
superseded version's text moves into its ``article_revisions`` row, so every text is stored once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import psycopg

from warehouse.run_output import RunManifest

# Columns of articles that a version replaces when it becomes the article's current one.
ARTICLE_COLUMNS = (
    "content_hash", "hash_version", "canonical_url", "original_url", "title", "summary", "body",
    "authors", "authors_raw", "published_at", "published_at_raw", "modified_at", "modified_at_raw",
    "section", "tags", "images", "language", "rights", "rights_reserves_ai", "extractor",
)
_KEEP_WHEN_MISSING = {"published_at", "published_at_raw"}  # a revision rarely repeats 입력 time; keep the first


class NewVersion(NamedTuple):
    """A version new to the warehouse, as near-duplicate search needs it."""

    revision_id: int
    article_id: int
    content_hash: str
    lsh_week: int
    """The week its LSH keys are filed under (SQL ``lsh_week``, migration 0008)."""


@dataclass
class VersionMerge:
    """What the merge wrote."""

    new_revisions: list[NewVersion] = field(default_factory=list)
    """Every version new to the warehouse."""
    new_articles: list[int] = field(default_factory=list)
    revisions_new: int = 0
    """New versions of articles that were already in the warehouse."""


def merge_versions(conn: psycopg.Connection, run: RunManifest) -> VersionMerge:
    """Write this run's new articles and revisions (see the module docstring).

    Leaves ``run_versions``: one row per distinct text of the run with its ``content_hash`` and ``article_id``.
    """
    _stage_versions(conn)
    conn.execute("DROP TABLE IF EXISTS pg_temp.version_plan")
    conn.execute(
        "CREATE TEMPORARY TABLE version_plan (content_hash text PRIMARY KEY, article_id bigint,"
        " grp integer NOT NULL, is_current boolean NOT NULL, existing boolean NOT NULL) ON COMMIT DROP"
    )
    # The usual unknown version has URLs no stored article and no other version of the run has:
    # a new article of its own, planned here in SQL. Only the others go through _plan.
    (planned,) = conn.execute(
        """
        WITH shared AS (
            SELECT u.url FROM run_versions v CROSS JOIN LATERAL unnest(v.urls) AS u(url)
            WHERE v.article_id IS NULL GROUP BY 1 HAVING count(*) > 1
        ), entangled AS (
            SELECT v.content_hash FROM run_versions v CROSS JOIN LATERAL unnest(v.urls) AS u(url)
            WHERE v.article_id IS NULL
              AND (u.url IN (SELECT url FROM shared) OR EXISTS (SELECT FROM article_urls a WHERE a.url = u.url))
        ), planned AS (
            INSERT INTO version_plan (content_hash, article_id, grp, is_current, existing)
            SELECT content_hash, NULL, -row_number() OVER (ORDER BY content_hash), true, false
            FROM run_versions v
            WHERE v.article_id IS NULL AND v.content_hash NOT IN (SELECT content_hash FROM entangled)
            RETURNING 1
        )
        SELECT count(*) FROM planned
        """
    ).fetchone()
    entangled = conn.execute(
        "SELECT content_hash, url, urls, first_seen_at FROM run_versions v"
        " WHERE article_id IS NULL AND NOT EXISTS (SELECT FROM version_plan p WHERE p.content_hash = v.content_hash)"
        " ORDER BY content_hash"
    ).fetchall()
    merge = VersionMerge()
    if planned or entangled:
        existing = _plan(conn, entangled) if entangled else False
        conn.execute("ANALYZE version_plan")
        merge.new_articles = _insert_articles(conn, run)
        merge.revisions_new = _supersede(conn) if existing else 0
        merge.new_revisions = _insert_revisions(conn, run)
    # Known versions seen again: widen their seen window (first_seen_at never moves: it orders versions).
    conn.execute(
        """
        UPDATE article_revisions r SET last_seen_at = v.last_seen_at
        FROM run_versions v
        WHERE v.article_id IS NOT NULL AND v.content_hash = r.content_hash AND v.last_seen_at > r.last_seen_at
        """
    )
    if planned or entangled:
        # From here on run_versions maps every text of the run to its article, new ones included: the
        # rest of the load joins it rather than probe article_revisions' hash index once per record.
        conn.execute(
            "UPDATE run_versions v SET article_id = p.article_id FROM version_plan p"
            " WHERE v.article_id IS NULL AND p.content_hash = v.content_hash"
        )
    return merge


def _stage_versions(conn: psycopg.Connection) -> None:
    # One row per distinct text of the run: its earliest copy (the staging row the version's fields
    # are read from), its seen window, every URL it was seen at, and its article when the warehouse
    # knows the hash. Only keys and URLs: the wide columns stay in staging_articles. Each version's
    # article is an index probe (LATERAL ... OFFSET 0), never a hash of every stored version.
    conn.execute("DROP TABLE IF EXISTS pg_temp.run_versions")
    conn.execute(
        """
        CREATE TEMPORARY TABLE run_versions ON COMMIT DROP AS
        SELECT f.content_hash, f.ordinal, f.url, w.first_seen_at, w.last_seen_at, w.urls, r.article_id
        FROM (
            SELECT DISTINCT ON (content_hash) content_hash, ordinal, url FROM staging_articles
            ORDER BY content_hash, fetched_at, ordinal
        ) f
        JOIN (
            SELECT s.content_hash, min(s.fetched_at) AS first_seen_at, max(s.fetched_at) AS last_seen_at,
                   array_agg(DISTINCT seen.url) AS urls
            FROM staging_articles s CROSS JOIN LATERAL unnest(s.url || s.other_urls) AS seen(url)
            GROUP BY s.content_hash
        ) w USING (content_hash)
        LEFT JOIN LATERAL (SELECT article_id FROM article_revisions r WHERE r.content_hash = f.content_hash OFFSET 0) r
            ON true
        """
    )
    conn.execute("ANALYZE run_versions")


def _plan(conn: psycopg.Connection, unknown: list[tuple[str, str, list[str], datetime]]) -> bool:
    """Decide each unknown version's article (existing, or a new one per group) and which becomes current.

    True when some version is a new revision of an article the warehouse holds.
    """
    urls = sorted({u for _, _, version_urls, _ in unknown for u in version_urls})
    # The article last seen at each URL (several only where pre-revision loads left them).
    at_url: dict[str, tuple[datetime, int]] = {}
    for url, article_id, last_seen in conn.execute(
        "SELECT url, article_id, last_seen_at FROM article_urls WHERE url = ANY(%s)", (urls,)
    ):
        at_url[url] = max(at_url.get(url, (last_seen, article_id)), (last_seen, article_id))

    # Versions of this run sharing a URL are one article: union them.
    parent = list(range(len(unknown)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with_url: dict[str, int] = {}
    for i, (_, _, version_urls, _) in enumerate(unknown):
        for url in version_urls:
            j = first_with_url.setdefault(url, i)
            parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(unknown)):
        groups.setdefault(root(i), []).append(i)

    chosen: dict[int, int | None] = {}
    for key, members in groups.items():
        # The fetched URL's article before an in-run duplicate URL's; then the latest seen; then the newest id.
        found = [
            (url == unknown[i][1], *at_url[url]) for i in members for url in unknown[i][2] if url in at_url
        ]
        chosen[key] = max(found)[2] if found else None
    current = {
        article_id: (seen, content_hash)
        for article_id, seen, content_hash in conn.execute(
            "SELECT a.article_id, r.first_seen_at, a.content_hash FROM articles a"
            " JOIN article_revisions r ON r.content_hash = a.content_hash WHERE a.article_id = ANY(%s)",
            ([a for a in chosen.values() if a is not None],),
        )
    }
    plan = []
    for key, members in groups.items():
        article_id = chosen[key]
        newest = max(members, key=lambda i: (unknown[i][3], unknown[i][0]))
        newer = article_id is None or (unknown[newest][3], unknown[newest][0]) > current[article_id]
        for i in members:
            plan.append((unknown[i][0], article_id, key, newer and i == newest))
    with conn.cursor().copy("COPY version_plan FROM STDIN") as copy:
        for content_hash, article_id, grp, is_current in plan:
            copy.write_row((content_hash, article_id, grp, is_current, article_id is not None))
    return any(article_id is not None for _, article_id, _, _ in plan)


def _insert_articles(conn: psycopg.Connection, run: RunManifest) -> list[int]:
    columns = ", ".join(ARTICLE_COLUMNS)
    # Inserted in content_hash order, as before revisions existed; the story's first sighting
    # is the group's earliest fetch. The other new versions of a group take its article id
    # from the insert's own result (a join on articles would scan it whole at scale).
    rows = conn.execute(
        f"""
        WITH inserted AS (
            INSERT INTO articles ({columns}, publisher, source_id, first_seen_at, first_run_id)
            SELECT {", ".join("s." + c for c in ARTICLE_COLUMNS)}, coalesce(s.publisher, %(publisher)s),
                   %(source_id)s, g.first_seen_at, %(run_id)s
            FROM version_plan p
            JOIN run_versions v USING (content_hash)
            JOIN staging_articles s ON s.ordinal = v.ordinal
            JOIN (SELECT grp, min(first_seen_at) AS first_seen_at
                  FROM version_plan JOIN run_versions USING (content_hash) GROUP BY grp) g USING (grp)
            WHERE NOT p.existing AND p.is_current
            ORDER BY v.content_hash
            RETURNING article_id, content_hash
        ), grouped AS (
            UPDATE version_plan p SET article_id = i.article_id
            FROM version_plan c JOIN inserted i USING (content_hash)
            WHERE c.grp = p.grp AND NOT p.existing
        )
        SELECT article_id FROM inserted
        """,
        {"publisher": run.source.get("publisher"), "source_id": run.source_id, "run_id": run.run_id},
    ).fetchall()
    return [r[0] for r in rows]


def _supersede(conn: psycopg.Connection) -> int:
    """Make the newer versions of known articles current; the old text moves to its revision row."""
    conn.execute(
        """
        UPDATE article_revisions r SET body = a.body
        FROM version_plan p JOIN articles a USING (article_id)
        WHERE p.existing AND p.is_current AND r.content_hash = a.content_hash
        """
    )
    assignments = ", ".join(
        f"{c} = coalesce(v.{c}, a.{c})" if c in _KEEP_WHEN_MISSING else f"{c} = v.{c}" for c in ARTICLE_COLUMNS
    )
    conn.execute(
        f"""
        UPDATE articles a SET {assignments}, publisher = coalesce(v.publisher, a.publisher)
        FROM version_plan p JOIN run_versions r USING (content_hash) JOIN staging_articles v ON v.ordinal = r.ordinal
        WHERE p.existing AND p.is_current AND a.article_id = p.article_id
        """
    )
    return conn.execute("SELECT count(*) FROM version_plan WHERE existing").fetchone()[0]


def _insert_revisions(conn: psycopg.Connection, run: RunManifest) -> list[NewVersion]:
    rows = conn.execute(
        """
        INSERT INTO article_revisions (article_id, content_hash, hash_version, title, summary, body, authors,
                                       published_at, modified_at, modified_at_raw, url, first_seen_at,
                                       last_seen_at, first_run_id)
        SELECT p.article_id, v.content_hash, s.hash_version, s.title, s.summary,
               CASE WHEN p.is_current THEN NULL ELSE s.body END, s.authors, s.published_at, s.modified_at,
               s.modified_at_raw, v.url, v.first_seen_at, v.last_seen_at, %(run_id)s
        FROM version_plan p JOIN run_versions v USING (content_hash) JOIN staging_articles s ON s.ordinal = v.ordinal
        ORDER BY v.content_hash
        RETURNING revision_id, article_id, content_hash, lsh_week(lsh_day(published_at, first_seen_at))
        """,
        {"run_id": run.run_id},
    ).fetchall()
    return [NewVersion(*row) for row in rows]
