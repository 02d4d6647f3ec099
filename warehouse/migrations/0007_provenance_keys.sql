-- 0007_provenance_keys: no foreign keys on the columns that only say which run or source wrote a row.
-- Never edit this file once applied anywhere: add a new numbered file instead.
--
-- Every row a load writes names the one run and source that the same transaction has just
-- written (warehouse/load.py), yet PostgreSQL checks a foreign key once per row (a trigger and
-- an index probe each, never once per statement): ten such checks an article were about a sixth
-- of a load's time (docs/benchmarks.md, "Load"). The loader is the only writer (docs/security.md)
-- and `warehouse.integrity.dangling_references` lists any row naming a run or source that is not
-- there; the tests run it after every kind of load. The keys between articles, versions and
-- clusters stay: those rows are derived by the merge, and a bug there should fail the load.
ALTER TABLE articles
    DROP CONSTRAINT IF EXISTS articles_first_run_id_fkey,
    DROP CONSTRAINT IF EXISTS articles_source_id_fkey;
ALTER TABLE article_urls
    DROP CONSTRAINT IF EXISTS article_urls_source_id_fkey,
    DROP CONSTRAINT IF EXISTS article_urls_first_run_id_fkey,
    DROP CONSTRAINT IF EXISTS article_urls_last_run_id_fkey;
ALTER TABLE article_revisions DROP CONSTRAINT IF EXISTS article_revisions_first_run_id_fkey;
ALTER TABLE story_clusters
    DROP CONSTRAINT IF EXISTS story_clusters_created_run_id_fkey,
    DROP CONSTRAINT IF EXISTS story_clusters_updated_run_id_fkey;
ALTER TABLE cluster_members DROP CONSTRAINT IF EXISTS cluster_members_joined_run_id_fkey;
ALTER TABLE story_links DROP CONSTRAINT IF EXISTS story_links_run_id_fkey;
