"""Choose each story's original and every member's role and evidence (docs/dedup.md, "The original").

The original is a URL of a member article, ranked by:

1. the publisher's own page first: a URL that is neither on a portal host (``portal_hosts``)
   nor a board re-posting a portal's markup (``page_kind``);
2. a page another member names as its original (a copy's ``original_url``, Naver's 기사원문);
3. the earliest published (``articles.published_at``; a page without one after all that have one);
4. the earliest first seen, then the smallest article id and URL, so the choice is a function of
   the members alone, whatever order they were loaded in.

Roles: the original's article is ``original``; any other member is ``portal_copy`` or
``repost`` when all its URLs are portal pages or board re-posts, else ``update`` when it comes
from the original's publisher or site, else ``near_duplicate`` (another publisher's copy).
Evidence: the member's strongest link to the original, else to any other member.
Only rows that change are written, so refreshing an unchanged cluster writes nothing.
A cluster's span (first/last publication of its members) only widens.
"""

from __future__ import annotations

import psycopg

# How a URL ranks as an original by the kind of page (``story_copies`` names them).
_KIND_RANK = "CASE page_kind(u.url, u.extractor) WHEN 'publisher' THEN 0 WHEN 'portal' THEN 1 ELSE 2 END"


def refresh_clusters(conn: psycopg.Connection, run_id: str, articles: list[int]) -> None:
    """Re-derive original, span, roles and evidence where ``articles`` (this load's, new or moved) can change them.

    Incremental, so a load costs what it brings, not the size of the stories it touches: the
    original is re-chosen among the touched articles and the current original (every member
    when the original itself was touched), spans only widen, and roles are recomputed for the
    touched articles plus every member of a cluster whose original changed.
    """
    if not articles:
        return
    params = {"articles": articles, "run_id": run_id}
    # Every read of a big table below is an index probe per row of this load (LATERAL ... OFFSET 0):
    # the planner, misled by estimates of arrays and CTEs, would otherwise hash or merge whole
    # tables, a cost that grows with the warehouse (benchmarks/load.py --existing).
    changed = conn.execute(
        f"""
        WITH touched AS (
            SELECT DISTINCT m.cluster_id, m.article_id
            FROM unnest(%(articles)s::bigint[]) AS t(article_id)
            CROSS JOIN LATERAL (SELECT cluster_id, article_id FROM cluster_members m
                                WHERE m.article_id = t.article_id OFFSET 0) m
        ), clusters AS MATERIALIZED (
            SELECT c.* FROM (SELECT DISTINCT cluster_id FROM touched) t
            CROSS JOIN LATERAL (SELECT * FROM story_clusters c WHERE c.cluster_id = t.cluster_id OFFSET 0) c
        ), whole AS (
            -- Clusters whose original was touched (its rank may have worsened) or not chosen yet.
            SELECT c.cluster_id FROM clusters c
            WHERE c.original_url = '' OR c.original_article_id IN (SELECT article_id FROM touched)
        ), ranked_members AS (
            SELECT cluster_id, article_id FROM touched
            UNION
            SELECT cluster_id, original_article_id FROM clusters
            UNION
            SELECT w.cluster_id, m.article_id FROM whole w
            CROSS JOIN LATERAL (SELECT article_id FROM cluster_members m WHERE m.cluster_id = w.cluster_id OFFSET 0) m
        ), member_rows AS MATERIALIZED (
            SELECT r.cluster_id, r.article_id, a.published_at, a.first_seen_at
            FROM ranked_members r
            CROSS JOIN LATERAL (SELECT published_at, first_seen_at FROM articles a
                                WHERE a.article_id = r.article_id OFFSET 0) a
        ), ranked AS (
            SELECT DISTINCT ON (r.cluster_id) r.cluster_id, r.article_id, u.url
            FROM member_rows r
            CROSS JOIN LATERAL (SELECT url, extractor, first_seen_at FROM article_urls u
                                WHERE u.article_id = r.article_id OFFSET 0) u
            ORDER BY r.cluster_id, {_KIND_RANK},
                     (SELECT 1 FROM cluster_members n JOIN articles c USING (article_id)
                      WHERE n.cluster_id = r.cluster_id AND c.original_url IS NOT NULL
                        AND url_key(c.original_url) = url_key(u.url) LIMIT 1) IS NULL,
                     r.published_at NULLS LAST, r.first_seen_at, r.article_id, u.first_seen_at, u.url
        ), spans AS (
            SELECT cluster_id, min(coalesce(published_at, first_seen_at)) AS first_published_at,
                   max(coalesce(published_at, first_seen_at)) AS last_published_at
            FROM member_rows
            GROUP BY 1
        ), next AS (
            SELECT r.cluster_id, r.article_id, r.url,
                   CASE WHEN p.original_url = '' THEN s.first_published_at
                        ELSE least(p.first_published_at, s.first_published_at) END AS first_published_at,
                   CASE WHEN p.original_url = '' THEN s.last_published_at
                        ELSE greatest(p.last_published_at, s.last_published_at) END AS last_published_at,
                   p.original_article_id AS previous_original
            FROM ranked r JOIN spans s USING (cluster_id) JOIN clusters p USING (cluster_id)
        )
        UPDATE story_clusters c
        SET original_article_id = n.article_id, original_url = n.url, first_published_at = n.first_published_at,
            last_published_at = n.last_published_at, updated_run_id = %(run_id)s
        FROM next n
        WHERE c.cluster_id = n.cluster_id
          AND (c.original_article_id, c.original_url, c.first_published_at, c.last_published_at)
              IS DISTINCT FROM (n.article_id, n.url, n.first_published_at, n.last_published_at)
        RETURNING c.cluster_id, n.previous_original <> n.article_id
        """,
        params,
    ).fetchall()
    params["clusters"] = [cluster_id for cluster_id, original_changed in changed if original_changed]
    # The roles go through a temporary table, analyzed, so that the update finds its rows by key: its
    # estimate of a join over arrays and CTEs can be wrong by a thousand times, and the planner then
    # hashed the whole of cluster_members (0.6 s at 1,000,000 articles, found by benchmarks/load.py).
    conn.execute("DROP TABLE IF EXISTS pg_temp.member_roles")
    conn.execute(
        f"""
        CREATE TEMPORARY TABLE member_roles ON COMMIT DROP AS
        WITH members AS (
            SELECT article_id FROM unnest(%(articles)s::bigint[]) AS t(article_id)
            UNION
            SELECT m.article_id FROM unnest(%(clusters)s::bigint[]) AS c(cluster_id)
            CROSS JOIN LATERAL (SELECT article_id FROM cluster_members m WHERE m.cluster_id = c.cluster_id OFFSET 0) m
        ), placed AS MATERIALIZED (
            -- Each member's cluster and original, and the publishers of both.
            SELECT m.article_id, m.cluster_id, c.original_article_id, c.original_url,
                   a.publisher, o.publisher AS original_publisher
            FROM members x
            CROSS JOIN LATERAL (SELECT article_id, cluster_id FROM cluster_members m
                                WHERE m.article_id = x.article_id OFFSET 0) m
            CROSS JOIN LATERAL (SELECT original_article_id, original_url FROM story_clusters c
                                WHERE c.cluster_id = m.cluster_id OFFSET 0) c
            CROSS JOIN LATERAL (SELECT publisher FROM articles a WHERE a.article_id = m.article_id OFFSET 0) a
            CROSS JOIN LATERAL (SELECT publisher FROM articles o
                                WHERE o.article_id = c.original_article_id OFFSET 0) o
        ), kinds AS (
            SELECT p.article_id, min({_KIND_RANK}) AS kind,
                   bool_or(url_site(u.url) = url_site(p.original_url)) AS same_site
            FROM placed p
            CROSS JOIN LATERAL (SELECT url, extractor FROM article_urls u WHERE u.article_id = p.article_id OFFSET 0) u
            GROUP BY 1
        ), best AS (
            -- Per member, its strongest link to a member of its cluster (index lookups both ways).
            SELECT p.article_id, l.linked_article_id, l.evidence, l.score
            FROM placed p
            CROSS JOIN LATERAL (
                SELECT y.linked_article_id, y.evidence, y.score
                FROM (SELECT linked_article_id, evidence, score FROM story_links WHERE article_id = p.article_id
                      UNION ALL
                      SELECT article_id, evidence, score FROM story_links WHERE linked_article_id = p.article_id) y
                JOIN cluster_members o ON o.article_id = y.linked_article_id AND o.cluster_id = p.cluster_id
                ORDER BY y.linked_article_id = p.original_article_id DESC,
                         array_position(ARRAY['original_url', 'canonical_url', 'near_duplicate'], y.evidence),
                         y.score DESC NULLS LAST, y.linked_article_id
                LIMIT 1
            ) l
            WHERE p.article_id <> p.original_article_id
        ), roles AS (
            SELECT p.article_id,
                   CASE WHEN p.article_id = p.original_article_id THEN 'original'
                        WHEN k.kind = 1 THEN 'portal_copy'
                        WHEN k.kind = 2 THEN 'repost'
                        WHEN k.same_site OR p.publisher = p.original_publisher THEN 'update'
                        ELSE 'near_duplicate'
                   END AS role,
                   b.evidence, b.score, b.linked_article_id
            FROM placed p
            JOIN kinds k USING (article_id)
            LEFT JOIN best b USING (article_id)
        )
        SELECT * FROM roles
        """,
        params,
    )
    conn.execute("ANALYZE member_roles")
    conn.execute(
        """
        UPDATE cluster_members m
        SET role = r.role, evidence = r.evidence, score = r.score, linked_article_id = r.linked_article_id
        FROM member_roles r
        WHERE m.article_id = r.article_id
          AND (m.role, m.evidence, m.score, m.linked_article_id)
              IS DISTINCT FROM (r.role, r.evidence, r.score, r.linked_article_id)
        """
    )
