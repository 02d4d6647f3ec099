-- 0008_lsh_keys_by_week: version 2 LSH keys carry the week of their version, in their top bits.
-- Never edit this file once applied anywhere: add a new numbered file instead.
-- Why and how: docs/dedup.md, "Near-duplicates", and docs/benchmarks.md, "How cost grows".
--
-- A key used to be a 64-bit hash of a band, so each load's 42 keys an article landed on random
-- pages all over an index that grows 42 entries an article: at 1,000,000 articles nearly every
-- key a load wrote dirtied a different page outside the server's cache. A key is now
--     lsh_week(day of its version) << 47 | (band hash & (2^47 - 1))
-- so the index is ordered by week first: a load writes into the part of the index for the weeks
-- its articles are dated (the current one, as a rule), whatever the size of the warehouse, and a
-- version is matched against the versions dated in its own week and the weeks either side. A
-- near-duplicate link between texts dated more than a week apart never joined stories anyway
-- (warehouse/clusters.py, STORY_SPAN); identical texts and URL evidence still link across all
-- time. 47 bits of band hash leave a chance collision between two weeks' keys at about one in
-- 10^7 probes even with millions of keys a week; candidates are verified on their texts anyway.

-- The week number of a version's day (UTC weeks since 1970, kept within the 16 bits the key has
-- for it, so a wild date cannot overflow into the sign bit). The loader, the back-fill and this
-- migration all take it from here.
CREATE FUNCTION lsh_week(day timestamptz) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN least(greatest(floor(extract(epoch FROM day) / 604800), 1), 65534)::integer;

-- The day a version is dated by: what the page printed, else when it was first fetched (as for stories).
CREATE FUNCTION lsh_day(published_at timestamptz, first_seen_at timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(published_at, first_seen_at);

ALTER TABLE article_lsh_keys RENAME TO article_lsh_keys_0006;
ALTER TABLE article_lsh_keys_0006 RENAME CONSTRAINT article_lsh_keys_pkey TO article_lsh_keys_0006_pkey;
CREATE TABLE article_lsh_keys (
    key          bigint NOT NULL,   -- week << 47 | band hash: see above
    revision_id  bigint NOT NULL
);
INSERT INTO article_lsh_keys (key, revision_id)
SELECT DISTINCT (lsh_week(lsh_day(r.published_at, r.first_seen_at))::bigint << 47) | (k.key & 140737488355327),
       k.revision_id
FROM article_lsh_keys_0006 k JOIN article_revisions r USING (revision_id)
ORDER BY 1, 2;
-- Built after the rows are in: one sort instead of an index insert per row.
ALTER TABLE article_lsh_keys ADD PRIMARY KEY (key, revision_id);
DROP TABLE article_lsh_keys_0006;
