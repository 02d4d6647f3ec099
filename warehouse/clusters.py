"""Story clusters: link the articles of a load by evidence, and merge the clusters the links join.

Called by ``warehouse.load.load_run`` in the run's transaction, under the merge lock, after the
articles, revisions and URLs are merged. Evidence (strongest first):

- ``original_url``: a copy's link to its original (Naver's 기사원문) names a URL of the other article;
- ``canonical_url``: a page's canonical URL is a URL of the other article, or both name the same one
  (a site root is never evidence: some sites make it every page's canonical);
- ``near_duplicate``: the texts share at least ``pipelines.neardup.THRESHOLD`` of their shingles
  (``warehouse.minhash``).

An identical text is not a link but one article (``article_revisions`` maps each hash to one
article); its URLs are the story's ``same_hash`` copies. A cluster is a connected component of
the links, except that a near-duplicate link never makes a story span more than ``STORY_SPAN``
(templated daily items, such as weather or market reports, would otherwise chain day after
day into one story); such a link is kept in ``story_links`` all the same. Every loaded article
belongs to exactly one cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import psycopg

from warehouse.minhash import NearDuplicate
from warehouse.originals import _KIND_RANK, refresh_clusters

STORY_SPAN = timedelta(days=7)
_EVIDENCE_ORDER = {"original_url": 0, "canonical_url": 1, "near_duplicate": 2}
# A URL with something after the host: a site root is never evidence.
_HAS_PATH = r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+/+[^/?#]"

Link = tuple[int, int, str, float | None]  # (article_id, linked_article_id, evidence, score), smaller id first


def url_links(conn: psycopg.Connection) -> list[Link]:
    """Original-URL and canonical-URL links between this run's articles and any others (both directions).

    The run's records are ``staging_articles``, their articles ``run_versions`` (``merge_versions``).
    """
    rows = conn.execute(
        """
        WITH recs AS MATERIALIZED (
            SELECT DISTINCT r.article_id, s.url, s.other_urls, s.original_url, s.canonical_url
            FROM staging_articles s JOIN run_versions r USING (content_hash)  -- each text's article
        ), seen AS MATERIALIZED (
            SELECT article_id, url_key(url) AS k FROM recs
            UNION
            SELECT article_id, url_key(o.url) FROM recs CROSS JOIN LATERAL unnest(other_urls) AS o(url)
        ), found AS (
            -- Every lookup is an index probe per row of the run (the LATERAL ... OFFSET 0 keeps the
            -- planner from hashing whole tables, whose cost would grow with the warehouse).
            SELECT recs.article_id AS a, u.article_id AS b, 'original_url' AS evidence
            FROM recs CROSS JOIN LATERAL (SELECT article_id FROM article_urls u
                                          WHERE url_key(u.url) = url_key(recs.original_url) OFFSET 0) u
            WHERE recs.original_url IS NOT NULL
            UNION
            SELECT x.article_id, seen.article_id, 'original_url'
            FROM seen CROSS JOIN LATERAL (SELECT article_id FROM articles x WHERE url_key(x.original_url) = seen.k
                                          AND x.original_url IS NOT NULL OFFSET 0) x
            UNION
            SELECT recs.article_id, u.article_id, 'canonical_url'
            FROM recs CROSS JOIN LATERAL (SELECT article_id FROM article_urls u
                                          WHERE url_key(u.url) = url_key(recs.canonical_url) OFFSET 0) u
            WHERE recs.canonical_url ~ %(path)s
            UNION
            SELECT x.article_id, seen.article_id, 'canonical_url'
            FROM seen CROSS JOIN LATERAL (SELECT article_id FROM articles x WHERE url_key(x.canonical_url) = seen.k
                                          AND x.canonical_url IS NOT NULL AND x.canonical_url ~ %(path)s OFFSET 0) x
            UNION
            SELECT recs.article_id, x.article_id, 'canonical_url'
            FROM recs CROSS JOIN LATERAL (SELECT article_id FROM articles x
                                          WHERE url_key(x.canonical_url) = url_key(recs.canonical_url)
                                            AND x.canonical_url IS NOT NULL OFFSET 0) x
            WHERE recs.canonical_url ~ %(path)s
        )
        SELECT DISTINCT least(a, b), greatest(a, b), evidence, NULL::real FROM found WHERE a <> b ORDER BY 1, 2, 3
        """,
        {"path": _HAS_PATH},
    ).fetchall()
    return [tuple(row) for row in rows]


def cluster_run(
    conn: psycopg.Connection, run_id: str, new_articles: Iterable[int], links: list[Link],
    near_duplicates: list[NearDuplicate], changed: Iterable[int] = (),
) -> None:
    """Record the links, put new articles in clusters, merge linked clusters, refresh originals and roles.

    ``changed``: articles already in the warehouse whose URLs or versions this load changed (a new
    URL, a publisher's page say, can change a story's original). A new article without a link is a
    story of its own, written whole in two statements; only linked articles go through union-find.
    """
    links = links + [(n.article_id, n.linked_article_id, "near_duplicate", n.score) for n in near_duplicates]
    if links:
        conn.execute("DROP TABLE IF EXISTS pg_temp.found_links")
        conn.execute(
            "CREATE TEMPORARY TABLE found_links (article_id int8, linked_article_id int8, evidence text, score real)"
            " ON COMMIT DROP"
        )
        with conn.cursor().copy("COPY found_links FROM STDIN") as copy:
            for link in links:
                copy.write_row(link)
        conn.execute(
            "INSERT INTO story_links (article_id, linked_article_id, evidence, score, run_id)"
            " SELECT *, %s FROM found_links ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING",
            (run_id,),
        )
    linked = {a for link in links for a in link[:2]}
    new = sorted(set(new_articles))
    alone = [a for a in new if a not in linked]
    _found_stories(conn, run_id, alone)
    involved = sorted(linked)
    cluster_of, span = _current(conn, involved)

    # Union-find over nodes: an existing cluster ("c", id), or a new article not in one yet ("a", id).
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def node(article_id: int) -> tuple[str, int]:
        return ("c", cluster_of[article_id]) if article_id in cluster_of else ("a", article_id)

    def root(n: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(n, n) != n:
            n = parent[n]
        return n

    for article_id in involved:
        root(node(article_id))
    # URL evidence always joins; near-duplicates join the most similar first, within the span limit.
    for a, b, evidence, _score in sorted(links, key=lambda x: (_EVIDENCE_ORDER[x[2]], -(x[3] or 0), x[0], x[1])):
        ra, rb = root(node(a)), root(node(b))
        if ra == rb:
            continue
        first, last = min(span[ra][0], span[rb][0]), max(span[ra][1], span[rb][1])
        if evidence == "near_duplicate" and last - first > STORY_SPAN:
            continue
        keep, gone = sorted((ra, rb), key=lambda n: (n[0] != "c", n[1]))  # an existing cluster survives
        parent[gone], span[keep] = keep, (first, last)
    touched = _materialise(conn, run_id, parent, root)
    touched.update(set(changed) - set(alone))
    refresh_clusters(conn, run_id, sorted(touched))


def _found_stories(conn: psycopg.Connection, run_id: str, articles: list[int]) -> None:
    """A story of its own for each of ``articles`` (new, unlinked), with what ``refresh_clusters`` would choose.

    Its original is the article's best URL by the rule of ``warehouse.originals`` (among one
    article's URLs only the page kind, its own 기사원문 link, and the URLs' first sightings differ),
    its span its own date, its role ``original`` without evidence.
    """
    if not articles:
        return
    conn.execute(
        f"""
        WITH urls AS (
            SELECT a.article_id, a.original_url, coalesce(a.published_at, a.first_seen_at) AS day, u.url,
                   u.extractor, u.first_seen_at, count(*) OVER (PARTITION BY a.article_id) AS urls
            FROM unnest(%(articles)s::bigint[]) AS t(article_id)
            -- Index probes per article (LATERAL ... OFFSET 0), never a hash of whole tables.
            CROSS JOIN LATERAL (SELECT article_id, original_url, published_at, first_seen_at FROM articles a
                                WHERE a.article_id = t.article_id OFFSET 0) a
            CROSS JOIN LATERAL (SELECT url, extractor, first_seen_at FROM article_urls u
                                WHERE u.article_id = t.article_id OFFSET 0) u
        ), best AS (
            -- The page kind only matters (and costs its lookup) when there are several URLs to rank.
            SELECT DISTINCT ON (article_id) article_id, url, day
            FROM urls u
            ORDER BY article_id, CASE WHEN urls > 1 THEN {_KIND_RANK} ELSE 0 END,
                     NOT (urls > 1 AND u.original_url IS NOT NULL AND url_key(u.original_url) = url_key(u.url)),
                     u.first_seen_at, u.url
        ), created AS (
            INSERT INTO story_clusters (original_article_id, original_url, first_published_at, last_published_at,
                                        created_run_id, updated_run_id)
            SELECT article_id, url, day, day, %(run_id)s, %(run_id)s FROM best ORDER BY article_id
            RETURNING cluster_id, original_article_id
        )
        INSERT INTO cluster_members (article_id, cluster_id, role, joined_run_id)
        SELECT original_article_id, cluster_id, 'original', %(run_id)s FROM created ORDER BY 1
        """,
        {"articles": articles, "run_id": run_id},
    )


def _current(
    conn: psycopg.Connection, articles: list[int]
) -> tuple[dict[int, int], dict[tuple[str, int], tuple[datetime, datetime]]]:
    """Each involved article's cluster, and the time span of every node."""
    cluster_of: dict[int, int] = {}
    span: dict[tuple[str, int], tuple[datetime, datetime]] = {}
    for article_id, cluster_id, when, first, last in conn.execute(
        """
        SELECT a.article_id, m.cluster_id, coalesce(a.published_at, a.first_seen_at),
               c.first_published_at, c.last_published_at
        FROM articles a
        LEFT JOIN cluster_members m USING (article_id)
        LEFT JOIN story_clusters c USING (cluster_id)
        WHERE a.article_id = ANY(%s)
        """,
        (articles,),
    ):
        if cluster_id is None:
            span[("a", article_id)] = (when, when)
        else:
            cluster_of[article_id] = cluster_id
            span[("c", cluster_id)] = (first, last)
    return cluster_of, span


def _materialise(conn: psycopg.Connection, run_id: str, parent: dict, root) -> set[int]:
    """Write the components as clusters; the articles that joined or moved."""
    components: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for n in sorted(parent):
        components.setdefault(root(n), []).append(n)
    touched: set[int] = set()
    joining: list[tuple[int, int]] = []  # (article, existing cluster)
    founders: list[list[int]] = []       # articles of a new cluster, first one its placeholder original
    for nodes in components.values():
        clusters = sorted(i for kind, i in nodes if kind == "c")
        articles = sorted(i for kind, i in nodes if kind == "a")
        if not clusters:
            founders.append(articles)
            continue
        if len(clusters) == 1 and not articles:
            continue
        target, merged = clusters[0], clusters[1:]
        if merged:
            touched.update(a for (a,) in conn.execute(
                "UPDATE cluster_members SET cluster_id = %s WHERE cluster_id = ANY(%s) RETURNING article_id",
                (target, merged),
            ))
            conn.execute("DELETE FROM story_clusters WHERE cluster_id = ANY(%s)", (merged,))
        joining.extend((a, target) for a in articles)
        conn.execute("UPDATE story_clusters SET updated_run_id = %s WHERE cluster_id = %s", (run_id, target))
    if founders:
        # Placeholders until refresh_clusters chooses the original and measures the span.
        created = dict(conn.execute(
            "INSERT INTO story_clusters (original_article_id, original_url, first_published_at, last_published_at,"
            " created_run_id, updated_run_id)"
            " SELECT a, '', now(), now(), %s, %s FROM unnest(%s::bigint[]) AS f(a) ORDER BY a"
            " RETURNING original_article_id, cluster_id",
            (run_id, run_id, [articles[0] for articles in founders]),
        ).fetchall())
        joining.extend((a, created[articles[0]]) for articles in founders for a in articles)
    if joining:
        conn.execute(
            "INSERT INTO cluster_members (article_id, cluster_id, role, joined_run_id)"
            " SELECT a, c, 'original', %s FROM unnest(%s::bigint[], %s::bigint[]) AS j(a, c) ORDER BY a",
            (run_id, [a for a, _ in joining], [c for _, c in joining]),
        )
        touched.update(a for a, _ in joining)
    return touched
