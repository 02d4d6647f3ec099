-- 0001_init: sources, crawl runs, articles, the URLs each article was seen at, and what each run loaded.
-- Never edit this file once applied anywhere: add a new numbered file instead.

CREATE TABLE sources (
    source_id   text PRIMARY KEY,
    name        text NOT NULL,
    publisher   text,
    homepage    text,
    config      jsonb NOT NULL DEFAULT '{}',   -- the run manifest's "source" object, as the crawl saw it
    updated_at  timestamptz NOT NULL           -- finish time of the run whose manifest last changed this row
);

CREATE TABLE crawl_runs (
    run_id              text PRIMARY KEY,
    source_id           text NOT NULL REFERENCES sources,
    status              text NOT NULL CHECK (status IN ('loaded', 'failed')),
    started_at          timestamptz,
    finished_at         timestamptz,
    loaded_at           timestamptz,
    finish_reason       text,
    dry_run             boolean NOT NULL DEFAULT false,
    articles_in_output  integer,                -- records in the run's articles file
    articles_new        integer,                -- articles this run brought into the warehouse
    urls_new            integer,                -- (url, article) sightings the warehouse did not have before the load
    urls_seen           integer,                -- distinct (url, article) sightings in the output
    drops               jsonb NOT NULL DEFAULT '{}',  -- drop reason -> count
    stats               jsonb NOT NULL DEFAULT '{}',  -- the crawl's full Scrapy stats
    params              jsonb NOT NULL DEFAULT '{}',  -- the run's parameters (max_articles, ...)
    verdict             jsonb,                  -- the crawl's own judgement: {"ok": bool, "problems": [...]}
    output_uri          text,
    output_sha256       text,                   -- sha256 of the articles file: a re-load of the same output is a no-op
    error               text
);

CREATE INDEX crawl_runs_source_started_idx ON crawl_runs (source_id, started_at DESC);

CREATE TABLE articles (
    article_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_hash        text NOT NULL UNIQUE,   -- the dedupe key: "v<hash_version>:<hex>" of the normalised body
    hash_version        smallint NOT NULL,
    source_id           text NOT NULL REFERENCES sources,   -- the source whose run first loaded the article
    publisher           text,
    canonical_url       text,
    original_url        text,
    title               text NOT NULL,
    summary             text,
    body                text NOT NULL,
    authors             text[] NOT NULL DEFAULT '{}',
    authors_raw         text[] NOT NULL DEFAULT '{}',
    published_at        timestamptz,
    published_at_raw    text,
    modified_at         timestamptz,
    modified_at_raw     text,
    section             text,
    tags                text[] NOT NULL DEFAULT '{}',
    images              jsonb NOT NULL DEFAULT '[]',   -- [{"url": ..., "caption": ...}]
    language            text,
    rights              text,
    rights_reserves_ai  boolean NOT NULL DEFAULT false,
    extractor           text,
    first_seen_at       timestamptz NOT NULL,   -- fetch time in the run that first loaded it
    first_run_id        text NOT NULL REFERENCES crawl_runs,
    CHECK (content_hash LIKE 'v' || hash_version || ':%')
);

-- "Latest articles of a source", sorted by publication time where the page gave one.
CREATE INDEX articles_source_published_idx
    ON articles (source_id, (coalesce(published_at, first_seen_at)) DESC);
CREATE INDEX articles_first_seen_idx ON articles (first_seen_at);
CREATE INDEX articles_first_run_idx ON articles (first_run_id);

-- lz4 makes loading 1.3-3x faster than the default pglz (shared/FACTS.md), but some builds
-- (the embedded pgserver one) lack it: keep the default there rather than fail the migration.
DO $$
BEGIN
    ALTER TABLE articles ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available in this PostgreSQL build; articles.body keeps the default compression';
END
$$;

-- Every URL an article was seen at. One URL can carry several articles over time (an edited
-- story hashes differently), hence the key on both.
CREATE TABLE article_urls (
    url            text NOT NULL,
    article_id     bigint NOT NULL REFERENCES articles,
    source_id      text NOT NULL REFERENCES sources,   -- the source whose crawl first saw it there
    first_seen_at  timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL,
    first_run_id   text NOT NULL REFERENCES crawl_runs,
    last_run_id    text NOT NULL REFERENCES crawl_runs,
    http_status    integer,
    PRIMARY KEY (url, article_id)
);

CREATE INDEX article_urls_article_idx ON article_urls (article_id);

-- What each run loaded, whether or not the articles were new: "what did run X bring",
-- and the count the post-load check compares with the run's output.
CREATE TABLE run_articles (
    run_id      text NOT NULL REFERENCES crawl_runs ON DELETE CASCADE,
    article_id  bigint NOT NULL REFERENCES articles,
    PRIMARY KEY (run_id, article_id)
);

CREATE INDEX run_articles_article_idx ON run_articles (article_id);
