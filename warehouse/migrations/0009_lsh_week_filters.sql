-- 0009_lsh_week_filters: a Bloom filter of each week's stored LSH keys (warehouse/lsh_filters.py).
-- Never edit this file once applied anywhere: add a new numbered file instead.
-- Why: docs/benchmarks.md, "How cost grows". Over 98% of the keys a load looks for are stored
-- nowhere, yet each was an index descent into a week of millions of keys; the filter rules them
-- out from a few MB read once a load.
--
-- Rule: a week's filter holds every key article_lsh_keys holds for that week. The loader and the
-- back-fill keep it so; a week without a row has its filter built from the index by the next
-- load that needs it. After writing article_lsh_keys by hand, DELETE FROM lsh_week_filters.
CREATE TABLE lsh_week_filters (
    week  integer PRIMARY KEY,   -- lsh_week(), as in the top bits of the week's keys
    keys  bigint NOT NULL,       -- keys added since the filter was last built: when to rebuild it larger
    bits  bytea NOT NULL         -- the filter's bits, least significant first in each byte
);
-- The bits are random: compressing them would cost time and save nothing.
ALTER TABLE lsh_week_filters ALTER COLUMN bits SET STORAGE EXTERNAL;
