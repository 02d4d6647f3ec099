-- 0006_minhash_v2: version 2 near-duplicate fingerprints (One Permutation Hashing) beside version 1's.
-- Never edit this file once applied anywhere: add a new numbered file instead.
-- Why and how: docs/dedup.md, "Near-duplicates" and "Load cost".

-- A version can have a signature of each MinHash version (version 1 rows stay as they were).
-- For version 2 rows `shingles` counts shingle positions (characters of the normal form - 4),
-- which the loader has without sorting the text's shingles; version 1 rows count distinct shingles.
ALTER TABLE article_minhash DROP CONSTRAINT article_minhash_pkey;
ALTER TABLE article_minhash ADD PRIMARY KEY (revision_id, minhash_version);

-- Version 2's LSH keys: one row per band of each version's signature. The band's number and the
-- MinHash version are hashed into the key, so the key alone is the bucket (a smaller index entry
-- than article_lsh_bands' (band, key, revision_id): 28 bytes instead of 36).
-- No foreign key, for the same reason as article_lsh_bands.
CREATE TABLE article_lsh_keys (
    key          bigint NOT NULL,
    revision_id  bigint NOT NULL,
    PRIMARY KEY (key, revision_id)
);

-- Versions still to be given a version 2 signature: every version loaded before this migration.
-- The first load after it fills them in (warehouse.minhash.backfill), in its own transaction's merge,
-- so near-duplicate search keeps covering every stored version.
CREATE TABLE minhash_backfill (
    revision_id  bigint PRIMARY KEY REFERENCES article_revisions
);
INSERT INTO minhash_backfill (revision_id) SELECT revision_id FROM article_revisions ORDER BY 1;
