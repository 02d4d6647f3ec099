-- 0010_unlogged_sketches: the near-duplicate sketches, LSH keys and week filters are not written to the WAL.
-- Never edit this file once applied anywhere: add a new numbered file instead.
-- Why: docs/benchmarks.md, "How cost grows". These three tables are derived: each row is a
-- function of a version's text (article_revisions and articles keep it) and is rebuilt from it
-- by warehouse.minhash.backfill. Logged, they were a large part of what a load wrote to the WAL:
-- a load's 42 LSH keys an article land all over its week's part of the index, and the first
-- change to a page after each checkpoint writes the whole page to the WAL again, more of them as
-- the week fills (38 KB of WAL an article for the keys alone late in a week, 10 KB on its first
-- day). The stories, links and evidence found with them stay logged.
--
-- What it changes for an operator:
-- - after a crash (not a clean shutdown) PostgreSQL empties unlogged tables. The next load finds
--   the sketches gone, queues every version in minhash_backfill and rebuilds them in its own
--   transaction before it matches anything (warehouse.minhash.requeue_lost_sketches): about
--   0.3 ms a version (python -m benchmarks.rebuild), some five minutes for a million, once;
-- - a streaming replica has no rows in them, and a promoted replica is rebuilt as after a crash;
-- - pg_dump still dumps their rows unless told --no-unlogged-table-data.
-- SET UNLOGGED rewrites each table once: at 1,000,000 articles, 42 million keys.
ALTER TABLE article_minhash SET UNLOGGED;
ALTER TABLE article_lsh_keys SET UNLOGGED;
ALTER TABLE lsh_week_filters SET UNLOGGED;
