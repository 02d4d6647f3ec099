"""Write a run's crawl state (pages fetched, feed/sitemap validators) in the transaction that loads its articles.

The crawl reads this state back at its start (``spiders/state.py``) to skip what earlier
runs fetched. Only loaded runs write it, and in the same transaction as their articles: a
page is marked seen exactly when what it yielded is in the warehouse. A later fetch of a
seen URL moves its ``last_*`` columns forward and keeps the newest listed date.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from warehouse.run_output import LoadError, timestamp


def record_crawl_state(conn: psycopg.Connection, run_id: str, source_id: str, state: Mapping[str, Any]) -> int:
    """Upsert the run's fetched pages and validators; return the number of page rows written."""
    pages = list(state.get("pages") or [])
    documents = list(state.get("documents") or [])
    where = f"state of run {run_id!r}"
    page_rows = [
        (source_id, page["url"], timestamp(page.get("fetched_at"), where, "fetched_at"), run_id,
         page.get("status"), timestamp(page.get("lastmod"), where, "lastmod"),
         list(page.get("robots_directives") or []), page.get("tdm_reservation"), page.get("tdm_policy"))
        for page in pages
    ]
    if any(row[2] is None for row in page_rows):
        raise LoadError(f"{where}: a page has no fetched_at")
    with conn.cursor() as cur:
        # Sorted by URL so that two loads of one source lock rows in the same order.
        cur.executemany(
            """
            INSERT INTO seen_urls AS s (source_id, url, first_fetched_at, last_fetched_at, last_run_id, http_status,
                                        lastmod, robots_directives, tdm_reservation, tdm_policy)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (source_id, url) DO UPDATE
            SET first_fetched_at = least(s.first_fetched_at, excluded.first_fetched_at),
                last_fetched_at = greatest(s.last_fetched_at, excluded.last_fetched_at),
                last_run_id = CASE WHEN excluded.last_fetched_at >= s.last_fetched_at
                                   THEN excluded.last_run_id ELSE s.last_run_id END,
                http_status = CASE WHEN excluded.last_fetched_at >= s.last_fetched_at
                                   THEN excluded.http_status ELSE s.http_status END,
                lastmod = greatest(s.lastmod, excluded.lastmod),
                robots_directives = CASE WHEN excluded.last_fetched_at >= s.last_fetched_at
                                         THEN excluded.robots_directives ELSE s.robots_directives END,
                tdm_reservation = CASE WHEN excluded.last_fetched_at >= s.last_fetched_at
                                       THEN excluded.tdm_reservation ELSE s.tdm_reservation END,
                tdm_policy = CASE WHEN excluded.last_fetched_at >= s.last_fetched_at
                                  THEN excluded.tdm_policy ELSE s.tdm_policy END
            """,
            [(r[0], r[1], r[2], r[2], *r[3:]) for r in sorted(page_rows, key=lambda r: r[1])],
        )
        cur.executemany(
            """
            INSERT INTO discovery_documents AS d (source_id, url, kind, etag, last_modified, listed_lastmod,
                                                  last_run_id, updated_at)
            VALUES (%s, %s, %s, %s, %s, %s, %s, now())
            ON CONFLICT (source_id, url) DO UPDATE
            SET kind = excluded.kind, etag = excluded.etag, last_modified = excluded.last_modified,
                listed_lastmod = coalesce(excluded.listed_lastmod, d.listed_lastmod),
                last_run_id = excluded.last_run_id, updated_at = now()
            """,
            [(source_id, d["url"], d.get("kind") or "feed", d.get("etag"), d.get("last_modified"),
              timestamp(d.get("listed_lastmod"), where, "listed_lastmod"), run_id)
             for d in sorted(documents, key=lambda d: d["url"])],
        )
    return len(page_rows)
