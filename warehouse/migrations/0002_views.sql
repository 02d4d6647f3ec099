-- 0002_views: the views warehouse/README.md queries; named in the reader's words.

-- Every article with the one URL to show for it: the page's canonical URL, else the first URL it was seen at.
-- Sort by published_or_seen_at (matches articles_source_published_idx).
CREATE VIEW latest_articles AS
SELECT a.source_id,
       a.article_id,
       coalesce(a.published_at, a.first_seen_at) AS published_or_seen_at,
       a.published_at,
       a.title,
       coalesce(a.canonical_url, first_url.url) AS url,
       a.publisher,
       a.section,
       a.first_seen_at,
       a.first_run_id
FROM articles a
LEFT JOIN LATERAL (
    SELECT u.url
    FROM article_urls u
    WHERE u.article_id = a.article_id
    ORDER BY u.first_seen_at, u.url
    LIMIT 1
) first_url ON true;

-- Articles per source per Korean calendar day (publication day, else the day the crawl first saw it).
CREATE VIEW articles_per_source_day AS
SELECT a.source_id,
       (coalesce(a.published_at, a.first_seen_at) AT TIME ZONE 'Asia/Seoul')::date AS day,
       count(*) AS articles
FROM articles a
GROUP BY 1, 2;

-- Every URL an article appeared at, with when and by which runs.
CREATE VIEW article_locations AS
SELECT u.article_id,
       a.title,
       u.url,
       coalesce(u.url = a.canonical_url, false) AS is_canonical,
       u.source_id,
       u.first_seen_at,
       u.last_seen_at,
       u.first_run_id,
       u.last_run_id,
       u.http_status
FROM article_urls u
JOIN articles a USING (article_id);

-- Crawl runs with their counts, duration and total drops (sort by started_at).
CREATE VIEW recent_runs AS
SELECT r.run_id,
       r.source_id,
       r.status,
       r.dry_run,
       r.started_at,
       r.finished_at,
       r.finished_at - r.started_at AS duration,
       r.loaded_at,
       r.finish_reason,
       r.articles_in_output,
       r.articles_new,
       r.urls_new,
       r.urls_seen,
       (SELECT coalesce(sum(d.value::numeric), 0)::bigint
          FROM jsonb_each_text(r.drops) d
         WHERE jsonb_typeof(r.drops -> d.key) = 'number') AS dropped,
       r.error
FROM crawl_runs r;
