-- 0005_operations: incremental crawl state, the daily request budget, quality checks per run, source health views.
-- Never edit this file once applied anywhere: add a new numbered file instead.

-- Every article page a loaded run fetched: what incremental runs skip. Written by the load, in the
-- run's transaction, so a run whose load failed never marks its pages as seen.
CREATE TABLE seen_urls (
    source_id          text NOT NULL REFERENCES sources,
    url                text NOT NULL,               -- the URL as discovery listed it (before redirects)
    first_fetched_at   timestamptz NOT NULL,
    last_fetched_at    timestamptz NOT NULL,
    last_run_id        text NOT NULL REFERENCES crawl_runs,
    http_status        integer,
    lastmod            timestamptz,                 -- the newest date a feed or sitemap listed for it when fetched
    robots_directives  text[] NOT NULL DEFAULT '{}',  -- what the page said when last fetched (robots meta, X-Robots-Tag)
    tdm_reservation    boolean,                     -- TDMRep: true reserved, false not reserved, null silent
    tdm_policy         text,
    PRIMARY KEY (source_id, url)
);

-- Validators of feeds and sitemaps for conditional requests, and what a sitemap index listed as
-- each child's lastmod. Written by the load of a run that fetched every URL they listed.
CREATE TABLE discovery_documents (
    source_id       text NOT NULL REFERENCES sources,
    url             text NOT NULL,
    kind            text NOT NULL,                  -- feed, sitemap, listing
    etag            text,
    last_modified   text,                           -- the Last-Modified header as the server sent it
    listed_lastmod  timestamptz,
    last_run_id     text NOT NULL REFERENCES crawl_runs,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (source_id, url)
);

-- Requests sent per source per day (the source's calendar day), over all runs and workers. Written
-- by the crawl as it spends, in blocks; no foreign key, as a first crawl runs before any load.
CREATE TABLE request_budget (
    source_id   text NOT NULL,
    day         date NOT NULL,
    requests    integer NOT NULL DEFAULT 0 CHECK (requests >= 0),
    budget      integer,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, day)
);

-- The data-quality gates of each loaded run (warehouse/quality.py): one row per check.
CREATE TABLE run_checks (
    run_id      text NOT NULL REFERENCES crawl_runs ON DELETE CASCADE,
    check_name  text NOT NULL,
    ok          boolean NOT NULL,
    value       double precision,                   -- what the run measured (a share, a count)
    threshold   double precision,                   -- the limit it was held to
    message     text NOT NULL,
    checked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, check_name)
);

-- When the warehouse first heard of a run: a failed crawl that left no output has no start or finish
-- time, and the health views must still see it as the latest run.
ALTER TABLE crawl_runs ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();

-- Runs per source per Korean day: how many, how many failed (crawl or quality gate), what they brought.
CREATE VIEW source_health_daily AS
SELECT r.source_id,
       (coalesce(r.started_at, r.recorded_at) AT TIME ZONE 'Asia/Seoul')::date AS day,
       count(*) AS runs,
       count(*) FILTER (WHERE r.status = 'failed') AS failed_runs,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM run_checks c WHERE c.run_id = r.run_id AND NOT c.ok))
           AS failed_checks,
       coalesce(sum(r.articles_in_output), 0) AS articles_in_output,
       coalesce(sum(r.articles_new), 0) AS articles_new,
       coalesce(sum((r.stats ->> 'downloader/request_count')::bigint), 0) AS requests,
       max(r.finished_at) FILTER (WHERE r.status = 'loaded') AS last_loaded_at
FROM crawl_runs r
WHERE NOT r.dry_run
GROUP BY 1, 2;

-- One row per source: its last run, how old it is, its counts and what failed; "healthy" when the last
-- run loaded and passed its checks and the last good run is younger than the source's max_age_hours.
CREATE VIEW source_health AS
WITH last_run AS (
    SELECT DISTINCT ON (source_id) *
    FROM crawl_runs
    WHERE NOT dry_run
    ORDER BY source_id, coalesce(started_at, recorded_at) DESC, run_id DESC
), good AS (
    SELECT r.source_id, max(r.finished_at) AS last_success_at
    FROM crawl_runs r
    WHERE r.status = 'loaded' AND NOT r.dry_run
      AND NOT EXISTS (SELECT 1 FROM run_checks c WHERE c.run_id = r.run_id AND NOT c.ok)
    GROUP BY 1
), day AS (
    SELECT source_id, count(*) AS runs_24h, count(*) FILTER (WHERE status = 'failed') AS failed_runs_24h,
           coalesce(sum(articles_new), 0) AS articles_new_24h
    FROM crawl_runs
    WHERE coalesce(started_at, recorded_at) > now() - interval '24 hours' AND NOT dry_run
    GROUP BY 1
), checks AS (
    SELECT run_id, array_agg(check_name || ': ' || message ORDER BY check_name) AS failed_checks
    FROM run_checks WHERE NOT ok GROUP BY 1
)
SELECT s.source_id,
       l.run_id AS last_run_id,
       l.status AS last_status,
       coalesce(l.finished_at, l.recorded_at) AS last_finished_at,
       now() - coalesce(l.finished_at, l.recorded_at) AS last_run_age,
       l.articles_in_output AS last_articles_in_output,
       l.articles_new AS last_articles_new,
       l.error AS last_error,
       coalesce(c.failed_checks, '{}') AS last_failed_checks,
       g.last_success_at,
       (s.config ->> 'max_age_hours')::double precision AS max_age_hours,
       coalesce(d.runs_24h, 0) AS runs_24h,
       coalesce(d.failed_runs_24h, 0) AS failed_runs_24h,
       coalesce(d.articles_new_24h, 0) AS articles_new_24h,
       (l.status = 'loaded' AND c.failed_checks IS NULL
        AND (s.config ->> 'max_age_hours' IS NULL
             OR g.last_success_at > now() - make_interval(secs => (s.config ->> 'max_age_hours')::double precision * 3600)))
           AS healthy
FROM sources s
LEFT JOIN last_run l USING (source_id)
LEFT JOIN good g USING (source_id)
LEFT JOIN day d USING (source_id)
LEFT JOIN checks c ON c.run_id = l.run_id;

-- What each article's pages said about AI use and text-and-data mining, beside the copyright line.
CREATE VIEW article_rights AS
SELECT u.article_id,
       u.url,
       a.rights,
       a.rights_reserves_ai,
       coalesce(s.robots_directives, '{}') AS robots_directives,
       s.tdm_reservation,
       s.tdm_policy,
       s.last_fetched_at
FROM article_urls u
JOIN articles a USING (article_id)
LEFT JOIN seen_urls s ON s.source_id = u.source_id AND s.url = u.url;
