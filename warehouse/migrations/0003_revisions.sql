-- 0003_revisions: an article keeps one id while its text changes; every version of the text is kept.
-- Never edit this file once applied anywhere: add a new numbered file instead.
--
-- The model (docs/dedup.md, "Revisions"): `articles` is one row per story at its URL(s), holding
-- its *current* text (the newest version seen); `article_revisions` is one row per version of that
-- text, the current one included. Each content hash belongs to exactly one article
-- (article_revisions.content_hash is unique): a hash seen again is that article, wherever it
-- appears. A changed text at a URL the warehouse knows becomes a new revision of the article
-- last seen at that URL, not a new article.

CREATE TABLE article_revisions (
    revision_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id       bigint NOT NULL REFERENCES articles,
    content_hash     text NOT NULL UNIQUE,       -- this version's hash; maps it to its one article
    hash_version     smallint NOT NULL,
    title            text NOT NULL,
    summary          text,
    -- NULL while this version is the article's current one (its text is articles.body, stored
    -- once); the loader moves the text here when a newer version supersedes it.
    body             text,
    authors          text[] NOT NULL DEFAULT '{}',
    published_at     timestamptz,
    modified_at      timestamptz,                -- the site's 수정 time as this version printed it
    modified_at_raw  text,
    url              text NOT NULL,              -- the URL this version was first seen at
    first_seen_at    timestamptz NOT NULL,       -- fetch time of the first loaded sighting; never moves
    last_seen_at     timestamptz NOT NULL,       -- fetch time of the latest sighting
    first_run_id     text NOT NULL REFERENCES crawl_runs,
    CHECK (content_hash LIKE 'v' || hash_version || ':%')
);

-- "The versions of article X, oldest first"; the current one is the newest by (first_seen_at, content_hash).
CREATE INDEX article_revisions_article_idx ON article_revisions (article_id, first_seen_at, content_hash);

DO $$
BEGIN
    ALTER TABLE article_revisions ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available in this PostgreSQL build; article_revisions.body keeps the default compression';
END
$$;

-- Articles loaded before this migration: each is its own single version.
INSERT INTO article_revisions (article_id, content_hash, hash_version, title, summary, body, authors,
                               published_at, modified_at, modified_at_raw, url, first_seen_at,
                               last_seen_at, first_run_id)
SELECT a.article_id, a.content_hash, a.hash_version, a.title, a.summary, NULL, a.authors,
       a.published_at, a.modified_at, a.modified_at_raw,
       coalesce(f.url, a.canonical_url, ''), a.first_seen_at,
       greatest(a.first_seen_at, w.last_seen_at), a.first_run_id
FROM articles a
LEFT JOIN LATERAL (
    SELECT x.url FROM article_urls x WHERE x.article_id = a.article_id ORDER BY x.first_seen_at, x.url LIMIT 1
) f ON true
LEFT JOIN LATERAL (
    SELECT max(x.last_seen_at) AS last_seen_at FROM article_urls x WHERE x.article_id = a.article_id
) w ON true
ORDER BY a.article_id;

-- The parser that extracted the page at each URL: a board re-posting a portal's markup is told
-- apart from the publisher's own page by it (docs/dedup.md, "The original").
ALTER TABLE article_urls ADD COLUMN extractor text;
UPDATE article_urls u SET extractor = a.extractor FROM articles a WHERE a.article_id = u.article_id;

-- New versions of known articles a run brought (articles_new counts new articles only).
ALTER TABLE crawl_runs ADD COLUMN revisions_new integer;

-- Every version of every article, numbered from 1 in the order they were seen, with its text.
CREATE VIEW article_versions AS
SELECT r.article_id,
       row_number() OVER (PARTITION BY r.article_id ORDER BY r.first_seen_at, r.content_hash) AS version,
       r.content_hash = a.content_hash AS is_current,
       r.revision_id,
       r.content_hash,
       r.title,
       r.summary,
       coalesce(r.body, a.body) AS body,
       r.published_at,
       r.modified_at,
       r.modified_at_raw,
       r.url,
       r.first_seen_at,
       r.last_seen_at,
       r.first_run_id
FROM article_revisions r
JOIN articles a USING (article_id);

-- Articles edited after publication: the crawls saw more than one version, or the page's own
-- 수정 time is later than its 입력 time. `revisions` counts the versions seen after the first.
CREATE VIEW edited_articles AS
WITH versions AS (
    SELECT article_id, count(*) AS versions_seen, max(first_seen_at) AS last_version_seen_at
    FROM article_revisions
    GROUP BY article_id
)
SELECT a.article_id,
       a.source_id,
       a.title,
       l.url,
       a.published_at,
       a.modified_at,
       v.versions_seen,
       v.versions_seen - 1 AS revisions,
       v.last_version_seen_at,
       a.modified_at > a.published_at AS site_says_modified
FROM articles a
JOIN versions v USING (article_id)
JOIN latest_articles l USING (article_id)
WHERE v.versions_seen > 1 OR a.modified_at > a.published_at;
